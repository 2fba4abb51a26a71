"""The list of pages a digest makes, each with its template and subject."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .urls import bilateral_path, entity_path, event_path

if TYPE_CHECKING:
    from .digest import Digest
from ..analysis.events.kinds import kind_text
from ..analysis.models import KIND_FOLDERS, EntityKind
from ..contract import Frozen

EVENTS_PER_PAGE = 20
KIND_TITLES = {
    EntityKind.PERSON: "People",
    EntityKind.COUNTRY: "Countries",
    EntityKind.PLACE: "Places",
    EntityKind.ORGANIZATION: "Organisations",
}


class Page(Frozen):
    """One output page: where it goes, which template draws it and what it is about."""

    path: str  # "events/2026-01-13-x/" for a folder page (index.html), or "404.html"
    template: str
    title: str
    subject: str | None = None  # an entity id, an event id or a kind folder
    # Links from base-URL-rooted paths, for a page served at any depth (GitHub Pages serves 404.html so).
    rooted: bool = False
    card: str | None = None  # the Markdown card template the page's body is drawn from
    listed: bool = True  # in the sitemap; false for the 404 page and redirects

    @property
    def file(self) -> str:
        return self.path + "index.html" if self.path.endswith("/") or not self.path else self.path

    @property
    def card_file(self) -> str:
        """Where the page's Markdown card goes, beside its HTML (a page with a card is a folder page)."""
        return self.path + "index.md"

    @property
    def files(self) -> tuple[str, ...]:
        """The site's files the page makes: its HTML, and its Markdown card if it has one."""
        return (self.file, self.card_file) if self.card else (self.file,)


def plan_pages(digest: Digest) -> list[Page]:
    """Every page of the site, in a fixed order."""
    pages = [Page(path="", template="index.html", title=digest.title),
             Page(path="timeline/", template="timeline.html", title="Timeline"),
             Page(path="about/", template="about.html", title="About"),
             Page(path="404.html", template="404.html", title="Page not found", rooted=True, listed=False)]
    pages += [Page(path=path, template="events.html", title="Events" if n == 1 else f"Events, page {n}",
                   subject=str(n)) for n, (path, _) in enumerate(digest.event_pages(), start=1)]
    pages += [Page(path=event_path(e), template="event.html", title=e.title, subject=e.id, card="cards/event.md")
              for e in digest.events]
    pages += [Page(path=f"events/{alias}/", template="redirect.html", title=e.title, subject=e.id, listed=False)
              for e in digest.events for alias in e.aliases]
    if digest.stories:
        pages.append(Page(path="stories/", template="stories.html", title="Storylines"))
    pages += [Page(path=f"stories/{s.id}/", template="story.html", title=s.title, subject=f"stories/{s.id}",
                   card="cards/story.md") for s in digest.stories]
    pages.append(Page(path="kinds/", template="kinds.html", title="Events by kind"))
    pages += [Page(path=f"kinds/{kind.value}/", template="kind.html", title=kind_text(kind, None),
                   subject=f"kinds/{kind.value}") for kind, _ in digest.event_kinds()]
    if digest.leaders():
        pages.append(Page(path="leaders/", template="leaders.html", title="Leaders"))
    if digest.bilaterals:
        pages.append(Page(path="relations/", template="relations.html", title="Relations"))
    pages += [Page(path=bilateral_path(b), template="relation.html", title=b.title, subject=b.id,
                   card="cards/relation.md") for b in digest.bilaterals.values()]
    for kind, folder in KIND_FOLDERS.items():
        members = digest.of_kind(kind)
        if not members:
            continue
        pages.append(Page(path=f"{folder}/", template="entities.html", title=KIND_TITLES[kind], subject=kind.value))
        pages += [Page(path=entity_path(e), template=f"{kind.value}.html", title=e.name, subject=e.id,
                       card=f"cards/{kind.value}.md") for e in members]
        if kind == EntityKind.COUNTRY:
            pages += [Page(path=f"{entity_path(e)}{key}/", template="country_month.html", title=f"{e.name}, {label}",
                           subject=f"{e.id}@{key}") for e in members for key, label, _ in digest.months_of(e)]
    return pages

