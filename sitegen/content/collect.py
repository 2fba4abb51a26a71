"""`sitegen add`: articles from the web pages and feeds the user names, saved as Markdown with front matter.

This is the only network access sitegen makes, and only to the addresses the user gives (and the links of
the feed they give). Every page is bounded: a time limit for the whole download, a size cap checked while
streaming, a redirect limit, HTML only, a declared or UTF-8 encoding. Problems are `CollectError`s that name
the URL and say what to do.
"""

from __future__ import annotations

import codecs
import functools
import datetime as dt
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from copy import deepcopy
from configparser import ConfigParser
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import yaml

from ..project import version
from .files import MARKDOWN_SUFFIXES, decode_text, read_content
from .frontmatter import split_front_matter
from .slugs import slugify

if TYPE_CHECKING:
    import requests

# requests, trafilatura and feedparser are imported by the functions that fetch: a build never needs them,
# and importing them costs it 0.2 s.

TIMEOUT_SECONDS = 20.0
MAX_BYTES = 5_000_000
MAX_REDIRECTS = 5
HTML_TYPES = ("text/html", "application/xhtml+xml")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)



@functools.cache
def _extraction() -> ConfigParser:
    """trafilatura's settings, where a story is at least as long as its own threshold for a successful
    extraction: a page whose text is shorter (a menu, a paywall notice) has no article."""
    from trafilatura.settings import DEFAULT_CONFIG

    config = deepcopy(DEFAULT_CONFIG)
    config["DEFAULT"]["min_output_size"] = config["DEFAULT"]["min_extracted_size"]
    return config


class CollectError(Exception):
    """A page or feed that cannot become an article; the message names the URL and what went wrong."""


@dataclass(frozen=True)
class Limits:
    timeout: float = TIMEOUT_SECONDS  # seconds for connecting, each read, and the whole download
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS


@dataclass(frozen=True)
class Page:
    url: str  # after redirects
    body: bytes
    content_type: Message


@dataclass(frozen=True)
class Lead:
    """A link to add, with what its feed entry says in case the page does not."""

    url: str
    date: dt.date | None = None
    title: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Outcome:
    url: str
    path: Path | None = None  # the file written
    skipped: str | None = None  # why nothing was written, not an error
    error: str | None = None


def fetch(session: requests.Session, url: str, limits: Limits, accept: Sequence[str] = ()) -> Page:
    """The body of `url` within `limits`; with `accept`, only those media types."""
    import requests

    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise CollectError(f"{url}: not an http(s) address")
    session.max_redirects = limits.max_redirects
    deadline = time.monotonic() + limits.timeout
    try:
        with session.get(url, stream=True, timeout=limits.timeout,
                         headers={"User-Agent": f"sitegen/{version()}"}) as response:
            if response.status_code >= 400:
                raise CollectError(f"{url}: the server answered {response.status_code} {response.reason}")
            content_type = Message()
            content_type["Content-Type"] = response.headers.get("Content-Type", "")
            media = content_type.get_content_type() if response.headers.get("Content-Type") else ""
            if accept and media not in accept:
                raise CollectError(f"{url}: is {media or 'of no stated type'}, not a web page (HTML); "
                                   "give the address of the article's page")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise CollectError(_too_big(url, limits))
            chunks, size = [], 0
            for chunk in response.iter_content(chunk_size=65536):
                size += len(chunk)
                if size > limits.max_bytes:
                    raise CollectError(_too_big(url, limits))
                if time.monotonic() > deadline:
                    raise requests.Timeout()
                chunks.append(chunk)
            return Page(url=response.url, body=b"".join(chunks), content_type=content_type)
    except requests.TooManyRedirects as exc:
        raise CollectError(f"{url}: more than {limits.max_redirects} redirects; open it in a browser and "
                           "give the address it ends at") from exc
    except (requests.Timeout, requests.ConnectionError) as exc:
        if isinstance(exc, requests.Timeout) or "timed out" in str(exc).lower():
            raise CollectError(f"{url}: no complete answer within {limits.timeout:g}s; try again later or "
                               "raise --timeout") from exc
        raise CollectError(f"{url}: cannot connect ({type(exc).__name__}); check the address and the "
                           "network") from exc
    except requests.RequestException as exc:
        raise CollectError(f"{url}: {exc}") from exc


def _too_big(url: str, limits: Limits) -> str:
    return f"{url}: larger than {limits.max_bytes:,} bytes; not an article page"


def decode(page: Page) -> str:
    """The page's text in the encoding its header or <meta> declares, else UTF-8; wrong bytes are an error."""
    name = page.content_type.get_content_charset() or _meta_charset(page.body) or "utf-8"
    try:
        codec = codecs.lookup(name)
    except LookupError as exc:
        raise CollectError(f"{page.url}: declares the unknown encoding {name!r}") from exc
    try:
        return page.body.decode(codec.name).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise CollectError(f"{page.url}: byte {exc.start} is not valid {codec.name}; the page's encoding is "
                           "wrong or undeclared, so save the article by hand") from exc


def _meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii") if match else None


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str
    date: dt.date | None
    source: str | None
    authors: tuple[str, ...]


def extract(html: str, url: str) -> Extracted:
    """Headline, story, date, outlet and authors of an article page (trafilatura; dates by htmldate)."""
    import trafilatura

    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False, config=_extraction(),
        # the date from the page's markup and URL only, never a guess from dates in the text
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    paragraphs = [line.strip() for line in (document.text or "").splitlines() if line.strip()] if document else []
    if not paragraphs:
        raise CollectError(f"{url}: no article text found on the page; is it an article, or does it need "
                           "JavaScript? Save it by hand instead")
    title = (document.title or "").strip()
    if len(paragraphs) > 1 and paragraphs[0] == title:  # the headline is front matter, not story
        paragraphs = paragraphs[1:]
    authors = tuple(name.strip() for name in (document.author or "").split(";") if name.strip())
    return Extracted(title=title, text="\n\n".join(paragraphs),
                     date=_iso_date(document.date), source=document.sitename or document.hostname,
                     authors=authors)


def _iso_date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def article_markdown(extracted: Extracted, lead: Lead, url: str) -> str:
    """The article file: front matter (title, date, source, url, authors) and the story."""
    meta = {"title": extracted.title or lead.title, "date": extracted.date or lead.date,
            "source": extracted.source or lead.source, "url": url, "authors": list(extracted.authors)}
    meta = {key: value for key, value in meta.items() if value}
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{header}---\n\n{extracted.text}\n"


def known_urls(articles_dir: Path) -> set[str]:
    """The `url` of every Markdown article already in the folder."""
    urls = set()
    files, _ = read_content(articles_dir, articles_dir.parent)  # read as a build reads them: safely
    for path, rel, raw in files:
        if path.suffix in MARKDOWN_SUFFIXES and (text := decode_text(raw, rel)[0]) is not None:
            meta = split_front_matter(text, rel, "")[0] or {}
            if isinstance(url := meta.get("url"), str):
                urls.add(url.strip())
    return urls


def write_article(articles_dir: Path, stem: str, text: str) -> Path:
    """`<stem>.md`, or `<stem>-2.md`, ... : a new file, never an existing one."""
    articles_dir.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        path = articles_dir / (f"{stem}.md" if n == 1 else f"{stem}-{n}.md")
        try:
            with path.open("x", encoding="utf-8") as out:
                out.write(text)
            return path
        except FileExistsError:
            continue
    raise CollectError(f"{articles_dir}: too many articles named {stem}-N.md")


def add_articles(leads: Iterable[Lead], articles_dir: Path, limits: Limits = Limits(),
                 on_url: Callable[[str], None] = lambda url: None,
                 session: requests.Session | None = None) -> Iterator[Outcome]:
    """Fetch, extract and save each lead, yielding what became of it; one failure does not stop the others."""
    import requests

    session = session or requests.Session()
    seen = known_urls(articles_dir)
    for lead in leads:
        on_url(lead.url)
        if lead.url in seen:
            yield Outcome(lead.url, skipped=f"already in {articles_dir.name}/")
            continue
        try:
            page = fetch(session, lead.url, limits, accept=HTML_TYPES)
            if page.url in seen:
                yield Outcome(lead.url, skipped=f"redirects to {page.url}, already in {articles_dir.name}/")
                continue
            extracted = extract(decode(page), page.url)
            stem = slugify(extracted.title or lead.title or urlsplit(page.url).path or page.url)
            path = write_article(articles_dir, stem, article_markdown(extracted, lead, page.url))
        except CollectError as exc:
            yield Outcome(lead.url, error=str(exc))
            continue
        seen.update({lead.url, page.url})
        yield Outcome(lead.url, path=path)


def feed_leads(feed_url: str, since: dt.date | None = None, limits: Limits = Limits(),
               session: requests.Session | None = None) -> list[Lead]:
    """The links of an RSS or Atom feed's entries (dated on or after `since`; undated ones are kept)."""
    import feedparser
    import requests

    page = fetch(session or requests.Session(), feed_url, limits)
    parsed = feedparser.parse(page.body, response_headers={"content-type": page.content_type["Content-Type"]})
    if parsed.bozo and not parsed.entries:
        raise CollectError(f"{feed_url}: not an RSS or Atom feed ({parsed.bozo_exception})")
    outlet = parsed.feed.get("title") or None
    leads = []
    for entry in parsed.entries:
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        date = dt.date(*stamp[:3]) if stamp else None
        link = entry.get("link")
        if link and (since is None or date is None or date >= since):
            leads.append(Lead(url=link, date=date, title=entry.get("title") or None, source=outlet))
    return leads
