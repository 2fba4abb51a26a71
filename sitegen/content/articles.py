"""Read the editor's article files into `Article`s; every unreadable file becomes a diagnostic, not a crash.

Two formats: raw wire text as agencies send it (a `date YYYY-MM-DD` marker, a `TOKYO -` dateline, a closing
`By A With B` byline) and Markdown with YAML front matter (title, date, source, url, authors).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

from ..contract import Diagnostic, Frozen
from ..pipeline.fingerprint import code_version, fingerprint
from ..pipeline.store import Cache, stored
from .files import MARKDOWN_SUFFIXES, _display, decode_text, read_content
from .frontmatter import MAX_FRONT_MATTER_CHARS, front_matter_line, split_front_matter
from .models import Article

WIRE_SUFFIXES = {".txt"}
FRONT_MATTER_KEYS = {"title", "date", "source", "url", "authors", "stance"}
TITLE_CHARS = 90
STANCES = ("left", "center", "right")  # an outlet's leaning as media-bias charts give it
MAX_ARTICLE_CHARS = 100_000  # the default of `max_article_chars` in sitegen.toml (config.py reads it from here)
READ = "articles"  # the store's namespace for a file read into an article, keyed by its bytes and name

_DATE_MARKER = re.compile(r"\A\s*date:?\s+(\d{4}-\d{2}-\d{2})\b[ \t]*\n?", re.IGNORECASE)
# A wire dateline: an all-caps place ("TOKYO", "NEW YORK", "PORT-AU-PRINCE", "WASHINGTON, D.C.", "KYIV,
# Ukraine"), an agency "(Reuters)" after it or alone, then a dash. A hyphen counts only with a space on one side
# at least ("TOKYO -Japanese", "PARIS - The"): "U.S.-China talks" opens with no dateline.
DATELINE = re.compile(
    r"\A\s*(?:(?P<place>[A-Z][A-Z.'’-]+(?:[ ][A-Z][A-Z.'’-]+)*)(?:,\s*[A-Z][A-Za-z.]+(?:\s[A-Z][A-Za-z.]+)*)?"
    r"\s*(?:\([A-Za-z .]{1,40}\)\s*)?|\([A-Za-z .]{1,40}\)\s*)(?:[–—]+|(?<=\s)-+|-+(?=\s))\s*"
)
_BYLINE = re.compile(r"^\s*By\s+(?P<names>[A-Z][\w.'’-]*(?:[ ,&]+(?:[A-Z][\w.'’-]*|and|with|With))*)\s*$")
_AUTHOR_SPLIT = re.compile(r"\s*,\s*|\s+(?:and|with|With|&)\s+")
_SENTENCE_END = re.compile(r"[.!?][\"'”’]?(?=\s+[\"“A-Z])")


class ArticleRead(Frozen):
    """What `read_article` made of one file, as the store keeps it."""

    article: Article | None
    problems: tuple[Diagnostic, ...]


def read_articles(content_dir: Path, max_chars: int = MAX_ARTICLE_CHARS, cache: Cache | None = None
                  ) -> tuple[list[Article], list[Diagnostic]]:
    """Every readable article under `content_dir/articles`, sorted by id, and what went wrong with the rest.
    With `cache`, a file read before with the same bytes, name and limit is taken from it (its front matter is
    not parsed again: YAML is most of the reading)."""
    folder = content_dir / "articles"
    articles: dict[str, Article] = {}
    diagnostics: list[Diagnostic] = []
    if not folder.is_dir():
        diagnostics.append(Diagnostic(path=_display(folder, content_dir), message="no articles folder",
                                      hint="put article files under content/articles/"))
        return [], diagnostics
    # UTF-8 spends at most 4 bytes a character: a bigger file is refused unread.
    files, diagnostics = read_content(folder, content_dir, 4 * max_chars + MAX_FRONT_MATTER_CHARS)
    for path, rel, raw in files:
        article, problems = _read_article(raw, rel, article_id(path, folder), max_chars, cache)
        diagnostics.extend(problems)
        if article is None:
            continue
        if article.id in articles:
            diagnostics.append(Diagnostic(path=rel, line=1, message=f"duplicate article id {article.id!r}",
                                          hint=f"rename it: {articles[article.id].path} has the same name"))
            continue
        articles[article.id] = article
    return sorted(articles.values(), key=lambda a: a.id), diagnostics


def _read_article(raw: bytes, rel_path: str, ident: str, max_chars: int, cache: Cache | None
                  ) -> tuple[Article | None, list[Diagnostic]]:
    if cache is None:
        return read_article(raw, rel_path, ident, max_chars)
    def read() -> ArticleRead:
        article, problems = read_article(raw, rel_path, ident, max_chars)
        return ArticleRead(article=article, problems=tuple(problems))

    key = fingerprint(code_version(__name__), hashlib.sha256(raw).hexdigest(), rel_path, ident, max_chars)
    found = stored(cache, READ, key, ArticleRead, read)
    return found.article, list(found.problems)


def article_id(path: Path, folder: Path) -> str:
    return path.relative_to(folder).with_suffix("").as_posix()


def read_article(raw: bytes, rel_path: str, ident: str,
                 max_chars: int = MAX_ARTICLE_CHARS) -> tuple[Article | None, list[Diagnostic]]:
    """Parse one file's bytes; returns no article (and says why) when the file cannot be used."""
    suffix = Path(rel_path).suffix.lower()
    if suffix not in WIRE_SUFFIXES | MARKDOWN_SUFFIXES:
        return None, [Diagnostic(path=rel_path, line=1, message=f"unknown file type {suffix or '(none)'!r}",
                                 hint="articles are .txt wire copy or .md with front matter")]
    text, problems = decode_text(raw, rel_path)
    if text is None:
        return None, problems
    if not text.strip():
        return None, [Diagnostic(path=rel_path, line=1, message="empty article", hint="add the story or delete the file")]
    content_hash = hashlib.sha256(raw).hexdigest()
    if suffix in MARKDOWN_SUFFIXES:
        article, more = parse_markdown_article(text, rel_path, ident, content_hash)
        problems += more
    else:
        article = parse_wire_article(text, rel_path, ident, content_hash)
    if article is not None and len(article.text) > max_chars:
        return None, problems + [Diagnostic(
            path=rel_path, line=1, message=f"article text is {len(article.text):,} characters, over the limit of "
                                           f"{max_chars:,}; it is skipped",
            hint="split it into several articles, or raise max_article_chars in sitegen.toml")]
    return article, problems


def parse_wire_article(text: str, rel_path: str, ident: str, content_hash: str) -> Article:
    """Split wire copy into its date marker, dateline, story and byline."""
    date = None
    if match := _DATE_MARKER.match(text):
        date = _parse_iso_date(match.group(1))
        text = text[match.end():]
    dateline = None
    if (match := DATELINE.match(text)) and match.group("place"):
        dateline = match.group("place").strip()
        text = text[match.end():]
    lines = text.rstrip().split("\n")
    authors: tuple[str, ...] = ()
    if lines and (match := _BYLINE.match(lines[-1])):
        authors = split_authors(match.group("names"))
        lines = lines[:-1]
    story = "\n".join(line.strip() for line in lines).strip()
    return Article(id=ident, path=rel_path, title=lead_title(story), text=story, date=date, authors=authors,
                   dateline=dateline, content_hash=content_hash)


def parse_markdown_article(text: str, rel_path: str, ident: str,
                           content_hash: str) -> tuple[Article | None, list[Diagnostic]]:
    meta, body, problems = split_front_matter(text, rel_path, "fix the YAML between the '---' lines")
    if meta is None:
        return None, problems

    def warn(key: str, message: str) -> None:
        problems.append(Diagnostic(path=rel_path, line=front_matter_line(text, key), message=message,
                                   hint=f"check '{key}' in the front matter"))

    for key in sorted(map(str, set(meta) - FRONT_MATTER_KEYS)):
        warn(key, f"unknown front matter key {key!r} is ignored")
    story = body.strip()
    if not story:
        return None, [Diagnostic(path=rel_path, line=1, message="article has front matter but no story",
                                 hint="write the story below the front matter")]
    date = meta.get("date")
    if isinstance(date, dt.datetime):
        date = date.date()
    elif isinstance(date, str):
        date = _parse_iso_date(date)
        if date is None:
            warn("date", f"date {meta['date']!r} is not YYYY-MM-DD; the article's date is left unknown")
    elif date is not None and not isinstance(date, dt.date):
        warn("date", "date is not YYYY-MM-DD; the article's date is left unknown")
        date = None
    texts = {key: _scalar_text(meta, key, warn) for key in ("title", "source", "url")}
    url = texts["url"]
    if url is not None and urlsplit(url).scheme.lower() not in ("http", "https"):
        warn("url", f"url {url[:60]!r} is not an http(s) address; the source is shown without a link")
        url = None
    authors = meta.get("authors") or []
    if isinstance(authors, str):
        authors = split_authors(authors)
    elif not isinstance(authors, list) or not all(_is_scalar(a) for a in authors):
        warn("authors", "authors should be a name or a list of names; they are left out")
        authors = ()
    stance = _scalar_text(meta, "stance", warn)
    if stance is not None and stance.lower() not in STANCES:
        warn("stance", f"stance {stance!r} is not one of {', '.join(STANCES)}; the outlet's leaning is left unknown")
        stance = None
    return Article(
        id=ident, path=rel_path, title=texts["title"] or lead_title(story), text=story,
        date=date, source=texts["source"], url=url,
        authors=tuple(str(a).strip() for a in authors if str(a).strip()), content_hash=content_hash,
        stance=stance.lower() if stance else None,
    ), problems


def _is_scalar(value: object) -> bool:
    return isinstance(value, (str, int, float, dt.date)) and not isinstance(value, bool)


def _scalar_text(meta: dict, key: str, warn) -> str | None:
    """A front matter value that should be one line of text; a list, mapping or yes/no is left out."""
    value = meta.get(key)
    if value is None:
        return None
    if not _is_scalar(value):
        warn(key, f"{key} should be text, not {type(value).__name__}; it is left out")
        return None
    return " ".join(str(value).split()) or None


def split_authors(names: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in _AUTHOR_SPLIT.split(names.strip()) if name.strip())


def lead_title(story: str) -> str:
    """A title for copy that has none: its first sentence, cut at a word boundary."""
    first = story.split("\n", 1)[0]
    if match := _SENTENCE_END.search(first):
        first = first[: match.end()]
    first = first.strip()
    if len(first) <= TITLE_CHARS:
        return first.rstrip(".")
    return first[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _parse_iso_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None
