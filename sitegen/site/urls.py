"""One URL policy: every page's path, and links between pages, relative or absolute."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .pages import Page
import hashlib
import posixpath
from urllib.parse import urlsplit

from ..analysis.models import KIND_FOLDERS, Entity, Event, id_slug
from ..analysis.statements.models import Bilateral, Relation


def entity_path(entity: Entity) -> str:
    """`people/sanae-takaichi/`: the id's slug under its kind's folder (ids are made of slugs only)."""
    return f"{KIND_FOLDERS[entity.kind]}/{id_slug(entity.id)}/"


def event_path(event: Event) -> str:
    return f"events/{event.id}/"


def bilateral_path(bilateral: Bilateral) -> str:
    return f"relations/{bilateral.id}/"


def absolute_url(base_url: str, path: str) -> str:
    """The public address of a site path; root-relative when no host is configured."""
    return base_url + path


def page_url(target: str, page: Page, base_url: str) -> str:
    """How `page` links to `target`: relative, so the site works under any sub-path, unless it is rooted."""
    if page.rooted:
        return urlsplit(base_url).path.rstrip("/") + "/" + target
    return relative_url(target, page.path)


def relative_url(target: str, from_path: str) -> str:
    """A link from one page's folder to another path in the site, so the site works under any sub-path."""
    here = posixpath.dirname(from_path) if not from_path.endswith("/") else from_path.rstrip("/")
    rel = _relpath(target.rstrip("/") or ".", here or ".")
    if (not target or target.endswith("/")) and not rel.endswith("/"):
        rel = "./" if rel == "." else rel + "/"
    return rel


def _relpath(path: str, start: str) -> str:
    """`posixpath.relpath` for two paths inside the site, without the two trips through the working directory
    that make it the costliest call in drawing a page (pages link thousands of times)."""
    if path.startswith(("/", "..")) or start.startswith(("/", "..")):
        return posixpath.relpath(path, start)
    to, start_parts = [p for p in posixpath.normpath(path).split("/") if p != "."], \
        [p for p in posixpath.normpath(start).split("/") if p != "."]
    common = len(posixpath.commonprefix([to, start_parts]))
    return "/".join([".."] * (len(start_parts) - common) + to[common:]) or "."


def meeting_anchor(relation: Relation) -> str:
    """A stable fragment id for a meeting on the timeline."""
    key = "|".join([relation.kind, *relation.participants, relation.date.start.isoformat() if relation.date else ""])
    return "m-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]

