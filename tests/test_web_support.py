"""The web checkers themselves: each must report the fault it exists to find, on a small site made for it."""

from __future__ import annotations

import pytest
from web_support import SubpathServer, ToolMissing, crawl, ensure_chromium, fetch, validate_html

pytest_plugins = ["conftest_web"]

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="{css}"></head>
<body><main id="main">{body}</main></body></html>
"""


@pytest.fixture
def small_site(tmp_path):
    """A front page with one good link, one dead link, a missing anchor, and a link that escapes /REPO/."""
    site = tmp_path / "site"
    (site / "about").mkdir(parents=True)
    (site / "style.css").write_text("body { background: url('missing.png'); }", encoding="utf-8")
    (site / "index.html").write_text(PAGE.format(title="Home", css="style.css", body=(
        '<a href="about/">About</a> <a href="gone/">Gone</a> <a href="about/#nowhere">Anchor</a> '
        '<a href="/elsewhere/">Escapes</a> <a href="https://example.org/">External</a>')), encoding="utf-8")
    (site / "about" / "index.html").write_text(PAGE.format(title="About", css="../style.css",
                                                           body='<a href="../#main">Home</a>'), encoding="utf-8")
    return site


def test_the_crawler_reports_each_kind_of_broken_reference(small_site):
    with SubpathServer("/REPO/") as server:
        server.serve(small_site)
        report = crawl(server.base_url)
        base = server.base_url
    problems = sorted(line.split(" -> ", 1)[1] for line in report.broken)
    assert problems == sorted([
        f"{base}gone/ (404)",
        f"{base}about/#nowhere (no such anchor)",
        f"{base.removesuffix('/REPO/')}/elsewhere/ (outside /REPO/)",
        f"{base}missing.png (404)",
    ])
    assert report.external == {"example.org": 1}
    assert set(report.ok("html")) == {base, f"{base}about/"}


def test_the_server_serves_only_under_its_prefix_and_answers_404_with_the_sites_page(small_site):
    (small_site / "404.html").write_text(PAGE.format(title="Not found", css="/REPO/style.css", body="Lost"))
    with SubpathServer("/REPO/") as server:
        server.serve(small_site)
        assert fetch(server.base_url).status == 200
        assert fetch(server.base_url + "about").status == 200  # redirected to about/, as Pages does
        missing = fetch(server.base_url + "nothing/")
        assert missing.status == 404 and b"Lost" in missing.body
        assert fetch(server.origin + "/index.html").status == 404


def test_the_nu_checker_reports_invalid_html_with_file_and_line(tmp_path, node_tools):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html>\n<html lang=en><head><title>x</title></head>\n<body>\n<p><div>block in p"
                    "</p>\n<img src=a.png>\n</body></html>\n", encoding="utf-8")
    good = tmp_path / "good.html"
    good.write_text(PAGE.format(title="Fine", css="a.css", body="<p>fine</p>"), encoding="utf-8")
    messages = validate_html(node_tools.vnu_jar, [page, good], tmp_path)
    errors = [m for m in messages if m.kind == "error"]
    assert {m.file for m in errors} == {"bad.html"}
    assert any(m.line == 5 and "alt" in m.message for m in errors)
    assert any("No “p” element in scope" in m.message for m in errors)


def test_the_nu_checker_reports_invalid_css(tmp_path, node_tools):
    sheet = tmp_path / "style.css"
    sheet.write_text("body {\n  colour: red;\n}\n", encoding="utf-8")
    errors = [m for m in validate_html(node_tools.vnu_jar, [sheet], tmp_path) if m.kind == "error"]
    assert [(m.file, m.line) for m in errors] == [("style.css", 2)]


def test_a_missing_chromium_that_cannot_be_installed_fails_with_the_command_to_run(monkeypatch):
    monkeypatch.setattr("web_support.shutil.which", lambda name: None)  # neither chromium nor apt-get
    with pytest.raises(ToolMissing, match=r"apt-get install -y chromium"):
        ensure_chromium()
