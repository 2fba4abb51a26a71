"""`sitegen add`: pages and a feed written for these tests, served from 127.0.0.1 (no internet needed)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import frontmatter
import pytest
from typer.testing import CliRunner

from sitegen.cli import app
from sitegen.content.articles import parse_markdown_article
from sitegen.content.collect import Lead, Limits, add_articles

PARAGRAPHS = [
    "The foreign ministers of Norway and Chile met in Oslo on Tuesday to sign a fisheries research "
    "agreement that both governments had negotiated for more than two years.",
    "Under the agreement, research vessels from each country may survey the other's coastal waters, and "
    "scientists will share data on fish stocks, ocean temperatures and seabed mapping every season.",
    "Speaking after the ceremony, the Norwegian minister said the accord would help both nations plan "
    "their fisheries with better evidence, while her Chilean counterpart called it a model for cooperation "
    "between countries on opposite sides of the world.",
]


def article_page(title: str, paragraphs: list[str], date: str | None = "2026-02-03",
                 authors: str | None = "Mira Okafor; Tom Vesely", charset: str = "utf-8") -> bytes:
    metas = [f'<meta charset="{charset}">', '<meta property="og:site_name" content="Harbour Gazette">',
             f'<meta property="og:title" content="{title}">']
    if date:
        metas.append(f'<meta property="article:published_time" content="{date}T09:00:00Z">')
    if authors:
        metas.append(f'<meta name="author" content="{authors}">')
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!doctype html><html><head>{''.join(metas)}<title>{title}</title></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
            f"<main><article><h1>{title}</h1>{body}</article></main>"
            f"<footer>Harbour Gazette, all rights reserved</footer></body></html>").encode(charset)


Route = tuple[int, dict[str, str], bytes] | Callable[[BaseHTTPRequestHandler], None]


class Server:
    """A local web server whose answers a test sets path by path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = routes.get(self.path, (404, {"Content-Type": "text/plain"}, b"not here"))
                if callable(route):
                    route(self)
                    return
                status, headers, body = route
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def html(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> str:
        self.routes[path] = (200, {"Content-Type": content_type}, body)
        return self.url(path)


@pytest.fixture
def server() -> Iterator[Server]:
    served = Server()
    thread = threading.Thread(target=served.httpd.serve_forever, daemon=True)
    thread.start()
    yield served
    served.httpd.shutdown()
    served.httpd.server_close()


@pytest.fixture
def digest(tmp_path, monkeypatch) -> Path:
    (tmp_path / "content" / "articles").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(app, ["add", *args])


def test_add_saves_the_article_with_its_front_matter(server, digest):
    url = server.html("/world/oslo-fisheries", article_page("Norway and Chile sign fisheries pact", PARAGRAPHS))
    result = run(url)
    assert result.exit_code == 0, result.output
    path = digest / "content/articles/norway-and-chile-sign-fisheries-pact.md"
    assert f"added   {path}" in result.output
    text = path.read_text(encoding="utf-8")
    post = frontmatter.loads(text)
    assert post.metadata == {"title": "Norway and Chile sign fisheries pact", "date": dt.date(2026, 2, 3),
                             "source": "Harbour Gazette", "url": url, "authors": ["Mira Okafor", "Tom Vesely"]}
    assert post.content.split("\n\n") == PARAGRAPHS  # the story, without menu or footer
    article, problems = parse_markdown_article(text, "content/articles/x.md", "x", "hash")
    assert problems == [] and article.source == "Harbour Gazette" and article.url == url

    again = run(url)
    assert again.exit_code == 0 and f"skipped {url}: already in articles/" in again.output
    assert path.read_text(encoding="utf-8") == text


def test_a_second_story_with_the_same_headline_never_overwrites(server, digest):
    first = server.html("/a", article_page("Ministers meet in Oslo", PARAGRAPHS))
    second = server.html("/b", article_page("Ministers meet in Oslo", list(reversed(PARAGRAPHS))))
    assert run(first, second).exit_code == 0
    saved = digest / "content/articles"
    assert frontmatter.load(saved / "ministers-meet-in-oslo.md").metadata["url"] == first
    assert frontmatter.load(saved / "ministers-meet-in-oslo-2.md").metadata["url"] == second


def test_a_redirect_is_followed_and_the_final_address_recorded(server, digest):
    final = server.html("/2026/story", article_page("Oslo talks end", PARAGRAPHS))
    server.routes["/short"] = (301, {"Location": "/2026/story"}, b"")
    assert run(server.url("/short")).exit_code == 0
    assert frontmatter.load(digest / "content/articles/oslo-talks-end.md").metadata["url"] == final
    assert "already in articles/" in run(final).output


def feed(server: Server, entries: list[tuple[str, str, str]]) -> str:
    items = "".join(f"<item><title>{title}</title><link>{server.url(path)}</link><pubDate>{date}</pubDate></item>"
                    for title, path, date in entries)
    body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Harbour Gazette</title>'
            f"<link>{server.base}/</link><description>World news</description>{items}</channel></rss>")
    server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, body.encode())
    return server.url("/feed.xml")


def test_feed_entries_since_a_day_are_added_once(server, digest):
    server.html("/old", article_page("An older story from Lima", PARAGRAPHS))
    server.html("/new", article_page("Chile and Norway open a research station", PARAGRAPHS))
    # a page without a date of its own takes the date its feed entry gives
    server.html("/undated", article_page("Scientists board the survey ship", PARAGRAPHS, date=None))
    url = feed(server, [("Old", "/old", "Mon, 05 Jan 2026 08:00:00 GMT"),
                        ("New", "/new", "Tue, 03 Feb 2026 08:00:00 GMT"),
                        ("Undated page", "/undated", "Wed, 04 Feb 2026 08:00:00 GMT")])
    result = run("--feed", url, "--since", "2026-02-01")
    assert result.exit_code == 0, result.output
    saved = sorted(p.name for p in (digest / "content/articles").iterdir())
    assert saved == ["chile-and-norway-open-a-research-station.md", "scientists-board-the-survey-ship.md"]
    meta = frontmatter.load(digest / "content/articles/scientists-board-the-survey-ship.md").metadata
    assert str(meta["date"]) == "2026-02-04"
    again = run("--feed", url)
    assert "1 article(s) added, 2 skipped, 0 failed" in again.output  # only the old story is new


def slow(seconds: float) -> Callable[[BaseHTTPRequestHandler], None]:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        for _ in range(int(seconds * 10)):  # a trickle: each read is quick, the whole is not
            handler.wfile.write(b"<p>.</p>")
            handler.wfile.flush()
            time.sleep(0.1)
    return answer


def endless(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    try:
        while True:
            handler.wfile.write(b"<p>" + b"x" * 8192 + b"</p>")
    except OSError:
        pass


def test_bad_pages_are_clear_errors_naming_the_url(server, digest):
    server.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    server.routes["/trickle"] = slow(5)
    server.routes["/endless"] = endless
    cases = {
        server.url("/missing"): "the server answered 404",
        server.html("/report.pdf", b"%PDF-1.4", "application/pdf"): "is application/pdf, not a web page",
        server.url("/loop"): "more than 5 redirects",
        server.url("/trickle"): "no complete answer within 1s",
        server.url("/endless"): "larger than 100,000 bytes",
        server.html("/latin", article_page("Caf\u00e9 talks", PARAGRAPHS, charset="latin-1"),
                    "text/html; charset=utf-8"): "is not valid utf-8",
        server.html("/klingon", b"<p>hi</p>", "text/html; charset=x-klingon"): "unknown encoding 'x-klingon'",
        server.html("/menu", b"<html><body><nav><a href='/'>Home</a></nav></body></html>"): "no article text found",
        "ftp://127.0.0.1/file": "not an http(s) address",
    }
    outcomes = list(add_articles([Lead(url) for url in cases], digest / "content/articles",
                                 Limits(timeout=1, max_bytes=100_000)))
    for outcome, (url, message) in zip(outcomes, cases.items()):
        assert outcome.path is None and outcome.error.startswith(url + ": ") and message in outcome.error, outcome
    assert list((digest / "content/articles").iterdir()) == []


def test_the_command_fails_and_says_which_url(server, digest):
    good = server.html("/good", article_page("Ministers meet in Oslo", PARAGRAPHS))
    result = run(good, server.url("/missing"))
    assert result.exit_code == 1
    assert f"{server.url('/missing')}: the server answered 404" in result.output
    assert "1 article(s) added, 0 skipped, 1 failed" in result.output
    not_a_feed = server.html("/page", article_page("Ministers meet in Oslo", PARAGRAPHS))
    result = run("--feed", not_a_feed)
    assert result.exit_code == 1 and f"{not_a_feed}: not an RSS or Atom feed" in result.output
