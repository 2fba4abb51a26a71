"""Where the event clusterer loses gold same-event pairs on AllSides, as given and with dates jittered.

Run: python bench/cluster_diagnosis.py [--allsides PATH]

Each gold pair (copies collapsed, as the clusterer does) is counted once, at the first step that loses
it: never a candidate (blocking: date window, neighbour lists, similarity floor), a candidate scored below
the model's threshold, or scored above it and still split by the linkage. Counts are by days apart, since
publication dates spread an event over a day or two; a gold pair is at most two days apart once jittered.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpus import DEFAULT_ALLSIDES, bcubed, corpus_items, jittered  # noqa: E402
from sitegen.analysis.events.cluster import (  # noqa: E402
    ClusterItem,
    copy_representatives,
    link_pairs,
    load_pair_model,
    pair_features,
)

STEPS = ("not a candidate", "below threshold", "split by linkage", "kept")


def losses(items: list[ClusterItem], gold: dict[str, str]) -> tuple[Counter, tuple[float, float, float]]:
    """(step, days apart) -> gold pairs, and the B-cubed scores of the clustering."""
    model = load_pair_model()
    representatives, stands_for = copy_representatives(items)
    index, features = pair_features(representatives)
    probabilities = model.probabilities(features)
    scored = {(a, b): p for (a, b), p in zip(index.tolist(), probabilities.tolist())}
    groups = link_pairs(representatives, stands_for, index, probabilities, model.threshold)
    group_of = {i: k for k, group in enumerate(groups) for i in group}
    counts: Counter = Counter()
    for a, first in enumerate(representatives):
        for b in range(a + 1, len(representatives)):
            second = representatives[b]
            if gold[first.id] != gold[second.id]:
                continue
            apart = abs(first.date - second.date).days if first.date and second.date else "undated"
            if (a, b) not in scored:
                step = STEPS[0]
            elif scored[(a, b)] < model.threshold:
                step = STEPS[1]
            else:
                step = STEPS[2] if group_of[first.id] != group_of[second.id] else STEPS[3]
            counts[(step, apart)] += 1
    return counts, bcubed(groups, gold)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allsides", type=Path, default=DEFAULT_ALLSIDES)
    args = parser.parse_args()
    items, gold, _ = corpus_items(args.allsides)
    for name, view in (("as given", items), ("dates jittered -1/0/+1", jittered(items))):
        counts, (precision, recall, f1) = losses(view, gold)
        gaps = sorted({apart for _, apart in counts}, key=str)
        print(f"\nAllSides {name}: B-cubed P {precision:.3f} R {recall:.3f} F1 {f1:.3f}; gold pairs by days apart")
        print(f"{'':<20}" + "".join(f"{gap:>10}" for gap in gaps) + f"{'all':>10}")
        for step in STEPS:
            row = [counts[(step, gap)] for gap in gaps]
            print(f"{step:<20}" + "".join(f"{n:>10}" for n in row) + f"{sum(row):>10}")


if __name__ == "__main__":
    main()
