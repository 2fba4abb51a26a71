"""Where the heavy per-item stages (parsing, drawing pages) run: in this process, or as tasks on a Dask cluster.

A task is a picklable function `task(batch, *shared)` that returns one result per item of its batch, in
order. An executor maps it over the items in batches and hands back the results in input order, so the
build is the same whichever executor ran it. The shared values (the digest, the curated names) go to each
worker once, not with every batch.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from distributed import Client

    from ..config import Settings

Item = TypeVar("Item")
Result = TypeVar("Result")
Task = Callable[..., Iterable[Result]]

TASKS_PER_WORKER = 4  # batches per worker: enough to even out slow batches, few enough to keep overhead low
MAX_BATCH = 100  # items per batch at most: a worker that dies loses no more work than this


class Executor(Protocol):
    def map(self, task: Task[Result], items: Sequence[Item], *shared: Any) -> Iterator[Result]:
        """`task(batch, *shared)` over batches of `items`: one result per item, in input order."""


class LocalExecutor:
    """In this process, all items as one batch, results as the task yields them: no Dask, no copies."""

    def map(self, task: Task[Result], items: Sequence[Item], *shared: Any) -> Iterator[Result]:
        yield from task(list(items), *shared)


def _run_batch(task: Task[Result], batch: list[Item], *shared: Any) -> list[Result]:
    """What a Dask worker runs: the task over one batch, its results gathered to send back."""
    return list(task(batch, *shared))


class DaskExecutor:
    """Batches as tasks on a dask.distributed cluster. A worker that dies takes its tasks with it; the
    scheduler runs them again on another worker (up to its `allowed-failures`), so the build only waits."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def map(self, task: Task[Result], items: Sequence[Item], *shared: Any) -> Iterator[Result]:
        items = list(items)
        if not items:
            return
        # one at a time: scatter would split a list into items
        scattered = [self.client.scatter([value], broadcast=True, hash=False)[0] for value in shared]
        futures = [self.client.submit(_run_batch, task, batch, *scattered, pure=False,
                                      key=f"{task.__name__}-{index}-{os.urandom(4).hex()}")
                   for index, batch in enumerate(self.batches(items))]
        try:
            for future in futures:  # in submission order: results stream back in input order
                yield from future.result()
        finally:
            self.client.cancel(futures + scattered)

    def batches(self, items: list[Item]) -> list[list[Item]]:
        """Contiguous batches of nearly equal size: TASKS_PER_WORKER per worker, at most MAX_BATCH items each."""
        workers = max(1, len(self.client.scheduler_info()["workers"]))
        count = min(len(items), max(workers * TASKS_PER_WORKER, math.ceil(len(items) / MAX_BATCH)))
        size, extra = divmod(len(items), count)
        bounds = [i * size + min(i, extra) for i in range(count + 1)]
        return [items[start:end] for start, end in zip(bounds, bounds[1:])]


@contextmanager
def open_executor(settings: Settings) -> Iterator[Executor]:
    """The executor the settings ask for, closed (its local cluster stopped) when the build ends."""
    if settings.executor == "local":
        yield LocalExecutor()
        return
    from distributed import Client, LocalCluster  # only a Dask build imports Dask

    if settings.scheduler:
        with Client(settings.scheduler) as client:
            yield DaskExecutor(client)
        return
    with LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as client:
        yield DaskExecutor(client)
