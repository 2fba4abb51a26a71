"""A content-addressed store: results are found by a hash of everything that produced them.

The store lives in a local folder or at any fsspec URL (`file://`, `memory://`, `s3://bucket/prefix`, ...),
so builds on several machines and the workers of a cluster can share one. A local folder is read and written
with the standard library (fsspec is imported only for a URL: its import and calls cost a local build ~0.15 s).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar

from pydantic import BaseModel

_MAGIC = b"sitegen-cache-1\n"
_DIGEST_SIZE = 16


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

    def _path(self, namespace: str, key: str) -> str:
        return f"{self._base.rstrip('/')}/{namespace}/{key[:2]}/{key}"

    def get(self, namespace: str, key: str) -> bytes | None:
        try:
            if self.fs is None:
                with open(self._path(namespace, key), "rb") as handle:
                    entry = handle.read()
            else:
                entry = self.fs.cat_file(self._path(namespace, key))
        except (OSError, ValueError):  # fsspec reports a missing or unreadable object as one of these
            return None
        header = len(_MAGIC) + _DIGEST_SIZE
        data = entry[header:]
        return data if entry[:len(_MAGIC)] == _MAGIC and entry[len(_MAGIC):header] == _checksum(data) else None

    def put(self, namespace: str, key: str, data: bytes) -> None:
        path, entry = self._path(namespace, key), _MAGIC + _checksum(data) + data
        if self.fs is None:
            _write_atomically(Path(path), entry)
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


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
