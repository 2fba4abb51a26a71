"""Group news articles into events, and find wire copies republished by several outlets.

Two articles are about the same event when they share rare named entities, use the same rare words
and, when both are dated, appear within a few days of each other. Publication dates spread around an
event, so time is a soft prior inside a hard window (a pair's similarity is divided by 1 + decay x days
apart), and two reports that name only different weekdays ("on Tuesday" / "on Thursday") count as
weaker evidence: that separates the follow-ups of one week when the dates cannot. Similarities are
computed only for candidate pairs (same time window, top neighbours by sparse dot products computed in
row chunks) so the cost grows with the number of articles per time window, never with the square of the
corpus. Clusters are then built by average linkage on that sparse candidate graph: a pair that was never
a candidate counts as similarity 0, which keeps a cluster from chaining across unrelated stories.
"""

from __future__ import annotations

import datetime
import heapq
import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from pydantic import BaseModel, ConfigDict, Field
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize


class ClusterItem(BaseModel):
    """One article as the clusterer sees it."""

    model_config = ConfigDict(frozen=True)

    id: str
    date: datetime.date | None  # publication or event date; None when unknown
    text: str  # title + body
    entities: tuple[str, ...]  # resolved entity keys; a repeated key is a repeated mention


class ClusterSettings(BaseModel):
    """Knobs of the event clusterer; the defaults are meant for any English news stream."""

    model_config = ConfigDict(frozen=True)

    text_weight: float = Field(0.9, gt=0)  # weight of TF-IDF cosine in the pair similarity
    entity_weight: float = Field(0.1, ge=0)  # weight of IDF-weighted entity cosine
    window_days: int = Field(2, ge=0)  # dated articles further apart than this are never one event
    day_decay: float = Field(0.5, ge=0)  # a pair's similarity is divided by 1 + day_decay x days apart
    weekday_mismatch: float = Field(0.5, ge=0, le=1)  # factor when two texts name only different weekdays
    neighbours: int = Field(30, ge=1)  # candidate pairs kept per article (strongest first)
    min_pair_similarity: float = Field(0.05, ge=0)  # weaker pairs are not candidates at all
    shared_neighbours: int = Field(8, ge=1)  # size of the neighbour lists compared per pair
    shared_neighbour_weight: float = Field(0.5, ge=0, le=1)  # how much their overlap scales a pair
    link_threshold: float = Field(0.10, ge=0)  # merge clusters while their average link is at least this
    chunk_rows: int = Field(512, ge=1)  # rows per sparse product (bounds memory)


class NearDuplicateSettings(BaseModel):
    """Wire copies: nearly the same wording, close in time."""

    model_config = ConfigDict(frozen=True)

    min_similarity: float = Field(0.8, ge=0, le=1)  # cosine of word 1-3 gram TF-IDF vectors
    window_days: int = Field(3, ge=0)
    neighbours: int = Field(30, ge=1)
    chunk_rows: int = Field(512, ge=1)


def _text_vectors(
    texts: Sequence[str], ngram_range: tuple[int, int] = (1, 2), min_df: int = 2
) -> sp.csr_matrix:
    """L2-normalised sublinear TF-IDF rows; an empty vocabulary gives zero rows.

    Terms found in a single text cannot link two texts; dropping them (min_df=2) keeps them from
    diluting the cosine of long texts.
    """
    vectorizer = TfidfVectorizer(
        sublinear_tf=True, stop_words="english", ngram_range=ngram_range, min_df=min_df, dtype=np.float64,
        token_pattern=r"(?u)\b\w[\w'-]*\w\b|\b\w\b",
    )
    try:
        return vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # every text was empty or only stop words
        return sp.csr_matrix((len(texts), 1), dtype=np.float64)


def _entity_vectors(entity_lists: Sequence[tuple[str, ...]]) -> sp.csr_matrix:
    """L2-normalised entity rows: (1 + log count) x IDF, so a rare shared entity says more."""
    vocabulary = {key: i for i, key in enumerate(sorted({k for keys in entity_lists for k in keys}))}
    rows, cols, counts = [], [], []
    for row, keys in enumerate(entity_lists):
        per_key: dict[int, int] = {}
        for key in keys:
            per_key[vocabulary[key]] = per_key.get(vocabulary[key], 0) + 1
        for col in sorted(per_key):
            rows.append(row)
            cols.append(col)
            counts.append(per_key[col])
    shape = (len(entity_lists), max(len(vocabulary), 1))
    matrix = sp.csr_matrix((np.asarray(counts, dtype=np.float64), (rows, cols)), shape=shape)
    if matrix.nnz == 0:
        return matrix
    matrix.data = 1.0 + np.log(matrix.data)
    document_frequency = np.bincount(matrix.indices, minlength=shape[1])
    idf = np.log((1.0 + shape[0]) / (1.0 + document_frequency)) + 1.0
    return normalize(matrix @ sp.diags(idf), norm="l2", copy=False).tocsr()


def _day_numbers(dates: Sequence[datetime.date | None]) -> np.ndarray:
    """Ordinal day of each date, -1 for undated."""
    return np.asarray([d.toordinal() if d is not None else -1 for d in dates], dtype=np.int64)


def _candidate_pairs(
    vectors: sp.csr_matrix, days: np.ndarray, window_days: int, day_decay: float, neighbours: int,
    floor: float, chunk_rows: int,
) -> dict[tuple[int, int], float]:
    """Strongest time-compatible pairs (i < j) with their dot product, computed in row chunks.

    Dated rows are processed in date order and compared only with rows dated within the window
    (plus undated rows); undated rows are compared with every row. Each row keeps its top
    `neighbours` partners above `floor`; a pair is kept if either side kept it.
    """
    n = vectors.shape[0]
    dated = np.flatnonzero(days >= 0)
    dated = dated[np.argsort(days[dated], kind="stable")]
    dated_days = days[dated]
    undated = np.flatnonzero(days < 0)
    pairs: dict[tuple[int, int], float] = {}
    row_chunks = [dated[s:s + chunk_rows] for s in range(0, len(dated), chunk_rows)]
    row_chunks += [undated[s:s + chunk_rows] for s in range(0, len(undated), chunk_rows)]
    for rows in row_chunks:
        if days[rows[0]] >= 0:
            low = np.searchsorted(dated_days, days[rows].min() - window_days, side="left")
            high = np.searchsorted(dated_days, days[rows].max() + window_days, side="right")
            cols = np.sort(np.concatenate([dated[low:high], undated]))
        else:
            cols = np.arange(n)
        block = (vectors[rows] @ vectors[cols].T).tocsr()
        for r, row in enumerate(rows):
            start, end = block.indptr[r], block.indptr[r + 1]
            partners = cols[block.indices[start:end]]
            scores = block.data[start:end]
            if days[row] >= 0:
                partner_days = days[partners]
                apart = np.where(partner_days < 0, 0, np.abs(partner_days - days[row]))
                scores = scores / (1.0 + day_decay * apart)
                keep = (partners != row) & (scores >= floor) & (apart <= window_days)
            else:
                keep = (partners != row) & (scores >= floor)
            partners, scores = partners[keep], scores[keep]
            if len(partners) > neighbours:
                order = np.lexsort((partners, -scores))[:neighbours]  # ties broken by index
                partners, scores = partners[order], scores[order]
            for partner, score in zip(partners.tolist(), scores.tolist()):
                pairs[(min(row, partner), max(row, partner))] = score
    return pairs


_WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.IGNORECASE)


def _weekdays(text: str) -> frozenset[str]:
    """The weekday names a text uses: news says on which day something happened ("on Tuesday")."""
    return frozenset(match.lower() for match in _WEEKDAY.findall(text))


def _weekday_agreement(
    pairs: dict[tuple[int, int], float], texts: Sequence[str], mismatch: float
) -> dict[tuple[int, int], float]:
    """Scale by `mismatch` the pairs whose texts both name weekdays but no weekday in common.

    Dates cannot separate the vote on Tuesday from the follow-up on Wednesday once publication times
    spread over a day or two; the days the reports name can.
    """
    weekdays = [_weekdays(text) for text in texts]
    return {
        (a, b): score * (mismatch if weekdays[a] and weekdays[b] and not weekdays[a] & weekdays[b] else 1.0)
        for (a, b), score in pairs.items()
    }


def _shared_neighbour_weighting(
    pairs: dict[tuple[int, int], float], neighbours: int, weight: float
) -> dict[tuple[int, int], float]:
    """Scale each pair by how much the two items' nearest-neighbour lists overlap (Jaccard).

    Two articles on one event tend to have the same nearest neighbours; two articles that only share
    a theme (two earthquakes, two budget votes) have different ones. This rescales similarities by
    local density, so one threshold suits short and long texts alike.
    """
    ranked: dict[int, list[tuple[float, int]]] = {}
    for (a, b), score in sorted(pairs.items()):
        ranked.setdefault(a, []).append((-score, b))
        ranked.setdefault(b, []).append((-score, a))
    nearest = {item: {other for _, other in sorted(partners)[:neighbours]} | {item}
               for item, partners in ranked.items()}
    weighted = {}
    for (a, b), score in pairs.items():
        overlap = len(nearest[a] & nearest[b]) / len(nearest[a] | nearest[b])
        weighted[(a, b)] = score * (1.0 - weight + weight * overlap)
    return weighted


def _average_linkage(n: int, pairs: dict[tuple[int, int], float], threshold: float) -> list[list[int]]:
    """Agglomerate by average link over all member pairs, missing pairs counting as 0."""
    size = {i: 1 for i in range(n)}
    links: dict[int, dict[int, float]] = {i: {} for i in range(n)}  # cluster -> neighbour -> sum
    for (a, b), score in sorted(pairs.items()):
        links[a][b] = score
        links[b][a] = score
    members = {i: [i] for i in range(n)}
    heap = [(-score, a, b) for (a, b), score in sorted(pairs.items()) if score >= threshold]
    heapq.heapify(heap)
    next_id = n
    while heap:
        negative, a, b = heapq.heappop(heap)
        if a not in size or b not in size:
            continue  # one side was merged since this entry was pushed
        merged = next_id
        next_id += 1
        total: dict[int, float] = {}
        for old in (a, b):
            for other, link_sum in links.pop(old).items():
                if other not in (a, b):
                    total[other] = total.get(other, 0.0) + link_sum
                    del links[other][old]
        size[merged] = size.pop(a) + size.pop(b)
        members[merged] = members.pop(a) + members.pop(b)
        links[merged] = total
        for other in sorted(total):
            links[other][merged] = total[other]
            average = total[other] / (size[merged] * size[other])
            if average >= threshold:
                heapq.heappush(heap, (-average, other, merged))
    return [sorted(group) for group in members.values()]


def _sorted_groups(ids: Sequence[str], groups: list[list[int]]) -> list[list[str]]:
    return sorted(sorted(ids[i] for i in group) for group in groups)


def _sorted_by_id(items: Sequence[ClusterItem]) -> list[ClusterItem]:
    """Items in id order, so results never depend on input order; ids must be unique."""
    ordered = sorted(items, key=lambda item: item.id)
    for previous, current in zip(ordered, ordered[1:]):
        if previous.id == current.id:
            raise ValueError(f"duplicate item id {current.id!r}")
    return ordered


def cluster_events(
    items: Sequence[ClusterItem], settings: ClusterSettings = ClusterSettings()
) -> list[list[str]]:
    """Group items into events: sorted groups of sorted item ids (every item in exactly one group)."""
    ordered = _sorted_by_id(items)
    if not ordered:
        return []
    text = _text_vectors([item.text for item in ordered])
    entities = _entity_vectors([item.entities for item in ordered])
    total_weight = settings.text_weight + settings.entity_weight
    vectors = sp.hstack(  # dot product = weighted mean of the text and entity cosines
        [text * np.sqrt(settings.text_weight / total_weight),
         entities * np.sqrt(settings.entity_weight / total_weight)],
        format="csr",
    )
    pairs = _candidate_pairs(
        vectors, _day_numbers([item.date for item in ordered]), settings.window_days,
        settings.day_decay, settings.neighbours, settings.min_pair_similarity, settings.chunk_rows,
    )
    pairs = _weekday_agreement(pairs, [item.text for item in ordered], settings.weekday_mismatch)
    pairs = _shared_neighbour_weighting(pairs, settings.shared_neighbours, settings.shared_neighbour_weight)
    groups = _average_linkage(len(ordered), pairs, settings.link_threshold)
    return _sorted_groups([item.id for item in ordered], groups)


def near_duplicates(
    items: Sequence[ClusterItem], settings: NearDuplicateSettings = NearDuplicateSettings()
) -> list[list[str]]:
    """Groups (two or more items) of near-identical texts within the time window: wire copies."""
    ordered = _sorted_by_id(items)
    if not ordered:
        return []
    vectors = _text_vectors([item.text for item in ordered], ngram_range=(1, 3), min_df=1)
    pairs = _candidate_pairs(
        vectors, _day_numbers([item.date for item in ordered]), settings.window_days,
        0.0, settings.neighbours, settings.min_similarity, settings.chunk_rows,
    )
    graph = sp.coo_matrix(
        (np.ones(len(pairs)), ([a for a, _ in pairs], [b for _, b in pairs])), shape=(len(ordered),) * 2
    )
    count, labels = connected_components(graph, directed=False)
    groups = [np.flatnonzero(labels == label).tolist() for label in range(count)]
    return _sorted_groups([item.id for item in ordered], [g for g in groups if len(g) > 1])
