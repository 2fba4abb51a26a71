"""Give each cluster of articles what a reader sees of an event: date, place, who took part, title, summary."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence

from .cluster import ClusterItem, cluster_events, near_duplicates
from .kinds import classify_event
from .models import (Article, Diagnostic, Entity, EntityKind, EntityMention, Event, EventKind, ParsedArticle,
                     SummarySentence, Token, wire_copies)
from .overrides import EventOverride, place_named, regroup
from .resolve import Resolution, fold
from .slugs import slugify
from .summarize import SourceSentence, summarize_event

# Words that name a diplomatic happening; a place governed by "in"/"at" under one of them is where it happened.
HAPPENING_LEMMAS = {
    "meet", "meeting", "talk", "talks", "summit", "visit", "hold", "host", "gather", "sign", "call", "conference",
    "session", "encounter", "negotiation", "negotiate", "discuss", "discussion", "ceremony", "trip", "arrive",
}
MEETING_LEMMAS = {"meet", "meeting", "talk", "talks", "summit", "encounter", "discuss", "discussion", "hold"}
PLACE_PREPOSITIONS = {"in", "at"}
CLIMB = 4  # how far up the parse a place may sit below the word for the happening
# A person named at least this share as often as the most named one took part; the rest are only mentioned.
PARTICIPANT_SHARE = 0.3
MAX_PARTICIPANTS = 8


def cluster_items(articles: Sequence[Article], resolution: Resolution) -> list[ClusterItem]:
    return [ClusterItem(id=a.id, date=a.date, text=f"{a.title}\n{a.text}",
                        entities=tuple(m.entity_id for m in resolution.by_article.get(a.id, [])))
            for a in articles]


def assemble_events(
    articles: Sequence[Article],
    parsed: Mapping[str, ParsedArticle],
    resolution: Resolution,
    summary_words: int,
    overrides: Sequence[EventOverride] = (),
) -> tuple[list[Event], list[Article], list[Diagnostic]]:
    """Cluster the articles, apply the editors' overrides and describe each event; undated articles take their
    event's date (inferred). Also returns what was wrong with the overrides."""
    by_id = {a.id: a for a in articles}
    items = cluster_items(articles, resolution)
    groups = cluster_events(items)
    own_ids: dict[str, str] = {}
    for group in groups:
        date = event_date([by_id[i] for i in group])
        own_ids.update({i: own_event_id(by_id[i], date, parsed, resolution) for i in group})
    groups, applied, problems = regroup(groups, [{own_ids[i] for i in g} for g in groups], overrides)
    copies = [tuple(sorted(g, key=lambda i: (by_id[i].date or dt.date.max, i))) for g in near_duplicates(items)]
    events: list[Event] = []
    dated: dict[str, Article] = {}
    for index, group in enumerate(groups):
        members = sorted((by_id[i] for i in group), key=lambda a: (a.date or dt.date.max, a.id))
        event = describe_event(members, parsed, resolution, summary_words, own_ids,
                               duplicates=tuple(c for c in copies if c[0] in group))
        if index in applied:
            event, problem = apply_override(event, applied[index], resolution)
            problems += problem
        events.append(event)
        for article in members:
            if article.date is None and event.date is not None:
                article = article.model_copy(update={"date": event.date, "date_inferred": True})
            dated[article.id] = article
    events = _unique_ids(events)
    events.sort(key=lambda e: (e.date or dt.date.min, e.id), reverse=True)
    return events, [dated[a.id] for a in articles], problems


def apply_override(event: Event, override: EventOverride, resolution: Resolution) -> tuple[Event, list[Diagnostic]]:
    """The editor's title, date, kind, place, summary and visibility; the event keeps the id the editor named."""
    update: dict[str, object] = {"hidden": override.hide, "editor_summary": override.summary}
    problems = []
    if override.title:
        update["title"] = override.title
    if override.date:
        update["date"] = override.date
    if override.kind or override.consult_mode:
        kind = override.kind or event.kind
        update.update(kind=kind, consult_mode=(override.consult_mode or event.consult_mode)
                      if kind == EventKind.CONSULT else None)
    if override.place:
        place = place_named(override.place, resolution.entities)
        if place is None:
            problems.append(override.problem(f"no place or country called {override.place!r} in the digest",
                                             override.place, "use a name that has a page, or add a curated card"))
        else:
            update.update(place=place, country=resolution.entities[place].country or
                          (place if place.startswith("country/") else None))
    if override.event != event.id:
        update.update(id=override.event, aliases=tuple(sorted(set(event.aliases) | {event.id})))
    return event.model_copy(update=update), problems


def describe_event(members: Sequence[Article], parsed: Mapping[str, ParsedArticle], resolution: Resolution,
                   summary_words: int, own_ids: Mapping[str, str],
                   duplicates: tuple[tuple[str, ...], ...] = ()) -> Event:
    """The event a cluster reports. Its id comes from its first article alone, so it stays put as later
    articles join; every member's own id is kept as an alias, so a merge redirects the old URLs."""
    date = event_date(members)
    participants, place, ranked, title = _what_happened(members, parsed, resolution)
    kind, consult_mode = classify_event(members, parsed)
    copies = wire_copies(duplicates)  # a wire copy adds no sentence of its own
    sentences = [SourceSentence(article_id=a.id, index=s.index, text=s.text)
                 for a in members if a.id not in copies for s in parsed[a.id].sentences]
    summary = summarize_event(sentences, max_words=summary_words)
    ids = [own_ids[a.id] for a in members]
    return Event(
        id=ids[0],
        aliases=tuple(sorted(set(ids[1:]) - {ids[0]})),
        duplicates=duplicates,
        title=title,
        date=date,
        kind=kind,
        consult_mode=consult_mode,
        place=place,
        country=resolution.entities[place].country if place else None,
        articles=tuple(a.id for a in members),
        participants=participants,
        entities=tuple(ranked),
        summary=tuple(_located(s, parsed[s.article_id]) for s in summary),
    )


def _what_happened(members: Sequence[Article], parsed: Mapping[str, ParsedArticle],
                   resolution: Resolution) -> tuple[tuple[str, ...], str | None, list[str], str]:
    """(participants, place, entities by mentions, title) of what these articles report."""
    mentions = [m for a in members for m in resolution.by_article.get(a.id, [])]
    entities = resolution.entities
    counts = Counter(m.entity_id for m in mentions)
    ranked = sorted(counts, key=lambda e: (-counts[e], e))
    people = [e for e in ranked if entities[e].kind == EntityKind.PERSON]
    participants = tuple(e for e in people if counts[e] >= PARTICIPANT_SHARE * counts[people[0]])[:MAX_PARTICIPANTS]
    place = event_place(mentions, parsed, entities)
    return participants, place, ranked, event_title(participants, place, mentions, parsed, entities)


def own_event_id(article: Article, event_date: dt.date | None, parsed: Mapping[str, ParsedArticle],
                 resolution: Resolution) -> str:
    """The id an event founded by this article alone would have: its date and what it reports."""
    date = article.date or event_date
    title = _what_happened([article], parsed, resolution)[3]
    return f"{date.isoformat() if date else 'undated'}-{slugify(title)}"


def _located(sentence, parsed: ParsedArticle) -> SummarySentence:
    """The summary sentence with its offset in the article (the summariser may trim a dateline off it, or
    join the sentences after it to it)."""
    source = parsed.sentences[sentence.index]
    head = sentence.text
    found = source.text.find(head)
    while found < 0 and len(head) > 1:  # a joined sentence: where its first part is
        head = head[:len(head) // 2]
        found = source.text.find(head)
    start = source.start + max(found, 0)
    return SummarySentence(article_id=sentence.article_id, index=sentence.index, text=sentence.text, start=start)


def event_date(members: Sequence[Article]) -> dt.date | None:
    """The date most member articles give; ties go to the earliest."""
    dates = Counter(a.date for a in members if a.date is not None)
    if not dates:
        return None
    return min(dates, key=lambda d: (-dates[d], d))


def event_place(mentions: Sequence[EntityMention], parsed: Mapping[str, ParsedArticle],
                entities: Mapping[str, Entity]) -> str | None:
    """Where it happened: the place most often governed by "in"/"at" under a word for the happening.

    Counting plain mentions would crown the capital that stands for a government ("as Beijing pressures
    Tokyo"), so a place used as a subject counts for nothing and a place of a meeting counts most.
    """
    scores: Counter = Counter()
    for mention in mentions:
        entity = entities[mention.entity_id]
        if entity.kind != EntityKind.PLACE or entity.place_kind == "region":
            continue
        head = _span_root(parsed[mention.article_id], mention)
        if head.dep in {"nsubj", "nsubjpass"}:
            continue
        scores[entity.id] += 1 + (4 if _under_happening(parsed[mention.article_id].tokens, head) else 0)
    if not scores:
        return None
    return min(scores, key=lambda e: (-scores[e], entities[e].place_kind == "landmark", e))


def event_title(participants: Sequence[str], place: str | None, mentions: Sequence[EntityMention],
                parsed: Mapping[str, ParsedArticle], entities: Mapping[str, Entity]) -> str:
    """A short title from what happened ("Takaichi and Lee meet in Nara"), never a copied headline."""
    where = f" in {entities[place].name}" if place else ""
    names = sorted(short_name(entities[p], mentions) for p in participants[:2])  # order-free: stable as counts move
    if len(names) == 2:
        verb = "meet" if _mentions_meeting(parsed, {m.article_id for m in mentions}) else "hold talks"
        return f"{names[0]} and {names[1]} {verb}{where}"
    if len(names) == 1:
        return f"{entities[participants[0]].name}{where}"
    top = Counter(m.entity_id for m in mentions).most_common(2)
    return " and ".join(entities[e].name for e, _ in top) + where if top else "Untitled event"


def short_name(person: Entity, mentions: Sequence[EntityMention]) -> str:
    """The part of a person's name the articles use on its own ("Lee", "Takaichi"), else the full name."""
    parts = {fold(p): p for p in person.name.split()}
    used = Counter(fold(m.text.rstrip("'’s")) for m in mentions if m.entity_id == person.id)
    alone = [(n, w) for w, n in used.items() if w in parts]
    if not alone:
        return person.name
    return parts[max(alone)[1]]


def _span_root(parsed: ParsedArticle, mention: EntityMention) -> Token:
    span = parsed.token_span(mention.start, mention.end)
    inside = {t.i for t in span}
    return next((t for t in span if t.head not in inside or t.head == t.i), span[-1])


def _under_happening(tokens: Sequence[Token], token: Token) -> bool:
    """Below "in"/"at" under a word for the happening, in the sentence's main story (not in a clause such
    as "days after Lee visited Xi in Beijing", which tells background)."""
    passed_preposition = False
    for _ in range(CLIMB):
        if token.head == token.i:
            return False
        parent = tokens[token.head]
        if token.dep == "pobj" and parent.lemma.lower() in PLACE_PREPOSITIONS:
            passed_preposition = True
        if passed_preposition and parent.lemma.lower() in HAPPENING_LEMMAS:
            return not _in_background_clause(tokens, parent)
        token = parent
    return False


BACKGROUND_MARKERS = {"after", "before", "since", "when", "until", "ago", "earlier", "previously", "last"}


def _in_background_clause(tokens: Sequence[Token], token: Token) -> bool:
    """Whether a word sits in a temporal clause ("after ...", "since ...", "when ...") or under one."""
    for _ in range(8):
        markers = {t.text.lower() for t in tokens if t.head == token.i and t.i != token.i and t.dep in ("mark", "advmod")}
        if markers & BACKGROUND_MARKERS or (token.dep in ("pcomp", "advcl")
                                            and tokens[token.head].text.lower() in BACKGROUND_MARKERS):
            return True
        if token.head == token.i:
            return False
        token = tokens[token.head]
    return False


def _mentions_meeting(parsed: Mapping[str, ParsedArticle], article_ids: set[str]) -> bool:
    return any(t.lemma.lower() in MEETING_LEMMAS for a in sorted(article_ids) for t in parsed[a].tokens)


def _unique_ids(events: list[Event]) -> list[Event]:
    """Two events founded on the same day about the same people get -2, -3; an alias that two events share,
    or that is another event's id, redirects nowhere (it would be a guess)."""
    seen: Counter = Counter()
    unique = []
    for event in sorted(events, key=lambda e: (e.id, e.articles)):
        seen[event.id] += 1
        unique.append(event if seen[event.id] == 1 else event.model_copy(update={"id": f"{event.id}-{seen[event.id]}"}))
    taken = {e.id for e in unique}
    alias_count = Counter(a for e in unique for a in e.aliases)
    return [e.model_copy(update={"aliases": tuple(a for a in e.aliases if a not in taken and alias_count[a] == 1)})
            for e in unique]
