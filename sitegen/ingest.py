"""Read the editor's article files into `Article`s; every unreadable file becomes a diagnostic, not a crash.

Two formats: raw wire text as agencies send it (a `date YYYY-MM-DD` marker, a `TOKYO -` dateline, a closing
`By A With B` byline) and Markdown with YAML front matter (title, date, source, url, authors).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pydantic import ValidationError

from .models import Article, Diagnostic

WIRE_SUFFIXES = {".txt"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
FRONT_MATTER_KEYS = {"title", "date", "source", "url", "authors", "stance"}
TITLE_CHARS = 90
STANCES = ("left", "center", "right")  # an outlet's leaning as media-bias charts give it
MAX_ARTICLE_CHARS = 100_000  # the default of `max_article_chars` in sitegen.toml (config.py reads it from here)
MAX_FRONT_MATTER_CHARS = 16_384  # far more than any card or article needs; YAML is parsed only below it
MAX_CURATED_BYTES = 1_000_000  # a card or an event override
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_KEY_PREFIX = re.compile(r"^[A-Za-z_]+:")
_BINARY = "\x00"
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML (feeds, sitemap)

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


def read_articles(content_dir: Path, max_chars: int = MAX_ARTICLE_CHARS) -> tuple[list[Article], list[Diagnostic]]:
    """Every readable article under `content_dir/articles`, sorted by id, and what went wrong with the rest."""
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
        article, problems = read_article(raw, rel, article_id(path, folder), max_chars)
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


def decode_text(raw: bytes, rel_path: str) -> tuple[str | None, list[Diagnostic]]:
    """A file's bytes as text with Unix line ends; binary data is refused and control characters (which
    XML feeds cannot carry) become spaces, each with a warning at its line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Diagnostic(path=rel_path, line=line, message=f"not UTF-8 text (byte {raw[exc.start]:#04x})",
                                 hint="save the file as UTF-8")]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if (at := text.find(_BINARY)) >= 0:
        return None, [Diagnostic(path=rel_path, line=text.count("\n", 0, at) + 1,
                                 message="NUL byte: this is binary data, not text",
                                 hint="save the file as plain UTF-8 text")]
    if match := _CONTROL.search(text):
        return _CONTROL.sub(" ", text), [Diagnostic(
            path=rel_path, line=text.count("\n", 0, match.start()) + 1,
            message=f"control character U+{ord(match.group()):04X} replaced by a space",
            hint="remove it from the file")]
    return text, []


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


def front_matter_error(exc: yaml.YAMLError, rel_path: str, hint: str) -> Diagnostic:
    """Broken YAML, pointed at the line where the broken construct starts (an unclosed "[" is only noticed
    at the end of the block, so the parser's own position would mislead)."""
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else 1  # the parsed block starts with the newline after "---"
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


def value_line(text: str, value: str, key: str | None = None) -> int:
    """The front matter line whose value names `value` as a whole word (a key's own name, or a longer id that
    contains it, does not count), looking only at `key`'s line and the list below it when a key is given;
    else the key's line, or the first."""
    named = re.compile(rf"(?<![\w-]){re.escape(value)}(?![\w-])")
    lines = text.split("\n")
    start = front_matter_line(text, key) if key else 2
    for number in range(start, len(lines) + 1):
        line = lines[number - 1]
        if line.rstrip() == "---" or key and number > start and not line.startswith((" ", "\t", "-")):
            break
        if named.search(_KEY_PREFIX.sub("", line, count=1)):
            return number
    return front_matter_line(text, key) if key else 1


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML as editors write it and no more: an alias (`*name`) is refused, so a few lines cannot expand into
    gigabytes, and an impossible date is an error at its line rather than a crash."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in front matter",
                                              event.start_mark)
        return super().compose_node(parent, index)


def _timestamp(loader: _FrontMatterLoader, node: yaml.Node) -> dt.date:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(None, None, f"{node.value!r} is not a real date ({exc})",
                                                node.start_mark) from exc


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def split_front_matter(text: str, rel_path: str, hint: str) -> tuple[dict | None, str, list[Diagnostic]]:
    """(front matter, body) of a Markdown file; no front matter is an empty one. The front matter is None,
    with a warning at its line, when it is not closed, too long, broken YAML or not a mapping of keys."""
    first, _, rest = text.partition("\n")
    if first.rstrip() != "---":
        return {}, text, []
    end = _FRONT_MATTER_END.search(rest)
    if end is None:
        return None, "", [Diagnostic(path=rel_path, line=1, message="front matter is not closed",
                                     hint="end it with a line of three dashes, '---'")]
    block = rest[: end.start()]
    if len(block) > MAX_FRONT_MATTER_CHARS:
        return None, "", [Diagnostic(path=rel_path, line=1,
                                     message=f"front matter is over {MAX_FRONT_MATTER_CHARS:,} characters",
                                     hint="keep the front matter to the keys and short values; the text goes below")]
    try:
        meta = yaml.load("\n" + block, Loader=_FrontMatterLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        return None, "", [front_matter_error(exc, rel_path, hint)]
    except RecursionError:
        return None, "", [Diagnostic(path=rel_path, line=2, message="front matter is nested too deeply", hint=hint)]
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return None, "", [Diagnostic(path=rel_path, line=2, message=f"front matter is a {type(meta).__name__}, "
                                     "not 'key: value' lines", hint=hint)]
    return meta, rest[end.end():], []


def _parse_iso_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _display(path: Path, content_dir: Path) -> str:
    try:
        return (Path(content_dir.name) / path.relative_to(content_dir)).as_posix()
    except ValueError:
        return path.as_posix()


def read_content(folder: Path, content_dir: Path,
                 max_bytes: int = MAX_CURATED_BYTES) -> tuple[list[tuple[Path, str, bytes]], list[Diagnostic]]:
    """(file, path as diagnostics show it, bytes) for every file under a content folder, sorted; editor files
    and hidden folders skipped. Only regular files inside the content folder are read: a link out of it, a
    link loop or dangling link, a pipe or device, an unreadable or oversized file is a warning instead."""
    if not folder.is_dir():
        return [], []
    root = content_dir.resolve()
    files: list[tuple[Path, str, bytes]] = []
    problems: list[Diagnostic] = []

    def warn(path: Path, message: str, hint: str) -> None:
        problems.append(Diagnostic(path=_display(path, content_dir), line=1, message=message, hint=hint))

    for here, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(dirs):
            if (Path(here) / name).is_symlink():
                warn(Path(here) / name, "a linked folder is not followed", "move the files into content/ instead")
        for name in sorted(names):
            path = Path(here) / name
            if is_ignored(path):
                continue
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError) as exc:  # RuntimeError: a link loop (Python 3.11)
                loop = isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == 40
                warn(path, "a symbolic link that loops" if loop else "a symbolic link to nothing (dangling)",
                     "remove the link or point it at a file inside content/")
                continue
            if not target.is_relative_to(root):
                warn(path, "a symbolic link out of the content folder is not read",
                     "copy the file into content/ if it belongs to the site")
                continue
            try:
                raw = _read_regular(target, max_bytes)
            except OSError as exc:
                warn(path, f"cannot read the file: {exc.strerror or exc}", "check the file's permissions")
                continue
            if raw is None:
                warn(path, "not a regular file (a pipe, socket or device)", "remove it from content/")
            elif len(raw) > max_bytes:
                warn(path, f"file is over {max_bytes:,} bytes and is not read", "split it or remove it")
            else:
                files.append((path, _display(path, content_dir), raw))
    files.sort(key=lambda item: item[0])
    return files, problems


def _read_regular(path: Path, max_bytes: int) -> bytes | None:
    """Up to `max_bytes + 1` bytes of a regular file (None for anything else: opening a pipe would block)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(max_bytes + 1)
    finally:
        os.close(fd)
