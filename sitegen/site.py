"""The site as a reader navigates it: one URL policy, the cross-links between pages, the list of pages."""

from __future__ import annotations

import datetime as dt
import posixpath
from urllib.parse import urlsplit
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from .models import Article, Entity, EntityKind, EntityMention, Event, Frozen

KIND_FOLDERS = {
    EntityKind.PERSON: "people",
    EntityKind.COUNTRY: "countries",
    EntityKind.PLACE: "places",
    EntityKind.ORGANIZATION: "organizations",
}
KIND_TITLES = {
    EntityKind.PERSON: "People",
    EntityKind.COUNTRY: "Countries",
    EntityKind.PLACE: "Places",
    EntityKind.ORGANIZATION: "Organisations",
}


def entity_path(entity: Entity) -> str:
    """`people/sanae-takaichi/`: the id's slug under its kind's folder (ids are made of slugs only)."""
    return f"{KIND_FOLDERS[entity.kind]}/{entity.id.split('/', 1)[1]}/"


def event_path(event: Event) -> str:
    return f"events/{event.id}/"


def page_url(target: str, page: Page, base_url: str) -> str:
    """How `page` links to `target`: relative, so the site works under any sub-path, unless it is rooted."""
    if page.rooted:
        return urlsplit(base_url).path.rstrip("/") + "/" + target
    return relative_url(target, page.path)


def relative_url(target: str, from_path: str) -> str:
    """A link from one page's folder to another path in the site, so the site works under any sub-path."""
    here = posixpath.dirname(from_path) if not from_path.endswith("/") else from_path.rstrip("/")
    rel = posixpath.relpath(target.rstrip("/") or ".", here or ".")
    if (not target or target.endswith("/")) and not rel.endswith("/"):
        rel = "./" if rel == "." else rel + "/"
    return rel


class Page(Frozen):
    """One output page: where it goes, which template draws it and what it is about."""

    path: str  # "events/2026-01-13-x/" for a folder page (index.html), or "404.html"
    template: str
    title: str
    subject: str | None = None  # an entity id, an event id or a kind folder
    # Links from base-URL-rooted paths, for a page served at any depth (GitHub Pages serves 404.html so).
    rooted: bool = False

    @property
    def file(self) -> str:
        return self.path + "index.html" if self.path.endswith("/") or not self.path else self.path


@dataclass(frozen=True)
class Digest:
    """Everything the templates may show, with the cross-link indexes computed once."""

    title: str
    description: str
    base_url: str
    articles: dict[str, Article]
    events: list[Event]  # newest first
    entities: dict[str, Entity]
    mentions: Sequence[EntityMention]
    event_by_id: dict[str, Event] = field(init=False)
    events_of: dict[str, list[Event]] = field(init=False)  # entity id -> events that mention it
    event_of_article: dict[str, Event] = field(init=False)
    mention_count: Counter = field(init=False)
    people_of: dict[str, list[Entity]] = field(init=False)  # country id -> its people
    places_of: dict[str, list[Entity]] = field(init=False)  # country or place id -> places in it
    events_at: dict[str, list[Event]] = field(init=False)  # place or country id -> events held there

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "event_by_id", {e.id: e for e in self.events})
        events_of: dict[str, list[Event]] = defaultdict(list)
        events_at: dict[str, list[Event]] = defaultdict(list)
        event_of_article = {}
        for event in self.events:
            for entity_id in event.entities:
                events_of[entity_id].append(event)
            for where in filter(None, {event.place, event.country}):
                events_at[where].append(event)
            for article_id in event.articles:
                event_of_article[article_id] = event
        set_(self, "events_of", dict(events_of))
        set_(self, "events_at", dict(events_at))
        set_(self, "event_of_article", event_of_article)
        set_(self, "mention_count", Counter(m.entity_id for m in self.mentions))
        people_of: dict[str, list[Entity]] = defaultdict(list)
        places_of: dict[str, list[Entity]] = defaultdict(list)
        for entity in self.entities.values():
            if entity.kind == EntityKind.PERSON and entity.country:
                people_of[entity.country].append(entity)
            if entity.kind == EntityKind.PLACE:
                for container in filter(None, {entity.country, entity.located_in}):
                    places_of[container].append(entity)
        set_(self, "people_of", {k: self.ranked(v) for k, v in people_of.items()})
        set_(self, "places_of", {k: self.ranked(v) for k, v in places_of.items()})

    def ranked(self, entities: Sequence[Entity]) -> list[Entity]:
        """Most mentioned first, then by name: the order every list of entities uses."""
        return sorted(entities, key=lambda e: (-self.mention_count[e.id], e.name, e.id))

    def of_kind(self, kind: EntityKind) -> list[Entity]:
        return self.ranked([e for e in self.entities.values() if e.kind == kind])

    def sections(self) -> list[tuple[str, str]]:
        """(folder, label) of every entity kind that has pages, for the navigation."""
        return [(f"{folder}/", KIND_TITLES[kind]) for kind, folder in KIND_FOLDERS.items() if self.of_kind(kind)]

    def mentioned_in_event(self, event: Event, folder: str) -> list[Entity]:
        """Entities of one kind (by page folder) that the event's articles name, participants aside."""
        return [self.entities[e] for e in event.entities
                if e not in event.participants and entity_path(self.entities[e]).startswith(folder)]

    def link_target(self, thing: Entity | Event | str) -> str:
        if isinstance(thing, Entity):
            return entity_path(thing)
        if isinstance(thing, Event):
            return event_path(thing)
        if thing in self.entities:
            return entity_path(self.entities[thing])
        return event_path(self.event_by_id[thing])

    def sources(self, event: Event) -> list[Article]:
        return [self.articles[a] for a in event.articles]


def plan_pages(digest: Digest) -> list[Page]:
    """Every page of the site, in a fixed order."""
    pages = [Page(path="", template="index.html", title=digest.title),
             Page(path="events/", template="events.html", title="Events"),
             Page(path="404.html", template="404.html", title="Page not found", rooted=True)]
    pages += [Page(path=event_path(e), template="event.html", title=e.title, subject=e.id) for e in digest.events]
    for kind, folder in KIND_FOLDERS.items():
        members = digest.of_kind(kind)
        if not members:
            continue
        pages.append(Page(path=f"{folder}/", template="entities.html", title=KIND_TITLES[kind], subject=kind.value))
        pages += [Page(path=entity_path(e), template=f"{kind.value}.html", title=e.name, subject=e.id)
                  for e in members]
    return pages


def format_date(value: dt.date | None) -> str:
    return value.strftime("%-d %B %Y") if value else "date unknown"
