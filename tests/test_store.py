"""The cache store: a folder or an fsspec URL, atomic local writes, and a damaged entry is a miss."""

from __future__ import annotations

import uuid
from pathlib import Path

import fsspec
import pytest

from sitegen.config import ConfigError, load_settings
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
