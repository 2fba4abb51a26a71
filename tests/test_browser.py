"""The demo site in headless Chromium, served under /REPO/: what a reader's browser shows and complains about.

Four pages a reader lands on (front page, the Nara event, Sanae Takaichi, Japan) are loaded at desktop
and phone widths and in a dark colour scheme; axe-core (pinned in tests/web_tools) audits each one.
Screenshots go to a temporary folder that the end-of-run summary names.
"""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytest_plugins = ["conftest_web"]
pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
BLOCKING_IMPACTS = {"serious", "critical"}
MIN_CONTRAST = 4.5  # WCAG AA for body text


def nara_event(site) -> str:
    """The demo's event held in Nara: the event page whose place link points at Nara's page."""
    for path in sorted(site.folder.glob("events/*/index.html")):
        if 'href="../../places/nara/"' in path.read_text(encoding="utf-8"):
            return path.parent.relative_to(site.folder).as_posix() + "/"
    raise AssertionError("no event page links to places/nara/")


PAGES = {
    "front": lambda site: "",
    "nara-event": nara_event,
    "sanae-takaichi": lambda site: "people/sanae-takaichi/",
    "japan": lambda site: "countries/japan/",
}


class PageVisit:
    """One page load in a fresh browser context, recording everything the console would show in red."""

    def __init__(self, browser, url: str, **context_options) -> None:
        self.context = browser.new_context(**context_options)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text} "
                                                                                   f"({m.location.get('url')})"))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}"))
        self.response = self.page.goto(url, wait_until="networkidle")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser):
    opened: list[PageVisit] = []

    def open_page(url: str, **context_options) -> PageVisit:
        opened.append(PageVisit(browser, url, **context_options))
        return opened[-1]

    yield open_page
    for page_visit in opened:
        page_visit.close()


def run_axe(page, axe_js, options: dict | None = None) -> list[dict]:
    """axe-core's violations on the loaded page: rule id, impact, help text and the offending nodes."""
    page.add_script_tag(path=str(axe_js))
    return page.evaluate("""async (options) => {
        const result = await axe.run(document, options);
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary.replace(/\\s+/g, ' '))}));
    }""", options or {"resultTypes": ["violations"]})


COLOURS_JS = """() => {
    const opaque = (el) => {
        for (; el; el = el.parentElement) {
            const c = getComputedStyle(el).backgroundColor;
            if (c && c !== 'transparent' && !/rgba\\(.*,\\s*0\\)$/.test(c)) return c;
        }
        return null;
    };
    const main = document.querySelector('main') || document.body;
    return {background: opaque(main), text: getComputedStyle(main).color,
            link: getComputedStyle(main.querySelector('a') || main).color};
}"""


def rgb(css: str) -> tuple[float, float, float]:
    values = css[css.index("(") + 1: css.index(")")].replace(",", " ").replace("/", " ").split()
    return tuple(float(v) for v in values[:3])


def luminance(css: str) -> float:
    """WCAG relative luminance of a CSS rgb() colour."""
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb(css))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture(scope="module")
def axe_findings(web_figures):
    """Violations by page, gathered by the tests and summed up once at the end of the module."""
    findings: dict[str, list[dict]] = {}
    yield findings
    by_rule = Counter()
    for violations in findings.values():
        for v in violations:
            by_rule[(v["id"], v["impact"])] += len(v["nodes"])
    web_figures.append(f"axe-core on {len(findings)} page views: {sum(by_rule.values())} failing nodes"
                       + "".join(f"\n  {rule} ({impact}): {n} nodes" for (rule, impact), n in sorted(by_rule.items())))


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_clean_and_has_no_serious_accessibility_violation(name, served_demo, visit, node_tools,
                                                                     axe_findings, screenshot_dir):
    url = served_demo.url(PAGES[name](served_demo))
    shown = visit(url, viewport=DESKTOP)
    assert shown.response.status == 200
    shown.page.screenshot(path=screenshot_dir / f"{name}-desktop.png", full_page=True)
    assert shown.page.locator("h1").first.inner_text().strip(), "the page shows no heading"
    violations = run_axe(shown.page, node_tools.axe_js)
    axe_findings[f"{name} desktop light"] = violations
    problems = shown.errors + [f"axe {v['id']} ({v['impact']}): {node}" for v in violations
                               if v["impact"] in BLOCKING_IMPACTS for node in v["nodes"]]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("name", PAGES)
def test_page_is_readable_on_a_375_pixel_phone(name, served_demo, visit, screenshot_dir):
    url = served_demo.url(PAGES[name](served_demo))
    shown = visit(url, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    shown.page.screenshot(path=screenshot_dir / f"{name}-phone.png", full_page=True)
    assert shown.errors == []
    widths = shown.page.evaluate("""() => ({scroll: document.scrollingElement.scrollWidth,
        wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 376)
              .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))})""")
    assert widths["scroll"] <= PHONE["width"], f"the page scrolls sideways; too wide: {widths['wide']}"
    font_px = shown.page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('main')).fontSize)")
    assert font_px >= 14, f"body text is {font_px}px on a phone"


@pytest.mark.parametrize("name", PAGES)
def test_page_follows_a_dark_colour_scheme(name, served_demo, visit, node_tools, axe_findings, screenshot_dir):
    url = served_demo.url(PAGES[name](served_demo))
    shown = visit(url, viewport=PHONE, is_mobile=True, device_scale_factor=2, color_scheme="dark")
    shown.page.screenshot(path=screenshot_dir / f"{name}-phone-dark.png", full_page=True)
    colours = shown.page.evaluate(COLOURS_JS)
    assert colours["background"] is not None, "no background colour is set, the browser's default shows"
    assert luminance(colours["background"]) < 0.1, f"background {colours['background']} is not dark"
    assert contrast(colours["text"], colours["background"]) >= MIN_CONTRAST, colours
    assert contrast(colours["link"], colours["background"]) >= MIN_CONTRAST, colours
    violations = run_axe(shown.page, node_tools.axe_js, {"runOnly": ["color-contrast"]})
    axe_findings[f"{name} phone dark"] = violations
    assert violations == [], "\n".join(f"{v['id']}: {node}" for v in violations for node in v["nodes"])


def person_names(site) -> dict[str, str]:
    """Every person page's address and the name its heading shows."""
    names = {}
    for path in sorted(site.folder.glob("people/*/index.html")):
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", path.read_text(encoding="utf-8"), re.S)
        assert heading, f"{path} has no <h1>"
        text = html.unescape(re.sub(r"<[^>]+>", " ", heading.group(1)))
        names[path.parent.relative_to(site.folder).as_posix() + "/"] = " ".join(text.split())
    return names


SHOWS_RESULT = "url => [...document.querySelectorAll('.pagefind-ui__result-link')].some(a => a.href === url)"


@pytest.mark.parametrize("start", ["front", "japan"])
def test_search_finds_each_person_by_name(start, served_demo, visit, web_figures):
    if not (served_demo.folder / "pagefind").is_dir():
        pytest.skip("the build writes no Pagefind index (pagefind/) yet")
    people = person_names(served_demo)
    assert people, "the demo site has no person pages"
    shown = visit(served_demo.url(PAGES[start](served_demo)), viewport=DESKTOP)
    box = shown.page.locator("#search input")
    missing = {}
    for path, name in people.items():
        box.fill(name)
        try:
            shown.page.wait_for_function(SHOWS_RESULT, arg=served_demo.url(path), timeout=5000)
        except PlaywrightTimeout:
            missing[name] = shown.page.eval_on_selector_all(".pagefind-ui__result-link",
                                                            "links => links.map(a => a.href)")
    web_figures.append(f"search from the {start} page: {len(people) - len(missing)} of {len(people)} people "
                       "found by typing their name")
    assert shown.errors == []
    assert missing == {}, "names whose search does not list their page (the results shown instead)"
