"""A relation page as a reader sees it, on articles written for the test: the pair's meetings in date order,
an undated mention of an earlier meeting folded into it, the summary line, and the relations index."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from pathlib import Path

import pytest

from conftest import copy_project, page_text
from sitegen.analysis.dates import DateRef
from sitegen.analysis.models import Entity, EntityKind
from sitegen.analysis.statements.meetings import match_meetings
from sitegen.analysis.statements.models import Evidence, Relation
from sitegen.config import load_settings
from sitegen.pipeline.build import build_site

# Two meetings of the same leaders on different dates; a later article recalls the first without its date.
ARTICLES = {
    "oslo": ("2025-03-03", "Wire A", "Ardern and Albanese meet in Oslo",
             "New Zealand Prime Minister Jacinda Ardern met Australian Prime Minister Anthony Albanese in Oslo "
             "on Monday. The two leaders discussed fisheries and climate research in the Norwegian capital."),
    "again": ("2025-06-13", "Wire B", "Ardern and Albanese meet again",
              "Jacinda Ardern and Anthony Albanese met again on Friday, their offices said. "
              "The two prime ministers agreed to extend a shared scholarship programme for students."),
    "recall": ("2025-09-10", "Wire C", "Ardern opens a research station",
               "Jacinda Ardern opened a new Antarctic research station on Wednesday. "
               "Ardern had previously met Anthony Albanese in Oslo."),
    # two pairs that met once, to order the index by
    "wellington": ("2025-07-08", "Wire D", "Macron in Wellington",
                   "French President Emmanuel Macron met Jacinda Ardern in Wellington on Tuesday."),
    "paris": ("2025-07-18", "Wire E", "Albanese in Paris",
              "Anthony Albanese met Emmanuel Macron in Paris on Friday."),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory, shared_cache):
    root = copy_project(tmp_path_factory.mktemp("pair"))
    articles = root / "content" / "articles"
    shutil.rmtree(articles)
    articles.mkdir()
    for name, (date, source, title, text) in ARTICLES.items():
        (articles / f"{name}.md").write_text(
            f"---\ntitle: {title}\ndate: {date}\nsource: {source}\nurl: https://news.example/{name}\n---\n\n{text}\n",
            encoding="utf-8")
    settings = load_settings(root, cache_dir=shared_cache)
    build_site(settings)
    return settings.output_dir


def timeline(page: Path) -> list[str]:
    """The timeline's entries as a reader sees them, one text per entry."""
    section = page.read_text(encoding="utf-8").split("<h2>Timeline</h2>")[1].split("</ul>")[0]
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", item)).split()) for item in section.split("<li>")[1:]]


def test_a_pairs_meetings_read_oldest_first_with_the_undated_repeat_folded_in(site):
    entries = timeline(site / "relations/anthony-albanese--jacinda-ardern/index.html")
    meetings = [e for e in entries if " · Meeting" in e]
    assert [e.split(" · event")[0] for e in meetings] == ["3 March 2025 · Meeting in Oslo", "13 June 2025 · Meeting"]
    assert "Wire A" in meetings[0] and "Wire C" in meetings[0]  # the later article's undated mention, folded in
    assert "Ardern opens a research station" in meetings[0]  # the event that tells it again, linked
    assert "Wire C" not in meetings[1] and not any("Date not given" in e for e in entries)
    assert entries[-1].startswith("13 June 2025 (approximately) · Agreement")


def test_a_relation_page_opens_with_what_the_digest_knows_and_who_took_part(site):
    text = page_text(site / "relations/anthony-albanese--jacinda-ardern/index.html")
    assert ("The digest knows of 2 meetings and 1 agreement between Anthony Albanese of Australia and Jacinda Ardern "
            "of New Zealand, from 3 March 2025 to 13 June 2025.") in text
    text = page_text(site / "relations/australia--new-zealand/index.html")
    assert "between Australia and New Zealand, from 3 March 2025 to 13 June 2025." in text
    assert "Who took part: Anthony Albanese (Australia), Jacinda Ardern (New Zealand)." in text
    entries = timeline(site / "relations/australia--new-zealand/index.html")
    assert entries[0].startswith("3 March 2025 · Meeting in Oslo · Anthony Albanese and Jacinda Ardern · event: ")


def told(kind, day, place=None, people=("person/a", "person/b"), article="x"):
    """A merged relation as the statements stage hands it on: `day` None for an undated mention."""
    date = DateRef(start=day, end=day, granularity="day", text="on that day") if day else None
    return Relation(kind=kind, participants=people, place=place, date=date, article_id=article, sentence=0,
                    text="t", evidence=(Evidence(article_id=article, sentence=0, text="t"),))


def test_an_undated_mention_is_folded_only_into_the_one_dated_meeting_at_its_place():
    entities = {e.id: e for e in (
        Entity(id="person/a", kind=EntityKind.PERSON, name="A"),
        Entity(id="person/b", kind=EntityKind.PERSON, name="B"),
        Entity(id="place/oslo", kind=EntityKind.PLACE, name="Oslo"),
        Entity(id="place/rome", kind=EntityKind.PLACE, name="Rome"))}
    first, second = dt.date(2025, 3, 3), dt.date(2025, 6, 13)

    def shown(*relations):
        pair = match_meetings(list(relations), [], entities).bilaterals["a--b"]
        return [(m.relation.date.start if m.relation.date else None, m.relation.place, len(m.sources))
                for m in pair.meetings]

    recalled = told("meeting", None, "place/oslo", article="later")
    assert shown(told("meeting", second), told("meeting", first, "place/oslo"), recalled) == [
        (first, "place/oslo", 2), (second, None, 1)]
    # two dated meetings in Oslo: which one the mention means is unknown, so it stays on its own
    assert shown(told("meeting", first, "place/oslo"), told("meeting", second, "place/oslo"), recalled) == [
        (first, "place/oslo", 1), (second, "place/oslo", 1), (None, "place/oslo", 1)]
    # another place, another kind, or no place at all: not the same meeting
    for other in (told("meeting", None, "place/rome"), told("call", None, "place/oslo"), told("meeting", None)):
        assert len(shown(told("meeting", first, "place/oslo"), other)) == 2


def test_the_relations_index_lists_pairs_by_how_many_meetings_then_by_name(site):
    text = page_text(site / "relations/index.html")
    countries = text.split("Between countries")[1].split("Between people")[0]
    assert [countries.index(t) for t in ("Australia – New Zealand 2 meetings and 1 agreement, from 3 March 2025 to "
                                         "13 June 2025", "Australia – France 1 meeting, on 18 July 2025",
                                         "France – New Zealand 1 meeting, on 8 July 2025")] == sorted(
        countries.index(t) for t in ("Australia – New Zealand", "Australia – France", "France – New Zealand"))
    people = text.split("Between people")[1]
    assert people.index("Anthony Albanese – Emmanuel Macron") < people.index("Emmanuel Macron – Jacinda Ardern")
