"""URLs and slugs: relative links that work under any sub-path, and slugs that cannot leave the site."""

from __future__ import annotations

import itertools
import posixpath

import pytest

from sitegen.content.slugs import slugify
from sitegen.output.render import RenderError
from sitegen.output.write import write_site
from sitegen.site.pages import Page
from sitegen.site.urls import page_url, relative_url


@pytest.mark.parametrize("target, page, expected", [
    ("people/a/", "events/x/", "../../people/a/"),
    ("", "events/x/", "../../"),
    ("static/style.css", "", "static/style.css"),
    ("events/", "", "events/"),
    ("", "", "./"),
    ("events/x/", "events/x/", "./"),
    ("people/a/", "404.html", "people/a/"),
])
def test_relative_urls(target, page, expected):
    assert relative_url(target, page) == expected


def test_relative_urls_are_what_posixpath_relpath_gives():
    folders = ["events", "x", "people", "a", "2026-03", "."]
    paths = [""] + ["/".join(combo) for n in (1, 2, 3) for combo in itertools.product(folders, repeat=n)]
    for target in paths[::7]:
        for page in paths[::5]:
            here = posixpath.dirname(page) if not page.endswith("/") else page.rstrip("/")
            expected = posixpath.relpath(target.rstrip("/") or ".", here or ".")
            assert relative_url(target, page).rstrip("/") == expected  # a folder's link keeps its slash


def test_rooted_pages_link_from_the_base_url_path():
    page = Page(path="404.html", template="404.html", title="x", rooted=True)
    assert page_url("events/", page, "https://owner.github.io/repo/") == "/repo/events/"
    assert page_url("events/", page, "/") == "/events/"


@pytest.mark.parametrize("text", ["../../etc/passwd", "/abs/path", "..", "a/../../b", "\\..\\x", "<script>", "%2e%2e"])
def test_slugs_are_single_safe_segments(text):
    slug = slugify(text)
    assert slug and "/" not in slug and "\\" not in slug and ".." not in slug and "%" not in slug
    assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")


def test_writing_outside_the_output_folder_is_refused(tmp_path):
    with pytest.raises(RenderError):
        write_site({"../escape.html": b"x"}, [tmp_path / "static"], tmp_path / "site")
    assert not (tmp_path / "escape.html").exists() and not (tmp_path / "site").exists()
