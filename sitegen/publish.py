"""The files beside the pages that make a site findable and publishable: feeds, sitemap, robots, Pages flags.

Everything here is a pure function from the digest to file bytes; dates in feeds come from the events,
never from the clock, so two builds of the same content are byte-identical.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from feedgen.feed import FeedGenerator

from .kinds import kind_text
from .models import Article, ConsultMode, Entity, EntityKind, Event
from .site import Digest, Page, absolute_url, definite_article, format_date

FEED_SIZE = 50


def feed_files(digest: Digest) -> dict[str, bytes]:
    """An Atom feed of the whole digest and one per leader and per country, newest events first."""
    files = {"feeds/atom.xml": atom_feed(digest, digest.events, "feeds/atom.xml", digest.title, "")}
    for entity in digest.feed_subjects():
        path = digest.link_target(entity) + "atom.xml"
        files[path] = atom_feed(digest, digest.events_of.get(entity.id, []), path,
                                f"{entity.name} · {digest.title}", digest.link_target(entity))
    return files


def atom_feed(digest: Digest, events: Sequence[Event], path: str, title: str, page_path: str) -> bytes:
    feed = FeedGenerator()
    feed.id(absolute_url(digest.base_url, path))
    feed.title(title)
    feed.subtitle(digest.description)
    feed.link(href=absolute_url(digest.base_url, path), rel="self")
    feed.link(href=absolute_url(digest.base_url, page_path), rel="alternate")
    feed.language("en")
    feed.generator("sitegen")
    feed.updated(_timestamp(max((e.date for e in events if e.date), default=None)))
    for event in reversed(list(events)[:FEED_SIZE]):  # feedgen prepends: add oldest first
        entry = feed.add_entry()
        url = absolute_url(digest.base_url, digest.link_target(event))
        entry.id(url)
        entry.title(event.title)
        entry.link(href=url)
        entry.updated(_timestamp(event.date))
        entry.published(_timestamp(event.date))
        entry.summary(" ".join(s.text for s in event.summary) or event.title)
        entry.category(term=event.kind.value, scheme=absolute_url(digest.base_url, "about/#event-kinds"),
                       label=kind_text(event.kind, event.consult_mode))
        for person in event.participants:
            entry.category(term=digest.entities[person].name)
    return feed.atom_str(pretty=True)


def _timestamp(day: dt.date | None) -> dt.datetime:
    return dt.datetime.combine(day or dt.date(1970, 1, 1), dt.time(), tzinfo=dt.timezone.utc)


def sitemap(digest: Digest, pages: Sequence[Page]) -> bytes:
    rows = []
    for page in pages:
        if not page.listed:
            continue
        row = f"  <url><loc>{escape(absolute_url(digest.base_url, page.path))}</loc>"
        if (updated := digest.page_date(page)) is not None:
            row += f"<lastmod>{updated.isoformat()}</lastmod>"
        rows.append(row + "</url>")
    body = "\n".join(rows)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}\n</urlset>\n').encode()


def robots(digest: Digest) -> bytes:
    text = "User-agent: *\nAllow: /\n"
    if urlsplit(digest.base_url).scheme:  # the Sitemap line must be an absolute URL
        text += f"Sitemap: {absolute_url(digest.base_url, 'sitemap.xml')}\n"
    return text.encode()


def _of_country(digest: Digest, country: str | None) -> str:
    """" of the United States" for a role's country, "" without one."""
    if not country:
        return ""
    name = digest.entities[country].name
    return f" of {definite_article(name)}{name}"


def describe(digest: Digest, page: Page) -> str:
    """The page's meta description: what a search result or a link preview should say."""
    if page.subject in digest.event_by_id:
        event = digest.event_by_id[page.subject]
        lead = " ".join(s.text for s in event.summary[:1])
        return _clip(f"{event.title}, {format_date(event.date)}. {lead}")
    if page.subject in digest.entities:
        entity = digest.entities[page.subject]
        roles = "; ".join(f"{'Former ' if r.former else ''}{r.title}" + _of_country(digest, r.country)
                          for r in entity.roles)
        count = len(digest.events_of.get(entity.id, []))
        return _clip(f"{entity.name}{': ' + roles if roles else ''}. {count} event{'s' if count != 1 else ''} "
                     f"in {digest.title}.")
    return _clip(f"{page.title}: {digest.description}" if page.path else digest.description)


def _clip(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def structured_data(digest: Digest, page: Page) -> dict:
    """schema.org JSON-LD: Event with its NewsArticle sources, Person, Place, Country, or the WebSite."""
    url = absolute_url(digest.base_url, page.path)
    if page.subject in digest.event_by_id:
        event = digest.event_by_id[page.subject]
        data = {"@context": "https://schema.org", "@type": "Event", "name": event.title, "url": url,
                "about": {"@type": "DefinedTerm", "termCode": event.kind.value,
                          "name": kind_text(event.kind, event.consult_mode)},
                "description": " ".join(s.text for s in event.summary[:2]),
                "performer": [_thing(digest, digest.entities[p]) for p in event.participants],
                "subjectOf": [_news_article(digest, digest.articles[a]) for a in event.articles]}
        if event.date:
            data["startDate"] = event.date.isoformat()
        if event.consult_mode == ConsultMode.IN_PERSON:  # people met: said only when the sources report it
            data["eventAttendanceMode"] = "https://schema.org/OfflineEventAttendanceMode"
        if event.place:
            data["location"] = _thing(digest, digest.entities[event.place])
        return data
    if page.subject in digest.entities:
        return {"@context": "https://schema.org", **_thing(digest, digest.entities[page.subject])}
    return {"@context": "https://schema.org", "@type": "WebSite" if not page.path else "WebPage",
            "name": page.title, "url": url, "description": digest.description}


def _thing(digest: Digest, entity: Entity) -> dict:
    kinds = {EntityKind.PERSON: "Person", EntityKind.COUNTRY: "Country", EntityKind.PLACE: "Place",
             EntityKind.ORGANIZATION: "Organization"}
    data = {"@type": kinds[entity.kind], "name": entity.name,
            "url": absolute_url(digest.base_url, digest.link_target(entity))}
    if entity.kind == EntityKind.PERSON:
        if entity.roles:
            data["jobTitle"] = entity.roles[0].title
        if entity.country:
            data["nationality"] = {"@type": "Country", "name": digest.entities[entity.country].name}
    elif entity.kind == EntityKind.PLACE and (container := entity.located_in or entity.country):
        data["containedInPlace"] = {"@type": "Place", "name": digest.entities[container].name}
    return data


def _news_article(digest: Digest, article: Article) -> dict:
    data = {"@type": "NewsArticle", "headline": article.title}
    if article.url:
        data["url"] = article.url
    if article.date:
        data["datePublished"] = article.date.isoformat()
    if article.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in article.authors]
    if article.source:
        data["publisher"] = {"@type": "Organization", "name": article.source}
    return data


def pages_flags(base_url: str) -> dict[str, bytes]:
    """`.nojekyll` so GitHub Pages serves the files as they are; `CNAME` when the site has its own domain."""
    files = {".nojekyll": b""}
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if host and not host.endswith(".github.io") and host not in ("localhost", "127.0.0.1") and parts.path in ("", "/"):
        files["CNAME"] = (host + "\n").encode()
    return files


def publication_files(digest: Digest, pages: Sequence[Page]) -> dict[str, bytes]:
    return {**feed_files(digest), "sitemap.xml": sitemap(digest, pages), "robots.txt": robots(digest),
            **pages_flags(digest.base_url)}
