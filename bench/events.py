"""Benchmark event clustering (B-cubed) and event summaries (ROUGE) on the DEV event corpora.

Run: python bench/events.py [--allsides PATH] [--ecbplus PATH] [--scale]

Everything measured is the product's own path: corpus rows become `sitegen` Articles, parsed by
`sitegen.nlp.parse_articles` (cached under bench/.cache/events), resolved by `sitegen.analysis.resolve`, turned
into ClusterItems by `sitegen.analysis.events.assemble.cluster_items` and summarised from the parsed sentences as
`sitegen.analysis.events.assemble.describe_event` does.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from rouge_score import rouge_scorer
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpus import (  # noqa: E402
    DEFAULT_ALLSIDES,
    DEFAULT_ECBPLUS,
    bcubed,
    jittered,
    load_corpus,
    parse_corpus,
    product_items,
    read_jsonl,
    slice_keys,
)
from bench.train_cluster import Corpus, train  # noqa: E402
from sitegen.analysis.events.cluster import ClusterItem, PairModel, cluster_events, near_duplicates
from sitegen.analysis.events.summarise import SourceSentence, SummarySettings, summarize_event
from sitegen.content.models import Article
from sitegen.nlp.models import ParsedArticle

BASELINE_THRESHOLDS = [round(0.05 + 0.01 * k, 2) for k in range(56)]  # 0.05 .. 0.60
SUMMARY_WORDS = 120


def _baseline_cosines(items: Sequence[ClusterItem]) -> sp.csr_matrix:
    """Cosines of plain TF-IDF (scikit-learn defaults plus sublinear tf, the stronger of the two)."""
    vectors = TfidfVectorizer(sublinear_tf=True).fit_transform([item.text for item in items])
    return (vectors @ vectors.T).tocsr()


def baseline_single_link(items: Sequence[ClusterItem], threshold: float, window_days: int = 1) -> list[list[str]]:
    """Plain TF-IDF cosine, single link among pairs dated at most `window_days` apart."""
    cosines = _baseline_cosines(items).tocoo()
    days = np.asarray([item.date.toordinal() for item in items])
    keep = (cosines.data >= threshold) & (np.abs(days[cosines.row] - days[cosines.col]) <= window_days)
    graph = sp.coo_matrix((cosines.data[keep], (cosines.row[keep], cosines.col[keep])), shape=cosines.shape)
    _, labels = connected_components(graph, directed=False)
    return _groups(items, labels)


def baseline_average_link(items: Sequence[ClusterItem], threshold: float) -> list[list[str]]:
    """Plain TF-IDF cosine, average-link agglomeration cut at distance 1 - threshold."""
    distances = np.clip(1.0 - _baseline_cosines(items).toarray(), 0.0, None)
    np.fill_diagonal(distances, 0.0)
    tree = linkage(squareform(distances, checks=False), method="average")
    return _groups(items, fcluster(tree, t=1.0 - threshold, criterion="distance"))


def _groups(items: Sequence[ClusterItem], labels: np.ndarray) -> list[list[str]]:
    groups: dict[int, list[str]] = {}
    for item, label in zip(items, labels.tolist()):
        groups.setdefault(label, []).append(item.id)
    return sorted(sorted(group) for group in groups.values())


def best_baseline(
    method: Callable[[Sequence[ClusterItem], float], list[list[str]]], items: Sequence[ClusterItem],
    gold: Mapping[str, str],
) -> tuple[float, tuple[float, float, float]]:
    """The baseline at its best threshold on this corpus (an oracle choice, flattering the baseline)."""
    scored = [(t, bcubed(method(items, t), gold)) for t in BASELINE_THRESHOLDS]
    return max(scored, key=lambda pair: (pair[1][2], -pair[0]))


def event_sentences(
    members: Sequence[Article], parsed: Mapping[str, ParsedArticle], copies: Sequence[Sequence[str]]
) -> list[SourceSentence]:
    """The summariser's input for one event, as `sitegen.analysis.events.assemble.describe_event` builds it: articles by
    (date, id), a wire copy (not first of its near-duplicate group) adding no sentence of its own."""
    ordered = sorted(members, key=lambda a: (a.date or datetime.date.max, a.id))
    ids = {a.id for a in ordered}
    skipped = {i for group in copies if group[0] in ids for i in group[1:]}
    return [SourceSentence(article_id=a.id, index=s.index, text=s.text)
            for a in ordered if a.id not in skipped for s in parsed[a.id].sentences]


def lead_summary(sentences: Sequence[SourceSentence], max_words: int) -> str:
    """First sentences of the first article within the word budget (the first one cut if too long)."""
    first = [s for s in sentences if s.article_id == sentences[0].article_id] if sentences else []
    words: list[str] = []
    for sentence in first:
        if words and len(words) + len(sentence.text.split()) > max_words:
            break
        words.extend(sentence.text.split())
    return " ".join(words[:max_words])


def gold_summary(summary: str) -> str:
    """The editors' summary without its last paragraph (the note on how outlets covered the story)."""
    paragraphs = summary.split("\n\n")
    return "\n\n".join(paragraphs[:-1] if len(paragraphs) > 1 else paragraphs)


def rouge_table(
    articles: Sequence[Article], gold: Mapping[str, str], parsed: Mapping[str, ParsedArticle],
    items: Sequence[ClusterItem], events_path: Path,
) -> None:
    by_id = {item.id: item for item in items}
    copies = [sorted(group, key=lambda i: (by_id[i].date or datetime.date.max, i)) for group in near_duplicates(items)]
    members: dict[str, list[Article]] = {}
    for article in articles:
        members.setdefault(gold[article.id], []).append(article)
    references = {row["event"]: gold_summary(row["summary"]) for row in read_jsonl(events_path)}
    events = sorted(e for e in references if e in members)
    sentences = {e: event_sentences(members[e], parsed, copies) for e in events}
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    systems: dict[str, Callable[[str], str]] = {
        "lead (first article)": lambda e: lead_summary(sentences[e], SUMMARY_WORDS),
    }
    variants = {
        "sitegen default": SummarySettings(),
        "centroid only": SummarySettings(textrank_weight=0.0, position_weight=0.0),
        "textrank only": SummarySettings(centroid_weight=0.0, position_weight=0.0),
        "position only": SummarySettings(centroid_weight=0.0, textrank_weight=0.0),
        "centroid + textrank": SummarySettings(position_weight=0.0),
        "default, no MMR": SummarySettings(redundancy_penalty=0.0, max_redundancy=1.0),
    }
    for name, settings in variants.items():
        systems[name] = lambda e, s=settings: " ".join(
            x.text for x in summarize_event(sentences[e], SUMMARY_WORDS, s))
    print(f"\nROUGE F (x100) vs AllSides editors' summaries, {len(events)} gold events, "
          f"{SUMMARY_WORDS}-word budget, reference = summary minus its last paragraph")
    print(f"{'system':<24}{'R-1':>8}{'R-2':>8}{'R-L':>8}{'words':>8}")
    for name, system in systems.items():
        scores: dict[str, list[float]] = {key: [] for key in ("rouge1", "rouge2", "rougeL")}
        lengths = []
        for event in events:
            summary = system(event)
            lengths.append(len(summary.split()))
            for key, value in scorer.score(references[event], summary).items():
                scores[key].append(value.fmeasure)
        print(f"{name:<24}" + "".join(f"{100 * statistics.fmean(v):>8.2f}" for v in scores.values())
              + f"{statistics.fmean(lengths):>8.1f}")


TARGETS = {"defaults": 0.95, "jittered": 0.93}  # B-cubed F1 asked of the clusterer


def print_row(name: str, scores: tuple[float, float, float], note: str = "", target: float | None = None) -> None:
    verdict = "" if target is None else f"target {target:.2f} {'met' if scores[2] >= target else 'NOT MET'}  "
    print(f"{name:<52}{scores[0]:>7.3f}{scores[1]:>7.3f}{scores[2]:>7.3f}  {verdict}{note}")


def clustering_rows(name: str, items: Sequence[ClusterItem], gold: Mapping[str, str], dated: bool,
                    model: PairModel | None = None) -> None:
    """sitegen's rows (as given, dates jittered, dates removed) beside the TF-IDF baselines at their best
    (oracle) thresholds on the same articles."""
    started = time.perf_counter()
    print_row(f"{name} sitegen (defaults)", bcubed(cluster_events(items, model=model), gold),
              f"{time.perf_counter() - started:.2f}s", TARGETS["defaults"])
    if dated:
        jittered_items = jittered(items)
        print_row(f"{name} sitegen, dates jittered -1/0/+1", bcubed(cluster_events(jittered_items, model=model), gold),
                  target=TARGETS["jittered"])
        undated = [item.model_copy(update={"date": None}) for item in items]
        print_row(f"{name} sitegen, every date removed", bcubed(cluster_events(undated, model=model), gold))
        for label, method_items in (("", items), (", jittered", jittered_items)):
            threshold, scores = best_baseline(baseline_single_link, method_items, gold)
            print_row(f"{name} TF-IDF single link 1-day{label}", scores, f"best threshold {threshold}")
    threshold, scores = best_baseline(baseline_average_link, items, gold)
    print_row(f"{name} TF-IDF average link, no dates", scores, f"best threshold {threshold}")


def scale_rows(items: Sequence[ClusterItem]) -> None:
    """Time and peak traced memory of cluster_events on the corpus replicated over whole years, and on
    exact copies of one article (which must make one event)."""
    print("\nScaling (AllSides DEV replicated, dates shifted by whole years, ids suffixed)")
    print(f"{'articles':>9}{'seconds':>10}{'peak MiB':>10}{'clusters':>10}")
    for size in (1_000, 5_000, 20_000):
        replicated = [
            item.model_copy(update={"id": f"{item.id}#{k}", "date": item.date.replace(year=item.date.year + k)})
            for k in range(size // len(items) + 1) for item in items
        ][:size]
        timed(f"{size:>9}", replicated)
    print("\nCopies: 2,000 exact copies of one article beside the corpus (one event expected)")
    copies = [items[0].model_copy(update={"id": f"copy-{k:04d}"}) for k in range(2_000)]
    timed(f"{len(items) + len(copies):>9}", list(items) + copies,
          lambda groups: f"  copies in {sum(1 for g in groups if any(i.startswith('copy-') for i in g))} event(s)")


def timed(label: str, items: Sequence[ClusterItem], describe: Callable[[list[list[str]]], str] = lambda g: "") -> None:
    started = time.perf_counter()
    groups = cluster_events(items)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    cluster_events(items)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"{label}{seconds:>10.2f}{peak:>10.1f}{len(groups):>10}{describe(groups)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allsides", type=Path, default=DEFAULT_ALLSIDES)
    parser.add_argument("--ecbplus", type=Path, default=DEFAULT_ECBPLUS)
    parser.add_argument("--scale", action="store_true", help="also time 1k/5k/20k articles and 2,000 copies")
    args = parser.parse_args()

    corpora = {}
    for name, path in (("AllSides", args.allsides), ("ECB+", args.ecbplus)):
        articles, gold = load_corpus(path)
        started = time.perf_counter()
        parsed, fresh = parse_corpus(articles)
        items = product_items(articles, parsed)
        print(f"{name}: {len(articles)} articles ({fresh} through spaCy), parse + resolution "
              f"{time.perf_counter() - started:.1f}s")
        corpora[name] = (articles, gold, parsed, items, Corpus(items, gold, slice_keys(path)))

    print(f"\n{'B-cubed, shipped model (trained on DEV)':<52}{'P':>7}{'R':>7}{'F1':>7}")
    for name, (articles, gold, parsed, items, corpus) in corpora.items():
        clustering_rows(name, items, gold, corpus.dated)

    halves = {name: corpus.halves() for name, (*_, corpus) in corpora.items()}
    model = train([first for first, _ in halves.values()])
    print(f"\n{'B-cubed, time-sliced: trained on the 1st half,':<52}{'P':>7}{'R':>7}{'F1':>7}")
    print(f"scored on the 2nd (ECB+ by topic), threshold {model.threshold}: the estimate for unseen news")
    for name, (_, second) in halves.items():
        clustering_rows(f"{name} 2nd half", second.items, second.gold, second.dated, model)

    articles, gold, parsed, items, _ = corpora["AllSides"]
    rouge_table(articles, gold, parsed, items,
                args.allsides.with_name(args.allsides.name.replace(".jsonl", "-events.jsonl")))
    if args.scale:
        scale_rows(items)


if __name__ == "__main__":
    main()
