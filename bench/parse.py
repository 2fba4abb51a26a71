"""The parse stage against raw spaCy on the same texts: a cold parse on one process and on as many as the
stage chooses, and the warm load of the cached parses.

    .venv/bin/python bench/parse.py [--allsides PATH] [--ecbplus PATH] [--articles 1000] [--rounds 2]
                                    [--sizes 32,64,128]

The first `--articles` DEV articles (AllSides, then ECB+) are parsed in alternating rounds: raw spaCy
(`spacy.load` then single-process `nlp.pipe`, batches of 32), and `sitegen.nlp.parse.parse_articles` into an
empty cache with one process and with the stage's choice (model load, copying each Doc and writing its
cache entry included, as in a cold build). Then the stage loads the same parses again from that cache.
`--sizes` also times one process against one per core on that many articles (the model already loaded, as in
`serve`), with the CPU seconds spent in this
process and in the workers (on a busy machine wall time hides what a second core would give), for the
threshold `MIN_ARTICLES_PER_PROCESS`. Medians of the rounds are printed.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import spacy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpus import DEFAULT_ALLSIDES, DEFAULT_ECBPLUS, MODEL, load_corpus  # noqa: E402
from sitegen.content.models import Article  # noqa: E402
from sitegen.nlp import engine, parse  # noqa: E402
from sitegen.pipeline.executor import usable_cores  # noqa: E402
from sitegen.pipeline.store import Cache  # noqa: E402


def raw_spacy(articles: Sequence[Article]) -> float:
    start = time.perf_counter()
    nlp = spacy.load(MODEL)
    for _ in nlp.pipe((a.text for a in articles), batch_size=engine.BATCH_SIZE):
        pass
    return time.perf_counter() - start


def cpu_seconds() -> tuple[float, float]:
    """CPU time used so far by this process and by its finished child processes (the parse workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def stage(articles: Sequence[Article], workers: int | None, load_model: bool = True) -> tuple[float, ...]:
    """A cold parse with `workers` processes (None: the stage's choice), then a warm load: seconds of each,
    and the CPU seconds of the cold parse in this process and in the workers."""
    if load_model:  # as a cold build does; `serve` keeps its model loaded
        engine._PIPELINES.clear()
    chosen = parse.MIN_ARTICLES_PER_PROCESS
    if workers is not None:  # one process: a share larger than all; else one per core
        parse.MIN_ARTICLES_PER_PROCESS = len(articles) + 1 if workers == 1 else 1
    try:
        with tempfile.TemporaryDirectory() as folder:
            cache = Cache(Path(folder))
            own, children = cpu_seconds()
            start = time.perf_counter()
            _, parsed = parse.parse_articles(articles, MODEL, cache)
            cold = time.perf_counter() - start
            own_after, children_after = cpu_seconds()
            assert parsed == len(articles)
            start = time.perf_counter()
            _, parsed = parse.parse_articles(articles, MODEL, cache)
            warm = time.perf_counter() - start
            assert parsed == 0
    finally:
        parse.MIN_ARTICLES_PER_PROCESS = chosen
    return cold, warm, own_after - own, children_after - children


def median(runs: list[Callable[[], float]], rounds: int) -> list[float]:
    """Each run's median over `rounds`, the runs alternating so that load on the machine hits them alike."""
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for run, seen in zip(runs, times):
            seen.append(run())
    return [statistics.median(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--allsides", type=Path, default=DEFAULT_ALLSIDES)
    parser.add_argument("--ecbplus", type=Path, default=DEFAULT_ECBPLUS)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sizes", default="", help="comma-separated article counts for the 1-vs-2-process rows")
    args = parser.parse_args()
    articles = (load_corpus(args.allsides)[0] + load_corpus(args.ecbplus)[0])[:args.articles]
    workers = min(usable_cores(), len(articles) // parse.MIN_ARTICLES_PER_PROCESS) or 1
    warm: list[float] = []

    def chosen() -> float:
        cold, load, _, _ = stage(articles, None)
        warm.append(load)
        return cold

    raw, one, many = median([lambda: raw_spacy(articles), lambda: stage(articles, 1)[0], chosen], args.rounds)
    print(f"{len(articles)} articles, {sum(len(a.text) for a in articles):,} characters, {args.rounds} rounds")
    print(f"{'raw spaCy, 1 process (load + nlp.pipe)':<48}{raw:7.2f} s")
    print(f"{'parse stage cold, 1 process':<48}{one:7.2f} s  {one / raw:.2f}x raw")
    print(f"{f'parse stage cold, {workers} process(es) (its choice)':<48}{many:7.2f} s  {many / raw:.2f}x raw")
    print(f"{f'parse stage warm (load {len(articles)} cached parses)':<48}{statistics.median(warm):7.2f} s")
    for size in (int(s) for s in args.sizes.split(",") if s):
        part = articles[:size]
        for workers in (1, 2):  # 2: one per core
            runs = [stage(part, workers, load_model=False) for _ in range(args.rounds)]
            wall, own, children = (statistics.median(r[k] for r in runs) for k in (0, 2, 3))
            print(f"{size:5d} articles, {workers} process(es): {wall:6.2f} s; CPU {own:6.2f} s here, "
                  f"{children:6.2f} s in workers")


if __name__ == "__main__":
    main()
