"""Events an editor corrects, and event URLs that hold as the digest grows (text written for the tests)."""

from __future__ import annotations

import re

import pytest
from conftest import page_text

from sitegen.config import load_settings
from sitegen.pipeline.build import BuildFailed, build_site

DEMO_EVENT = "2026-01-13-lee-and-takaichi-meet-in-nara"

ARTICLES = {
    "rome-a": ("2025-03-03", "Italian Prime Minister Giorgia Meloni hosted French President Emmanuel Macron in Rome "
                             "on Monday for talks on defence. Meloni and Macron met for two hours in Rome."),
    "rome-b": ("2025-03-03", "French President Emmanuel Macron met Italian Prime Minister Giorgia Meloni in Rome, "
                             "where the two leaders discussed defence spending and migration."),
    "oslo-a": ("2025-03-20", "Norwegian Prime Minister Jonas Gahr Store welcomed Canadian Prime Minister Mark Carney "
                             "in Oslo for talks on Arctic security. Store and Carney met at the foreign ministry."),
    "rome-c": ("2025-03-04", "A day after their talks in Rome, Meloni and Macron agreed on a joint defence "
                             "procurement plan, Italian officials said."),
    "oslo-b": ("2025-03-20", "Mark Carney and Jonas Gahr Store held talks in Oslo on Thursday about Arctic "
                             "security, the Norwegian government said."),
    "lima-a": ("2025-05-10", "Peruvian President Dina Boluarte received Chilean President Gabriel Boric in Lima "
                             "for talks on trade. Boluarte and Boric met at the presidential palace."),
}


def write_articles(project, names):
    folder = project / "content/articles"
    for path in folder.iterdir():
        path.unlink()
    for name in names:
        date, text = ARTICLES[name]
        (folder / f"{name}.md").write_text(f"---\ntitle: {name}\ndate: {date}\n---\n{text}\n")


def event_urls(site):
    return sorted(p.parent.name for p in (site / "events").glob("*/index.html") if p.parent.name != "page")


def event_of(site, url):
    """The event a URL shows: itself, or the event its redirect points to; as the set of its sources."""
    html = (site / "events" / url / "index.html").read_text()
    if match := re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', html):
        target = (site / "events" / url / match.group(1)).resolve()
        html = (target / "index.html").read_text()
    return set(re.findall(r"<cite>([a-z]+-[a-z])</cite>", html))


def test_event_urls_of_an_early_build_still_resolve_after_more_articles_arrive(project):
    settings = load_settings(project)
    write_articles(project, ["rome-a", "oslo-a"])
    build_site(settings)
    first = {url: event_of(settings.output_dir, url) for url in event_urls(settings.output_dir)}
    assert len(first) == 2
    write_articles(project, list(ARTICLES))
    build_site(settings)
    for url, sources in first.items():
        assert (settings.output_dir / "events" / url / "index.html").is_file(), url
        assert sources <= event_of(settings.output_dir, url), url


def test_editor_override_retitles_moves_and_resummarises_an_event(project):
    (project / "content/events/nara.md").write_text(
        f"---\nevent: {DEMO_EVENT}\ntitle: Takaichi hosts Lee in her home region\nplace: Japan\n---\n"
        "The editors' own *summary* of the summit.\n")
    settings = load_settings(project)
    report = build_site(settings)
    assert report.diagnostics == []
    text = page_text(settings.output_dir / "events" / DEMO_EVENT / "index.html")
    assert "Takaichi hosts Lee in her home region" in text
    assert "The editors' own summary of the summit." in text
    assert "13 January 2026 · Japan" in text
    assert "Takaichi hosts Lee in her home region" in page_text(settings.output_dir / "index.html")


def test_an_override_naming_what_does_not_exist_is_a_warning_with_file_and_line(project):
    (project / "content/events/x.md").write_text(
        f"---\nevent: {DEMO_EVENT}\narticles:\n  - no-such-article\nmerge: [2020-01-01-nothing]\n---\n")
    (project / "content/events/y.md").write_text("---\ntitle: Lost\n---\n")
    report = build_site(load_settings(project))
    found = sorted(str(d) for d in report.diagnostics)
    assert any(d.startswith("content/events/x.md:4:") and "no-such-article" in d for d in found), found
    assert any(d.startswith("content/events/x.md:5:") and "2020-01-01-nothing" in d for d in found), found
    assert any(d.startswith("content/events/y.md:1:") and "no event 'y'" in d for d in found), found
    with pytest.raises(BuildFailed):
        build_site(load_settings(project), strict=True)


def test_pinning_out_splits_an_event(project):
    settings = load_settings(project)
    (project / "content/events/split.md").write_text(
        f"---\nevent: {DEMO_EVENT}\nexclude: [000_248389f37a54aba9]\n---\n")
    build_site(settings)
    assert len(event_urls(settings.output_dir)) == 2


def test_merging_two_events_redirects_the_old_url(project):
    settings = load_settings(project)
    write_articles(project, ["rome-a", "oslo-a"])
    build_site(settings)
    rome, oslo = sorted(event_urls(settings.output_dir), key=lambda u: "oslo" in u)
    assert "rome" in rome and "oslo" in oslo
    (project / "content/events/merge.md").write_text(f"---\nevent: {rome}\nmerge: [{oslo}]\n---\n")
    build_site(settings)
    page = settings.output_dir / "events" / oslo / "index.html"
    assert f"url=../{rome}/" in page.read_text()
    assert event_of(settings.output_dir, oslo) == {"rome-a", "oslo-a"}


def test_a_hidden_event_has_no_page(project):
    (project / "content/events/h.md").write_text(f"---\nevent: {DEMO_EVENT}\nhide: true\n---\n")
    settings = load_settings(project)
    build_site(settings)
    assert not (settings.output_dir / "events" / DEMO_EVENT).exists()
    assert "meet in Nara" not in page_text(settings.output_dir / "index.html")
