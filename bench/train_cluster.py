"""Fit the event clusterer's pair model on the DEV event corpora and write sitegen/data/cluster_model.json.

Run: python bench/train_cluster.py [--allsides PATH] [--ecbplus PATH] [--out PATH]

Pairs are the clusterer's own candidate pairs (no all-pairs matrix), labelled same event or not by the
gold events of AllSides and ECB+. Publication dates spread around an event, so AllSides is learnt as
given (event dates) and in JITTERED_COPIES copies with every date moved by -1, 0 or +1 day (seeded draws,
not the bench's): the pair feature `date_noise` tells the two apart, so the model learns how much a gap of
a day says in each. Small digests of a few events next to each other in time are drawn too. The period is
no feature, only days apart. The merge threshold is the one that does best across time slices: fit on the
earlier slices, score the next one (ECB+ has no dates and is sliced by topic). The file holds tree splits
and leaf values only, no text and no vocabulary; the same corpora give the same file.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpus import DEFAULT_ALLSIDES, DEFAULT_ECBPLUS, bcubed, corpus_items, ordered_slices, slice_keys  # noqa: E402
from sitegen.analysis.events.cluster import (
    MODEL_PATH,
    PAIR_FEATURES,
    ClusterItem,
    PairModel,
    Tree,
    copy_representatives,
    link_pairs,
    pair_features,
)

SEED = 20260113
JITTERED_COPIES = 2  # copies of a dated corpus with dates spread, beside the corpus as given
SMALL_DIGESTS = 100  # small digests drawn from each corpus for training
SLICES = 4  # time slices per corpus for choosing the threshold
THRESHOLDS = [round(0.2 + 0.05 * k, 2) for k in range(13)]  # 0.20 .. 0.80
BOOSTING = {"n_estimators": 150, "learning_rate": 0.1, "max_depth": 3, "subsample": 1.0, "random_state": 0}


class Corpus:
    """Cluster items with their gold events and what orders them in time."""

    def __init__(self, items: Sequence[ClusterItem], gold: Mapping[str, str], keys: Mapping[str, object]):
        self.items, self.gold, self.keys = list(items), gold, keys

    def slices(self, count: int) -> list[Corpus]:
        return [Corpus(s, self.gold, self.keys) for s in ordered_slices(self.items, lambda i: self.keys[i.id], count)]

    def halves(self) -> tuple[Corpus, Corpus]:
        first, second = self.slices(2)
        return first, second

    @property
    def dated(self) -> bool:
        return any(item.date for item in self.items)


def spread_dates(items: Sequence[ClusterItem], seed: int = SEED) -> list[ClusterItem]:
    """Each dated item moved by -1, 0 or +1 day at random (seeded): how publication dates spread."""
    shifts = np.random.default_rng(seed).integers(-1, 2, len(items)).tolist()
    return [item.model_copy(update={"date": item.date + datetime.timedelta(days=s)}) if item.date else item
            for item, s in zip(sorted(items, key=lambda i: i.id), shifts)]


def views(corpus: Corpus) -> list[list[ClusterItem]]:
    """The item sets a corpus is learnt and scored as: as given, and with dates spread when it has dates."""
    if not corpus.dated:
        return [corpus.items]
    return [corpus.items, *(spread_dates(corpus.items, SEED + copy) for copy in range(JITTERED_COPIES))]


def small_digests(corpus: Corpus, count: int = SMALL_DIGESTS, seed: int = SEED) -> list[list[ClusterItem]]:
    """Digests of 2 to 4 events next to each other in time (some of their articles drawn at random, seeded;
    an event may keep a single report), dates spread and a third of them dropped: what a small site
    clusters, where every article is its neighbour's nearest even when it reports another event, and where
    two events of a few days (or of one ECB+ topic) must stay apart."""
    events: dict[str, list[ClusterItem]] = {}
    for item in corpus.items:
        events.setdefault(corpus.gold[item.id], []).append(item)
    names = sorted(events, key=lambda name: (min(corpus.keys[item.id] for item in events[name]), name))
    rng = np.random.default_rng(seed)
    digests = []
    for draw in range(count):
        start = int(rng.integers(0, len(names)))
        reports = [events[name] for name in names[start:start + int(rng.integers(2, 5))]]
        kept = [[item for item in event if rng.random() < 0.6] or event[:1] for event in reports]
        items = spread_dates([item for event in kept for item in event], seed + draw)
        digests.append([item.model_copy(update={"date": None}) if rng.random() < 1 / 3 else item for item in items])
    return digests


def labelled_pairs(items: Sequence[ClusterItem], gold: Mapping[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Features of the candidate pairs among the items (copies collapsed, as the clusterer does) and whether
    each pair is one gold event."""
    representatives, _ = copy_representatives(items)
    index, features = pair_features(representatives)
    labels = np.asarray([gold[representatives[a].id] == gold[representatives[b].id] for a, b in index.tolist()])
    return features, labels


def fit_pair_model(corpora: Sequence[Corpus], threshold: float) -> PairModel:
    """Gradient boosting (log-loss, starting from log-odds 0) on the features of every view of every corpus."""
    sets = [labelled_pairs(items, corpus.gold) for corpus in corpora
            for items in views(corpus) + small_digests(corpus)]
    features = np.vstack([f for f, _ in sets])
    labels = np.concatenate([y for _, y in sets])
    boosting = GradientBoostingClassifier(init="zero", **BOOSTING).fit(features, labels)
    trees = []
    for (estimator,) in boosting.estimators_:
        tree = estimator.tree_
        trees.append(Tree(features=tuple(tree.feature.tolist()), thresholds=tuple(tree.threshold.tolist()),
                          left=tuple(tree.children_left.tolist()), right=tuple(tree.children_right.tolist()),
                          values=tuple(float(v) for v in tree.value[:, 0, 0])))
    return PairModel(features=PAIR_FEATURES, learning_rate=BOOSTING["learning_rate"], trees=tuple(trees),
                     threshold=threshold)


def scores_by_threshold(model: PairModel, corpus: Corpus) -> dict[float, list[float]]:
    """B-cubed F1 of each view of the corpus at each candidate threshold (pairs scored once per view, as
    `cluster_events` scores them)."""
    scores: dict[float, list[float]] = {t: [] for t in THRESHOLDS}
    for items in views(corpus):
        representatives, stands_for = copy_representatives(items)
        index, features = pair_features(representatives)
        probabilities = model.probabilities(features)
        for t in THRESHOLDS:
            groups = link_pairs(representatives, stands_for, index, probabilities, t)
            scores[t].append(bcubed(groups, corpus.gold)[2])
    return scores


def choose_threshold(corpora: Sequence[Corpus], slices: int = SLICES) -> float:
    """The threshold with the best mean F1 over forward folds: fit on slices before k, score slice k."""
    sliced = [corpus.slices(slices) for corpus in corpora]
    totals: dict[float, list[float]] = {t: [] for t in THRESHOLDS}
    for k in range(1, slices):
        model = fit_pair_model([s for corpus in sliced for s in corpus[:k]], THRESHOLDS[0])
        for corpus in sliced:
            if k < len(corpus):
                for t, f1s in scores_by_threshold(model, corpus[k]).items():
                    totals[t] += f1s
    return max(THRESHOLDS, key=lambda t: (statistics.fmean(totals[t]), -abs(t - 0.5)))


def train(corpora: Sequence[Corpus]) -> PairModel:
    """The shipped procedure: threshold by time-sliced cross-validation, then one fit on all of it."""
    return fit_pair_model(corpora, choose_threshold(corpora))


def load_corpora(allsides: Path, ecbplus: Path) -> dict[str, Corpus]:
    corpora = {}
    for name, path in (("AllSides", allsides), ("ECB+", ecbplus)):
        items, gold, _ = corpus_items(path)
        corpora[name] = Corpus(items, gold, slice_keys(path))
    return corpora


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allsides", type=Path, default=DEFAULT_ALLSIDES)
    parser.add_argument("--ecbplus", type=Path, default=DEFAULT_ECBPLUS)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    model = train(list(load_corpora(args.allsides, args.ecbplus).values()))
    args.out.write_text(json.dumps(model.model_dump(), separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(model.trees)} trees, threshold {model.threshold}")


if __name__ == "__main__":
    main()
