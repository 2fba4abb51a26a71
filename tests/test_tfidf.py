"""The events' TF-IDF equals scikit-learn's to the last bit, for every configuration the product uses, and a
build never imports scikit-learn (its import alone costs over a second)."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize

from sitegen.analysis.events import tfidf
from sitegen.analysis.events.cluster import TOKEN
from sitegen.analysis.events.tfidf import WORD, english_stop_words, text_vectors, tfidf_vectors, unit_rows
from sitegen.resources import dependency_module

# (token pattern, n-gram range, min_df) of every text_vectors call in cluster.py and summarise.py
USED = {
    "cluster bodies": (TOKEN, (1, 2), 2),
    "cluster headlines": (TOKEN, (1, 1), 1),
    "near duplicates": (TOKEN, (1, 3), 1),
    "summary sentences": (WORD, (1, 1), 1),
}
TEXTS = [
    "Foreign ministers of Norland and Estavia met in Porto on Tuesday to discuss fishing quotas.",
    "The Norland-Estavia talks in Porto ended without a deal, officials said; another round is planned.",
    "NORLAND's foreign minister said the talks were \"constructive\" and would resume in May.",
    "Estavia's premier, Ana Müller-Lindqvist, called the quota offer a non-starter: 40% is too low.",
    "",
    "The and of it is was were would",
    "A 7.1-magnitude quake struck off the coast of Kiravan at 3 a.m., the U.S. Geological Survey said.",
    "Rescue teams reached Kiravan's coastal towns; the quake's toll rose to 12, with 40 injured.",
    "Rescue teams reached Kiravan's coastal towns; the quake's toll rose to 12, with 40 injured.",
    "Fishing, fishing and more fishing: Porto's harbour café (Café do Porto) reopened after the talks.",
    "x y z I a",
    "Talks talks TALKS talks: the word repeats, so its sublinear weight is 1 + ln 4.",
]


def _random_texts(seed: int, count: int) -> list[str]:
    """Long texts of words drawn from a small list, so rows have hundreds of entries (their lengths are sums
    of hundreds of squares) and n-grams repeat across texts."""
    words = ("the a of in on talks summit minister ministers Porto Norland Estavia quota quotas fishing deal "
             "said would won't it's cease-fire U.S.-led 2024 7 x Müller café naïve rescue quake toll").split()
    rng = random.Random(seed)
    return [" ".join(rng.choice(words) for _ in range(rng.randint(0, 400))) for _ in range(count)]


def _sklearn(texts: list[str], token: str, ngram_range: tuple[int, int], min_df: int):
    return TfidfVectorizer(sublinear_tf=True, stop_words="english", token_pattern=token, ngram_range=ngram_range,
                           min_df=min_df, dtype=np.float64).fit_transform(texts)


def _assert_same(ours, theirs) -> None:
    """Equal arrays, and laid out alike: the order of a row's entries is the order later sums add them in."""
    assert ours.shape == theirs.shape
    assert np.array_equal(ours.toarray(), theirs.toarray())
    for part in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(ours, part), getattr(theirs, part)), part


@pytest.mark.parametrize("texts", [TEXTS, _random_texts(1, 80)], ids=["written", "long"])
@pytest.mark.parametrize("use", USED, ids=list(USED))
def test_text_vectors_are_sklearns_bit_for_bit(use: str, texts: list[str]) -> None:
    token, ngram_range, min_df = USED[use]
    _assert_same(text_vectors(texts, token, ngram_range, min_df), _sklearn(texts, token, ngram_range, min_df))


@pytest.mark.parametrize("texts", [TEXTS, _random_texts(3, 80)], ids=["written", "long"])
def test_summary_vectors_scaled_again_are_sklearns_normalize_of_its_tfidf(texts: list[str]) -> None:
    theirs = normalize(TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts))
    _assert_same(unit_rows(text_vectors(texts)), theirs)


@pytest.mark.parametrize("use", USED, ids=list(USED))
def test_no_term_left_gives_one_zero_column_where_sklearn_raises(use: str) -> None:
    token, ngram_range, min_df = USED[use]
    no_terms = [[], [""], ["", "the", "And it is"]]
    too_rare = [["only once", "twice twice"], ["alone"]] if min_df > 1 else []
    for texts in no_terms + too_rare:
        with pytest.raises(ValueError):
            _sklearn(texts, token, ngram_range, min_df)
        vectors = text_vectors(texts, token, ngram_range, min_df)
        assert vectors.shape == (len(texts), 1) and vectors.nnz == 0, texts


def test_entity_vectors_are_sklearns_for_lists_of_keys() -> None:
    rng = random.Random(2)
    keys = [f"{kind}/{i}" for kind in ("person", "place", "organization", "country") for i in range(40)]
    lists = [[rng.choice(keys) for _ in range(rng.randint(0, 60))] for _ in range(50)] + [[], ["place/x"] * 3]
    theirs = TfidfVectorizer(analyzer=list, sublinear_tf=True).fit_transform(lists)
    _assert_same(tfidf_vectors(lists), theirs)
    assert tfidf_vectors([[], []]).shape == (2, 1) and tfidf_vectors([[], []]).nnz == 0


def test_the_stop_words_are_sklearns_read_without_importing_it(monkeypatch) -> None:
    assert english_stop_words() == ENGLISH_STOP_WORDS
    assert dependency_module("sklearn", "feature_extraction/no_such_file.py") is None
    assert dependency_module("sitegen_no_such_package", "stop_words.py") is None
    monkeypatch.setattr(tfidf, "dependency_module", lambda package, path: None)
    english_stop_words.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match="scikit-learn's English stop-word list is missing"):
            english_stop_words()
    finally:
        english_stop_words.cache_clear()


def test_building_never_imports_sklearn() -> None:
    check = """
import datetime, sys
import sitegen.cli, sitegen.pipeline.build
from sitegen.analysis.events.cluster import ClusterItem, cluster_events
from sitegen.analysis.events.summarise import SourceSentence, summarize_event
from sitegen.analysis.events.titles import clean_headline
day = datetime.date(2026, 1, 13)
items = [ClusterItem(id=str(i), date=day, text=f"Talks in Porto {i}\\nMinisters met in Porto on fishing quotas.",
                     entities=("place/porto",)) for i in range(3)]
assert cluster_events(items)
assert summarize_event([SourceSentence(article_id="a", index=0, text="Ministers met in Porto to discuss quotas.")])
assert clean_headline("Ministers meet in Porto and ...") == "Ministers meet in Porto"
assert not [m for m in sys.modules if m.startswith("sklearn")], "sklearn imported"
"""
    subprocess.run([sys.executable, "-c", check], check=True)


def test_n_grams_of_words_that_would_sort_apart_from_their_joins_are_refused() -> None:
    assert tfidf_vectors([["talks in", "porto"]]).shape == (1, 2)  # single terms: any text
    for words in (["talks in", "porto"], ["", "porto"], ["talks\tin"]):
        with pytest.raises(ValueError, match="n-grams of words"):
            tfidf_vectors([words], 1, (1, 2))
