"""Benchmark event kinds (sitegen.analysis.events.kinds) against the hand labels of the AllSides events.

    .venv/bin/python bench/kinds.py [--allsides PATH] [--kinds PATH] [--split DATE]

The kinds file defaults to `<allsides stem>-kinds.jsonl` beside the corpus. Each gold event's articles
go through the product's path (`sitegen.nlp.parse_articles`, then `sitegen.analysis.events.kinds.classify_event`).

Rows: accuracy of the shipped model (`sitegen/data/kinds_model.json`; on the DEV file that is the data it
was fitted on, so read the time-sliced rows for what to expect on news of a later period); time-sliced
accuracy (fit on the events up to the middle date, score the later ones, and the reverse); per-kind
precision / recall / F1; the confusion of consult vs not (an event that is not a meeting called consult
is the costly error); and the consult mode on the events both gold and prediction call consult.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._corpus import DEFAULT_ALLSIDES  # noqa: E402
from bench.train_kinds import LabelledEvent, fit_weights, kinds_path_for, load_labelled_events  # noqa: E402
from sitegen.analysis.events.kinds import consult_mode, decide_kind
from sitegen.analysis.models import EventKind


def predict(events: Sequence[LabelledEvent], weights: Mapping | None = None) -> list[str]:
    return [decide_kind(e.features, weights).value for e in events]


def accuracy(events: Sequence[LabelledEvent], predicted: Sequence[str]) -> float:
    return sum(e.kind == p for e, p in zip(events, predicted)) / max(len(events), 1)


def time_sliced(events: Sequence[LabelledEvent], split: dt.date) -> list[tuple[str, list[LabelledEvent], list[str]]]:
    """(what, events scored, their predictions) fitting on one side of the split date and scoring the other."""
    early = [e for e in events if e.date < split]
    late = [e for e in events if e.date >= split]
    rows = []
    for name, train, test in (("fit early, score late", early, late), ("fit late, score early", late, early)):
        if len({e.kind for e in train}) > 1 and test:
            rows.append((name, test, predict(test, fit_weights(train))))
    return rows


def per_kind(events: Sequence[LabelledEvent], predicted: Sequence[str]) -> None:
    gold, found = Counter(e.kind for e in events), Counter(predicted)
    right = Counter(e.kind for e, p in zip(events, predicted) if e.kind == p)
    print(f"{'kind':<12} {'gold':>5} {'pred':>5} {'prec':>6} {'recall':>6} {'F1':>6}")
    for kind in EventKind:
        k = kind.value
        precision = right[k] / found[k] if found[k] else 0.0
        recall = right[k] / gold[k] if gold[k] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"{k:<12} {gold[k]:>5} {found[k]:>5} {precision:>6.2f} {recall:>6.2f} {f1:>6.2f}")


def consult_confusion(events: Sequence[LabelledEvent], predicted: Sequence[str]) -> None:
    pairs = Counter((e.kind == "consult", p == "consult") for e, p in zip(events, predicted))
    false_consult = pairs[(False, True)]
    not_consult = pairs[(False, True)] + pairs[(False, False)]
    print("consult vs not      predicted consult   predicted not")
    print(f"  gold consult      {pairs[(True, True)]:>17}   {pairs[(True, False)]:>13}")
    print(f"  gold not consult  {false_consult:>17}   {pairs[(False, False)]:>13}")
    called = pairs[(True, True)] + false_consult
    print(f"  consult precision {pairs[(True, True)] / called if called else 1.0:.3f}; "
          f"non-meetings called consult {false_consult}/{not_consult} = {false_consult / max(not_consult, 1):.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--allsides", type=Path, default=DEFAULT_ALLSIDES)
    parser.add_argument("--kinds", type=Path, help="labels (default: <allsides stem>-kinds.jsonl beside it)")
    parser.add_argument("--split", type=dt.date.fromisoformat,
                        help="time-slice date (default: the median event date)")
    args = parser.parse_args()
    kinds_path = args.kinds or kinds_path_for(args.allsides)
    events, parsed = load_labelled_events(args.allsides, kinds_path)
    predicted = predict(events)
    print(f"{args.allsides.name} + {kinds_path.name}: {len(events)} labelled events, "
          f"{events[0].date} .. {events[-1].date}")
    print(f"kind accuracy (shipped model)      {accuracy(events, predicted):.3f}")
    print(f"majority-kind baseline             {Counter(e.kind for e in events).most_common(1)[0][1] / len(events):.3f}")
    split = args.split or sorted(e.date for e in events)[len(events) // 2]
    sliced = time_sliced(events, split)
    for name, test, guesses in sliced:
        print(f"time-sliced at {split}: {name:<22} {accuracy(test, guesses):.3f} ({len(test)} events)")
    print("\nshipped model, per kind:")
    per_kind(events, predicted)
    print("\nshipped model:")
    consult_confusion(events, predicted)
    print("time-sliced (both halves scored by the model fitted on the other):")
    consult_confusion([e for _, test, _ in sliced for e in test], [p for _, _, guesses in sliced for p in guesses])
    both = [e for e, p in zip(events, predicted) if e.kind == p == "consult" and e.consult_mode]
    modes = sum(consult_mode(e.members, parsed).value == e.consult_mode for e in both)
    print(f"consult mode right {modes}/{len(both)} (events gold and predicted consult)")


if __name__ == "__main__":
    main()
