"""The contract between pipeline stages: frozen pydantic models, nothing else.

Each stage takes some of these and returns others, so every stage can be tested on its own and the
build can tell exactly what a change touches.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from functools import cached_property
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Level(StrEnum):
    WARNING = "warning"
    ERROR = "error"


class Diagnostic(Frozen):
    """One problem with an input file, phrased for the editor who has to fix it."""

    path: str
    line: int | None = None
    message: str
    hint: str = ""
    level: Level = Level.WARNING

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.level.value}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class LocatedError(Exception):
    """A failure in a file the user can open: where (path, line) and what (detail) kept apart, so a console
    prints "path:line: detail" and the preview's overlay shows each part."""

    def __init__(self, detail: str, path: str | None = None, line: int | None = None) -> None:
        where = f"{path}:{line}: " if path and line else f"{path}: " if path else ""
        super().__init__(where + detail)
        self.detail, self.path, self.line = detail, path, line


class Article(Frozen):
    """One news story as the editor filed it, with its wire furniture separated from the story."""

    id: str
    path: str  # relative to the content folder, with forward slashes
    title: str
    text: str  # the story alone: no date marker, dateline or byline
    date: dt.date | None = None
    date_inferred: bool = False  # True when the date was taken from the event the article joined
    source: str | None = None
    url: str | None = None
    authors: tuple[str, ...] = ()
    dateline: str | None = None  # "TOKYO": where the story was filed, not where the event happened
    stance: str | None = None  # the outlet's leaning from the front matter: left, center or right
    content_hash: str  # of the raw file bytes


class EntityKind(StrEnum):
    PERSON = "person"
    COUNTRY = "country"
    PLACE = "place"
    ORGANIZATION = "organization"


# The folder of each kind, plural as readers say it: pages live at people/x/, cards at entities/people/x.md.
KIND_FOLDERS = {
    EntityKind.PERSON: "people",
    EntityKind.COUNTRY: "countries",
    EntityKind.PLACE: "places",
    EntityKind.ORGANIZATION: "organizations",
}


class Mention(Frozen):
    """A span of an article that names an entity, before resolution."""

    article_id: str
    text: str
    label: str  # spaCy label (PERSON, GPE, ...) or the rule that found it
    start: int  # character offsets into Article.text
    end: int
    sentence: int
    first_token: int
    last_token: int  # exclusive


class Sentence(Frozen):
    article_id: str
    index: int
    text: str
    start: int
    end: int
    first_token: int
    last_token: int  # exclusive


class Token(Frozen):
    """What later stages need of spaCy's analysis of one token, so only the nlp stage imports spaCy."""

    i: int
    text: str
    idx: int  # character offset into Article.text
    lemma: str
    pos: str
    tag: str
    dep: str
    head: int
    sentence: int


class ParsedArticle(Frozen):
    """The cached result of running the pipeline over one article."""

    article_id: str
    model: str  # "name@version", part of the cache key too
    sentences: tuple[Sentence, ...]
    tokens: tuple[Token, ...]
    mentions: tuple[Mention, ...]

    @cached_property
    def _offsets(self) -> list[int]:
        return [t.idx for t in self.tokens]

    def token_range(self, start: int, end: int) -> range:
        """Indices of the tokens that begin between two character offsets (by bisection: this runs per mention)."""
        return range(bisect_left(self._offsets, start), bisect_left(self._offsets, end))

    def token_span(self, start: int, end: int) -> tuple[Token, ...]:
        found = self.token_range(start, end)
        return self.tokens[found.start:found.stop]

    def tokens_text(self, start: int, end: int) -> str:
        """The words between two character offsets, joined by single spaces ("'s" kept apart)."""
        return " ".join(t.text for t in self.token_span(start, end))


class Role(Frozen):
    title: str  # "Prime Minister"
    country: str | None = None  # country entity id
    former: bool = False
    as_of: dt.date | None = None  # the latest article date that states the role (current, or held before)
    since: str | None = None  # from a curated card: "2025-10"
    until: str | None = None


class Entity(Frozen):
    """A person, country, place or organisation as the whole digest knows it."""

    id: str  # "person/sanae-takaichi": kind folder + slug, also the page path
    kind: EntityKind
    name: str
    aliases: tuple[str, ...] = ()
    country: str | None = None  # entity id of the country it belongs to
    located_in: str | None = None  # entity id of the place that contains it
    place_kind: str | None = None  # city, region or landmark, for places
    roles: tuple[Role, ...] = ()
    description: str = ""  # curated Markdown text
    curated: bool = False


class EntityMention(Frozen):
    """A mention after resolution: which entity it names."""

    entity_id: str
    article_id: str
    sentence: int
    start: int
    end: int
    text: str


class SummarySentence(Frozen):
    article_id: str
    index: int
    text: str
    start: int  # character offset of `text` in Article.text, to link the entities it names


class EventKind(StrEnum):
    """What kind of happening an event is, on a coarse political-event scheme in the spirit of PLOVER/CAMEO."""

    CONSULT = "consult"  # a meeting, visit, summit, call or talks that took place
    AGREE = "agree"
    STATEMENT = "statement"  # words: announcements, appeals, accusations, threats, plans (a meeting to come)
    POLICY = "policy"
    LEGISLATION = "legislation"
    LEGAL = "legal"
    ELECTION = "election"
    VIOLENCE = "violence"
    SANCTION = "sanction"
    PROTEST = "protest"
    DISASTER = "disaster"
    ECONOMY = "economy"
    OTHER = "other"


class ConsultMode(StrEnum):
    """How a consult took place."""

    IN_PERSON = "in_person"
    PHONE = "phone"  # a phone or video call
    NEGOTIATION = "negotiation"


class Event(Frozen):
    """Several outlets' stories about one happening."""

    id: str  # stable slug, also the page path below events/
    title: str
    date: dt.date | None
    kind: EventKind = EventKind.OTHER
    consult_mode: ConsultMode | None = None  # only for EventKind.CONSULT
    place: str | None = None  # entity id
    country: str | None = None  # entity id of the place's country
    articles: tuple[str, ...]  # article ids, oldest first
    participants: tuple[str, ...] = ()  # person entity ids, most mentioned first
    entities: tuple[str, ...] = ()  # every entity id mentioned, most mentioned first
    summary: tuple[SummarySentence, ...] = ()
    # Ids the event's articles would give an event of their own: old URLs that redirect here after a merge.
    aliases: tuple[str, ...] = ()
    duplicates: tuple[tuple[str, ...], ...] = ()  # wire copies republished by several outlets, first one first
    editor_summary: str = ""  # Markdown from content/events/, replaces the generated summary
    hidden: bool = False

    @property
    def copy_of(self) -> dict[str, str]:
        return wire_copies(self.duplicates)


def wire_copies(duplicates: tuple[tuple[str, ...], ...]) -> dict[str, str]:
    """Each republished copy's article id -> the id of the story it repeats (the first of its group)."""
    return {copy: group[0] for group in duplicates for copy in group[1:]}
