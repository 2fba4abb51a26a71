"""TF-IDF rows as scikit-learn's TfidfVectorizer(sublinear_tf=True, stop_words="english") makes them, from numpy
and scipy.sparse alone: importing scikit-learn costs a build over a second, and this is all of it that events use.

Every step does its arithmetic as scikit-learn does and in the same order (even the order in which a row's
squares are summed), so the floats are equal to the last bit and the events built on them are the same;
tests/test_tfidf.py compares the two.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from ...resources import dependency_module

WORD = r"(?u)\b\w\w+\b"  # scikit-learn's default token: two or more word characters
_SPACE_OR_CONTROL = re.compile(r"[\x00- ]")  # what would sort a joined n-gram apart from its words' order


@functools.cache
def english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, read from its file: importing any part of scikit-learn runs the
    whole package's __init__ (over a second)."""
    module = dependency_module("sklearn", "feature_extraction/_stop_words.py")
    if module is None:
        raise FileNotFoundError(
            "scikit-learn's English stop-word list is missing; reinstall sitegen with its dependencies")
    return module.ENGLISH_STOP_WORDS


def words(text: str, token: str = WORD) -> list[str]:
    """A text's lower-cased tokens without stop words: what its n-grams are joined from (scikit-learn drops
    stop words before it joins n-grams). A function of the text alone, so a caller may keep it."""
    stop_words = english_stop_words()
    return [word for word in re.findall(token, text.lower()) if word not in stop_words]


def text_vectors(texts: Sequence[str], token: str = WORD, ngram_range: tuple[int, int] = (1, 1),
                 min_df: int = 1) -> sp.csr_matrix:
    """`TfidfVectorizer(sublinear_tf=True, stop_words="english", token_pattern=token, ngram_range=ngram_range,
    min_df=min_df).fit_transform(texts)`, except that where it raises for want of terms (every text empty or
    only stop words) this gives one all-zero column."""
    return tfidf_vectors([words(text, token) for text in texts], min_df, ngram_range)


def tfidf_vectors(documents: Sequence[Sequence[str]], min_df: int = 1,
                  ngram_range: tuple[int, int] = (1, 1)) -> sp.csr_matrix:
    """Unit-length rows of (1 + ln count) x (ln((1 + n) / (1 + df)) + 1) over the documents' terms (a repeated
    term counts again), only terms in at least `min_df` documents: `TfidfVectorizer(analyzer=<the terms>,
    sublinear_tf=True, min_df=min_df).fit_transform(documents)`; one all-zero column when no term is left.
    With an `ngram_range`, a document's terms are the space-joined n-grams of its words (`words`), shortest
    first, as `text_vectors` makes them."""
    weights = _counts(documents, ngram_range, min_df)
    np.log(weights.data, out=weights.data)
    weights.data += 1.0
    documents_with = np.bincount(weights.indices, minlength=weights.shape[1])
    weights.data *= (np.log((weights.shape[0] + 1.0) / (documents_with + 1.0)) + 1.0)[weights.indices]
    return unit_rows(weights)


def _counts(documents: Sequence[Sequence[str]], ngram_range: tuple[int, int], min_df: int) -> sp.csr_matrix:
    """Term counts as CountVectorizer lays them out: a column per kept term in sorted order, each row's entries
    in the order their terms first occur in the documents (the order in which the row's length is summed).

    Counted with numpy over word numbers, not n-gram strings: words are numbered in sorted order, and an
    n-gram is ranked by its words' numbers, a shorter n-gram before the longer ones it begins; that is the
    order of the joined strings, as a space sorts before every character a word may hold."""
    low, high = ngram_range
    vocabulary = sorted(set(itertools.chain.from_iterable(documents)))
    if high > 1 and ("" in vocabulary or _SPACE_OR_CONTROL.search("".join(vocabulary))):
        raise ValueError("n-grams of words that are empty or hold a space or a control character")
    numbers = dict(zip(vocabulary, range(1, len(vocabulary) + 1)))  # 0 pads an n-gram's missing words
    lengths = np.fromiter(map(len, documents), np.int64, len(documents))
    word = np.zeros(int(lengths.sum()) + 1, dtype=np.int64)
    word[:-1] = np.fromiter(map(numbers.__getitem__, itertools.chain.from_iterable(documents)), np.int64,
                            len(word) - 1)
    document = np.repeat(np.arange(len(documents)), lengths)
    place = np.arange(len(document)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    starts = [np.flatnonzero(place <= lengths[document] - n) for n in range(low, high + 1)]
    start = np.concatenate(starts)
    size = np.repeat(np.arange(low, high + 1), [len(s) for s in starts])
    order = np.argsort(document[start], kind="stable")  # as a text gives its terms: by size, then place
    start, size = start[order], size[order]
    key = np.zeros(len(start), dtype=np.int64)
    for k in range(high):  # the key of an n-gram's first k words, then of its first k + 1
        if k and (int(key.max(initial=0)) + 1) * (len(numbers) + 1) >= 2 ** 63:  # renumbered densely, in order
            key = np.unique(key, return_inverse=True)[1].reshape(-1)
        key = key * (len(numbers) + 1) + np.where(k < size, word[np.minimum(start + k, len(document))], 0)
    if not len(key):
        return sp.csr_matrix((len(documents), 1), dtype=np.float64)
    _, first, term = np.unique(key, return_index=True, return_inverse=True)  # first: where a term first occurs
    terms = len(first)
    entries, counts = np.unique(document[start] * terms + term.reshape(-1), return_counts=True)
    row, column = np.divmod(entries, terms)
    kept = np.bincount(column, minlength=terms) >= min_df
    if not kept.any():
        return sp.csr_matrix((len(documents), 1), dtype=np.float64)
    row, column, counts = row[kept[column]], column[kept[column]], counts[kept[column]]
    order = np.lexsort((first[column], row))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=len(documents)))])
    return sp.csr_matrix((counts[order].astype(np.float64), (np.cumsum(kept) - 1)[column[order]], indptr),
                         shape=(len(documents), int(kept.sum())))


def unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """The rows scaled to length 1 in place (an empty row stays empty) as scikit-learn's `normalize` scales them:
    a row's squares added one at a time in stored order (numpy's pairwise sums can differ in the last bit)."""
    squares = matrix.data * matrix.data
    starts, sizes = matrix.indptr[:-1], np.diff(matrix.indptr)
    sums = np.zeros(matrix.shape[0])
    rows, position = np.arange(matrix.shape[0]), 0
    while len(rows := rows[sizes[rows] > position]):
        sums[rows] += squares[starts[rows] + position]
        position += 1
    matrix.data /= np.repeat(np.sqrt(sums), sizes)
    return matrix
