"""What the statements stage hands on: relations (who met whom, where, when) and quotes, per article and
merged across articles, the meetings that are the digest's events, and the pairs that met."""

from __future__ import annotations

from typing import Literal

from ...contract import Frozen
from ..dates import DateRef
from ..models import Event

RelationKind = Literal["meeting", "visit", "talks", "call", "agreement"]


class Evidence(Frozen):
    """A sentence that tells of a relation."""

    article_id: str
    sentence: int
    text: str


class Relation(Frozen):
    kind: RelationKind
    participants: tuple[str, ...]  # person (or country) entity ids, sorted
    place: str | None = None  # place or country entity id
    date: DateRef | None = None
    date_inferred: bool = False  # True when no date was stated and the article's date stands in
    article_id: str
    sentence: int
    text: str  # the sentence that says so
    evidence: tuple[Evidence, ...] = ()  # every sentence that tells it (several once merged), sorted


class Quote(Frozen):
    text: str  # the quoted words, without the quote marks
    speaker: str | None  # person entity id; None for unnamed sources ("sources said")
    article_id: str
    sentence: int
    cue: str  # "said", "told", "according to", ...; "" when the speaker comes from the sentences before
    start: int  # character offsets of `text` in Article.text
    end: int
    source_span: tuple[int, int] | None = None  # the words naming the speaker where the cue names one


class ArticleStatements(Frozen):
    """What one article states, in reading order: its relations (one per telling sentence) and its quotes."""

    relations: tuple[Relation, ...] = ()
    quotes: tuple[Quote, ...] = ()


class PairMeeting(Frozen):
    """One happening between a pair as its relation page shows it, with the digest's events that tell it."""

    relation: Relation  # every telling merged, undated repeats of a dated one folded in
    events: tuple[str, ...] = ()  # ids of the digest's events that are this happening
    told_in: tuple[str, ...] = ()  # ids of the other events whose articles tell it, in the digest's order
    sources: tuple[str, ...] = ()  # ids of the articles that tell it, in their events' order


class Bilateral(Frozen):
    """Two countries, or two people, and the meetings between them."""

    id: str  # "japan--south-korea": both slugs, in name order
    kind: Literal["countries", "people"]
    members: tuple[str, str]  # entity ids, in name order
    title: str
    people: tuple[str, ...]  # person ids of those who took part in the meetings, most meetings first
    meetings: tuple[PairMeeting, ...]  # oldest first, undated ones last
    events: tuple[Event, ...]  # the digest's events that are one of these meetings, in the digest's order


class Meetings(Frozen):
    """The relations merged across articles, which of them are the digest's events, and the pairs that met."""

    relations: tuple[Relation, ...] = ()  # one per happening, with every sentence that tells it
    of_event: dict[str, tuple[int, ...]] = {}  # event id -> positions in `relations` of the event itself
    bilaterals: dict[str, Bilateral] = {}  # relation page id -> the pair; most meetings first, then by title
