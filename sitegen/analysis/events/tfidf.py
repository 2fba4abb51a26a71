"""TF-IDF rows as scikit-learn's TfidfVectorizer(sublinear_tf=True, stop_words="english") makes them, from numpy
and scipy.sparse alone: importing scikit-learn costs a build over a second, and this is all of it that events use.

Every step does its arithmetic as scikit-learn does and in the same order (even the order in which a row's
squares are summed), so the floats are equal to the last bit and the events built on them are the same;
tests/test_tfidf.py compares the two.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from ...resources import dependency_module

WORD = r"(?u)\b\w\w+\b"  # scikit-learn's default token: two or more word characters


@functools.cache
def english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, read from its file: importing any part of scikit-learn runs the
    whole package's __init__ (over a second)."""
    module = dependency_module("sklearn", "feature_extraction/_stop_words.py")
    if module is None:
        raise FileNotFoundError(
            "scikit-learn's English stop-word list is missing; reinstall sitegen with its dependencies")
    return module.ENGLISH_STOP_WORDS


def text_vectors(texts: Sequence[str], token: str = WORD, ngram_range: tuple[int, int] = (1, 1),
                 min_df: int = 1) -> sp.csr_matrix:
    """`TfidfVectorizer(sublinear_tf=True, stop_words="english", token_pattern=token, ngram_range=ngram_range,
    min_df=min_df).fit_transform(texts)`, except that where it raises for want of terms (every text empty or
    only stop words) this gives one all-zero column."""
    pattern, stop_words = re.compile(token), english_stop_words()
    low, high = ngram_range

    def terms(text: str) -> list[str]:
        """Lower-cased tokens without stop words, then the word n-grams of those, shortest first (as
        scikit-learn drops stop words before it joins n-grams)."""
        words = [word for word in pattern.findall(text.lower()) if word not in stop_words]
        return [" ".join(words[i:i + n]) for n in range(low, high + 1) for i in range(len(words) - n + 1)]

    return tfidf_vectors(map(terms, texts), min_df)


def tfidf_vectors(documents: Iterable[Iterable[str]], min_df: int = 1) -> sp.csr_matrix:
    """Unit-length rows of (1 + ln count) x (ln((1 + n) / (1 + df)) + 1) over the documents' terms (a repeated
    term counts again), only terms in at least `min_df` documents: `TfidfVectorizer(analyzer=<the terms>,
    sublinear_tf=True, min_df=min_df).fit_transform(documents)`; one all-zero column when no term is left."""
    weights = _counts(documents, min_df)
    np.log(weights.data, out=weights.data)
    weights.data += 1.0
    documents_with = np.bincount(weights.indices, minlength=weights.shape[1])
    weights.data *= (np.log((weights.shape[0] + 1.0) / (documents_with + 1.0)) + 1.0)[weights.indices]
    return unit_rows(weights)


def _counts(documents: Iterable[Iterable[str]], min_df: int) -> sp.csr_matrix:
    """Term counts as CountVectorizer lays them out: a column per kept term in sorted order, each row's entries
    in the order their terms first occur in the documents (the order in which the row's length is summed)."""
    columns: dict[str, int] = {}  # term -> column, in order of first occurrence
    indices: list[int] = []
    counts: list[int] = []
    indptr = [0]
    for terms in documents:
        row = sorted(Counter(columns.setdefault(term, len(columns)) for term in terms).items())
        indices += (column for column, _ in row)
        counts += (count for _, count in row)
        indptr.append(len(indices))
    matrix = sp.csr_matrix((np.asarray(counts, dtype=np.float64), np.asarray(indices, dtype=np.int64), indptr),
                           shape=(len(indptr) - 1, len(columns)))
    kept = np.flatnonzero(np.bincount(matrix.indices, minlength=len(columns)) >= min_df)
    if not len(kept):
        return sp.csr_matrix((matrix.shape[0], 1), dtype=np.float64)
    matrix = matrix[:, kept]
    terms = list(columns)
    rank = np.empty(len(kept), dtype=matrix.indices.dtype)
    rank[sorted(range(len(kept)), key=lambda k: terms[kept[k]])] = np.arange(len(kept))
    matrix.indices = rank[matrix.indices]
    return matrix


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
