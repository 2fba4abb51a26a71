"""Give each cluster of articles what a reader sees of an event: date, place, who took part, title, summary."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

from ...content.models import Article
from ...content.overrides import EventOverride, place_named, regroup
from ...content.slugs import slugify
from ...contract import Diagnostic
from ...nlp.models import ParsedArticle, Token
from ...pipeline.executor import ForkingExecutor, in_background
from ...pipeline.fingerprint import code_version, fingerprint, model_texts
from ...pipeline.store import StageStore, cache_key, stored_each, stored_together
from ..models import Entity, EntityKind, EntityMention, Event, EventKind, SummarySentence, wire_copies
from ..resolve.models import Resolution
from ..statements.extract import StatementReader
from ..statements.meetings import place_containers
from ..statements.models import Relation
from ..statements.relations import FUTURE_GOVERNORS
from .cluster import ClusterItem, ItemWords, cluster_events, item_words, near_duplicates
from .kinds import classify_event
from .summarise import SourceSentence, summarize_event
from .tfidf import english_stop_words
from .titles import encounter_title, reported_encounter, reported_title

LEAD_SENTENCES = 2  # where a story says where its news happened
# Nouns through whose "of" a place is named: "in the city of Nara".
SETTLEMENT_NOUNS = {"city", "town", "village", "capital", "region", "province", "prefecture", "state", "county",
                    "district", "island", "area", "municipality", "suburb", "port", "neighborhood", "neighbourhood"}
PLACE_PREPOSITIONS = {"in", "at"}
SCENE_PREPOSITIONS = {"in", "at", "during"}
ARGUMENTS_PLACED = {"dobj"}
MODALS = {"will", "would", "could", "may", "might", "should", "shall", "must", "can", "'ll", "wo", "ca"}
# A person named at least this share as often as the most named one took part; the rest are only mentioned.
PARTICIPANT_SHARE = 0.3
MAX_PARTICIPANTS = 8
DESCRIBED = "events"  # the store's namespace for described events, keyed by what `describe_event` reads
WORDS = "event-words"  # the store's namespace for the words of the articles' texts, as clustering reads them
EVENTS_PER_PROCESS = 60  # events (a few ms each) that repay a forked process of their own


def cluster_items(articles: Sequence[Article], resolution: Resolution) -> list[ClusterItem]:
    return [ClusterItem(id=a.id, date=a.date, text=f"{a.title}\n{a.text}",
                        entities=tuple(m.entity_id for m in resolution.by_article.get(a.id, [])))
            for a in articles]


def stored_words(store: StageStore | None, items: Sequence[ClusterItem]) -> dict[str, ItemWords]:
    """`item_words` by text, from the store for a text read before (all in one entry): tokenising every text
    again was most of what clustering cost after a one-article edit."""
    cache = store.cache if store is not None else None
    keys = [cache_key(_code_version(), item.text) if cache is not None else "" for item in items]
    return dict(zip((item.text for item in items), stored_together(
        cache, WORDS, keys, ItemWords, lambda missing: (item_words(items[index].text) for index in missing))))


def assemble_events(
    articles: Sequence[Article],
    parsed: Mapping[str, ParsedArticle],
    resolution: Resolution,
    summary_words: int,
    overrides: Sequence[EventOverride] = (),
    store: StageStore | None = None,
    statements: StatementReader | None = None,
) -> tuple[list[Event], list[Article], list[Diagnostic]]:
    """Cluster the articles, apply the editors' overrides and describe each event (from `store` when its
    members were described before); undated articles take their event's date (inferred). Also returns what
    was wrong with the overrides. `statements` reads the meetings each article tells (kept for the digest's
    statements after).

    The clusters are found on the other core (`in_background`) while this process reads the meetings the dated
    articles tell (an article's own date is its anchor): the two take about as long (0.4 s and 1 s of cores)."""
    by_id = {a.id: a for a in articles}
    items = cluster_items(articles, resolution)
    known = stored_words(store, items)
    clustered = in_background(functools.partial(_clusters, items, known))
    read = statements or StatementReader(parsed, resolution, store)
    read({a.id: a.date for a in articles if a.date is not None})
    copy_groups, groups = clustered()
    dates = [event_date([by_id[i] for i in group]) for group in groups]
    anchors = {i: by_id[i].date or date for group, date in zip(groups, dates) for i in group}
    told = meetings_told(articles, read, anchors)
    group_ids = ([{own_event_id(by_id[i], anchors[i], parsed, resolution, told) for i in g} for g in groups]
                 if overrides else [set() for _ in groups])  # only an override names an event by its id
    groups, applied, problems = regroup(groups, group_ids, overrides)
    copies = [tuple(sorted(g, key=lambda i: (by_id[i].date or dt.date.max, i))) for g in copy_groups]
    events: list[Event] = []
    dated: dict[str, Article] = {}
    todo = [(sorted((by_id[i] for i in group), key=lambda a: (a.date or dt.date.max, a.id)),
             tuple(c for c in copies if c[0] in group)) for group in groups]
    for index, ((members, _), event) in enumerate(zip(todo, described(store, todo, parsed, resolution,
                                                                      summary_words, anchors, told))):
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


def _clusters(items: Sequence[ClusterItem], known: Mapping[str, ItemWords]) -> tuple[list[list[str]], list[list[str]]]:
    """The groups of wire copies among the items, and their events."""
    copies = near_duplicates(items, known=known)
    return copies, cluster_events(items, copies=copies, known=known)


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


def meetings_told(articles: Sequence[Article], read: StatementReader,
                  anchors: Mapping[str, dt.date | None]) -> dict[str, list[Relation]]:
    """Article id -> the meetings, talks, visits, calls and agreements it tells, dated against the article's
    date (an undated article's event date stands in)."""
    return {article_id: list(statements.relations)
            for article_id, statements in read({a.id: anchors.get(a.id) for a in articles}).items()}


Described = tuple[Sequence[Article], tuple[tuple[str, ...], ...]]  # an event's members and their wire copies


def described(store: StageStore | None, todo: Sequence[Described], parsed: Mapping[str, ParsedArticle],
              resolution: Resolution, summary_words: int, anchors: Mapping[str, dt.date | None],
              told: Mapping[str, Sequence[Relation]]) -> list[Event]:
    """`describe_event` of each (members, copies), taken from the store when the same code described the same
    members before (the key holds exactly what it reads); the others described on the machine's cores."""
    keys = [_described_key(members, store.parses, resolution, summary_words, anchors, told, duplicates)
            if store is not None else "" for members, duplicates in todo]
    return stored_each(store.cache if store is not None else None, DESCRIBED, keys, Event,
                       lambda missing: ForkingExecutor(EVENTS_PER_PROCESS).map(
                           _describe, [todo[index] for index in missing], parsed, resolution, summary_words,
                           anchors, told))


def _describe(batch: Sequence[Described], parsed: Mapping[str, ParsedArticle], resolution: Resolution,
              summary_words: int, anchors: Mapping[str, dt.date | None], told: Mapping[str, Sequence[Relation]]
              ) -> Iterator[Event]:
    for members, duplicates in batch:
        yield describe_event(members, parsed, resolution, summary_words, anchors, told, duplicates)


@functools.cache
def _code_version() -> str:
    """The stage's code version and the stop-word list its summaries and titles use: read from scikit-learn's
    files, not imported, that list is a dependency `code_version` cannot see."""
    return fingerprint(code_version(__name__), english_stop_words())


def _described_key(members: Sequence[Article], parses: Mapping[str, str], resolution: Resolution,
                   summary_words: int, anchors: Mapping[str, dt.date | None], told: Mapping[str, Sequence[Relation]],
                   duplicates: tuple[tuple[str, ...], ...]) -> str:
    """The members with their parse keys, resolved mentions, anchor dates and the meetings they tell; the
    entities those name with the places and countries that contain them (or their absence); the budget and
    copies. (The members' own ids are a function of these, so an event kept is found without working them out.)
    Hashed as texts (`fingerprint` spells each value out as JSON, a third of the key's time): a member's
    parse key (hex) and anchor date ("None" when undated) begin its part, the type name that begins each
    model's text tells the models apart, and the entities follow a part of their own, each as its id, then its
    text or "None"."""
    mentions = [resolution.by_article.get(a.id, []) for a in members]
    relations = [told.get(a.id, []) for a in members]
    todo = {m.entity_id for group in mentions for m in group}
    todo |= {e for group in relations for r in group for e in (*r.participants, r.place) if e}
    entities: dict[str, Entity | None] = {}
    while todo:
        ident = todo.pop()
        entity = entities[ident] = resolution.entities.get(ident)
        todo |= {e for e in (entity.located_in, entity.country) if e and e not in entities} if entity else set()
    return cache_key(_code_version(), str(summary_words), json.dumps(duplicates),
                     *(text for a, told_there in zip(members, relations)
                       for text in (parses[a.id], str(anchors[a.id]), resolution.mention_texts.get(a.id, ""),
                                    *model_texts(a, *told_there))),
                     "entities", *(f"{ident} {resolution.entity_texts[ident] if entity else None}"
                                   for ident, entity in sorted(entities.items())))


def describe_event(members: Sequence[Article], parsed: Mapping[str, ParsedArticle], resolution: Resolution,
                   summary_words: int, anchors: Mapping[str, dt.date | None],
                   told: Mapping[str, Sequence[Relation]], duplicates: tuple[tuple[str, ...], ...] = ()) -> Event:
    """The event a cluster reports. Its id comes from its first article alone (`own_event_id` at the article's
    anchor date), so it stays put as later articles join; every member's own id is kept as an alias, so a
    merge redirects the old URLs."""
    date = event_date(members)
    participants, place, ranked, title = _what_happened(members, parsed, resolution, told, date)
    kind, consult_mode = classify_event(members, parsed)
    by_id = {a.id: a for a in members}
    copies = wire_copies(duplicates)  # a wire copy adds no sentence of its own
    sentences = [SourceSentence(article_id=a.id, index=s.index, text=s.text)
                 for a in members if a.id not in copies for s in parsed[a.id].sentences]
    summary = summarize_event(sentences, max_words=summary_words)
    ids = [own_event_id(a, anchors[a.id], parsed, resolution, told) for a in members]
    return Event(
        id=ids[0],
        aliases=tuple(sorted(set(ids[1:]) - {ids[0]})),
        duplicates=duplicates,
        title=title,
        date=date,
        kind=kind,
        consult_mode=consult_mode,
        place=place,
        country=(resolution.entities[place].country or (place if place.startswith("country/") else None)
                 if place else None),
        articles=tuple(a.id for a in members),
        participants=participants,
        entities=tuple(ranked),
        summary=tuple(_located(s, parsed[s.article_id], by_id[s.article_id].text) for s in summary),
    )


def _what_happened(members: Sequence[Article], parsed: Mapping[str, ParsedArticle], resolution: Resolution,
                   told: Mapping[str, Sequence[Relation]], date: dt.date | None
                   ) -> tuple[tuple[str, ...], str | None, list[str], str]:
    """(participants, place, entities by mentions, title) of what these articles report."""
    mentions = [m for a in members for m in resolution.by_article.get(a.id, [])]
    entities = resolution.entities
    counts = Counter(m.entity_id for m in mentions)
    ranked = sorted(counts, key=lambda e: (-counts[e], e))
    people = [e for e in ranked if entities[e].kind == EntityKind.PERSON]
    participants = tuple(e for e in people if counts[e] >= PARTICIPANT_SHARE * counts[people[0]])[:MAX_PARTICIPANTS]
    encounter = reported_encounter(members, told, date, entities)
    place = event_place(members, parsed, resolution, encounter)
    title = encounter_title(encounter, place, mentions, entities) if encounter else reported_title(members, parsed)
    return participants, place, ranked, title


def own_event_id(article: Article, anchor: dt.date | None, parsed: Mapping[str, ParsedArticle],
                 resolution: Resolution, told: Mapping[str, Sequence[Relation]]) -> str:
    """The id an event founded by this article alone would have: its anchor date (its own date, else its
    cluster's) and what it reports."""
    title = _what_happened([article], parsed, resolution, told, anchor)[3]
    return f"{anchor.isoformat() if anchor else 'undated'}-{slugify(title)}"


def _located(sentence, parsed: ParsedArticle, article_text: str) -> SummarySentence:
    """The summary sentence as its article has it, at its offset there, so the entity mentions line up.

    The summariser folds whitespace (a paragraph break between two sentences it joined becomes one space) and
    may trim a dateline, so its words are found again from the sentence's start; the article's span is kept
    with each whitespace character as one space (the same length, as `cards.linked_text` expects).
    """
    source = parsed.sentences[sentence.index]
    found = _words_at(sentence.text.split(), article_text, source.start)
    if found is None:  # not the article's words: keep the text, placed at its first sentence
        return SummarySentence(article_id=sentence.article_id, index=sentence.index, text=sentence.text,
                               start=source.start)
    start, end = found
    return SummarySentence(article_id=sentence.article_id, index=sentence.index, start=start,
                           text=re.sub(r"\s", " ", article_text[start:end]))


def _words_at(words: Sequence[str], text: str, start: int) -> tuple[int, int] | None:
    r"""The first span of `text` from `start` on that is these words with whitespace between them, as
    `re.search(r"\s+".join(map(re.escape, words)), text, start)` finds it (whitespace is what `str.isspace`
    says, as for `\s`) without compiling a pattern for every sentence (most of a cold describe's time)."""
    position = text.find(words[0], start) if words else -1
    while position >= 0:
        end = position + len(words[0])
        for word in words[1:]:
            after = end
            while after < len(text) and text[after].isspace():
                after += 1
            if after == end or not text.startswith(word, after):
                break
            end = after + len(word)
        else:
            return position, end
        position = text.find(words[0], position + 1)
    return None


def event_date(members: Sequence[Article]) -> dt.date | None:
    """The date most member articles give; ties go to the earliest."""
    dates = Counter(a.date for a in members if a.date is not None)
    if not dates:
        return None
    return min(dates, key=lambda d: (-dates[d], d))


def event_place(members: Sequence[Article], parsed: Mapping[str, ParsedArticle], resolution: Resolution,
                encounter: Sequence[Relation] | None = None) -> str | None:
    """Where a source says the news took place: the place of the encounter the event is, else a place that
    an "in"/"at" phrase gives to the main happening of a lead sentence ("shot a teenager in Columbus", "In
    their talks in the city of Nara, they ..."). A place merely mentioned, or named inside another name
    ("the Delta variant"), a side clause ("days after he visited Beijing") or a plan ("will travel to
    Paris"), is not where it happened. The place most sources give wins, narrowed to the innermost place
    inside it that a source gives ("Switzerland" once and "Geneva" once is Geneva)."""
    entities = resolution.entities
    votes: Counter = Counter(r.place for r in encounter or () if r.place)
    for article in members:
        tokens = parsed[article.id].tokens
        votes.update({m.entity_id for m in resolution.by_article.get(article.id, [])
                      if m.sentence < LEAD_SENTENCES and entities[m.entity_id].kind in (EntityKind.PLACE,
                                                                                      EntityKind.COUNTRY)
                      and _happened_at(tokens, _span_root(parsed[article.id], m))})
    if not votes:
        return None
    depth = {p: len(place_containers(p, entities)) for p in votes}
    best = min(votes, key=lambda p: (-votes[p], -depth[p], p))
    inside = [p for p in votes if best in place_containers(p, entities)]
    return max(inside, key=lambda p: (depth[p], votes[p], p))


def _span_root(parsed: ParsedArticle, mention: EntityMention) -> Token | None:
    """The token of a mention that the others hang from; None for a mention no token begins in ("Japanese"
    inside the token "-Japanese", where a dateline's dash met the word)."""
    span = parsed.token_span(mention.start, mention.end)
    inside = {t.i for t in span}
    return next((t for t in span if t.head not in inside or t.head == t.i), span[-1] if span else None)


def _happened_at(tokens: Sequence[Token], name: Token | None) -> bool:
    """Whether a place name is where the main happening of its sentence took place (never for a name
    without a token of its own: nothing says what it hangs from)."""
    if name is None or name.pos != "PROPN":
        return False
    token = name
    while token.dep == "appos" or (token.dep == "pobj" and tokens[token.head].text.lower() == "of"
                                   and tokens[tokens[token.head].head].lemma.lower() in SETTLEMENT_NOUNS):
        token = tokens[token.head] if token.dep == "appos" else tokens[tokens[token.head].head]
    if token.dep != "pobj" or tokens[token.head].text.lower() not in PLACE_PREPOSITIONS:
        return False
    anchor = tokens[tokens[token.head].head]
    if anchor.pos in ("NOUN", "PROPN"):
        if anchor.dep == "pobj" and tokens[anchor.head].text.lower() in SCENE_PREPOSITIONS:
            anchor = tokens[tokens[anchor.head].head]  # the scene: "In their talks in Nara, they ..."
        elif anchor.dep in ARGUMENTS_PLACED:
            anchor = tokens[anchor.head]  # what was done there: "led a protest in Marseille"
        else:
            return False
    return _main_and_done(tokens, anchor)


def _main_and_done(tokens: Sequence[Token], verb: Token) -> bool:
    """Whether a verb carries its sentence's main story (it is the root, or joined to it, or what a
    reporting root reports) and tells it as done: no modal, no plan, no negation."""
    for _ in range(6):
        if verb.pos not in ("VERB", "AUX") or verb.lemma.lower() in FUTURE_GOVERNORS:
            return False
        if any(t.head == verb.i and t.i != verb.i and (t.dep == "neg" or (t.dep == "aux" and t.text.lower() in MODALS))
               for t in tokens if t.sentence == verb.sentence):
            return False
        if verb.head == verb.i:
            return True
        if verb.dep not in ("conj", "xcomp", "ccomp"):
            return False
        verb = tokens[verb.head]
    return False


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
