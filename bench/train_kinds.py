"""Fit the event-kind model (sitegen/data/kinds_model.json) on the hand-labelled AllSides DEV events.

    .venv/bin/python bench/train_kinds.py [--allsides PATH] [--kinds PATH] [--out PATH]

The features are `sitegen.analysis.events.kinds.event_features` of each gold event's articles (trigger lists written by
hand, see sitegen/data/kind_triggers.tsv); the model is scikit-learn's multinomial LogisticRegression on
standardised features. Only numbers are written (feature names, means, scales, weights): no corpus text.
The same inputs give a byte-identical file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from bench._corpus import DEFAULT_ALLSIDES, load_corpus, parse_corpus, read_jsonl  # noqa: E402
from sitegen.analysis.events.kinds import event_features
from sitegen.content.models import Article
from sitegen.nlp.models import ParsedArticle
from sitegen.resources import DATA_DIR

MODEL_PATH = DATA_DIR / "kinds_model.json"
REGULARISATION = 0.1  # LogisticRegression's C: strong, as 329 events and 56 features call for
DIGITS = 5


@dataclass(frozen=True)
class LabelledEvent:
    event: str
    date: dt.date
    members: tuple[Article, ...]
    kind: str
    consult_mode: str | None
    features: Mapping[str, float]


def kinds_path_for(allsides: Path) -> Path:
    """The labels beside a corpus file: allsides-dev.jsonl -> allsides-dev-kinds.jsonl."""
    return allsides.with_name(allsides.name.removesuffix(".jsonl") + "-kinds.jsonl")


def load_labelled_events(allsides: Path, kinds: Path) -> tuple[list[LabelledEvent], dict[str, ParsedArticle]]:
    """Every labelled event with its articles (gold clusters) and features, oldest first; and the parses."""
    articles, gold = load_corpus(allsides)
    parsed, _ = parse_corpus(articles)
    members: dict[str, list[Article]] = {}
    for article in articles:
        members.setdefault(gold[article.id], []).append(article)
    events = []
    for row in read_jsonl(kinds):
        group = tuple(sorted(members.get(row["event"], ()), key=lambda a: a.id))
        if not group:
            print(f"{kinds}: event {row['event']} has no articles in {allsides}; skipped", file=sys.stderr)
            continue
        date = min(a.date for a in group if a.date)
        events.append(LabelledEvent(row["event"], date, group, row["kind"], row.get("consult_mode"),
                                    event_features(group, parsed)))
    return sorted(events, key=lambda e: (e.date, e.event)), parsed


def fit_weights(events: Sequence[LabelledEvent], regularisation: float = REGULARISATION) -> dict:
    """The model file's content: standardisation and multinomial logistic-regression weights."""
    names = sorted(events[0].features)
    x = np.array([[e.features[n] for n in names] for e in events])
    y = [e.kind for e in events]
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    fitted = LogisticRegression(C=regularisation, max_iter=5000, class_weight="balanced").fit((x - mean) / scale, y)
    round_ = lambda values: [round(float(v), DIGITS) for v in values]  # noqa: E731
    return {"features": names, "classes": [str(c) for c in fitted.classes_], "mean": round_(mean),
            "scale": round_(scale), "coef": [round_(row) for row in fitted.coef_],
            "intercept": round_(fitted.intercept_), "regularisation": regularisation, "events": len(events)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--allsides", type=Path, default=DEFAULT_ALLSIDES)
    parser.add_argument("--kinds", type=Path, help="labels (default: <allsides stem>-kinds.jsonl beside it)")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    events, _ = load_labelled_events(args.allsides, args.kinds or kinds_path_for(args.allsides))
    weights = fit_weights(events)
    args.out.write_text(json.dumps(weights, indent=1) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(weights['classes'])} kinds x {len(weights['features'])} features from {len(events)} events")


if __name__ == "__main__":
    main()
