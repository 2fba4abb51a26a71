"""Scoring extraction against a gold annotation: pure functions on hand-made data, and the demo gold."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from sitegen.analysis.dates import DateRef
from sitegen.analysis.models import Entity, EntityKind
from sitegen.analysis.statements.models import Quote, Relation
from sitegen.config import load_settings
from sitegen.score import Gold, evaluate, load_gold, quote_overlap, score_entities, score_quotes, score_relations

DEMO_GOLD = Path(__file__).parent / "gold" / "demo.json"

GOLD = Gold.model_validate({
    "articles": ["a"],
    "entities": [
        {"name": "Mark Carney", "kind": "person", "aliases": ["Carney"], "country": "Canada"},
        {"name": "Friedrich Merz", "kind": "person", "country": "Germany"},
        {"name": "Canada", "kind": "country"},
        {"name": "Germany", "kind": "country"},
        {"name": "Ottawa", "kind": "place", "country": "Canada"},
        {"name": "Rideau Hall", "kind": "place", "country": "Canada", "located_in": "Ottawa"},
        {"name": "the G7 office", "kind": "organization", "optional": True},
    ],
    "relations": [
        {"participants": ["Mark Carney", "Friedrich Merz"], "place": ["Ottawa", "Canada"], "month": "2025-06"},
        {"participants": ["Mark Carney"], "place": "Canada", "month": "2025-06", "optional": True},
    ],
    "quotes": [
        {"article": "a", "speaker": "Mark Carney", "text": "the talks were frank and useful"},
        {"article": "a", "speaker": None, "text": "a difficult file for both sides"},
        {"article": "a", "speaker": None, "text": "reset", "optional": True},
    ],
})


def entity(kind: str, name: str, **facts) -> Entity:
    return Entity(id=f"{kind}/{name.lower().replace(' ', '-')}", kind=EntityKind(kind), name=name, **facts)


ENTITIES = {e.id: e for e in [
    entity("person", "Mark Carney", country="country/canada"),
    entity("person", "Friedrich Merz", country="country/canada"),  # wrong country
    entity("country", "Canada"), entity("country", "Germany"),
    entity("place", "Ottawa", country="country/canada"),
    entity("organization", "Carney"),  # a surname published as an organisation
]}


def test_entities_need_name_kind_and_the_stated_country():
    score = score_entities(GOLD, ENTITIES)
    assert (score.tp, score.fp, score.fn) == (4, 2, 2)
    assert set(score.missed) == {"person Friedrich Merz", "place Rideau Hall"}
    assert "organization Carney" in score.spurious
    assert score.precision == pytest.approx(4 / 6) and score.recall == pytest.approx(4 / 6)


def test_a_second_entity_for_one_gold_entity_is_a_false_positive_and_optional_ones_are_free():
    extra = dict(ENTITIES)
    extra["person/carney"] = entity("person", "Carney", country="country/canada")
    extra["organization/the-g7-office"] = entity("organization", "the G7 office")
    score = score_entities(GOLD, extra)
    assert score.tp == 4 and score.fp == 3  # the duplicate Carney counts, the optional office does not


def relation(people, place, start, end=None, text="t") -> Relation:
    date = DateRef(start=start, end=end or start, granularity="day", text="x") if start else None
    return Relation(kind="meeting", participants=tuple(people), place=place, date=date, article_id="a",
                    sentence=0, text=text)


def test_relations_match_on_participants_place_and_month_and_count_once():
    people = ["person/friedrich-merz", "person/mark-carney"]
    found = [relation(people, "place/ottawa", dt.date(2025, 6, 2), text="one"),
             relation(people, "country/canada", dt.date(2025, 6, 3), text="again"),
             relation(["person/mark-carney"], "country/canada", dt.date(2025, 6, 2), text="optional visit"),
             relation(people, "place/ottawa", dt.date(2025, 5, 1), dt.date(2025, 6, 30), text="two months")]
    score = score_relations(GOLD, found, ENTITIES)
    assert (score.tp, score.fp, score.fn) == (1, 1, 0)
    assert "two months" in score.spurious[0]
    assert score_relations(GOLD, [], ENTITIES).fn == 1


def quote(text, speaker, article="a") -> Quote:
    return Quote(text=text, speaker=speaker, article_id=article, sentence=0, cue="said", start=0, end=len(text))


def test_quote_attribution_needs_the_words_and_the_speaker():
    found = [quote("The talks were frank and useful,", "person/mark-carney"),
             quote("a difficult file for both sides", "person/mark-carney"),  # unnamed source given a name
             quote("reset", None),
             quote("something nobody said in the gold", None)]
    score = score_quotes(GOLD, found, ENTITIES)
    assert (score.tp, score.fp, score.fn) == (1, 2, 1)
    assert quote_overlap("the talks were frank", "The talks were frank and useful") > 0.5
    assert quote_overlap("frank", "a difficult file") == 0


def test_gold_files_are_checked():
    with pytest.raises(ValidationError):
        Gold.model_validate({"relations": [{"participants": ["X"], "place": "Y", "month": "2025-13"}]})
    with pytest.raises(ValidationError):
        Gold.model_validate({"entities": [{"name": "X", "kind": "planet"}]})


def test_the_demo_gold_is_complete_and_the_demo_scores_it(project):
    gold = load_gold(DEMO_GOLD)
    names = {e.name for e in gold.entities if not e.optional}
    assert {"Sanae Takaichi", "Lee Jae Myung", "Xi Jinping", "Shigeru Ishiba", "Donald Trump", "Horyuji temple",
            "Korean Peninsula", "APEC", "UNESCO"} <= names
    assert len([r for r in gold.relations if not r.optional]) == 4
    report = evaluate(gold, load_settings(project))
    assert report.entities.fn == 0 and report.entities.fp == 0, (report.entities.missed, report.entities.spurious)
    assert report.relations.recall == 1.0, report.relations.missed
    assert report.quotes.recall >= 0.8, report.quotes.missed


def test_a_gold_file_outside_the_repo_is_read_by_path(tmp_path):
    path = tmp_path / "elsewhere.json"
    path.write_text(json.dumps({"entities": [{"name": "Japan", "kind": "country"}]}), encoding="utf-8")
    assert load_gold(path).entities[0].name == "Japan"
