"""Draw the pages with Jinja into bytes; `write.py` puts them on disk, whole, so a failed build leaves the last site.

Everything from an article or a card is escaped: autoescape is on for every template and Markdown is
rendered with raw HTML disabled.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import (BaseLoader, Environment, StrictUndefined, TemplateError, TemplateNotFound, pass_context,
                    select_autoescape)
from markdown_it import MarkdownIt
from markupsafe import Markup

from ..analysis.events.kinds import KIND_TEXT, kind_text
from ..content.cards import front_matter, linked_text, md_escape, md_url
from ..contract import LocatedError
from ..pipeline.executor import Executor, LocalExecutor
from ..site.digest import Digest, is_leader
from ..site.pages import Page
from ..site.urls import absolute_url, meeting_anchor, page_url
from ..site.views import definite_article, format_date, format_when
from ..theme import template_folders
from .metadata import describe, structured_data
from .reads import Lazy, PageRecord, ReadLog, tracked_kind
from .svg import relationship_svg


class RenderError(LocatedError):
    """A template failed (with its file and line), or the output could not be written."""


class RecordingEnvironment(Environment):
    """Jinja that notes, while `log` is set, each template a page loads and each value it reads from the digest.

    Templates reach the digest only through `getattr`/`getitem` (Jinja's filters too), so these two hooks
    see every read; see `sitegen.output.reads`.
    """

    log: ReadLog | None = None

    def get_template(self, name, parent=None, globals=None):
        if self.log is not None and isinstance(name, str):
            self.log.templates.add(self.join_path(name, parent) if parent is not None else name)
        return super().get_template(name, parent, globals)

    def select_template(self, names, parent=None, globals=None):
        if self.log is not None:
            self.log.templates.update(self.join_path(n, parent) if parent is not None else n
                                      for n in names if isinstance(n, str))
        return super().select_template(names, parent, globals)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if self.log is not None:
            if isinstance(obj, Digest):
                return self.log.digest_attribute(obj, attribute)
            if (kind := tracked_kind(obj)) is not None:
                return self.log.field(obj, kind, attribute, super().getattr(obj, attribute))
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if self.log is not None and isinstance(argument, str):
            if isinstance(obj, Digest):
                return self.log.digest_attribute(obj, argument)
            if (kind := tracked_kind(obj)) is not None:
                return self.log.field(obj, kind, argument, super().getitem(obj, argument))
        return super().getitem(obj, argument)


def markdown_renderer() -> Callable[[str], Markup]:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # Pure functions of an address, which the cards of a site give over and over (a tenth of drawing a card).
    md.normalizeLink = lru_cache(maxsize=8192)(md.normalizeLink)
    md.validateLink = lru_cache(maxsize=8192)(md.validateLink)

    def render(text: str) -> Markup:
        return Markup(md.render(text or ""))  # html=False escapes any raw HTML in the source

    return render


@dataclass(frozen=True)
class TemplateFiles:
    """Every file of the template folders, in search order, read where the build runs: a worker on another
    machine draws with exactly these templates, not with whatever its own disk holds at those paths."""

    layers: tuple[tuple[str, Mapping[str, bytes]], ...]  # (folder, {template name: bytes})

    @classmethod
    def read(cls, templates_dir: Path, overrides_dir: Path | None) -> TemplateFiles:
        return cls(tuple((str(folder), _folder_files(folder))
                         for folder in template_folders(templates_dir, overrides_dir) if folder.is_dir()))

    def find(self, template: str) -> tuple[str, bytes] | None:
        """(file name, bytes) of the first folder's file of that name, as Jinja's FileSystemLoader finds it."""
        for folder, sources in self.layers:
            if template in sources:
                return os.path.normpath(os.path.join(folder, *template.split("/"))), sources[template]
        return None


def _folder_files(folder: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for here, _, names in sorted(os.walk(folder, followlinks=True)):
        for name in sorted(names):
            path = Path(here) / name
            try:
                found[path.relative_to(folder).as_posix()] = path.read_bytes()
            except OSError:
                continue  # never found: Jinja reports the template missing if a page needs it
    return found


class TemplateFilesLoader(BaseLoader):
    """Jinja's FileSystemLoader over `files`, which each render replaces: a compiled template stays valid
    while its name still finds the same file with the same text (not file times: two saves within one
    clock tick still recompile)."""

    def __init__(self, files: TemplateFiles) -> None:
        self.files = files

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        found = self.files.find(template)
        if found is None:
            raise TemplateNotFound(template)
        return found[1].decode("utf-8"), found[0], lambda: self.files.find(template) == found


def make_environment(files: TemplateFiles, recording: bool = False) -> Environment:
    """Jinja over the site's overrides, its templates folder, then the default theme (`theme.template_folders`),
    as `files` read them.

    With `recording`, a `RecordingEnvironment`: set its `log` to a `ReadLog` while drawing a page.
    """
    env = (RecordingEnvironment if recording else Environment)(
        loader=TemplateFilesLoader(files),
        # HTML and XML are escaped; Markdown cards escape with the `md` filter and render with raw HTML off.
        autoescape=select_autoescape(disabled_extensions=("md",), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )

    @pass_context
    def url(context, target: str) -> str:
        return page_url(target, context["page"], context["digest"].base_url)

    @pass_context
    def link(context, thing) -> str:
        return page_url(context["digest"].link_target(thing), context["page"], context["digest"].base_url)

    @pass_context
    def graph(context, entity) -> Markup:
        return call_helper(env, "graph", context["digest"], context["page"], entity)

    @pass_context
    def linked(context, text: str, article_id: str, start: int) -> str:
        return call_helper(env, "linked", context["digest"], context["page"], text, article_id, start)

    def leader(person) -> bool:
        log = getattr(env, "log", None)
        if log is not None and tracked_kind(person) is not None:
            log.field(person, tracked_kind(person), "roles", person.roles)
        return is_leader(person)

    env.globals.update(url=url, link=link, graph=graph, is_leader=leader, anchor=meeting_anchor, linked=linked,
                       event_kinds=KIND_TEXT)
    env.filters.update(date=format_date, when=format_when, markdown=markdown_renderer(), md=md_escape, md_url=md_url,
                       front_matter=front_matter, kind_label=kind_text,
                       the=definite_article)
    env.tests.update(leader=leader)
    return env


def draw_graph(digest: Digest, page: Page, entity) -> Markup:
    return relationship_svg(digest, entity, lambda other: page_url(digest.link_target(other), page, digest.base_url))


def link_mentions(digest: Digest, page: Page, text: str, article_id: str, start: int) -> str:
    mentions = [(m.start, m.end, page_url(digest.link_target(m.entity_id), page, digest.base_url))
                for m in digest.mentions_in(article_id)]
    return linked_text(text, start, mentions)


def call_helper(env: Environment, name: str, digest: Digest, page: Page, *args: Any) -> Any:
    """A page-relative helper that reads the digest in Python: recorded as one read, with its result."""
    args = tuple(a.read() if isinstance(a, Lazy) else a for a in args)
    log = getattr(env, "log", None)
    if log is None:
        return PAGE_HELPERS[name](digest, page, *args)
    return log.helper(name, page, lambda: PAGE_HELPERS[name](digest, page, *args), args)


def page_meta(digest: Digest, page: Page, search: bool) -> dict[str, object]:
    """What the page's head says about it: description, canonical URL, JSON-LD, search settings."""
    return {
        "description": describe(digest, page),
        "canonical": absolute_url(digest.base_url, page.path if page.listed or page.subject not in digest.event_by_id
                                  else digest.link_target(page.subject)),
        "og_type": "article" if page.subject in digest.event_by_id else "website",
        "structured": structured_data(digest, page),
        "search": search,
        "base_path": urlsplit(digest.base_url).path or "/",
        "indexed": page.card is not None,
    }


PAGE_HELPERS: Mapping[str, Callable[..., Any]] = {"graph": draw_graph, "linked": link_mentions, "meta": page_meta}


def render_pages(digest: Digest, pages: Sequence[Page], templates_dir: Path, search: bool = False,
                 on_page: Callable[[int], None] = lambda n: None, overrides_dir: Path | None = None,
                 records: dict[str, PageRecord] | None = None, executor: Executor = LocalExecutor(),
                 on_files: Callable[[dict[str, bytes]], None] = lambda files: None) -> dict[str, bytes]:
    """Every output file's bytes by its path in the site; nothing is written here.

    With `records`, what each page loaded and read goes into it by page path (for exact rebuilds). The
    pages are drawn by `executor`, in batches that each get the digest once; each page's files are given to
    `on_files` as they come back (a build writes them while the executor draws the next ones).
    """
    files: dict[str, bytes] = {}
    drawn = executor.map(draw_pages, pages, digest, templates_dir, TemplateFiles.read(templates_dir, overrides_dir),
                         search, records is not None)
    for page, (page_files, record) in zip(pages, drawn, strict=True):
        files.update(page_files)
        on_files(page_files)
        if records is not None:
            records[page.path] = record
        on_page(1)
    return files


def draw_pages(pages: Sequence[Page], digest: Digest, templates_dir: Path, files: TemplateFiles, search: bool,
               recording: bool) -> Iterator[tuple[dict[str, bytes], PageRecord | None]]:
    """Each page's files (its HTML, and its Markdown card if it has one), with what it read if `recording`."""
    env, drawing = _kept_environment(tuple(folder for folder, _ in files.layers), recording)
    with drawing:
        env.loader.files = files
        yield from _draw(env, pages, digest, templates_dir, search, recording)


def _draw(env: Environment, pages: Sequence[Page], digest: Digest, templates_dir: Path, search: bool,
          recording: bool) -> Iterator[tuple[dict[str, bytes], PageRecord | None]]:
    to_html = env.filters["markdown"]
    memo: dict = {}
    for page in pages:
        files: dict[str, bytes] = {}
        log = env.log = ReadLog(memo, page) if recording else None
        try:
            meta = call_helper(env, "meta", digest, page, search)
            card = ""
            if page.card:
                card = env.get_template(page.card).render(digest=digest, page=page, meta=meta)
                files[page.card_file] = card.encode("utf-8")
            body = to_html(card.split("\n---\n", 1)[1]) if card else Markup("")
            html = env.get_template(page.template).render(digest=digest, page=page, meta=meta, card=body)
        except TemplateError as exc:
            path, line = template_location(exc, templates_dir / page.template)
            raise RenderError(f"{exc} (while drawing /{page.path})", path, line) from exc
        finally:
            if recording:
                env.log = None
        files[page.file] = html.encode("utf-8")
        yield files, PageRecord.of(page, log) if log is not None else None


@lru_cache(maxsize=8)
def _kept_environment(folders: tuple[str, ...], recording: bool) -> tuple[Environment, threading.Lock]:
    """One environment per template search path, kept between builds in a process (`serve` rebuilds often; a
    Dask worker draws batch after batch): a template is compiled again only when its text changed. The lock
    lets one render at a time use it."""
    return make_environment(TemplateFiles(()), recording), threading.Lock()


def template_location(exc: TemplateError, fallback: Path) -> tuple[str, int | None]:
    """(file, line) of the template frame that failed; Jinja puts template frames into the traceback."""
    if getattr(exc, "filename", None):  # syntax errors carry their own location
        return exc.filename, exc.lineno
    where: tuple[str, int | None] = (str(fallback), None)
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".html", ".xml", ".txt", ".md")):
            where = (name, tb.tb_lineno)
        tb = tb.tb_next
    return where
