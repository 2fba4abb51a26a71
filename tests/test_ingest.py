"""Ingest: wire copy and Markdown articles, and bad files that must be skipped with a clear warning."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from sitegen.content import frontmatter
from sitegen.content.articles import read_article, read_articles

REPO = Path(__file__).resolve().parent.parent


def read(raw: bytes, name: str = "a.txt"):
    return read_article(raw, f"content/articles/{name}", Path(name).stem)


def test_wire_copy_loses_its_furniture_but_keeps_the_story():
    article, problems = read(b"date 2024-05-02\nPARIS - The ministers met on Friday.\nThey agreed.\n"
                             b"By Ann Smith and Bo Li\n")
    assert problems == []
    assert article.date == dt.date(2024, 5, 2)
    assert article.dateline == "PARIS"
    assert article.authors == ("Ann Smith", "Bo Li")
    assert article.text == "The ministers met on Friday.\nThey agreed."
    assert article.title == "The ministers met on Friday"


def test_inline_date_marker_and_dateline_without_space():
    article, _ = read(b" date 2024-05-02 Talks went on.\n")
    assert article.date == dt.date(2024, 5, 2) and article.text == "Talks went on."
    article, _ = read(b"NEW YORK -Diplomats gathered.\nBy Jo Park With Al Roe")
    assert article.dateline == "NEW YORK"
    assert article.text == "Diplomats gathered."
    assert article.authors == ("Jo Park", "Al Roe")


def test_a_hyphenated_opening_is_not_a_dateline():
    article, _ = read(b"U.S.-China talks resumed in Geneva on Monday.\n")
    assert article.dateline is None and article.text == "U.S.-China talks resumed in Geneva on Monday."
    article, _ = read("PORT-AU-PRINCE, Haiti (AP) — Aid arrived.\n".encode())
    assert article.dateline == "PORT-AU-PRINCE" and article.text == "Aid arrived."


def test_a_sentence_starting_with_by_is_not_a_byline():
    article, _ = read(b"The deal was signed.\nBy the end of the day, talks had collapsed.")
    assert article.authors == ()
    assert article.text.endswith("talks had collapsed.")


def test_markdown_article_with_front_matter():
    raw = (b"---\ntitle: Leaders meet\ndate: 2024-03-01\nsource: Example Times\nurl: https://example.org/a\n"
           b"authors: [Ann Smith]\n---\nThe leaders met in Rome.\n")
    article, problems = read(raw, "leaders.md")
    assert problems == []
    assert (article.title, article.date, article.source, article.url, article.authors) == (
        "Leaders meet", dt.date(2024, 3, 1), "Example Times", "https://example.org/a", ("Ann Smith",))
    assert article.text == "The leaders met in Rome."


@pytest.mark.parametrize("front_matter", [
    "title: Leaders meet\ndate: 2024-03-01\nauthors: [Ann Smith, Bo Li]\nstance: left\n",
    "title: 'Five *star* talks: a review'\ndate: '2024-03-01'\nauthors:\n  - Ann Smith\n",  # a `*` in a value
    "title: yes\nsource: 2024\nurl: null\n",
])
def test_front_matter_reads_the_same_through_libyaml_as_through_the_python_reader(front_matter):
    block = "\n" + front_matter
    assert frontmatter._load_yaml(block) == yaml.load(block, Loader=frontmatter._FrontMatterLoader)  # noqa: S506
    assert frontmatter._depth({"a": [[1]], "b": 2}) == 3


def test_broken_front_matter_names_its_line():
    article, problems = read(b"---\ntitle: ok\ndate: [2024\n---\nText.\n", "bad.md")
    assert article is None
    assert problems[0].path == "content/articles/bad.md" and problems[0].line == 3
    assert "front matter" in problems[0].message


def test_bad_date_in_front_matter_is_a_warning_with_its_line():
    article, problems = read(b"---\ntitle: T\ndate: 13/01/2026\n---\nText.\n", "d.md")
    assert article is not None and article.date is None
    assert problems[0].line == 3 and "YYYY-MM-DD" in problems[0].message


def test_empty_undecodable_and_unknown_files_are_skipped_with_file_and_line():
    article, problems = read(b"  \n\n", "empty.txt")
    assert article is None and problems[0].line == 1 and "empty" in problems[0].message
    article, problems = read(b"line one\nline two \xff\xfe\n", "latin.txt")
    assert article is None and problems[0].line == 2 and "UTF-8" in problems[0].message
    article, problems = read(b"%PDF-1.4", "scan.pdf")
    assert article is None and "unknown file type" in problems[0].message
    assert str(problems[0]).startswith("content/articles/scan.pdf:1: warning:")


def test_demo_content_reads_cleanly(tmp_path):
    articles, problems = read_articles(REPO / "content")
    assert problems == []
    assert [a.id for a in articles] == ["000_248389f37a54aba9", "004_32a09c005ec573f1"]
    seed = {a.id: a for a in articles}["000_248389f37a54aba9"]
    assert seed.date is None and seed.authors == ("Caroline Gardin", "Hiroshi Hiyama")
    assert "Gardin" not in seed.text


def test_editor_swap_files_are_not_articles(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("The talks ended.")
    (folder / ".a.txt.swp").write_bytes(b"\x00\x01")
    (folder / "a.txt~").write_text("old")
    articles, problems = read_articles(tmp_path)
    assert [a.id for a in articles] == ["a"] and problems == []


def test_only_web_addresses_become_source_links():
    article, problems = read(b"---\ntitle: T\nurl: javascript:alert(1)\n---\nText.\n", "u.md")
    assert article.url is None
    assert problems[0].line == 3 and "http(s)" in problems[0].message
