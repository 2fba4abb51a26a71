"""Cold and warm builds with the local executor and on a Dask LocalCluster, per stage; Dask's overhead per task.

    .venv/bin/python bench/dask.py [--sizes 1000,5000] [--workers 2] [--allsides PATH] [--ecbplus PATH]

For each size, a project of that many articles is written to a temporary folder: the DEV articles in file
order (AllSides, then ECB+, 1,421 in all), and past them the same articles again, copy k with every date
moved k years later and the id suffixed `-yK` (so 5,000 articles are the 1,421 three times and 737 of them
a fourth time: the texts repeat, the dates do not). Each is built cold (an empty cache) twice: with the
local executor, then with `executor = "dask"` on a LocalCluster of `--workers` worker processes on
127.0.0.1, started before the clock runs (its start is printed apart); then both again, warm (each with the
parses its cold build stored: what Dask costs when there is nothing to parse). The two sites must be
byte-identical.
The gazetteer, which a process reads once, is read before either build.

Stages are timed from the build's progress callbacks: parse (until the last article is parsed), the
client-side analysis (resolution, clustering, summaries, statements: until rendering starts), render, and
write (the rest: files, cards, the Pagefind index). The overhead per task is the wall time of 400 one-item
tasks of a function that does nothing, divided by 400.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# This file is named dask.py: its folder leaves the front of the path so that `import dask` finds Dask.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH] + [str(BENCH)]

import yaml  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

from _corpus import DEFAULT_ALLSIDES, DEFAULT_ECBPLUS, read_jsonl  # noqa: E402
from sitegen.analysis.geo import load_gazetteer  # noqa: E402
from sitegen.config import load_settings  # noqa: E402
from sitegen.pipeline.build import build_site  # noqa: E402
from sitegen.pipeline.executor import MAX_BATCH, TASKS_PER_WORKER, DaskExecutor  # noqa: E402

OVERHEAD_TASKS = 400


def write_project(root: Path, rows: list[dict], size: int) -> None:
    """`size` articles from the rows, repeated with dates moved by whole years past the first round."""
    folder = root / "content" / "articles"
    folder.mkdir(parents=True)
    for n in range(size):
        row, copy = rows[n % len(rows)], n // len(rows)
        meta = {"title": row["title"]}
        if row.get("date"):
            date = dt.date.fromisoformat(row["date"])
            meta["date"] = date.replace(year=date.year + copy).isoformat()
        meta.update({key: row[key] for key in ("source", "url") if row.get(key)})
        name = row["id"] + (f"-y{copy}" if copy else "")
        (folder / f"{name}.md").write_text("---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=True)
                                           + "---\n\n" + row["text"] + "\n", encoding="utf-8")
    (root / "sitegen.toml").write_text('title = "Bench"\n', encoding="utf-8")


class StageClock:
    """A build's progress callback that notes when each stage starts and when its last item is done."""

    def __init__(self) -> None:
        self.marks: dict[str, float] = {}

    def __call__(self, description: str, total: int):
        self.marks[f"{description} start"] = time.perf_counter()
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if done >= total:
                self.marks[f"{description} end"] = time.perf_counter()
        return advance


def timed_build(root: Path, name: str, warm: bool, **settings) -> tuple[dict[str, float], Path]:
    """A build into site-NAME with the cache cache-NAME: empty for the cold build, its parses for the warm one."""
    settings = load_settings(root, cache_dir=root / f"cache-{name}", output_dir=root / f"site-{name}", **settings)
    clock = StageClock()
    started = time.perf_counter()
    report = build_site(settings, progress=clock)
    ended = time.perf_counter()
    marks = clock.marks
    assert report.parsed == (0 if warm else report.articles), "the cache was not as expected"
    return {
        "total": ended - started,
        "parse": marks["Analysing articles end"] - marks["Analysing articles start"],
        "analysis": marks["Rendering pages start"] - marks["Analysing articles end"],
        "render": marks["Rendering pages end"] - marks["Rendering pages start"],
        "write": ended - marks["Rendering pages end"],
        "pages": report.pages,
    }, settings.output_dir


def same_tree(one: Path, two: Path) -> bool:
    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    return files(one) == files(two)


def nothing(batch: list[int]) -> list[int]:
    return batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000", help="comma-separated article counts")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--allsides", type=Path, default=DEFAULT_ALLSIDES)
    parser.add_argument("--ecbplus", type=Path, default=DEFAULT_ECBPLUS)
    args = parser.parse_args()
    rows = read_jsonl(args.allsides) + read_jsonl(args.ecbplus)
    load_gazetteer()  # read once per process, before the clock runs, so neither build pays for it
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; "
          f"{len(rows)} DEV articles, repeated with dates moved by years past that")

    started = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as client:
        startup = time.perf_counter() - started
        client.run(lambda: None)
        tick = time.perf_counter()
        client.gather(client.map(nothing, [[n] for n in range(OVERHEAD_TASKS)], pure=False))
        overhead_ms = 1000 * (time.perf_counter() - tick) / OVERHEAD_TASKS
        print(f"LocalCluster of {args.workers} workers started in {startup:.1f} s; overhead "
              f"{overhead_ms:.1f} ms per task (wall time of {OVERHEAD_TASKS} no-op tasks / {OVERHEAD_TASKS})")
        print(f"a build sends {DaskExecutor(client).batches(list(range(1000)))[0].__len__()} articles or pages "
              f"per task for 1,000 items ({TASKS_PER_WORKER} tasks per worker, at most {MAX_BATCH} items)")

        header = f"{'articles':>8} {'executor':<16} {'cache':>5} {'build s':>7} {'parse s':>8} {'analysis s':>10} " \
                 f"{'render s':>8} {'write s':>8} {'pages':>6}  identical"
        print(header)
        for size in (int(s) for s in args.sizes.split(",")):
            with tempfile.TemporaryDirectory(prefix=f"bench-dask-{size}-") as folder:
                root = Path(folder)
                write_project(root, rows, size)
                for warm in (False, True):
                    local, local_site = timed_build(root, "local", warm)
                    dask, dask_site = timed_build(root, "dask", warm, executor="dask",
                                                  scheduler=cluster.scheduler_address)
                    identical = "yes" if same_tree(local_site, dask_site) else "NO"
                    for name, row in (("local", local), (f"dask, {args.workers} workers", dask)):
                        print(f"{size:>8} {name:<16} {'warm' if warm else 'cold':>5} {row['total']:>7.1f} "
                              f"{row['parse']:>8.1f} {row['analysis']:>10.1f} {row['render']:>8.1f} "
                              f"{row['write']:>8.1f} {row['pages']:>6}  {identical}")


if __name__ == "__main__":
    main()
