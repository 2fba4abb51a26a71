"""End to end: the demo digest as a reader meets it."""

from __future__ import annotations

import re

from conftest import page_text
from linkcheck import dangling_links, parse

EVENT_GLOB = "events/2026-01-13-*/index.html"


def event_page(site):
    pages = sorted(site.glob(EVENT_GLOB))
    assert len(pages) == 1, f"expected one event on 2026-01-13, found {pages}"
    return pages[0]


def test_the_two_seed_articles_make_one_event_in_nara(demo_site):
    text = page_text(demo_site / "index.html")
    assert text.count("2 sources") == 1
    event = page_text(event_page(demo_site))
    assert "13 January 2026" in event
    assert "Nara, Japan" in event
    assert re.search(r"(Takaichi and Lee|Lee and Takaichi) meet in Nara", event)


def test_event_page_links_participants_place_and_cites_every_summary_sentence(demo_site):
    page = event_page(demo_site)
    html = page.read_text()
    links = parse(page).links
    assert "../../people/sanae-takaichi/" in links
    assert "../../people/lee-jae-myung/" in links
    assert "../../places/nara/" in links
    summary = html.split("<h2>Summary</h2>")[1].split("<h2>")[0]
    sentences = re.findall(r"<li>(.*?)</li>", summary, re.S)
    assert len(sentences) >= 2
    for sentence in sentences:
        assert re.search(r'href="#source-[12]"', sentence), sentence
    text = page_text(page)
    assert "Coverage" in text and "by Caroline Gardin, Hiroshi Hiyama" in text
    assert "date inferred from the event" in text  # the undated wire copy took the event's date


def test_pages_exist_for_people_countries_and_places(demo_site):
    for path in ["people/sanae-takaichi", "people/lee-jae-myung", "countries/japan", "countries/south-korea",
                 "countries/china", "places/nara", "places/horyuji-temple"]:
        assert (demo_site / path / "index.html").is_file(), path


def test_person_page_shows_role_country_and_events(demo_site):
    text = page_text(demo_site / "people/sanae-takaichi/index.html")
    assert "Sanae Takaichi" in text
    assert "Prime Minister of Japan" in text
    assert re.search(r"meet in Nara · 13 January 2026 · Nara · \d+ mentions", text)
    text = page_text(demo_site / "people/lee-jae-myung/index.html")
    assert "President of South Korea" in text


def test_country_page_lists_its_people_and_events(demo_site):
    page = demo_site / "countries/japan/index.html"
    links = parse(page).links
    assert "../../people/sanae-takaichi/" in links
    assert any(link.startswith("../../events/2026-01-13-") for link in links)
    assert "../../places/nara/" in links


def test_place_page_knows_where_it_is(demo_site):
    text = page_text(demo_site / "places/horyuji-temple/index.html")
    assert "Landmark in Ikaruga, Japan" in text
    assert "Nara" in page_text(demo_site / "places/nara/index.html")


def test_authors_and_misread_surnames_get_no_pages(demo_site):
    assert not (demo_site / "people/caroline-gardin").exists()
    assert not (demo_site / "people/hiroshi-hiyama").exists()
    for folder in ("organizations", "places", "countries"):
        assert not (demo_site / folder / "takaichi").exists()
        assert not (demo_site / folder / "lee").exists()
    assert not (demo_site / "people/takaichi").exists()


def test_every_internal_link_and_asset_resolves(demo_site):
    assert dangling_links(demo_site) == []


def test_the_404_page_links_work_at_any_depth(demo_site):
    links = parse(demo_site / "404.html").links
    assert "/static/style.css" in links and "/events/" in links


LEADERS = {"sanae-takaichi": "Prime Minister of Japan", "lee-jae-myung": "President of South Korea",
           "xi-jinping": "President of China", "donald-trump": "President of the United States",
           "shigeru-ishiba": "Former Prime Minister of Japan"}


def test_every_leader_of_the_demo_has_a_page_with_their_role(demo_site):
    for slug, role in LEADERS.items():
        assert role in page_text(demo_site / "people" / slug / "index.html"), slug
    leaders = page_text(demo_site / "leaders/index.html")
    assert all(name in leaders for name in ("Sanae Takaichi", "Lee Jae Myung", "Xi Jinping", "Donald Trump"))


def test_countries_places_organisations_and_relations_of_the_demo(demo_site):
    expected = {
        "countries": ["japan", "south-korea", "china", "united-states", "north-korea", "taiwan", "russia",
                      "venezuela"],
        "places": ["nara", "tokyo", "beijing", "gyeongju", "ikaruga", "horyuji-temple", "korean-peninsula"],
        "organizations": ["apec", "unesco"],
        "relations": ["japan--south-korea", "china--south-korea"],
    }
    for folder, slugs in expected.items():
        for slug in slugs:
            assert (demo_site / folder / slug / "index.html").is_file(), f"{folder}/{slug}"
    assert "Region" in page_text(demo_site / "places/korean-peninsula/index.html")
    assert re.search(r"City in (Nara, )?Japan", page_text(demo_site / "places/ikaruga/index.html"))
    assert "City in South Korea" in page_text(demo_site / "places/gyeongju/index.html")
    assert not list(demo_site.glob("*/horyuji/index.html"))  # never "Horyuji" the product


def test_relation_page_lists_the_meetings_between_the_countries(demo_site):
    text = page_text(demo_site / "relations/japan--south-korea/index.html")
    assert "13 January 2026 · Meeting in Nara · Lee Jae Myung and Sanae Takaichi" in text
    assert "October 2025 · Meeting in Gyeongju" in text
    assert text.index("October 2025 · Meeting in Gyeongju") < text.index("13 January 2026 · Meeting in Nara")
    text = page_text(demo_site / "relations/china--south-korea/index.html")
    assert "January 2026 · Talks in Beijing · Lee Jae Myung and Xi Jinping" in text


def test_event_page_tells_its_own_meetings_apart_from_the_background(demo_site):
    html = event_page(demo_site).read_text()
    own = html.split("<h2>Meetings</h2>")[1].split("<h2>")[0]
    background = html.split("<h2>Background</h2>")[1].split("<h2>")[0]
    assert "Nara" in own and "Xi Jinping" not in own and "Gyeongju" not in own
    assert "Xi Jinping" in background and "Gyeongju" in background and "Shigeru Ishiba" in background


def test_country_names_read_with_the_where_english_says_it():
    from sitegen.site.views import definite_article
    assert [definite_article(n) + n for n in ("United States", "Philippines", "Czech Republic", "Japan",
                                              "South Korea", "The Gambia")] == [
        "the United States", "the Philippines", "the Czech Republic", "Japan", "South Korea", "The Gambia"]
