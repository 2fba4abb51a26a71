"""Give each cluster of articles what a reader sees of an event: date, place, who took part, title, summary."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence

from .cluster import ClusterItem, cluster_events
from .models import Article, Entity, EntityKind, EntityMention, Event, ParsedArticle, SummarySentence, Token
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
    entities_of: dict[str, list[str]] = {a.id: [] for a in articles}
    for mention in resolution.mentions:
        entities_of[mention.article_id].append(mention.entity_id)
    return [ClusterItem(id=a.id, date=a.date, text=f"{a.title}\n{a.text}", entities=tuple(entities_of[a.id]))
            for a in articles]


def assemble_events(
    articles: Sequence[Article],
    parsed: Mapping[str, ParsedArticle],
    resolution: Resolution,
    summary_words: int,
) -> tuple[list[Event], list[Article]]:
    """Cluster the articles and describe each cluster; undated articles take their event's date (inferred)."""
    by_id = {a.id: a for a in articles}
    groups = cluster_events(cluster_items(articles, resolution))
    events: list[Event] = []
    dated: dict[str, Article] = {}
    for group in groups:
        members = sorted((by_id[i] for i in group), key=lambda a: (a.date or dt.date.max, a.id))
        event = describe_event(members, parsed, resolution, summary_words)
        events.append(event)
        for article in members:
            if article.date is None and event.date is not None:
                article = article.model_copy(update={"date": event.date, "date_inferred": True})
            dated[article.id] = article
    events = _unique_ids(events)
    events.sort(key=lambda e: (e.date or dt.date.min, e.id), reverse=True)
    return events, [dated[a.id] for a in articles]


def describe_event(members: Sequence[Article], parsed: Mapping[str, ParsedArticle], resolution: Resolution,
                   summary_words: int) -> Event:
    ids = {a.id for a in members}
    mentions = [m for m in resolution.mentions if m.article_id in ids]
    entities = resolution.entities
    counts = Counter(m.entity_id for m in mentions)
    ranked = sorted(counts, key=lambda e: (-counts[e], e))
    people = [e for e in ranked if entities[e].kind == EntityKind.PERSON]
    participants = tuple(e for e in people if counts[e] >= PARTICIPANT_SHARE * counts[people[0]])[:MAX_PARTICIPANTS]
    place = event_place(mentions, parsed, entities)
    date = event_date(members)
    title = event_title(participants, place, mentions, parsed, entities)
    sentences = [SourceSentence(article_id=a.id, index=s.index, text=s.text)
                 for a in members for s in parsed[a.id].sentences]
    summary = summarize_event(sentences, max_words=summary_words)
    return Event(
        id=f"{date.isoformat() if date else 'undated'}-{slugify(title)}",
        title=title,
        date=date,
        place=place,
        country=entities[place].country if place else None,
        articles=tuple(a.id for a in members),
        participants=participants,
        entities=tuple(ranked),
        summary=tuple(_located(s, parsed[s.article_id]) for s in summary),
    )


def _located(sentence, parsed: ParsedArticle) -> SummarySentence:
    """The summary sentence with its offset in the article (the summariser may trim a dateline off it)."""
    source = parsed.sentences[sentence.index]
    start = source.start + max(source.text.find(sentence.text), 0)
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
        tokens = parsed[mention.article_id].tokens
        head = _span_root(tokens, mention)
        if head.dep in {"nsubj", "nsubjpass"}:
            continue
        scores[entity.id] += 1 + (4 if _under_happening(tokens, head) else 0)
    if not scores:
        return None
    return min(scores, key=lambda e: (-scores[e], entities[e].place_kind == "landmark", e))


def event_title(participants: Sequence[str], place: str | None, mentions: Sequence[EntityMention],
                parsed: Mapping[str, ParsedArticle], entities: Mapping[str, Entity]) -> str:
    """A short title from what happened ("Takaichi and Lee meet in Nara"), never a copied headline."""
    where = f" in {entities[place].name}" if place else ""
    names = [short_name(entities[p], mentions) for p in participants[:2]]
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


def _span_root(tokens: Sequence[Token], mention: EntityMention) -> Token:
    span = [t for t in tokens if mention.start <= t.idx < mention.end]
    inside = {t.i for t in span}
    return next((t for t in span if t.head not in inside or t.head == t.i), span[-1])


def _under_happening(tokens: Sequence[Token], token: Token) -> bool:
    passed_preposition = False
    for _ in range(CLIMB):
        if token.head == token.i:
            return False
        parent = tokens[token.head]
        if token.dep == "pobj" and parent.lemma.lower() in PLACE_PREPOSITIONS:
            passed_preposition = True
        if passed_preposition and parent.lemma.lower() in HAPPENING_LEMMAS:
            return True
        token = parent
    return False


def _mentions_meeting(parsed: Mapping[str, ParsedArticle], article_ids: set[str]) -> bool:
    return any(t.lemma.lower() in MEETING_LEMMAS for a in sorted(article_ids) for t in parsed[a].tokens)


def _unique_ids(events: list[Event]) -> list[Event]:
    seen: Counter = Counter()
    unique = []
    for event in sorted(events, key=lambda e: (e.id, e.articles)):
        seen[event.id] += 1
        unique.append(event if seen[event.id] == 1 else event.model_copy(update={"id": f"{event.id}-{seen[event.id]}"}))
    return unique
