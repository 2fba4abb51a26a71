"""Curated cards: an editor's facts and text win over extraction, and a broken card is a clear warning."""

from __future__ import annotations

from conftest import page_text

from sitegen.config import load_settings
from sitegen.content.cards import parse_card, ruler_patterns
from sitegen.pipeline.build import build_site

CARD = """---
name: Sanae Takaichi
kind: person
aliases: [Takaichi]
country: Japan
roles:
  - {title: Prime Minister, country: Japan, since: 2025-10}
---
Leader of the Liberal Democratic Party; first woman to hold the office of **prime minister**.

<script>alert(1)</script>
"""


def test_a_curated_card_shows_its_text_and_wins_over_extraction(project):
    cards = project / "content/entities/people"
    cards.mkdir(parents=True)
    (cards / "sanae-takaichi.md").write_text(CARD.replace("Prime Minister, country: Japan",
                                                          "Prime Minister, country: Japan, former: false"))
    settings = load_settings(project)
    build_site(settings)
    page = settings.output_dir / "people/sanae-takaichi/index.html"
    text = page_text(page)
    assert "first woman to hold the office of prime minister" in text
    assert "<strong>prime minister</strong>" in page.read_text()
    assert "<script>alert(1)" not in page.read_text()
    assert "Prime Minister of Japan" in text


def test_editing_a_card_changes_its_page(project):
    cards = project / "content/entities"
    (cards / "x.md").write_text(CARD)
    settings = load_settings(project)
    build_site(settings)
    page = settings.output_dir / "people/sanae-takaichi/index.html"
    (cards / "x.md").write_text(CARD.replace("first woman", "the first woman ever").replace(
        "title: Prime Minister", "title: Foreign Minister"))
    build_site(settings)
    text = page_text(page)
    assert "the first woman ever" in text and "Foreign Minister of Japan" in text
    assert "Prime Minister of Japan" not in text


def test_a_card_names_a_thing_the_ner_misses(project):
    (project / "content/entities/horyuji.md").write_text(
        "---\nname: Horyuji\nkind: place\nplace_kind: landmark\naliases: [Horyuji temple]\nlocated_in: Ikaruga\n"
        "country: Japan\n---\nA Buddhist temple founded in 607.\n")
    settings = load_settings(project)
    build_site(settings)
    text = page_text(settings.output_dir / "places/horyuji/index.html")
    assert "Landmark in Ikaruga, Japan" in text and "founded in 607" in text
    assert not (settings.output_dir / "places/horyuji-temple").exists()


def test_a_broken_card_is_a_warning_with_its_line():
    card, [problem] = parse_card(b"---\nname: X\nkind: planet\n---\n", "content/entities/x.md")
    assert card is None and problem.line == 3 and "kind" in problem.message
    card, [problem] = parse_card(b"---\nname: [X\n---\n", "content/entities/y.md")
    assert card is None and problem.line == 2


def test_ruler_patterns_cover_names_but_not_a_lone_surname():
    card, _ = parse_card(CARD.encode(), "content/entities/t.md")
    assert ruler_patterns([card]) == [{"label": "PERSON", "pattern": "Sanae Takaichi"}]
    card, _ = parse_card(b"---\nname: Horyuji\nkind: place\nplace_kind: landmark\naliases: [Horyu-ji]\n---\n", "p.md")
    assert ruler_patterns([card]) == [{"label": "FAC", "pattern": "Horyu-ji"}, {"label": "FAC", "pattern": "Horyuji"}]
