"""What the analysis stages hand on: entities, their mentions and roles, and events.

Frozen pydantic models, nothing else; each stage folder keeps its own contract beside it (content/models.py,
nlp/models.py, this file), all built on `sitegen.contract.Frozen`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from ..content.slugs import slugify
from ..contract import Frozen


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


def entity_id(kind: EntityKind, name: str) -> str:
    """An entity's id, "person/sanae-takaichi": its kind, then its name's slug."""
    return f"{kind.value}/{slugify(name)}"


def id_slug(ident: str) -> str:
    """The slug part of an entity id ("sanae-takaichi"), for the paths of its pages."""
    return ident.split("/", 1)[1]


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
