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

from ..analysis.events.kinds import kind_text
from ..analysis.models import Event
from ..site.digest import Digest
from ..site.pages import Page
from ..site.urls import absolute_url

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
