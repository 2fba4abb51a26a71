"""The cache store: a folder or an fsspec URL, atomic local writes (behind, on a thread, inside `with`), and a
damaged entry is a miss."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from pathlib import Path

import fsspec
import pytest

from sitegen.config import ConfigError, load_settings
from sitegen.pipeline import store
from sitegen.pipeline.executor import ForkingExecutor, usable_cores
from sitegen.pipeline.packed import integers, integers_of, packed, texts, texts_of, unpacked
from sitegen.pipeline.store import Cache

KEY = "ab" + "0" * 62


@pytest.fixture(params=["folder", "file-url", "memory"])
def cache(request, tmp_path) -> Cache:
    root = {"folder": tmp_path / "cache", "file-url": f"file://{tmp_path}/cache",
            "memory": f"memory://store-test-{uuid.uuid4().hex}"}[request.param]
    return Cache(root)


def test_an_entry_comes_back_as_written(cache):
    assert cache.get("nlp", KEY) is None
    cache.put("nlp", KEY, b"parsed article")
    assert cache.get("nlp", KEY) == b"parsed article"
    cache.put("nlp", KEY, b"")
    assert cache.get("nlp", KEY) == b""
    assert cache.get("other", KEY) is None


def _filesystem(cache: Cache) -> fsspec.AbstractFileSystem:
    """The store's filesystem (a local folder is read and written without fsspec)."""
    return cache.fs or fsspec.filesystem("file")


def _entry_path(cache: Cache) -> str:
    (path,) = _filesystem(cache).find(cache._path("nlp", KEY).rsplit("/", 2)[0])
    return path


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "emptied", "old format"])
def test_a_damaged_entry_is_a_miss(cache, damage):
    cache.put("nlp", KEY, b"a parse worth keeping")
    path = _entry_path(cache)
    entry = _filesystem(cache).cat_file(path)
    damaged = {"flipped byte": entry[:-1] + bytes([entry[-1] ^ 1]), "truncated": entry[:-5], "emptied": b"",
               "old format": b"a parse worth keeping"}[damage]
    _filesystem(cache).pipe_file(path, damaged)
    assert cache.get("nlp", KEY) is None
    cache.put("nlp", KEY, b"parsed again")  # the next build writes it afresh
    assert cache.get("nlp", KEY) == b"parsed again"


def test_an_unreadable_entry_is_a_miss(tmp_path):
    cache = Cache(tmp_path)
    Path(cache._path("nlp", KEY)).mkdir(parents=True)  # a folder where the entry should be
    assert cache.get("nlp", KEY) is None


def test_a_local_write_leaves_no_temporary_file(tmp_path):
    cache = Cache(tmp_path)
    for n in range(3):
        cache.put("nlp", KEY, b"x" * n)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [KEY]


def test_two_caches_on_one_url_share_entries():
    url = f"memory://shared-{uuid.uuid4().hex}/sitegen-cache"
    Cache(url).put("nlp", KEY, b"from the first build")
    assert Cache(url).get("nlp", KEY) == b"from the first build"
    assert fsspec.filesystem("memory").exists(url.removeprefix("memory://") + f"/nlp/ab/{KEY}")


@pytest.mark.parametrize(("value", "expected"), [
    ("memory://digest-cache", "memory://digest-cache"),
    ("file://{root}/elsewhere", "{root}/elsewhere"),
    ("relative/cache", "{root}/relative/cache"),
])
def test_the_config_takes_a_folder_or_a_url(tmp_path, value, expected):
    (tmp_path / "sitegen.toml").write_text(f'cache_dir = "{value.format(root=tmp_path)}"\n', encoding="utf-8")
    assert str(load_settings(tmp_path).cache_dir) == expected.format(root=tmp_path)


@pytest.mark.parametrize(("value", "message"), [
    ("nosuch://bucket/cache", "unknown storage protocol nosuch://"),
    ("s3://bucket/cache", "s3:// needs a package that is not installed"),
])
def test_a_cache_url_nothing_can_read_is_a_config_error(tmp_path, value, message):
    (tmp_path / "sitegen.toml").write_text(f'title = "T"\ncache_dir = "{value}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'sitegen.toml'}:2: cache_dir (line 2): {message}")


def test_packed_parts_read_back_as_written_and_other_bytes_are_refused():
    parts = [texts(["Zürich", "", "São Paulo"]), integers([0, -3, 2**40]), b""]
    names, numbers, empty = unpacked(packed(parts), 3)
    assert texts_of(names) == ["Zürich", "", "São Paulo"]
    assert integers_of(numbers) == [0, -3, 2**40] and texts_of(empty) == []
    for other in (b"", b"[3]\nabc", packed(parts)[:-1]):
        with pytest.raises(ValueError):
            unpacked(other, 3)
    with pytest.raises(ValueError):
        unpacked(packed(parts), 2)


@pytest.fixture
def held_writes(monkeypatch) -> threading.Event:
    """Writes behind wait until the returned event is set (the disk is slow)."""
    release = threading.Event()
    write = store._write_atomically

    def held(path: str, data: bytes) -> None:
        if threading.current_thread().name == "sitegen-cache-writer":
            assert release.wait(timeout=30)
        write(path, data)

    monkeypatch.setattr(store, "_write_atomically", held)
    return release


def _on_disk(root: Path) -> dict[str, bytes | None]:
    """The entries a new cache (another build) finds under `root`."""
    return {key: Cache(root).get("nlp", key) for key in (KEY, KEY2)}


KEY2 = "cd" + "1" * 62


def test_an_entry_waiting_to_be_written_reads_as_written_and_is_on_disk_when_the_block_ends(tmp_path, held_writes):
    with Cache(tmp_path) as cache:
        cache.put("nlp", KEY, b"first")
        cache.put("nlp", KEY2, b"second")
        cache.put("nlp", KEY, b"first, parsed again")
        assert cache.get("nlp", KEY) == b"first, parsed again" and cache.get("nlp", KEY2) == b"second"
        assert _on_disk(tmp_path) == {KEY: None, KEY2: None}
        held_writes.set()
    assert _on_disk(tmp_path) == {KEY: b"first, parsed again", KEY2: b"second"}
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted([KEY, KEY2])  # no temporary file


def test_writes_wait_for_the_disk_past_the_pending_limit(tmp_path, held_writes, monkeypatch):
    monkeypatch.setattr(store, "PENDING_BYTES", 100)
    with Cache(tmp_path) as cache:
        cache.put("nlp", KEY, b"x" * 60)
        second = threading.Thread(target=cache.put, args=("nlp", KEY2, b"y" * 60))
        second.start()
        second.join(timeout=0.5)
        assert second.is_alive()  # 120 bytes would be waiting: the put waits for the first write
        held_writes.set()
        second.join(timeout=30)
        assert not second.is_alive()
    assert _on_disk(tmp_path) == {KEY: b"x" * 60, KEY2: b"y" * 60}


def test_a_failed_write_behind_fails_the_block_as_a_write_in_line_fails_the_put(tmp_path):
    (tmp_path / "a-file").write_bytes(b"")
    root = tmp_path / "a-file" / "cache"  # no folder can be made here
    with pytest.raises(NotADirectoryError):
        Cache(root).put("nlp", KEY, b"parsed")
    with pytest.raises(NotADirectoryError):
        with Cache(root) as cache:
            cache.put("nlp", KEY, b"parsed")
    with pytest.raises(ValueError, match="the build's own error"):  # not hidden by the cache's
        with Cache(root) as cache:
            cache.put("nlp", KEY, b"parsed")
            raise ValueError("the build's own error")


def test_a_fork_waits_for_the_writes_and_the_forked_process_writes_its_own(tmp_path, monkeypatch):
    write = store._write_atomically
    monkeypatch.setattr(store, "_write_atomically", lambda path, data: (time.sleep(0.01), write(path, data)))
    keys = [f"{n:02x}" + "0" * 62 for n in range(20)]
    with Cache(tmp_path) as cache:
        for key in keys:
            cache.put("nlp", key, key.encode())
        pid = os.fork()  # while 20 writes wait
        if pid == 0:
            found = sum(Cache(tmp_path).get("nlp", key) == key.encode() for key in keys)
            cache.put("nlp", KEY, b"from the forked process")  # in line: on disk at once
            os._exit(0 if found == len(keys) and Path(cache._path("nlp", KEY)).exists() else 1)
        assert _exit_code(pid) == 0  # it read all 20 on disk, and its own write was there
        assert cache.get("nlp", KEY) == b"from the forked process"
        cache.put("nlp", KEY2, b"after the fork")
    assert _on_disk(tmp_path) == {KEY: b"from the forked process", KEY2: b"after the fork"}


def _exit_code(pid: int, timeout: float = 30) -> int | None:
    """The forked process's exit code; None (and it is ended) when it hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def _pids(batch: list[int]) -> list[int]:
    return [os.getpid() for _ in batch]


@pytest.mark.skipif(usable_cores() < 2, reason="forks onto two cores")
def test_the_stages_still_fork_while_the_cache_writes_behind(tmp_path, monkeypatch):
    def build_and_writer() -> int:  # as in a build from the command line (this process runs other tests' threads)
        return 1 + sum(thread.name == "sitegen-cache-writer" for thread in threading.enumerate())

    monkeypatch.setattr(threading, "active_count", build_and_writer)
    with Cache(tmp_path) as cache:
        cache.put("nlp", KEY, b"waiting")
        assert build_and_writer() == 2
        assert os.getpid() not in ForkingExecutor(per_process=2).map(_pids, range(8))
