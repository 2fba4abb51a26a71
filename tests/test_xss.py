"""Hostile text in every field an editor or a wire feed controls must reach the reader as inert text.

A site is built from Markdown articles, curated cards and an event override whose titles, bodies,
authors, source names and URLs, card names, aliases and texts are the lines of the shared XSS payload
lists (read by path at test time), then every built page is opened in Chromium, under /REPO/ as on
GitHub Pages. Nothing may open a dialog, no element may carry an event handler or a `javascript:` URL,
no injected element or script may appear, and the title, author and card-name payloads must show,
character for character, as text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import frontmatter
import pytest
import yaml
from conftest import REPO, copy_project
from playwright.sync_api import Error as PlaywrightError
from web_support import SubpathServer, serve_built_project, validate_html

pytest_plugins = ["conftest_web"]
pytestmark = pytest.mark.browser

XSS_CORPUS = REPO.parent / "shared" / "corpora" / "xss"
PAYLOAD_FILES = ("xss-polyglots.txt", "xss-quick.txt")
# Template syntax is hostile too: a page that evaluated it would show one of EVALUATED.
TEMPLATE_LINES = ("{{ 7 * 1111111 }}", "{% if true %}{{ 'TEMPLATE' ~ 'RAN' }}{% endif %}", "${7*1111111}",
                  "{{ digest.title }}", "{# a comment #}")
EVALUATED = ("7777777", "TEMPLATERAN")
CALL_MARKER = "__xss_calls__"
OVERRIDE_FILE = "hostile-override.md"

# Invented meetings between real countries, so the pipeline makes events, people and places of them.
MEETINGS = (
    ("President Ilse Marwick", "Austria", "Chancellor Tomas Redl", "Germany", "Vienna"),
    ("Prime Minister Aino Kesti", "Finland", "President Jonas Berglund", "Sweden", "Helsinki"),
    ("President Lucia Ferraz", "Portugal", "Prime Minister Diego Salvat", "Spain", "Lisbon"),
)


def payload_lines() -> list[str]:
    if not XSS_CORPUS.is_dir():
        pytest.skip(f"the shared XSS corpus is not at {XSS_CORPUS}")
    lines = []
    for name in PAYLOAD_FILES:
        lines.extend(line.strip() for line in (XSS_CORPUS / name).read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line] + list(TEMPLATE_LINES)


def markdown_file(meta: dict, body: str) -> str:
    """Front matter written by a YAML library, so a payload's quotes and colons stay one string."""
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000) + "---\n" + body + "\n"


def write_hostile_content(content: Path, payloads: list[str]) -> dict[str, list[str]]:
    """Articles and cards carrying every payload; returns the payloads each page must show, by field."""
    articles = content / "articles"
    for old in articles.iterdir():
        old.unlink()
    (content / "entities").mkdir(exist_ok=True)
    count = len(payloads)
    card_names = payloads[::4]
    shown: dict[str, list[str]] = {"title": [], "author": [], "card name": []}
    for i, title in enumerate(payloads):
        host, host_country, guest, guest_country, city = MEETINGS[i % len(MEETINGS)]
        author = payloads[(i + 1) % count]
        story = "\n\n".join([
            f"{host} of {host_country} met {guest} of {guest_country} in {city} on Monday to discuss trade, "
            "energy and security.",
            payloads[(i + 2) % count],
            f"The talks were hosted by {card_names[i % len(card_names)]}, officials said.",
            f"{host} said the two countries would deepen their cooperation. {payloads[(i + 3) % count]}",
        ])
        meta = {"title": title, "date": dt.date(2026, 2, 2 + i % len(MEETINGS)), "source": payloads[(i + 4) % count],
                "url": payloads[(i + 5) % count], "authors": [author]}
        (articles / f"hostile-{i:03}.md").write_text(markdown_file(meta, story), encoding="utf-8")
        shown["title"].append(title)
        shown["author"].append(author)
    text = "\n\n".join(payloads)
    first_host = MEETINGS[0][0].split(" ", 1)[1]
    (content / "entities" / "host.md").write_text(markdown_file(
        {"name": first_host, "kind": "person", "aliases": payloads[1:3], "country": MEETINGS[0][1]}, text),
        encoding="utf-8")
    for n, name in enumerate(card_names):
        (content / "entities" / f"organisation-{n:02}.md").write_text(markdown_file(
            {"name": name, "kind": "organization", "aliases": [payloads[(n + 7) % count]]},
            "\n\n".join(payloads[n::7])), encoding="utf-8")
        shown["card name"].append(name)
    return shown


def write_hostile_override(content: Path, payloads: list[str], event_id: str) -> None:
    """The editor's title and summary for the event of the first article, both hostile."""
    (content / "events").mkdir(exist_ok=True)
    (content / "events" / OVERRIDE_FILE).write_text(markdown_file(
        {"event": event_id, "title": override_title(payloads), "articles": ["hostile-000"]}, "\n\n".join(payloads)),
        encoding="utf-8")


def event_of_source(site_folder: Path, title: str) -> str:
    """The id of the event whose published Markdown lists a source with this title."""
    for card in sorted(site_folder.glob("events/*/index.md")):
        sources = frontmatter.loads(card.read_text(encoding="utf-8")).metadata.get("sources") or []
        if any(source.get("title") == title for source in sources):
            return card.parent.name
    pytest.fail(f"no event's index.md lists the source {title!r}")


def override_title(payloads: list[str]) -> str:
    """Unlike every article title, so the page shows it only if the override was applied."""
    return f"Editor's pick: {payloads[0]}"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory, shared_cache):
    payloads = payload_lines()
    root = copy_project(tmp_path_factory.mktemp("xss"))
    shown = write_hostile_content(root / "content", payloads)
    with SubpathServer("/REPO/") as server:
        first = serve_built_project(root, server, cache_dir=shared_cache)  # to learn the event's id
        write_hostile_override(root / "content", payloads, event_of_source(first.folder, payloads[0]))
        site = serve_built_project(root, server, cache_dir=shared_cache)
        yield site, shown


# Everything a payload could leave behind in the DOM that a template never puts there.
INSPECT_DOM = """(base) => {
    const found = [];
    const urlAttributes = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster',
                                   'background', 'codebase', 'cite', 'srcset']);
    const foreignTags = new Set(['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'marquee',
                                 'isindex', 'plaintext', 'xmp', 'keygen', 'audio', 'video', 'source', 'template']);
    const formTags = new Set(['form', 'input', 'select', 'textarea', 'button']);
    const describe = (el) => '<' + el.tagName.toLowerCase() + '> ' + el.outerHTML.slice(0, 100);
    for (const el of document.querySelectorAll('*')) {
        const tag = el.tagName.toLowerCase();
        const inSearch = el.closest('#search, .pagefind-ui');
        for (const attr of el.attributes) {
            const name = attr.name.toLowerCase();
            const value = attr.value.replace(/[\\u0000-\\u0020]+/g, '').toLowerCase();
            if (name.startsWith('on')) found.push('event handler ' + name + ' on ' + describe(el));
            if (name === 'srcdoc') found.push('srcdoc on ' + describe(el));
            const searchNoop = inSearch && value === 'javascript:void(0);';  // Pagefind's own form action
            const scriptUrl = /^(javascript|vbscript|livescript):|^data:text\\/html/.test(value);
            if (urlAttributes.has(name) && scriptUrl && !searchNoop)
                found.push('script URL in ' + name + ' of ' + describe(el));
        }
        if (foreignTags.has(tag)) found.push('injected element ' + describe(el));
        if (formTags.has(tag) && !inSearch) found.push('form element outside the search box: ' + describe(el));
        if (tag === 'meta' && el.closest('body')) found.push('meta in body: ' + describe(el));
        if (tag === 'script') {
            const type = (el.getAttribute('type') || '').toLowerCase();
            if (type === 'application/ld+json') {
                try { JSON.parse(el.textContent); } catch (e) { found.push('JSON-LD broken open: ' + e); }
            } else if (el.hasAttribute('src')) {
                if (!el.src.startsWith(base)) found.push('script from outside the site: ' + el.src);
            } else if (/alert|prompt|confirm|fromCharCode|INJECTX|XSS/.test(el.textContent)) {
                found.push('injected inline script: ' + el.textContent.slice(0, 100));
            }
        }
    }
    if (window.""" + CALL_MARKER + """.length) found.push('called: ' + window.""" + CALL_MARKER + """.join(', '));
    return found;
}"""

RECORD_CALLS = """(() => {
    window.""" + CALL_MARKER + """ = [];
    for (const name of ['alert', 'confirm', 'prompt', 'print']) {
        const original = window[name];
        window[name] = function (...args) {
            window.""" + CALL_MARKER + """.push(name + '(' + args.map(String).join(', ') + ')');
            return original.apply(this, args);
        };
    }
})();"""


@dataclass
class HostileVisit:
    pages: int
    findings: list[str]  # "url: what could run"
    text: str  # every page's title and visible text, whitespace folded


def inspect_pages(browser, urls: list[str], base_url: str) -> tuple[list[str], list[str]]:
    """Open each page in Chromium: what a payload left behind ("url: finding"), and each page's visible text."""
    context = browser.new_context()
    context.add_init_script(RECORD_CALLS)
    page = context.new_page()
    findings: list[str] = []
    where = {"url": ""}
    page.on("dialog", lambda d: (findings.append(f"{where['url']}: {d.type} dialog: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda e: findings.append(f"{where['url']}: script error: {e}"))
    texts = []
    try:
        for url in urls:
            where["url"] = url
            page.goto(url, wait_until="load")
            found, text = settled_inspection(page, base_url)
            if not page.url.startswith(base_url):
                found.append(f"the page went to {page.url}")
            findings.extend(f"{url}: {f}" for f in found)
            texts.append(text)
    finally:
        context.close()
    return findings, texts


def settled_inspection(page, base_url: str, tries: int = 20) -> tuple[list[str], str]:
    """INSPECT_DOM and the visible text of the page, once it stops navigating (a redirect stub moves on: its
    "load" may come before the refresh starts, so a destroyed context means wait a moment and look again)."""
    for attempt in range(tries):
        try:
            found = page.evaluate(INSPECT_DOM, base_url)
            return found, " ".join(page.evaluate("() => document.title + ' ' + document.body.innerText").split())
        except PlaywrightError as exc:
            if "context was destroyed" not in str(exc) or attempt == tries - 1:
                raise
            page.wait_for_timeout(100)
            page.wait_for_load_state("load")
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def hostile_visit(hostile_site, browser, web_figures) -> HostileVisit:
    """Every built page of the hostile site opened in Chromium."""
    site, shown = hostile_site
    pages = sorted(p for p in site.folder.rglob("*.html") if p.relative_to(site.folder).parts[0] != "pagefind")
    findings, texts = inspect_pages(browser, [site.url(p.relative_to(site.folder).as_posix()) for p in pages],
                                    site.base_url)
    web_figures.append(f"XSS: {len(pages)} pages of a site built from {len(shown['title'])} hostile articles and "
                       f"{len(shown['card name']) + 1} cards: {len(findings)} findings")
    return HostileVisit(len(pages), findings, "\n".join(texts))


def test_the_inspection_catches_markup_that_would_run(tmp_path, browser):
    """Unescaped payloads on a page made for it: each kind of trace is reported."""
    (tmp_path / "index.html").write_text(
        "<!DOCTYPE html><html lang=en><head><title>t</title></head><body>"
        "<img src=x onerror=alert(1)><a href=' JaVaScript:alert(2)'>x</a><iframe src=about:blank></iframe>"
        "<script>alert(3)</script><script type='application/ld+json'>{\"a\": \"</script>"
        "<script>prompt(4)</script></body></html>", encoding="utf-8")
    with SubpathServer("/REPO/") as server:
        server.serve(tmp_path)
        findings, _ = inspect_pages(browser, [server.base_url], server.base_url)
    text = "\n".join(findings)
    for trace in ("event handler onerror", "script URL in href", "injected element <iframe>",
                  "injected inline script: alert(3)", "JSON-LD broken open", "alert dialog: 3", "prompt dialog: 4",
                  "called: "):
        assert trace in text, f"{trace!r} not reported in:\n{text}"


def test_no_hostile_text_can_run_on_any_page(hostile_visit):
    assert hostile_visit.pages > 10
    assert hostile_visit.findings == [], "script could run:\n" + "\n".join(hostile_visit.findings)


def test_hostile_titles_authors_and_card_names_show_as_the_text_they_are(hostile_site, hostile_visit):
    _, shown = hostile_site
    missing = {field: [p for p in lines if " ".join(p.split()) not in hostile_visit.text]
               for field, lines in shown.items()}
    assert {k: v for k, v in missing.items() if v} == {}, "payloads shown altered, or not at all"
    evaluated = [marker for marker in EVALUATED if marker in hostile_visit.text]
    assert evaluated == [], "template syntax in content was evaluated"


def test_a_hostile_event_override_is_applied_and_stays_inert(hostile_site, hostile_visit):
    site, _ = hostile_site
    problems = [f"{d.path}:{d.line}: {d.message}" for d in site.build.diagnostics if OVERRIDE_FILE in d.path]
    assert problems == [], "the event override was not understood"
    assert " ".join(override_title(payload_lines()).split()) in hostile_visit.text, "no page shows the override"


def test_search_results_for_payload_words_stay_inert(hostile_site, browser):
    site, _ = hostile_site
    if not (site.folder / "pagefind").is_dir():
        pytest.skip("the build writes no Pagefind index (pagefind/) yet")
    context = browser.new_context()
    context.add_init_script(RECORD_CALLS)
    page = context.new_page()
    findings: list[str] = []
    page.on("dialog", lambda d: (findings.append(f"{d.type} dialog: {d.message}"), d.dismiss()))
    try:
        page.goto(site.base_url, wait_until="load")
        shown = 0
        for word in ("INJECTX", "alert", "onerror", "script", "javascript"):
            page.locator("#search input").fill(word)
            page.wait_for_timeout(1200)  # Pagefind debounces typing, then loads fragments
            shown += page.locator(".pagefind-ui__result").count()
            findings.extend(f"search {word!r}: {f}" for f in page.evaluate(INSPECT_DOM, site.base_url))
    finally:
        context.close()
    assert shown > 0, "searching for words of the payloads found nothing, so nothing was checked"
    assert findings == [], "script could run:\n" + "\n".join(findings)


def test_payload_lists_are_read_from_the_shared_corpus():
    """The checks above must see the real lists: both files, every non-empty line."""
    lines = payload_lines()
    assert len(lines) > len(TEMPLATE_LINES) + 40
    assert any("<script>" in line.lower() for line in lines) and any("javascript:" in line for line in lines)


def test_hostile_pages_are_still_valid_html(hostile_site, node_tools):
    """Escaped payloads are text; unescaped ones would break the markup, which the Nu checker sees."""
    site, _ = hostile_site
    pages = sorted(p for p in site.folder.rglob("*.html") if p.relative_to(site.folder).parts[0] != "pagefind")
    errors = [str(m) for m in validate_html(node_tools.vnu_jar, pages, site.folder) if m.kind == "error"]
    assert errors == [], "\n".join(errors)
