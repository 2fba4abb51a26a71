"""Group news articles into events, and find wire copies republished by several outlets.

Which articles report the same event is decided by a pairwise model learnt from gold events (gradient-boosted
trees over pair features, shipped as tree splits in `data/cluster_model.json`, built by
`bench/train_cluster.py`), not by hand-set weights:

1. Copies first: exact and near copies of one text (wire copies) count as one article, however many there
   are, and rejoin their original at the end.
2. Candidate pairs: only articles dated within a few days of each other (an undated one is compared with
   all) and only each article's strongest neighbours by sparse dot products computed in row chunks, so the
   cost grows with the number of articles per time window, never with the square of the corpus.
3. Each candidate pair gets features that say why two reports are one story whatever the period: body,
   headline and headline-to-body TF-IDF cosines, shared entities (all, and people, organisations, places
   and countries apart; IDF-weighted), shared rare terms, overlap of the two neighbour lists and the rank
   each gives the other, days apart (or undated), how far apart the input dates its mutually nearest
   articles (its date noise: event dates agree to the day, publication times spread by a day or two, so a
   gap of a day says more in the first than in the second), whether the two name only different weekdays,
   and how many articles they were compared with (in a digest of three articles every article is its
   neighbour's nearest, which says little). The model turns them into a probability.
4. Clusters by average linkage on the candidate graph, a pair that was never a candidate counting as
   probability 0 (which keeps a cluster from chaining across unrelated stories), merging while the average
   is at least the threshold chosen by cross-validation across time slices.
"""

from __future__ import annotations

import datetime
import functools
import heapq
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field
from scipy.sparse.csgraph import connected_components

from ...resources import DATA_DIR
from .tfidf import tfidf_vectors, words

MODEL_PATH = DATA_DIR / "cluster_model.json"
ENTITY_KINDS = ("person", "organization", "place", "country")  # the prefix of a resolved entity key
PAIR_FEATURES = (
    "body_cosine", "headline_cosine", *(f"shared_{kind}" for kind in ENTITY_KINDS), "shared_rare_terms",
    "neighbour_overlap", "better_rank", "worse_rank", "days_apart", "weekday_mismatch", "comparable_articles",
    "date_noise", "entity_cosine", "headline_body_cosine",
)
RARE_TERM_DF = 5  # a term in at most this many articles is rare: sharing it is evidence of one story
TOKEN = r"(?u)\b\w[\w'-]*\w\b|\b\w\b"  # a word with inner hyphens or apostrophes ("cease-fire"), or one character


class ClusterItem(BaseModel):
    """One article as the clusterer sees it."""

    model_config = ConfigDict(frozen=True)

    id: str
    date: datetime.date | None  # publication or event date; None when unknown
    text: str  # headline, newline, body
    entities: tuple[str, ...]  # resolved entity keys ("person/...", "place/..."); a repeat is a repeated mention


class ItemWords(BaseModel):
    """An item's headline and body as its TF-IDF rows read them (`tfidf.words`), and the weekdays its body
    names: a function of its text alone, which a caller may keep so that only a changed text is read again."""

    model_config = ConfigDict(frozen=True)

    headline: tuple[str, ...]
    body: tuple[str, ...]
    weekdays: frozenset[str]


def item_words(text: str) -> ItemWords:
    """The words of a headline-newline-body text; the whole text's are the headline's then the body's (no
    token spans the newline)."""
    headline, _, body = text.partition("\n")
    return ItemWords(headline=words(headline, TOKEN), body=words(body, TOKEN), weekdays=_weekdays(body))


def _words_of(items: Sequence[ClusterItem], known: Mapping[str, ItemWords] | None) -> list[ItemWords]:
    """Each item's words: from `known` (by text) when it has them, else read."""
    known = known or {}
    return [known.get(item.text) or item_words(item.text) for item in items]


class Tree(BaseModel):
    """One regression tree: node k splits on features[k] at thresholds[k] (lower or equal goes left) or, when
    left[k] is -1, is a leaf worth values[k]."""

    model_config = ConfigDict(frozen=True)

    features: tuple[int, ...]
    thresholds: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    values: tuple[float, ...]

    def predict(self, features: np.ndarray) -> np.ndarray:
        feature, threshold = np.asarray(self.features), np.asarray(self.thresholds)
        left, right, values = np.asarray(self.left), np.asarray(self.right), np.asarray(self.values)
        node = np.zeros(len(features), dtype=np.int64)
        rows = np.arange(len(features))
        while (inner := left[node] >= 0).any():
            goes_left = features[rows, np.maximum(feature[node], 0)] <= threshold[node]
            node = np.where(inner, np.where(goes_left, left[node], right[node]), node)
        return values[node]


class PairModel(BaseModel):
    """Gradient-boosted trees giving the log-odds that a pair reports one event, and the merge threshold."""

    model_config = ConfigDict(frozen=True)

    features: tuple[str, ...]
    learning_rate: float
    trees: tuple[Tree, ...]
    threshold: float  # clusters merge while their average pair probability is at least this

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        if self.features != PAIR_FEATURES:
            raise ValueError(f"{MODEL_PATH.name} was trained on other features; rebuild it with bench/train_cluster.py")
        features = features.astype(np.float32).astype(np.float64)  # the precision the trees were fitted at
        logits = self.learning_rate * sum((tree.predict(features) for tree in self.trees), np.zeros(len(features)))
        return 1.0 / (1.0 + np.exp(-logits))


@functools.cache
def load_pair_model(path: Path = MODEL_PATH) -> PairModel:
    """The shipped model (read once per process)."""
    return PairModel.model_validate(json.loads(path.read_text(encoding="utf-8")))


class ClusterSettings(BaseModel):
    """Knobs of candidate generation; what counts as one event is the model's."""

    model_config = ConfigDict(frozen=True)

    window_days: int = Field(3, ge=0)  # dated articles further apart than this are never one event
    neighbours: int = Field(30, ge=1)  # candidate pairs kept per article (strongest first)
    min_pair_similarity: float = Field(0.05, ge=0)  # weaker pairs are not candidates at all
    shared_neighbours: int = Field(8, ge=1)  # size of the neighbour lists compared per pair
    chunk_rows: int = Field(512, ge=1)  # rows per sparse product (bounds memory)
    threshold: float | None = Field(None, gt=0, lt=1)  # None: the model's own


class NearDuplicateSettings(BaseModel):
    """Wire copies: nearly the same wording, close in time."""

    model_config = ConfigDict(frozen=True)

    min_similarity: float = Field(0.8, ge=0, le=1)  # cosine of word 1-3 gram TF-IDF vectors
    window_days: int = Field(3, ge=0)
    neighbours: int = Field(30, ge=1)
    chunk_rows: int = Field(512, ge=1)


def _day_numbers(dates: Sequence[datetime.date | None]) -> np.ndarray:
    """Ordinal day of each date, -1 for undated."""
    return np.asarray([d.toordinal() if d is not None else -1 for d in dates], dtype=np.int64)


def _candidate_pairs(
    vectors: sp.csr_matrix, days: np.ndarray, window_days: int, neighbours: int, floor: float, chunk_rows: int,
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
        position = np.repeat(np.arange(len(rows)), np.diff(block.indptr))  # each product's row in the chunk
        row, partners, scores = rows[position], cols[block.indices], block.data
        keep = (partners != row) & (scores >= floor)
        keep &= (days[row] < 0) | (days[partners] < 0) | (np.abs(days[partners] - days[row]) <= window_days)
        position, row, partners, scores = position[keep], row[keep], partners[keep], scores[keep]
        order = np.lexsort((partners, -scores, position))  # each row's strongest first, ties broken by index
        position, row, partners, scores = position[order], row[order], partners[order], scores[order]
        strongest = np.arange(len(position)) - np.searchsorted(position, position) < neighbours
        for a, b, score in zip(np.minimum(row, partners)[strongest].tolist(),
                               np.maximum(row, partners)[strongest].tolist(), scores[strongest].tolist()):
            pairs[(a, b)] = score  # the later row's product where both rows keep a pair, as row by row
    return pairs


def _comparable_counts(days: np.ndarray, window_days: int) -> np.ndarray:
    """How many other items each item can be compared with: those within the time window, and every undated
    one (an undated item is compared with all)."""
    dated_days = np.sort(days[days >= 0])
    undated = int((days < 0).sum())
    within = (np.searchsorted(dated_days, days + window_days, side="right")
              - np.searchsorted(dated_days, days - window_days, side="left"))
    return np.where(days >= 0, within + undated, len(days)) - 1


def _rowwise_dots(matrix: sp.csr_matrix, left: np.ndarray, right: np.ndarray, chunk: int = 20_000,
                  other: sp.csr_matrix | None = None) -> np.ndarray:
    """Dot product of row left[k] with row right[k] (of `other` when given) for every k, in chunks (bounded
    memory)."""
    other = matrix if other is None else other
    out = np.zeros(len(left))
    for start in range(0, len(left), chunk):
        a, b = left[start:start + chunk], right[start:start + chunk]
        out[start:start + chunk] = np.asarray(matrix[a].multiply(other[b]).sum(axis=1)).ravel()
    return out


def _headline_body_cosines(texts: Sequence[ItemWords], left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per pair, the larger cosine of one's headline with the other's body: a rewrite or a follow-up puts one
    outlet's headline words in another's lead even when the two headlines differ."""
    vectors = tfidf_vectors([*(text.headline for text in texts), *(text.body for text in texts)])
    head, body = vectors[:len(texts)], vectors[len(texts):]
    return np.maximum(_rowwise_dots(head, left, right, other=body), _rowwise_dots(head, right, left, other=body))


def _date_noise(pairs: dict[tuple[int, int], float], days: np.ndarray) -> float:
    """Mean days apart of mutually nearest dated items: about 0 when the dates are event dates, about a day when
    they are publication times, which decides how much a gap of a day or two says; 1 (publication times,
    what real input has) when no such pair is dated."""
    nearest: dict[int, tuple[float, int]] = {}
    for (a, b), score in sorted(pairs.items()):
        for item, other in ((a, b), (b, a)):
            if item not in nearest or (-score, other) < nearest[item]:
                nearest[item] = (-score, other)
    gaps = [abs(int(days[a]) - int(days[b])) for a, (_, b) in nearest.items()
            if a < b and nearest[b][1] == a and days[a] >= 0 and days[b] >= 0]
    return sum(gaps) / len(gaps) if gaps else 1.0


_WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.IGNORECASE)


def _weekdays(text: str) -> frozenset[str]:
    """The weekday names a text uses: news says on which day something happened ("on Tuesday")."""
    return frozenset(match.lower() for match in _WEEKDAY.findall(text))


def _neighbourhood(pairs: dict[tuple[int, int], float], left: np.ndarray, right: np.ndarray,
                   neighbours: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pair: Jaccard overlap of the two items' nearest-neighbour lists, and the better and the worse of
    the two ranks each item gives the other (0 = its nearest).

    Two articles on one event tend to be each other's nearest and to have the same neighbours; two that
    only share a theme (two earthquakes, two budget votes) do not. Both measure a pair against its local
    density rather than against a fixed scale, which differs between periods and outlets.
    """
    ranked: dict[int, list[tuple[float, int]]] = {}
    for (a, b), score in sorted(pairs.items()):
        ranked.setdefault(a, []).append((-score, b))
        ranked.setdefault(b, []).append((-score, a))
    order = {item: [other for _, other in sorted(partners)] for item, partners in ranked.items()}
    rank = {item: {other: r for r, other in enumerate(others)} for item, others in order.items()}
    nearest = {item: set(others[:neighbours]) | {item} for item, others in order.items()}
    overlap, better, worse = [], [], []
    for a, b in zip(left.tolist(), right.tolist()):
        overlap.append(len(nearest[a] & nearest[b]) / len(nearest[a] | nearest[b]))
        better.append(min(rank[a][b], rank[b][a]))
        worse.append(max(rank[a][b], rank[b][a]))
    return np.asarray(overlap), np.log1p(better), np.log1p(worse)


def pair_features(
    items: Sequence[ClusterItem], settings: ClusterSettings = ClusterSettings(),
    known: Mapping[str, ItemWords] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (rows of two indices into `items`, first < second) and their PAIR_FEATURES; `known`
    holds words of texts read before (`item_words`)."""
    texts = _words_of(items, known)
    body = tfidf_vectors([text.body for text in texts], 2, (1, 2))  # a term in one text only cannot link two
    headline = tfidf_vectors([text.headline for text in texts])
    # entities weighted by IDF as terms are, so a rare shared entity says more
    kinds = [tfidf_vectors([[k for k in item.entities if k.split("/", 1)[0] == kind] for item in items])
             for kind in ENTITY_KINDS]
    entities = tfidf_vectors([item.entities for item in items])
    days = _day_numbers([item.date for item in items])
    pairs = _candidate_pairs(
        sp.hstack([body * np.sqrt(0.9), entities * np.sqrt(0.1)], format="csr"), days, settings.window_days,
        settings.neighbours, settings.min_pair_similarity, settings.chunk_rows,
    )
    index = np.asarray(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    left, right = index[:, 0], index[:, 1]
    present = (body > 0).astype(np.float64).tocsc()
    rare = present[:, np.flatnonzero(np.diff(present.indptr) <= RARE_TERM_DF)].tocsr()
    apart = np.where((days[left] < 0) | (days[right] < 0), -1, np.abs(days[left] - days[right]))  # -1: undated
    comparable = _comparable_counts(days, settings.window_days)
    weekdays = [text.weekdays for text in texts]
    mismatch = [bool(weekdays[a] and weekdays[b] and not weekdays[a] & weekdays[b])
                for a, b in zip(left.tolist(), right.tolist())]
    columns = [
        _rowwise_dots(body, left, right), _rowwise_dots(headline, left, right),
        *(_rowwise_dots(kind, left, right) for kind in kinds), np.log1p(_rowwise_dots(rare, left, right)),
        *_neighbourhood(pairs, left, right, settings.shared_neighbours), apart, mismatch,
        np.log1p(np.minimum(comparable[left], comparable[right])), np.full(len(left), _date_noise(pairs, days)),
        _rowwise_dots(entities, left, right), _headline_body_cosines(texts, left, right),
    ]
    return index, np.column_stack(columns).astype(np.float64) if len(index) else np.zeros((0, len(PAIR_FEATURES)))


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


def copy_representatives(items: Sequence[ClusterItem], copies: Sequence[Sequence[str]] | None = None,
                         known: Mapping[str, ItemWords] | None = None,
                         ) -> tuple[list[ClusterItem], dict[str, list[str]]]:
    """One item per group of copies (the first by id, in id order) and the ids each one stands for; `copies`
    are `near_duplicates(items)` when the caller has them already."""
    ordered = _sorted_by_id(items)
    stands_for = {item.id: [item.id] for item in ordered}
    for group in near_duplicates(ordered, known=known) if copies is None else copies:
        stands_for[group[0]] = group
        for copy in group[1:]:
            del stands_for[copy]
    return [item for item in ordered if item.id in stands_for], stands_for


def cluster_events(
    items: Sequence[ClusterItem], settings: ClusterSettings = ClusterSettings(), model: PairModel | None = None,
    copies: Sequence[Sequence[str]] | None = None, known: Mapping[str, ItemWords] | None = None,
) -> list[list[str]]:
    """Group items into events: sorted groups of sorted item ids (every item in exactly one group). Copies
    (`near_duplicates(items)`, computed here unless given) count once and join their original's event;
    `known` holds words of texts read before (`item_words`)."""
    model = model or load_pair_model()
    representatives, stands_for = copy_representatives(items, copies, known)
    if not representatives:
        return []
    index, features = pair_features(representatives, settings, known)
    return link_pairs(representatives, stands_for, index, model.probabilities(features),
                      settings.threshold or model.threshold)


def link_pairs(representatives: Sequence[ClusterItem], stands_for: dict[str, list[str]], index: np.ndarray,
               probabilities: np.ndarray, threshold: float) -> list[list[str]]:
    """The events of scored candidate pairs (apart from `cluster_events` so that a threshold search scores the
    pairs once)."""
    pairs = {(a, b): p for (a, b), p in zip(index.tolist(), probabilities.tolist())}
    groups = _average_linkage(len(representatives), pairs, threshold)
    return sorted(sorted(i for r in group for i in stands_for[representatives[r].id]) for group in groups)


def near_duplicates(
    items: Sequence[ClusterItem], settings: NearDuplicateSettings = NearDuplicateSettings(),
    known: Mapping[str, ItemWords] | None = None,
) -> list[list[str]]:
    """Groups (two or more items) of near-identical texts within the time window: wire copies; `known` holds
    words of texts read before (`item_words`)."""
    ordered = _sorted_by_id(items)
    if not ordered:
        return []
    vectors = tfidf_vectors([text.headline + text.body for text in _words_of(ordered, known)], 1, (1, 3))
    pairs = _candidate_pairs(
        vectors, _day_numbers([item.date for item in ordered]), settings.window_days,
        settings.neighbours, settings.min_similarity, settings.chunk_rows,
    )
    graph = sp.coo_matrix(
        (np.ones(len(pairs)), ([a for a, _ in pairs], [b for _, b in pairs])), shape=(len(ordered),) * 2
    )
    count, labels = connected_components(graph, directed=False)
    groups = [np.flatnonzero(labels == label).tolist() for label in range(count)]
    return _sorted_groups([item.id for item in ordered], [g for g in groups if len(g) > 1])
