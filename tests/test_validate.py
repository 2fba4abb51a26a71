"""The built demo site served under /REPO/ as GitHub Pages would: crawled, validated, its feeds read.

The checks on files that a later feature adds (sitemap, robots.txt, feeds, canonical URLs, JSON-LD) skip,
saying so, while the build does not write them yet.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from collections import Counter
from urllib.parse import urldefrag, urlsplit

import feedparser
import pytest
from web_support import fetch, parse_html, validate_html

pytest_plugins = ["conftest_web"]

FEED_ROOTS = {"{http://www.w3.org/2005/Atom}feed", "rss", "{http://purl.org/rss/1.0/}channel"}


def page_address(url: str) -> str:
    """The address a page is known by: `.../x/index.html` and `.../x/` are the same page."""
    return url[: -len("index.html")] if url.endswith("/index.html") else url


def built_address(site, path) -> str:
    return page_address(site.url(path.relative_to(site.folder).as_posix()))


def feed_files(site) -> list:
    found = []
    for path in sorted(site.folder.rglob("*.xml")):
        try:
            if ElementTree.parse(path).getroot().tag in FEED_ROOTS:
                found.append(path)
        except ElementTree.ParseError:
            found.append(path)  # a broken feed is still a feed: feedparser will say what is wrong
    return found


def test_crawl_under_the_sub_path_finds_no_broken_link_asset_or_feed_link(served_demo, demo_crawl):
    assert demo_crawl.fetched[served_demo.base_url].status == 200
    assert len(demo_crawl.ok("html")) > 1, "the crawl reached no page beyond the front page"
    assert demo_crawl.broken == []


def test_every_built_page_can_be_reached_by_following_links(served_demo, demo_crawl):
    reached = {page_address(url) for url in demo_crawl.ok("html")}
    orphans = sorted(built_address(served_demo, p) for p in served_demo.folder.rglob("*.html")
                     if built_address(served_demo, p) not in reached
                     and not p.relative_to(served_demo.folder).as_posix().startswith("pagefind/"))
    assert orphans == []


def test_the_server_answers_outside_the_sub_path_with_404(served_demo):
    """The checks above are only worth something if a link that escapes /REPO/ really breaks."""
    origin = served_demo.base_url.removesuffix(urlsplit(served_demo.base_url).path)
    assert fetch(origin + "/").status == 404
    assert fetch(origin + "/index.html").status == 404
    assert fetch(served_demo.url("no-such-page/")).status == 404


def test_every_page_is_valid_html(served_demo, node_tools, web_figures):
    """The Nu HTML checker (the W3C validator's engine) on every built page and stylesheet."""
    folder = served_demo.folder
    pages = sorted(folder.rglob("*.html"))
    stylesheets = sorted(p for p in folder.rglob("*.css") if "pagefind" not in p.relative_to(folder).parts)
    messages = validate_html(node_tools.vnu_jar, pages + stylesheets, folder)
    errors = [m for m in messages if m.kind != "warning"]
    warnings = [m for m in messages if m.kind == "warning"]
    by_message = Counter(m.message for m in errors)
    web_figures.append(f"Nu HTML checker: {len(pages)} pages, {len(stylesheets)} stylesheets: {len(errors)} errors, "
                       f"{len(warnings)} warnings")
    web_figures.extend(f"  {n} x error: {message}" for message, n in by_message.most_common())
    web_figures.extend(f"  warning: {m}" for m in warnings[:20])
    assert [str(m) for m in errors] == []


def test_feeds_parse_and_every_entry_links_into_the_site(served_demo, demo_crawl, web_figures):
    feeds = feed_files(served_demo)
    if not feeds:
        pytest.skip("the build writes no feed (.xml with an Atom <feed> or RSS root) yet")
    problems = []
    entries = 0
    for path in feeds:
        url = served_demo.url(path.relative_to(served_demo.folder).as_posix())
        parsed = feedparser.parse(path.read_bytes())
        name = path.relative_to(served_demo.folder).as_posix()
        if parsed.bozo:
            problems.append(f"{name}: not a well-formed feed: {parsed.bozo_exception}")
        if not parsed.feed.get("title"):
            problems.append(f"{name}: the feed has no title")
        if url not in demo_crawl.fetched:
            problems.append(f"{name}: no page or feed links to it")
        if not parsed.entries:
            problems.append(f"{name}: no entries")
        for entry in parsed.entries:
            entries += 1
            label = f"{name} entry {entry.get('id') or entry.get('title')!r}"
            for key in ("id", "title", "link", "updated"):
                if not entry.get(key):
                    problems.append(f"{label}: no {key}")
            link = entry.get("link", "")
            if link and not link.startswith(served_demo.base_url):
                problems.append(f"{label}: link {link} is not under {served_demo.base_url}")
            elif link and urldefrag(link).url not in demo_crawl.fetched:
                problems.append(f"{label}: link {link} was not reached by the crawl")
    web_figures.append(f"feeds: {len(feeds)} files, {entries} entries, {len(problems)} problems")
    assert problems == []


def test_the_sitemap_lists_every_page_by_its_full_url(served_demo, demo_crawl):
    path = served_demo.folder / "sitemap.xml"
    if not path.is_file():
        pytest.skip("the build writes no sitemap.xml yet")
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    root = ElementTree.parse(path).getroot()
    assert root.tag == f"{namespace}urlset"
    listed = [loc.text.strip() for loc in root.iter(f"{namespace}loc")]
    assert listed, "the sitemap lists no page"
    assert [u for u in listed if not u.startswith(served_demo.base_url)] == []
    assert [u for u in listed if demo_crawl.fetched.get(u) is None or demo_crawl.fetched[u].status != 200] == []
    pages = {page_address(u) for u in demo_crawl.ok("html")} - {served_demo.url("404.html")}
    assert sorted(pages - set(listed)) == [], "pages a reader can reach that the sitemap leaves out"


def test_robots_txt_names_the_sitemap(served_demo):
    path = served_demo.folder / "robots.txt"
    if not path.is_file():
        pytest.skip("the build writes no robots.txt yet")
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    assert f"Sitemap: {served_demo.url('sitemap.xml')}" in lines


def test_every_page_names_itself_as_canonical_url(served_demo, demo_crawl):
    pages = {url: hrefs for url, hrefs in demo_crawl.canonical.items() if url != served_demo.url("404.html")}
    if not any(pages.values()):
        pytest.skip("no page has a <link rel=canonical> yet")
    wrong = {url: hrefs for url, hrefs in pages.items() if [page_address(h) for h in hrefs] != [page_address(url)]}
    assert wrong == {}


def test_json_ld_is_valid_json_with_a_schema_org_type(demo_crawl):
    blocks = [(url, block) for url in demo_crawl.ok("html")
              for block in parse_html(demo_crawl.fetched[url].body.decode("utf-8")).json_ld]
    if not blocks:
        pytest.skip("no page has JSON-LD yet")
    assert demo_crawl.json_ld_problems == []
    untyped = []
    for url, block in blocks:
        data = json.loads(block)
        if not isinstance(data, dict) or "schema.org" not in str(data.get("@context", "")):
            untyped.append(f"{url}: no schema.org @context: {block[:120]}")
            continue
        untyped.extend(f"{url}: node without @type: {json.dumps(node)[:120]}"
                       for node in data.get("@graph", [data]) if not node.get("@type"))
    assert untyped == []
