"""Find every internal link or asset in a built site that does not resolve to a file."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)


def parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def dangling_links(site: Path, base_path: str = "/") -> list[str]:
    """`page -> link` for each internal link whose target (file or #fragment) is missing."""
    problems = []
    pages = {p: parse(p) for p in sorted(site.rglob("*.html"))}
    for page, parsed in pages.items():
        page_url = "/" + page.relative_to(site).as_posix()
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                continue  # external: outside what the build controls
            absolute = urlsplit(urljoin(base_path.rstrip("/") + page_url, link))
            path = unquote(absolute.path)
            if not path.startswith(base_path):
                problems.append(f"{page_url} -> {link} (outside {base_path})")
                continue
            target = site / path[len(base_path):]
            if path.endswith("/") or target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{page_url} -> {link}")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in pages.get(target, parse(target)).ids:
                problems.append(f"{page_url} -> {link} (no such anchor)")
    return problems
