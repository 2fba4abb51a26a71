"""Fixtures for the web checks: the demo site served under /REPO/, Chromium, the pinned npm checkers.

Loaded as a plugin (`pytest_plugins = ["conftest_web"]`). It registers the `browser` marker and prints,
at the end of the run, the figures the checks measured and where the screenshots are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import copy_project
from web_support import (
    CHROMIUM_ARGS,
    CrawlReport,
    NodeTools,
    ServedSite,
    SubpathServer,
    ToolMissing,
    crawl,
    ensure_chromium,
    ensure_node_tools,
    serve_built_project,
)

WEB_FIGURES = pytest.StashKey[list[str]]()
CRAWL_STARTS = ("robots.txt", "sitemap.xml", "404.html")  # reached by no link, but published


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives headless Chromium (slow; installs chromium if missing)")
    config.stash[WEB_FIGURES] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    lines = config.stash.get(WEB_FIGURES, [])
    if lines:
        terminalreporter.section("web checks: figures")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def web_figures(pytestconfig) -> list[str]:
    """Lines for the end-of-run summary: counts, findings by rule, where the screenshots are."""
    return pytestconfig.stash[WEB_FIGURES]


@pytest.fixture(scope="session")
def served_demo(tmp_path_factory, shared_cache) -> Iterator[ServedSite]:
    """The demo project built for http://127.0.0.1:PORT/REPO/ and served there, as on GitHub Pages."""
    with SubpathServer("/REPO/") as server:
        root = copy_project(tmp_path_factory.mktemp("web-demo"))
        yield serve_built_project(root, server, cache_dir=shared_cache)


@pytest.fixture(scope="session")
def demo_crawl(served_demo, web_figures) -> CrawlReport:
    starts = tuple(s for s in CRAWL_STARTS if (served_demo.folder / s).is_file())
    report = crawl(served_demo.base_url, starts)
    kinds = Counter(f.content_type for f in report.fetched.values() if f.status == 200)
    by_kind = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    web_figures.append(f"crawl of {served_demo.base_url}: {report.references} internal references, "
                       f"{len(report.fetched)} distinct URLs ({by_kind}), "
                       f"{len(report.broken)} broken; external hosts linked: {dict(sorted(report.external.items()))}")
    return report


@pytest.fixture(scope="session")
def node_tools(pytestconfig) -> NodeTools:
    """vnu.jar and axe-core at the versions of tests/web_tools/package-lock.json (kept in pytest's cache)."""
    try:
        return ensure_node_tools(pytestconfig.cache.mkdir("web-tools"))
    except ToolMissing as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def chromium() -> Path:
    try:
        return ensure_chromium()
    except ToolMissing as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def browser(chromium):
    """One headless Chromium for the session, driven by Playwright (its own browser download is not used)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory, web_figures) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    web_figures.append(f"screenshots: {folder}")
    return folder
