"""A content-addressed store: results are found by a hash of everything that produced them.

The store lives in a local folder or at any fsspec URL (`file://`, `memory://`, `s3://bucket/prefix`, ...),
so builds on several machines and the workers of a cluster can share one. A local folder is read and written
with the standard library (fsspec is imported only for a URL: its import and calls cost a local build ~0.15 s).
Inside `with cache:` a local folder's entries are written behind, on a thread of their own (`_Writer`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Generic, NamedTuple, TypeVar

from pydantic import BaseModel

from .executor import stopped_before_fork

_MAGIC = b"sitegen-cache-1\n"
_DIGEST_SIZE = 16
PENDING_BYTES = 64 << 20  # entries waiting for the disk at most; a build that gets this far ahead waits for it


def cache_key(*parts: str) -> str:
    """One hex digest over all parts; the separator keeps ("ab", "c") apart from ("a", "bc")."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _checksum(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=_DIGEST_SIZE).digest()


class Cache:
    """Entries live at `root/<namespace>/<key[:2]>/<key>`, each with a checksum of its bytes.

    A local write goes to a temporary file renamed into place, so a killed build leaves no half entry; an
    object store (s3, memory) writes whole objects. Where a filesystem can do neither, the checksum still
    turns a torn or damaged entry into a miss, as it does for an unreadable one.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = root
        if isinstance(root, Path) or "://" not in root:
            self.fs, self._base = None, os.path.abspath(root)
        else:
            from fsspec.core import url_to_fs
            from fsspec.implementations.local import LocalFileSystem

            self.fs, self._base = url_to_fs(root)
            if isinstance(self.fs, LocalFileSystem):  # file://
                self.fs = None
        self._behind: _Writer | None = None

    def __enter__(self) -> Cache:
        """Write a local folder's entries behind until the block ends, on a thread: each write (a temporary
        file and a rename, 0.4-0.75 ms of system calls; 3,347 in a cold 1,000-article build) then runs on
        another core while the build goes on. A `get` finds an entry still waiting. A URL's store writes as
        `put` is called, as it does outside the block, where nothing waits (so no exit handler is needed)."""
        if self.fs is None and self._behind is None:
            self._behind = _Writer()
            _WRITING_BEHIND.add(self)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        """Wait until every entry is on disk; raise the error a write gave (a full disk, a read-only
        folder), as `put` does outside the block, unless the block is raising already."""
        writer, self._behind = self._behind, None
        _WRITING_BEHIND.discard(self)
        failed = writer.stop() if writer is not None else None
        if failed is not None and error is None:
            raise failed

    def _path(self, namespace: str, key: str) -> str:
        return f"{self._base.rstrip('/')}/{namespace}/{key[:2]}/{key}"

    def get(self, namespace: str, key: str) -> bytes | None:
        path = self._path(namespace, key)
        entry = self._behind.waiting(path) if self._behind is not None else None
        if entry is None:
            try:
                entry = self._read(path)
            except (OSError, ValueError):  # fsspec reports a missing or unreadable object as one of these
                return None
        header = len(_MAGIC) + _DIGEST_SIZE
        data = entry[header:]
        return data if entry[:len(_MAGIC)] == _MAGIC and entry[len(_MAGIC):header] == _checksum(data) else None

    def holds(self, namespace: str, key: str) -> bool:
        """Whether there is an entry under `key` (read or not, it may still be damaged: `get` tells)."""
        path = self._path(namespace, key)
        if self._behind is not None and self._behind.waiting(path) is not None:
            return True
        return self.fs.exists(path) if self.fs is not None else os.path.exists(path)

    def _read(self, path: str) -> bytes:
        if self.fs is not None:
            return self.fs.cat_file(path)
        with open(path, "rb") as handle:
            return handle.read()

    def put(self, namespace: str, key: str, data: bytes) -> None:
        path, entry = self._path(namespace, key), _MAGIC + _checksum(data) + data
        if self._behind is not None:
            self._behind.add(path, entry)
            return
        if self.fs is None:
            _write_atomically(path, entry)
            return
        try:
            self.fs.pipe_file(path, entry)
        except FileNotFoundError:  # a filesystem with real folders (sftp, ftp) wants the parent first
            self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            self.fs.pipe_file(path, entry)


class StageStore(NamedTuple):
    """Where the analysis stages keep their results, and each article's parse key by article id: a parse is a
    function of its key, so the key stands in for the parse in the keys of the stages that read it."""

    cache: Cache
    parses: Mapping[str, str]


Result = TypeVar("Result", bound=BaseModel)


def stored(cache: Cache | None, namespace: str, key: str, kind: type[Result], compute: Callable[[], Result]) -> Result:
    """`compute()`, or what the store holds under `key` (see `load`); without a store, `compute()`."""
    found = load(cache, namespace, key, kind) if cache is not None else None
    if found is None:
        found = compute()
        if cache is not None:
            keep(cache, namespace, key, found)
    return found


def stored_each(cache: Cache | None, namespace: str, keys: Sequence[str], kind: type[Result],
                compute: Callable[[list[int]], Iterable[Result]]) -> list[Result]:
    """What the store holds under each key (see `load`); `compute(positions)` gives the results of the keys it
    lacks, in order, all at once (so they may be computed on several cores), and they are kept. Without a
    store every result is computed."""
    found = [load(cache, namespace, key, kind) if cache is not None else None for key in keys]
    for index in _fill(found, compute):
        if cache is not None:
            keep(cache, namespace, keys[index], found[index])
    return [result for result in found if result is not None]


class Batch(BaseModel, Generic[Result]):
    """Results by their keys, kept as one entry."""

    results: dict[str, Result]


def stored_together(cache: Cache | None, namespace: str, keys: Sequence[str], kind: type[Result],
                    compute: Callable[[list[int]], Iterable[Result]],
                    holds: Callable[[int, Result], bool] = lambda index, result: True) -> list[Result]:
    """`stored_each` for many small results (one per article): all in one entry of the namespace, one file to
    read and write instead of a thousand. Each result is still found by its own key alone, and kept only while
    `holds(position, result)` (a result that recorded what else it read checks it there); the entry keeps this
    call's keys only, so it never outgrows the content; a damaged entry is a miss of them all."""
    batch = Batch[kind]
    held = load(cache, namespace, cache_key(namespace), batch) if cache is not None else None
    results = held.results if held is not None else {}
    found: list[Result | None] = [result if result is not None and holds(index, result) else None
                                  for index, result in enumerate(results.get(key) for key in keys)]
    if (list(_fill(found, compute)) or results.keys() != set(keys)) and cache is not None:
        keep(cache, namespace, cache_key(namespace), batch(results=dict(zip(keys, found))))
    return [result for result in found if result is not None]


def _fill(found: list[Result | None], compute: Callable[[list[int]], Iterable[Result]]) -> Iterator[int]:
    """Put `compute(positions)` where `found` holds None, each position given as soon as it is filled."""
    missing = [index for index, result in enumerate(found) if result is None]
    for index, result in zip(missing, compute(missing), strict=True):
        found[index] = result
        yield index


def load(cache: Cache, namespace: str, key: str, kind: type[Result]) -> Result | None:
    """The `kind` kept under `key`, or None: a missing or damaged entry (the cache checks every entry's
    checksum), or one of another shape, is a miss, computed and kept again by the caller."""
    body = cache.get(namespace, key)
    if body:
        try:
            return kind.model_validate_json(body)
        except ValueError:  # pydantic's ValidationError is one
            pass
    return None


def keep(cache: Cache, namespace: str, key: str, result: BaseModel) -> None:
    cache.put(namespace, key, result.model_dump_json().encode("utf-8"))


class _Writer:
    """Entries written in the order given, on a thread of its own, each readable from memory until it is on
    disk; at most PENDING_BYTES wait (a caller past that waits for room). The first failed write is kept,
    raised by the next `add` and returned by `stop`, and the entries still waiting are dropped (a cache that
    cannot be written is a build error, as it is when writing in line).

    The thread ends before every fork (`_stop_before_fork`): a forked process gets no lock held and no
    half-done write, and its caches write in line."""

    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._pending: dict[str, bytes] = {}  # by path; a later `add` of a waiting path replaces its bytes
        self._writing: tuple[str, bytes] | None = None
        self._bytes = 0  # of the entries waiting or being written
        self._thread: threading.Thread | None = None
        self.error: Exception | None = None

    def waiting(self, path: str) -> bytes | None:
        """The last entry added for `path` that is not yet on disk."""
        with self._ready:
            entry = self._pending.get(path)
            if entry is None and self._writing is not None and self._writing[0] == path:
                entry = self._writing[1]
            return entry

    def add(self, path: str, entry: bytes) -> None:
        with self._ready:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sitegen-cache-writer", daemon=True)
                stopped_before_fork(self._thread).start()
            while self.error is None and self._bytes and self._bytes + len(entry) > PENDING_BYTES:
                self._ready.wait()
            if self.error is not None:
                raise self.error
            self._bytes += len(entry) - len(self._pending.get(path, b""))
            self._pending[path] = entry
            self._ready.notify_all()

    def stop(self) -> Exception | None:
        """Wait for every entry to be written and the thread to end (a later `add` starts another); the
        failed write's error, if one failed."""
        with self._ready:
            while self.error is None and (self._pending or self._writing):
                self._ready.wait()
            thread, self._thread = self._thread, None
            self._ready.notify_all()
        if thread is not None:
            thread.join()
        return self.error

    def _run(self) -> None:
        me = threading.current_thread()
        while True:
            with self._ready:
                while not self._pending and self._thread is me:
                    self._ready.wait()
                if self._thread is not me:
                    return
                path = next(iter(self._pending))
                self._writing = path, self._pending.pop(path)
            try:
                _write_atomically(*self._writing)
                failed = None
            except Exception as error:  # noqa: BLE001 (kept for the build's thread to raise)
                failed = error
            with self._ready:
                self._bytes -= len(self._writing[1])
                self._writing = None
                if failed is not None:
                    self.error = failed
                    self._pending.clear()
                    self._bytes = 0
                self._ready.notify_all()


_WRITING_BEHIND: weakref.WeakSet[Cache] = weakref.WeakSet()  # the caches inside their `with` block


def _stop_before_fork() -> None:
    for cache in list(_WRITING_BEHIND):
        if cache._behind is not None:
            cache._behind.stop()


def _write_in_line_after_fork() -> None:
    """In a forked process: the parent writes what waited (nothing: `_stop_before_fork`); this one writes
    its own entries as it puts them."""
    for cache in list(_WRITING_BEHIND):
        cache._behind = None
    _WRITING_BEHIND.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_stop_before_fork, after_in_child=_write_in_line_after_fork)


def _write_atomically(path: str, data: bytes) -> None:
    """A temporary file renamed into place; the folder is made only when it is missing (~0.1 ms a write)."""
    folder = os.path.dirname(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
