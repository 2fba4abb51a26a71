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

import frontmatter
import yaml
from pydantic import ValidationError

from .models import Article, Diagnostic

WIRE_SUFFIXES = {".txt"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
FRONT_MATTER_KEYS = {"title", "date", "source", "url", "authors", "stance"}
TITLE_CHARS = 90
STANCES = ("left", "center", "right")  # an outlet's leaning as media-bias charts give it

_DATE_MARKER = re.compile(r"\A\s*date:?\s+(\d{4}-\d{2}-\d{2})\b[ \t]*\n?", re.IGNORECASE)
# An all-caps place ("TOKYO", "NEW YORK", "WASHINGTON, D.C."), an optional agency "(Reuters)", then a dash.
_DATELINE = re.compile(
    r"\A\s*(?P<place>[A-Z][A-Z.'’]+(?:[ ][A-Z][A-Z.'’]+)*)(?:,\s*[A-Z][A-Za-z.]+(?:\s[A-Z][A-Za-z.]+)*)?"
    r"\s*(?:\([A-Za-z .]+\)\s*)?[-–—]+\s*"
)
_BYLINE = re.compile(r"^\s*By\s+(?P<names>[A-Z][\w.'’-]*(?:[ ,&]+(?:[A-Z][\w.'’-]*|and|with|With))*)\s*$")
_AUTHOR_SPLIT = re.compile(r"\s*,\s*|\s+(?:and|with|With|&)\s+")
_SENTENCE_END = re.compile(r"[.!?][\"'”’]?(?=\s+[\"“A-Z])")


def is_ignored(path: Path) -> bool:
    """Hidden files, editor backups and swap files are never articles."""
    name = path.name
    return name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".swx", ".tmp", ".bak"))


def read_articles(content_dir: Path) -> tuple[list[Article], list[Diagnostic]]:
    """Every readable article under `content_dir/articles`, sorted by id, and what went wrong with the rest."""
    folder = content_dir / "articles"
    articles: dict[str, Article] = {}
    diagnostics: list[Diagnostic] = []
    if not folder.is_dir():
        diagnostics.append(Diagnostic(path=_display(folder, content_dir), message="no articles folder",
                                      hint="put article files under content/articles/"))
        return [], diagnostics
    for path, rel in content_files(folder, content_dir):
        article, problems = read_article(path.read_bytes(), rel, article_id(path, folder))
        diagnostics.extend(problems)
        if article is None:
            continue
        if article.id in articles:
            diagnostics.append(Diagnostic(path=rel, line=1, message=f"duplicate article id {article.id!r}",
                                          hint=f"rename it: {articles[article.id].path} has the same name"))
            continue
        articles[article.id] = article
    return sorted(articles.values(), key=lambda a: a.id), diagnostics


def article_id(path: Path, folder: Path) -> str:
    return path.relative_to(folder).with_suffix("").as_posix()


def read_article(raw: bytes, rel_path: str, ident: str) -> tuple[Article | None, list[Diagnostic]]:
    """Parse one file's bytes; returns no article (and says why) when the file cannot be used."""
    suffix = Path(rel_path).suffix.lower()
    if suffix not in WIRE_SUFFIXES | MARKDOWN_SUFFIXES:
        return None, [Diagnostic(path=rel_path, line=1, message=f"unknown file type {suffix or '(none)'!r}",
                                 hint="articles are .txt wire copy or .md with front matter")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Diagnostic(path=rel_path, line=line, message=f"not UTF-8 text (byte {raw[exc.start]:#04x})",
                                 hint="save the file as UTF-8")]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return None, [Diagnostic(path=rel_path, line=1, message="empty article", hint="add the story or delete the file")]
    content_hash = hashlib.sha256(raw).hexdigest()
    if suffix in MARKDOWN_SUFFIXES:
        return parse_markdown_article(text, rel_path, ident, content_hash)
    return parse_wire_article(text, rel_path, ident, content_hash), []


def parse_wire_article(text: str, rel_path: str, ident: str, content_hash: str) -> Article:
    """Split wire copy into its date marker, dateline, story and byline."""
    date = None
    if match := _DATE_MARKER.match(text):
        date = _parse_iso_date(match.group(1))
        text = text[match.end():]
    dateline = None
    if match := _DATELINE.match(text):
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
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        return None, [front_matter_error(exc, rel_path, "fix the YAML between the '---' lines")]
    meta = post.metadata
    problems: list[Diagnostic] = []

    def warn(key: str, message: str) -> None:
        problems.append(Diagnostic(path=rel_path, line=front_matter_line(text, key), message=message,
                                   hint=f"check '{key}' in the front matter"))

    for key in sorted(set(meta) - FRONT_MATTER_KEYS):
        warn(key, f"unknown front matter key {key!r} is ignored")
    story = post.content.strip()
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
    url = _optional_str(meta.get("url"))
    if url is not None and urlsplit(url).scheme.lower() not in ("http", "https"):
        warn("url", f"url {url[:60]!r} is not an http(s) address; the source is shown without a link")
        url = None
    authors = meta.get("authors") or ()
    if isinstance(authors, str):
        authors = split_authors(authors)
    title = meta.get("title")
    stance = _optional_str(meta.get("stance"))
    if stance is not None and stance.lower() not in STANCES:
        warn("stance", f"stance {stance!r} is not one of {', '.join(STANCES)}; the outlet's leaning is left unknown")
        stance = None
    return Article(
        id=ident, path=rel_path, title=str(title).strip() if title else lead_title(story), text=story,
        date=date, source=_optional_str(meta.get("source")), url=url,
        authors=tuple(str(a).strip() for a in authors if str(a).strip()), content_hash=content_hash,
        stance=stance.lower() if stance else None,
    ), problems


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


def front_matter_error(exc: yaml.YAMLError, rel_path: str, hint: str) -> Diagnostic:
    """Broken YAML, pointed at the line where the broken construct starts (an unclosed "[" is only noticed
    at the end of the block, so the parser's own position would mislead)."""
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else 1  # frontmatter keeps the newline after "---"
    problem = " ".join(filter(None, [getattr(exc, "context", None), getattr(exc, "problem", None)]))
    return Diagnostic(path=rel_path, line=line, message=f"broken front matter: {problem or exc}", hint=hint)


def invalid_field(exc: ValidationError, text: str, rel_path: str, what: str, hint: str) -> Diagnostic:
    """The first field pydantic rejected, at the line of its key in the front matter."""
    error = exc.errors()[0]
    key = str(error["loc"][0]) if error["loc"] else "name"
    return Diagnostic(path=rel_path, line=front_matter_line(text, key), message=f"{what} field '{key}': {error['msg']}",
                      hint=hint)


def front_matter_line(text: str, key: str) -> int:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith(f"{key}:"):
            return number
    return 1


def _parse_iso_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _optional_str(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None


def _display(path: Path, content_dir: Path) -> str:
    try:
        return (Path(content_dir.name) / path.relative_to(content_dir)).as_posix()
    except ValueError:
        return path.as_posix()


def content_files(folder: Path, content_dir: Path) -> list[tuple[Path, str]]:
    """(file, path as diagnostics show it) for every file under a content folder, sorted; editor files skipped."""
    if not folder.is_dir():
        return []
    return [(path, _display(path, content_dir))
            for path in sorted(p for p in folder.rglob("*") if p.is_file() and not is_ignored(p))]
