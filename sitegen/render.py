"""Draw the pages with Jinja into a staging folder, then swap it in whole: a failed build leaves the last site.

Everything from an article or a card is escaped: autoescape is on for every template and Markdown is
rendered with raw HTML disabled.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, pass_context, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from .cards import front_matter, linked_text, md_escape
from .graph import relationship_svg
from .publish import absolute_url, describe, structured_data
from .site import Digest, Page, format_date, format_when, is_leader, meeting_anchor, page_url


class RenderError(Exception):
    """A template failed; the message names the template file and line."""


def markdown_renderer() -> Callable[[str], Markup]:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

    def render(text: str) -> Markup:
        return Markup(md.render(text or ""))  # html=False escapes any raw HTML in the source

    return render


def make_environment(templates_dir: Path, overrides_dir: Path | None = None) -> Environment:
    """Jinja over the theme's templates, with the site's overrides (if any) found first."""
    folders = [overrides_dir / "templates"] if overrides_dir and (overrides_dir / "templates").is_dir() else []
    env = Environment(
        loader=FileSystemLoader([str(folder) for folder in folders + [templates_dir]]),
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
        digest = context["digest"]
        return relationship_svg(digest, entity, lambda other: page_url(digest.link_target(other), context["page"],
                                                                      digest.base_url))

    @pass_context
    def linked(context, text: str, article_id: str, start: int) -> str:
        digest, page = context["digest"], context["page"]
        mentions = [(m.start, m.end, page_url(digest.link_target(m.entity_id), page, digest.base_url))
                    for m in digest.mentions_in(article_id)]
        return linked_text(text, start, mentions)

    env.globals.update(url=url, link=link, graph=graph, is_leader=is_leader, anchor=meeting_anchor, linked=linked)
    env.filters.update(date=format_date, when=format_when, markdown=markdown_renderer(), md=md_escape,
                       front_matter=front_matter)
    env.tests.update(leader=is_leader)
    return env


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


def render_pages(digest: Digest, pages: Sequence[Page], templates_dir: Path, search: bool = False,
                 on_page: Callable[[int], None] = lambda n: None, overrides_dir: Path | None = None) -> dict[str, bytes]:
    """Every output file's bytes by its path in the site; nothing is written yet."""
    env = make_environment(templates_dir, overrides_dir)
    env.globals["link_path"] = digest.link_target
    files: dict[str, bytes] = {}
    to_html = markdown_renderer()
    for page in pages:
        try:
            meta = page_meta(digest, page, search)
            card = ""
            if page.card:
                card = env.get_template(page.card).render(digest=digest, page=page, meta=meta)
                files[page.path + "index.md"] = card.encode("utf-8")
            body = to_html(card.split("\n---\n", 1)[1]) if card else Markup("")
            html = env.get_template(page.template).render(digest=digest, page=page, meta=meta, card=body)
        except TemplateError as exc:
            raise RenderError(f"{template_location(exc, templates_dir / page.template)}: {exc} "
                              f"(while drawing /{page.path})") from exc
        files[page.file] = html.encode("utf-8")
        on_page(1)
    return files


def template_location(exc: TemplateError, fallback: Path) -> str:
    """file:line of the template frame that failed; Jinja puts template frames into the traceback."""
    if getattr(exc, "filename", None):  # syntax errors carry their own location
        return f"{exc.filename}:{exc.lineno}"
    where = str(fallback)
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".html", ".xml", ".txt")):
            where = f"{name}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def write_site(files: dict[str, bytes], static_dirs: Sequence[Path], output_dir: Path,
               index_search: bool = False) -> None:
    """Write into a fresh folder beside the output, index it for search, then put it in place in one rename.

    Static folders are copied in order, so a later one (the site's overrides) replaces files of an earlier one.
    """
    output_dir = output_dir.resolve()
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.new-", dir=output_dir.parent))
    try:
        for static_dir in static_dirs:
            if static_dir.is_dir():
                shutil.copytree(static_dir, staging / "static", dirs_exist_ok=True)
        for rel, data in sorted(files.items()):
            target = (staging / rel).resolve()
            if not target.is_relative_to(staging):
                raise RenderError(f"refusing to write {rel!r} outside the output folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if index_search:
            build_search_index(staging)
        os.chmod(staging, 0o755)
        swap_in(staging, output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def build_search_index(site: Path) -> None:
    """Pagefind indexes the finished pages into site/pagefind/ (its binary ships in the PyPI package)."""
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--silent"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RenderError(f"search indexing failed: {(result.stderr or result.stdout).strip()}")


def swap_in(staging: Path, output_dir: Path) -> None:
    old = None
    if output_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.old-", dir=output_dir.parent))
        os.replace(output_dir, old / "site")
    os.replace(staging, output_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
