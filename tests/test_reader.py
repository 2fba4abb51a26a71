"""What a reader sees on a digest of several events, in headless Chromium: the front page's ranking, an
event's coverage, a storyline, a person's and a country's facts box. The project is written here (articles
invented for the test), so each expectation follows from text the test controls."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO
from test_browser import DESKTOP, PHONE, run_axe, visit  # noqa: F401  (visit is a fixture)
from web_support import ServedSite, SubpathServer, serve_built_project, validate_html

pytest_plugins = ["conftest_web"]
pytestmark = pytest.mark.browser

SUMMIT = ("Australian Prime Minister Anthony Albanese hosted Japanese Prime Minister Sanae Takaichi in Canberra "
          "on Monday, and the two leaders held talks on defence and trade. Albanese said the partnership between "
          "Australia and Japan had never been closer. Takaichi said Japan wanted deeper cooperation with Australia "
          "on critical minerals.")
OUTLETS = {  # outlet: (stance, the sentence only this outlet reports)
    "Harbour Herald": ("left", "Protesters outside Parliament House urged both governments to phase out coal exports quickly."),
    "Plains Courier": ("center", "The leaders toured a hydrogen laboratory at the Australian National University afterwards."),
    "Ridge Gazette": ("right", "Opposition senators questioned the submarine procurement budget during a heated committee hearing."),
    "Delta Tribune": ("center", "Farmers from Queensland lobbied for lower beef tariffs at a breakfast with trade officials."),
    "Summit Ledger": ("right", "Veterans laid wreaths at the War Memorial before the welcome ceremony began."),
}
WIRE_COPY = "Coastline Daily"  # republishes the Plains Courier story word for word
FOLLOW_UP = ("Japanese Prime Minister Sanae Takaichi and Australian Prime Minister Anthony Albanese signed a "
             "defence agreement in Canberra on Monday, a week after their talks. Takaichi said the agreement would "
             "let Japanese and Australian forces train together. Albanese said Australia and Japan had agreed to "
             "share intelligence on regional security.")
OTHER = ("Brazilian President Luiz Inacio Lula da Silva announced a new rainforest protection fund in Brasilia on "
         "Tuesday. Lula said Brazil would spend more on river patrols. The fund will pay indigenous rangers.")


def article(title: str, date: str, source: str, story: str, stance: str | None = None) -> str:
    lines = ["---", f"title: {json.dumps(title)}", f"date: {date}", f"source: {source}",
             f"url: https://news.example/{source.lower().replace(' ', '-')}/{date}"]
    lines += [f"stance: {stance}"] if stance else []
    return "\n".join(lines + ["---", story, ""])


def write_project(root: Path, cache: Path) -> Path:
    for name in ("templates", "static"):
        shutil.copytree(REPO / name, root / name)
    (root / "sitegen.toml").write_text(f'title = "Reader Digest"\ncache_dir = "{cache}"\n', encoding="utf-8")
    folder = root / "content/articles"
    folder.mkdir(parents=True)
    for n, (outlet, (stance, own)) in enumerate(OUTLETS.items()):
        text = article(f"{outlet}: Albanese and Takaichi hold talks in Canberra", "2026-03-02", outlet,
                       f"{SUMMIT}\n\n{own}", stance)
        (folder / f"summit-{n}.md").write_text(text, encoding="utf-8")
        if outlet == "Plains Courier":
            copy = article(f"{outlet}: Albanese and Takaichi hold talks in Canberra", "2026-03-02", WIRE_COPY,
                           f"{SUMMIT}\n\n{own}")
            (folder / "summit-copy.md").write_text(copy, encoding="utf-8")
    for n, outlet in enumerate(("Harbour Herald", "Ridge Gazette")):
        (folder / f"pact-{n}.md").write_text(article("Japan and Australia sign a defence agreement", "2026-03-09",
                                                     outlet, FOLLOW_UP), encoding="utf-8")
    (folder / "fund.md").write_text(article("Brazil announces a rainforest fund", "2026-03-10", "Delta Tribune",
                                            OTHER), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def reader_site(tmp_path_factory, shared_cache) -> Iterator[ServedSite]:
    with SubpathServer("/REPO/") as server:
        root = write_project(tmp_path_factory.mktemp("reader"), shared_cache)
        yield serve_built_project(root, server)


def event_on(site: ServedSite, day: str) -> str:
    """The event page of the event held on `day` (YYYY-MM-DD), as its Markdown card states."""
    for path in sorted(site.folder.glob("events/*/index.md")):
        if f"\ndate: '{day}'\n" in path.read_text(encoding="utf-8"):
            return path.parent.relative_to(site.folder).as_posix() + "/"
    raise AssertionError(f"no event on {day}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_front_page_leads_with_the_widely_covered_events_with_a_snippet(reader_site, visit, viewport, node_tools,
                                                                        screenshot_dir):
    shown = visit(reader_site.url(""), viewport=viewport)
    page = shown.page
    page.screenshot(path=screenshot_dir / f"reader-front-{viewport['width']}.png", full_page=True)
    teasers = page.locator(".teasers > li")
    titles = [t.strip() for t in teasers.locator("h3").all_inner_texts()]
    assert len(titles) == 3, titles
    # the agreement, two outlets and recent, leads; the summit, six outlets a week before, outranks the
    # single-outlet rainforest fund of the newest day
    dates = teasers.locator("time").all_inner_texts()
    assert dates == ["9 March 2026", "2 March 2026", "10 March 2026"], titles
    first = teasers.nth(0).inner_text()
    assert "9 March 2026" in first and "Canberra" in first and "Anthony Albanese" in first
    assert "signed a defence agreement" in teasers.nth(0).locator(".snippet").inner_text()
    main, side = page.locator(".front-main").bounding_box(), page.locator(".front-side").bounding_box()
    if viewport is DESKTOP:
        assert side["x"] >= main["x"] + main["width"] - 1, "the side column is not beside the main one"
    else:
        assert side["y"] >= main["y"] + main["height"] - 1, "the phone layout is not one column"
    assert page.locator(".front-side a", has_text="Albanese").count() or page.locator(".stories a").count()
    assert [v for v in run_axe(page, node_tools.axe_js)] == []


def test_event_page_lists_the_coverage_with_what_each_outlet_adds(reader_site, visit, node_tools, screenshot_dir):
    shown = visit(reader_site.url(event_on(reader_site, '2026-03-02')), viewport=DESKTOP)
    page = shown.page
    page.screenshot(path=screenshot_dir / "reader-event-desktop.png", full_page=True)
    rows = page.locator(".coverage .sources > li")
    assert rows.count() == len(OUTLETS), rows.all_inner_texts()
    texts = rows.all_inner_texts()
    for outlet, (_, own) in OUTLETS.items():
        row = next(t for t in texts if t.startswith(outlet))
        assert "Only here: " + own in row, row
        assert "2 March 2026" in row and f"{outlet}: Albanese and Takaichi hold talks in Canberra" in row
    courier = rows.filter(has_text="Plains Courier")
    copies = courier.locator("details.copies")
    assert not copies.locator(f"a:text('{WIRE_COPY}')").is_visible(), "the wire copy is not folded"
    copies.locator("summary").click()
    assert copies.locator(f"a:text('{WIRE_COPY}')").is_visible()
    spread = page.locator(".spread-list li").all_inner_texts()
    assert spread == ["LEFT 1 outlet", "CENTER 2 outlets", "RIGHT 2 outlets"], spread
    nxt = page.locator(".story-nav a[rel=next]")
    assert nxt.get_attribute("href").endswith(event_on(reader_site, "2026-03-09").removeprefix("events"))
    assert run_axe(page, node_tools.axe_js) == []


def test_storyline_chains_the_talks_and_the_agreement(reader_site, visit, node_tools, screenshot_dir):
    stories = sorted(reader_site.folder.glob("stories/*/index.html"))
    assert len(stories) == 1, stories
    url = reader_site.url(stories[0].parent.relative_to(reader_site.folder).as_posix() + "/")
    shown = visit(url, viewport=PHONE, is_mobile=True, color_scheme="dark")
    page = shown.page
    page.screenshot(path=screenshot_dir / "reader-story-phone-dark.png", full_page=True)
    assert "2 events · 2 March 2026 – 9 March 2026" in page.locator(".story-span").inner_text()
    timeline = page.locator("main ol > li").all_inner_texts()
    assert len(timeline) == 2 and "2 March 2026" in timeline[0] and "9 March 2026" in timeline[1], timeline
    assert "Albanese said the partnership" in timeline[0] or "hosted" in timeline[0]
    people = page.locator("main p a").all_inner_texts()
    assert "Anthony Albanese" in people and "Sanae Takaichi" in people
    page.locator("main ol > li").nth(1).locator("a").first.click()
    page.wait_for_load_state()
    assert page.locator(".story-nav a[rel=prev]").count() == 1
    assert run_axe(page, node_tools.axe_js) == []


def test_person_and_country_open_with_a_facts_box(reader_site, visit, node_tools, screenshot_dir):
    shown = visit(reader_site.url("people/sanae-takaichi/"), viewport=DESKTOP)
    page = shown.page
    page.screenshot(path=screenshot_dir / "reader-person-desktop.png", full_page=True)
    box = page.locator(".facts-box")
    facts = dict(zip(box.locator("dt").all_inner_texts(), box.locator("dd").all_inner_texts()))
    assert "Prime Minister of Japan" in facts["Roles"], facts
    assert facts["Country"] == "Japan"
    assert "Anthony Albanese" in facts.get("Met most", ""), facts
    assert facts["First seen"] == "2 March 2026" and facts["Last seen"] == "9 March 2026"
    assert run_axe(page, node_tools.axe_js) == []
    shown = visit(reader_site.url("countries/australia/"), viewport=PHONE, is_mobile=True)
    page = shown.page
    page.screenshot(path=screenshot_dir / "reader-country-phone.png", full_page=True)
    box = page.locator(".facts-box")
    facts = dict(zip(box.locator("dt").all_inner_texts(), box.locator("dd").all_inner_texts()))
    assert facts["Capital"] == "Canberra" and facts["Region"] == "Oceania", facts
    assert "Anthony Albanese, Prime Minister" in facts["Leaders"]
    assert "Japan" in facts.get("Deals most with", ""), facts
    mentioned = page.locator("h2:text('Mentioned in') + ul > li").all_inner_texts()
    assert mentioned and not any("10 March 2026" in m for m in mentioned)  # the fund in Brazil is not Australia's
    assert facts["By month"].startswith("March 2026")
    box.locator("a", has_text="March 2026").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Australia, March 2026"
    assert page.locator(".events time").all_inner_texts() == ["9 March 2026", "2 March 2026"]


def test_kind_pages_and_every_reader_page_are_valid_html(reader_site, node_tools):
    kinds = sorted(reader_site.folder.glob("kinds/*/index.html"))
    assert kinds, "no /kinds/<kind>/ page"
    pages = [reader_site.folder / "index.html", *kinds, *reader_site.folder.glob("stories/**/index.html"),
             *reader_site.folder.glob("events/*/index.html"), reader_site.folder / "people/sanae-takaichi/index.html",
             reader_site.folder / "countries/australia/index.html", reader_site.folder / "countries/australia/2026-03/index.html"]
    errors = [str(m) for m in validate_html(node_tools.vnu_jar, pages, reader_site.folder) if m.kind != "warning"]
    assert errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_five_reader_pages_fit_a_phone_and_pass_axe_at_both_widths(reader_site, visit, node_tools, screenshot_dir,
                                                                    scheme):
    """Front page, event, storyline, person and country, each at 1280 px and 375 px: nothing wider than the
    screen on a phone (no sideways scrolling), no axe violation in either colour scheme."""
    story = next(reader_site.folder.glob("stories/*/index.html")).parent.relative_to(reader_site.folder)
    pages = {"front": "", "event": event_on(reader_site, "2026-03-02"), "story": story.as_posix() + "/",
             "person": "people/sanae-takaichi/", "country": "countries/australia/"}
    for name, path in pages.items():
        for viewport in (DESKTOP, PHONE):
            page = visit(reader_site.url(path), viewport=viewport, is_mobile=viewport is PHONE,
                         color_scheme=scheme).page
            page.screenshot(path=screenshot_dir / f"five-{name}-{viewport['width']}-{scheme}.png", full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} at {viewport['width']} px scrolls sideways by {overflow} px"
            assert run_axe(page, node_tools.axe_js) == [], f"{name} at {viewport['width']} px, {scheme}"
