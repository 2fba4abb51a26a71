"""What makes the site publishable: base URL, feeds, sitemap, metadata, Markdown cards and the page kinds."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import page_text
from linkcheck import dangling_links, parse

from sitegen.config import load_settings
from sitegen.output.feeds import pages_flags
from sitegen.pipeline.build import build_site

BASE = "https://owner.github.io/digest/"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def published(tmp_path_factory, shared_cache):
    from conftest import copy_project

    root = copy_project(tmp_path_factory.mktemp("published"))
    settings = load_settings(root, cache_dir=shared_cache, base_url=BASE)
    build_site(settings)
    return settings.output_dir


def test_links_work_under_the_project_path(published):
    assert dangling_links(published, base_path="/digest/") == []


def test_canonical_open_graph_and_json_ld(published):
    page = next((published / "events").glob("2026-01-13-*/index.html"))
    html = page.read_text()
    url = BASE + page.parent.relative_to(published).as_posix() + "/"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "Event" and data["startDate"] == "2026-01-13"
    assert data["location"]["name"] == "Nara"
    assert {p["name"] for p in data["performer"]} == {"Sanae Takaichi", "Lee Jae Myung"}
    assert all(a["@type"] == "NewsArticle" for a in data["subjectOf"])
    person = json.loads(re.search(r'ld\+json">(.*?)</script>',
                                  (published / "people/sanae-takaichi/index.html").read_text(), re.S).group(1))
    assert person["@type"] == "Person" and person["jobTitle"] == "Prime Minister"
    assert person["nationality"]["name"] == "Japan"


def test_feeds_for_the_digest_each_leader_and_each_country(published):
    for path in ["feeds/atom.xml", "people/sanae-takaichi/atom.xml", "countries/japan/atom.xml"]:
        feed = ET.parse(published / path).getroot()
        entries = feed.findall(f"{ATOM}entry")
        assert entries, path
        assert entries[0].find(f"{ATOM}link").get("href").startswith(BASE + "events/2026-01-13-")
        assert feed.find(f"{ATOM}updated").text.startswith("2026-01-13")


def test_sitemap_robots_and_pages_flags(published):
    urls = [loc.text for loc in ET.parse(published / "sitemap.xml").getroot().iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert BASE in urls and BASE + "people/sanae-takaichi/" in urls
    assert all(u.startswith(BASE) for u in urls) and BASE + "404.html" not in urls
    assert f"Sitemap: {BASE}sitemap.xml" in (published / "robots.txt").read_text()
    assert (published / ".nojekyll").exists() and not (published / "CNAME").exists()
    assert pages_flags("https://digest.example.org/")["CNAME"] == b"digest.example.org\n"
    assert "CNAME" not in pages_flags("/")


def test_every_page_publishes_its_markdown_card(published):
    card = (published / "people/sanae-takaichi/index.md").read_text()
    front, body = card.split("\n---\n", 1)
    assert "name: Sanae Takaichi" in front and "kind: person" in front
    assert "Prime Minister of [Japan](../../countries/japan/)" in body
    assert "## Mentioned in" in body
    assert (published / "events").glob("*/index.md")


def test_leaders_relations_timeline_and_about(published):
    leaders = page_text(published / "leaders/index.html")
    for name in ("Sanae Takaichi", "Lee Jae Myung", "Xi Jinping", "Donald Trump", "Shigeru Ishiba"):
        assert name in leaders
    assert re.search(r"Japan Sanae Takaichi Prime Minister", leaders)
    assert (published / "relations/japan--south-korea/index.html").exists()
    assert (published / "relations/china--south-korea/index.html").exists()
    timeline = page_text(published / "timeline/index.html")
    assert timeline.index("January 2026") < timeline.index("October 2025") < timeline.index("August 2025")
    assert "Background Meeting Lee Jae Myung and Sanae Takaichi in Gyeongju" in timeline
    assert "About" in page_text(published / "about/index.html")


def test_summary_and_quotes_link_the_entities_they_name(published):
    page = next((published / "events").glob("2026-01-13-*/index.html"))
    summary = page.read_text().split("<h2>Summary</h2>")[1].split("<h2>")[0]
    assert 'href="../../people/lee-jae-myung/"' in summary
    quotes = page.read_text().split("<h2>Quotes</h2>")[1].split("<h2>")[0]
    assert 'href="../../countries/south-korea/"' in quotes


def test_person_page_draws_a_relationship_graph_without_javascript(published):
    html = (published / "people/lee-jae-myung/index.html").read_text()
    svg = re.search(r"<svg class=\"graph\".*?</svg>", html, re.S).group(0)
    assert "<script" not in svg and 'href="../xi-jinping/"' in svg and "Sanae Takaichi" in svg


def test_events_index_paginates(project):
    import datetime as dt

    from sitegen.site.pages import EVENTS_PER_PAGE

    folder = project / "content/articles"
    for n in range(EVENTS_PER_PAGE + 3):
        day = (dt.date(2024, 1, 1) + dt.timedelta(days=7 * n)).isoformat()  # a week apart: separate events
        (folder / f"p{n}.md").write_text(f"---\ntitle: Item {n}\ndate: {day}\n---\n"
                                         f"Minister Anna Quell{n:02d} visited the port of Valletta on {day}.\n")
    settings = load_settings(project, search=False)
    build_site(settings)
    first, second = settings.output_dir / "events/index.html", settings.output_dir / "events/page/2/index.html"
    assert second.exists() and "page/2/" in parse(first).links and "../../" in parse(second).links
    assert "Page 2 of" in page_text(second)


def test_a_site_overrides_one_template_without_copying_the_rest(project):
    overrides = project / "overrides/templates"
    overrides.mkdir(parents=True)
    (overrides / "about.html").write_text("{% extends 'base.html' %}{% block main %}<h1>Our own about page</h1>"
                                          "{% endblock %}")
    (project / "overrides/static").mkdir()
    (project / "overrides/static/extra.css").write_text("body{}")
    settings = load_settings(project, search=False)
    build_site(settings)
    assert "Our own about page" in page_text(settings.output_dir / "about/index.html")
    assert "Diplomacy Digest" in page_text(settings.output_dir / "about/index.html")  # base.html still the theme's
    assert (settings.output_dir / "static/extra.css").exists() and (settings.output_dir / "static/style.css").exists()
