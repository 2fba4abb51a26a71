"""Draw the pages with Jinja into a staging folder, then swap it in whole: a failed build leaves the last site.

Everything from an article or a card is escaped: autoescape is on for every template and Markdown is
rendered with raw HTML disabled.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, pass_context, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from .cards import front_matter, linked_text, md_escape, md_url
from .deps import Lazy, PageRecord, ReadLog, tracked_kind
from .graph import relationship_svg
from .kinds import KIND_TEXT, kind_text
from .publish import describe, structured_data
from .models import LocatedError
from .site import (Digest, Page, absolute_url, definite_article, format_date, format_when, is_leader, meeting_anchor,
                   page_url)
from .theme import template_folders


class RenderError(LocatedError):
    """A template failed (with its file and line), or the output could not be written."""


class RecordingEnvironment(Environment):
    """Jinja that notes, while `log` is set, each template a page loads and each value it reads from the digest.

    Templates reach the digest only through `getattr`/`getitem` (Jinja's filters too), so these two hooks
    see every read; see `sitegen.deps`.
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

    def render(text: str) -> Markup:
        return Markup(md.render(text or ""))  # html=False escapes any raw HTML in the source

    return render


def make_environment(templates_dir: Path, overrides_dir: Path | None = None, recording: bool = False) -> Environment:
    """Jinja over the site's overrides, its templates folder, then the default theme (`theme.template_folders`).

    With `recording`, a `RecordingEnvironment`: set its `log` to a `ReadLog` while drawing a page.
    """
    env = (RecordingEnvironment if recording else Environment)(
        loader=FileSystemLoader([str(folder) for folder in template_folders(templates_dir, overrides_dir)]),
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
                 records: dict[str, PageRecord] | None = None) -> dict[str, bytes]:
    """Every output file's bytes by its path in the site; nothing is written yet.

    With `records`, what each page loaded and read goes into it by page path (for exact rebuilds).
    """
    env = make_environment(templates_dir, overrides_dir, recording=records is not None)
    files: dict[str, bytes] = {}
    to_html = env.filters["markdown"]
    memo: dict = {}
    for page in pages:
        log = env.log = ReadLog(memo) if records is not None else None
        try:
            meta = call_helper(env, "meta", digest, page, search)
            card = ""
            if page.card:
                card = env.get_template(page.card).render(digest=digest, page=page, meta=meta)
                files[page.path + "index.md"] = card.encode("utf-8")
            body = to_html(card.split("\n---\n", 1)[1]) if card else Markup("")
            html = env.get_template(page.template).render(digest=digest, page=page, meta=meta, card=body)
        except TemplateError as exc:
            path, line = template_location(exc, templates_dir / page.template)
            raise RenderError(f"{exc} (while drawing /{page.path})", path, line) from exc
        finally:
            if records is not None:
                env.log = None
        if log is not None:
            records[page.path] = PageRecord.of(page, log)
        files[page.file] = html.encode("utf-8")
        on_page(1)
    return files


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


def write_site(files: dict[str, bytes], static_dirs: Sequence[Path], output_dir: Path,
               index_search: bool = False, lock: AbstractContextManager | None = None) -> None:
    """Write into a fresh folder beside the output, index it for search, then put it in place in one rename.

    Static folders are copied in order, so a later one (the site's overrides) replaces files of an earlier one.
    `lock` is held for the swap (a server holds it while opening a file, so it never finds the folder gone).
    """
    output_dir = output_dir.resolve()
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    with staged(output_dir, index_search, lock) as staging:
        for static_dir in static_dirs:
            if static_dir.is_dir():
                shutil.copytree(static_dir, staging / "static", dirs_exist_ok=True)
        for rel, data in sorted(files.items()):
            target = _inside(staging, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


@contextmanager
def staged(output_dir: Path, index_search: bool, lock: AbstractContextManager | None) -> Iterator[Path]:
    """A fresh folder beside the output to fill; on success it is indexed for search and swapped in whole
    (under the server's lock), on any failure removed, leaving the last good site as it was."""
    clear_litter(output_dir)
    staging = Path(tempfile.mkdtemp(prefix=_litter_prefix(output_dir, "new", os.getpid()), dir=output_dir.parent))
    try:
        yield staging
        if index_search:
            build_search_index(staging)
        os.chmod(staging, 0o755)
        with lock or nullcontext():
            swap_in(staging, output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def update_site(output_dir: Path, writes: Mapping[str, bytes], removes: Collection[str],
                static: Mapping[str, Sequence[Path]], index_search: bool = False,
                lock: AbstractContextManager | None = None) -> None:
    """The next version of a site from the current one, swapped in whole like `write_site`'s.

    Unchanged files are hard-linked into the new folder, never copied; a changed file is written as a new
    file (writing through a link would change the live site). `static` maps a path below static/ (a file or
    a folder) to its sources in copy order; no source means it is gone. The search index is made again
    when a page changed.
    """
    output_dir = output_dir.resolve()
    reindex = index_search and any(rel.endswith(".html") for rel in (*writes, *removes))
    with staged(output_dir, reindex, lock) as staging:
        link_tree(output_dir, staging, skip={"pagefind"} if reindex else set())
        for rel in removes:
            _remove(_inside(staging, rel), staging)
        for rel, sources in sorted(static.items()):
            target = _inside(staging, f"static/{rel}")
            _remove(target, staging)
            for source in sources:
                target.parent.mkdir(parents=True, exist_ok=True)
                if source.is_dir():
                    shutil.copytree(source, target, dirs_exist_ok=True)
                else:
                    target.unlink(missing_ok=True)
                    shutil.copyfile(source, target)
        for rel, data in sorted(writes.items()):
            target = _inside(staging, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            target.write_bytes(data)


def link_tree(source: Path, target: Path, skip: Collection[str] = ()) -> None:
    """Hard-link every file of `source` into `target` (folders made anew), leaving out top-level `skip`."""
    if not source.is_dir():
        return
    for folder, dirs, names in os.walk(source):
        here = Path(folder)
        rel = here.relative_to(source)
        if rel == Path("."):
            dirs[:] = [d for d in dirs if d not in skip]
            names = [n for n in names if n not in skip]
        (target / rel).mkdir(parents=True, exist_ok=True)
        for name in names:
            os.link(here / name, target / rel / name)


def _inside(root: Path, rel: str) -> Path:
    target = (root / rel).resolve()
    if not target.is_relative_to(root) or target == root:
        raise RenderError(f"refusing to write {rel!r} outside the output folder")
    return target


def _remove(target: Path, root: Path) -> None:
    """Delete a file or folder, then the folders it leaves empty (a full build would not make them)."""
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
    parent = target.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def build_search_index(site: Path) -> None:
    """Pagefind indexes the finished pages into site/pagefind/ (its binary ships in the PyPI package)."""
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--silent"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RenderError(f"search indexing failed: {(result.stderr or result.stdout).strip()}")


def _litter_prefix(output_dir: Path, stage: str, pid: int) -> str:
    """Staging (`new`) and retired (`old`) folders beside the output carry the builder's process id, so a
    later build can tell a killed build's leftovers from a running build's work."""
    return f".{output_dir.name}.{stage}-{pid}-"


def clear_litter(output_dir: Path) -> None:
    """Remove what a killed build left beside the output; if it died between the two renames of the swap,
    first put its retired site back in place."""
    if not output_dir.parent.is_dir():
        return
    for stage in ("old", "new"):
        for folder in sorted(output_dir.parent.glob(f".{glob.escape(output_dir.name)}.{stage}-*-*")):
            pid = folder.name.removeprefix(f".{output_dir.name}.{stage}-").split("-", 1)[0]
            if not pid.isdigit() or _alive(int(pid)) or not folder.is_dir():
                continue
            if stage == "old" and (folder / "site").is_dir() and not output_dir.exists():
                os.replace(folder / "site", output_dir)
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def swap_in(staging: Path, output_dir: Path) -> None:
    old = None
    if output_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=_litter_prefix(output_dir, "old", os.getpid()), dir=output_dir.parent))
        os.replace(output_dir, old / "site")
    os.replace(staging, output_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
