"""Where the heavy per-item stages (parsing, drawing pages) run: in this process, or as tasks on a Dask cluster.

A task is a picklable function `task(batch, *shared)` that returns one result per item of its batch, in
order. An executor maps it over the items in batches and hands back the results in input order, so the
build is the same whichever executor ran it. The shared values (the digest, the curated names) go to each
worker once, not with every batch.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from distributed import Client

    from ..config import Settings

Item = TypeVar("Item")
Result = TypeVar("Result")
Task = Callable[..., Iterable[Result]]

TASKS_PER_WORKER = 4  # batches per Dask worker: enough to even out slow batches, few enough to keep overhead low
MAX_BATCH = 100  # items per batch at most: a worker that dies loses no more work than this
MIN_ITEMS_PER_PROCESS = 250  # a forked process repays its start and the way back of its results (pages: ~1 s)


class Executor(Protocol):
    def map(self, task: Task[Result], items: Sequence[Item], *shared: Any) -> Iterator[Result]:
        """`task(batch, *shared)` over batches of `items`: one result per item, in input order."""

    def on_cores(self, per_process: int) -> Executor:
        """Where a stage whose items repay a forked process past `per_process` of them runs: on this machine's
        cores for a local build (`ForkingExecutor`), on the same cluster for a Dask build."""


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class LocalExecutor:
    """In this process, all items as one batch, results as the task yields them: no Dask, no copies. The task
    is called at once (a parse asks the warm start before the caller takes the first result)."""

    def map(self, task: Task[Result], items: Sequence[Item], *shared: Any) -> Iterator[Result]:
        return iter(task(list(items), *shared))

    def on_cores(self, per_process: int) -> Executor:
        return ForkingExecutor(per_process)


class ForkingExecutor:
    """On this machine's cores: contiguous batches in forked processes, which inherit the task and its shared
    values (only the items and results travel), each batch to the first free process, in batches that
    shrink as the work runs out (`_guided`). In this process when there are fewer than `per_process` items
    for each of two processes or when it may not fork (`can_fork`)."""

    def __init__(self, per_process: int = MIN_ITEMS_PER_PROCESS) -> None:
        self.per_process = per_process

    def on_cores(self, per_process: int) -> Executor:
        return ForkingExecutor(per_process)

    def map(self, task: Task[Result], items: Sequence[Item], *shared: Any) -> Iterator[Result]:
        items = list(items)
        count = min(usable_cores(), len(items) // self.per_process)
        if count < 2 or not can_fork():
            yield from task(items, *shared)
            return
        global _forked
        _forked = task, shared
        try:
            with _started_frozen(lambda: multiprocessing.get_context("fork").Pool(count)) as pool:
                for results in pool.imap(_run_forked, _guided(items, count, self.per_process // TASKS_PER_WORKER)):
                    yield from results
        finally:
            _forked = None


def can_fork() -> bool:
    """Whether this process may fork a worker: no other thread runs (a server's: a fork would copy the locks it
    holds; not those `stopped_before_fork`), it is not a worker itself, and the system can fork."""
    return not (_other_threads() or multiprocessing.current_process().daemon
                or "fork" not in multiprocessing.get_all_start_methods())


def in_background(task: Callable[[], Result]) -> Callable[[], Result]:
    """`task()` begun now in a forked process, on the other core while this one goes on; the function returned
    waits for its result (sent back pickled). With one core or where `can_fork` says no, or when the forked
    process fails, `task()` runs in this process when its result is asked for: the result is the same."""
    if usable_cores() < 2 or not can_fork():
        return task
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe(duplex=False)
    sys.stdout.flush()  # a forked process writes what its parent's buffers held when it ends
    sys.stderr.flush()
    process = context.Process(target=_send_result, args=(task, theirs), daemon=True)
    _started_frozen(process.start)
    theirs.close()

    def result() -> Result:
        try:
            return ours.recv()
        except EOFError:  # it failed: the task's error, if it has one, is raised here
            return task()
        finally:
            ours.close()
            process.join()

    return result


def _send_result(task: Callable[[], Result], connection: Connection) -> None:
    """`in_background`'s process: a failure sends nothing, for the caller to run the task and meet it."""
    try:
        connection.send(task())
    except Exception:  # noqa: BLE001 (see the docstring)
        pass


def _started_frozen(start: Callable[[], Result]) -> Result:
    """`start()`, which forks, with this process's objects out of the cyclic collector's reach in the children
    (`gc.freeze`): a collection in a child writes to every object it traverses, so each page of the inherited
    heap was copied (system time) although the child only read it. Python's docs advise this around a fork."""
    gc.freeze()
    try:
        return start()
    finally:
        gc.unfreeze()


_STOPPED_BEFORE_FORK: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


def stopped_before_fork(thread: threading.Thread) -> threading.Thread:
    """Count `thread` out of those that keep `ForkingExecutor` from forking: it ends before every fork (its
    owner stops it in an `os.register_at_fork` hook), so no fork copies a lock it holds."""
    _STOPPED_BEFORE_FORK.add(thread)
    return thread


def _other_threads() -> bool:
    return threading.active_count() - sum(thread.is_alive() for thread in _STOPPED_BEFORE_FORK) > 1


_forked: tuple[Task, tuple] | None = None  # what forked workers run: set before the fork, inherited by it


def _run_forked(batch: list[Item]) -> list[Result]:
    assert _forked is not None
    task, shared = _forked
    return list(task(batch, *shared))


def _guided(items: list[Item], workers: int, smallest: int) -> list[list[Item]]:
    """Contiguous batches for `workers` processes that each take a fixed share of the items still left, never
    fewer than `smallest` (guided self-scheduling): the first batches are large, so there are few of them,
    and the last are small, so no process waits long on the last batch of another. Equal batches left up
    to half a batch of work on one process at the end (~2 s of a 1,000-article parse)."""
    batches, start = [], 0
    while start < len(items):
        size = max(smallest, 1, math.ceil((len(items) - start) / (2 * workers)))
        batches.append(items[start:start + size])
        start += size
    return batches


def _contiguous(items: list[Item], count: int) -> list[list[Item]]:
    """`count` contiguous batches of nearly equal size (fewer when there are fewer items)."""
    count = max(1, min(count, len(items)))
    size, extra = divmod(len(items), count)
    bounds = [i * size + min(i, extra) for i in range(count + 1)]
    return [items[start:end] for start, end in zip(bounds, bounds[1:])]


def _run_batch(task: Task[Result], batch: list[Item], *shared: Any) -> list[Result]:
    """What a Dask worker runs: the task over one batch, its results gathered to send back."""
    return list(task(batch, *shared))


class DaskExecutor:
    """Batches as tasks on a dask.distributed cluster. A worker that dies takes its tasks with it; the
    scheduler runs them again on another worker (up to its `allowed-failures`), so the build only waits."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def on_cores(self, per_process: int) -> Executor:
        return self

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
        return _contiguous(items, max(workers * TASKS_PER_WORKER, math.ceil(len(items) / MAX_BATCH)))


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
