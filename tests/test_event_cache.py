"""Each event's description is cached by what it reads: described once for the same members, again when
something it reads changes; the words clustering reads of each text, read once per text (a damaged entry of
either is computed again: test_stage_cache.py); and the site is the same whether the work ran on one core
or two."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from typing import Any

from test_deps import files_of

import sitegen.analysis.events.assemble as assemble
from sitegen.config import Settings, load_settings
from sitegen.pipeline.build import build_site

OTHER_STORY = ("---\ntitle: Ministers call\ndate: 2026-03-05\n---\nThe foreign ministers of Peru and Ghana spoke by "
               "phone about fishing rights.\n")


def recorded_calls(monkeypatch, name: str, seen: Callable[[Any], Any]) -> list:
    """What each call of `assemble.<name>` was given (its first argument, as `seen` tells it)."""
    calls: list = []
    real = getattr(assemble, name)

    def counting(first, *args, **kwargs):
        calls.append(seen(first))
        return real(first, *args, **kwargs)

    monkeypatch.setattr(assemble, name, counting)
    return calls


def built_twice_calls_nothing(settings: Settings, calls: list) -> bool:
    """A first build, then a second of the same content that makes no call and gives the same site."""
    build_site(settings)
    first = files_of(settings.output_dir)
    calls.clear()
    build_site(settings)
    return calls == [] and files_of(settings.output_dir) == first


def test_an_event_is_described_again_only_when_what_it_reads_changed(project, monkeypatch):
    described = recorded_calls(monkeypatch, "describe_event", lambda members: [m.id for m in members])
    settings = load_settings(project)
    assert built_twice_calls_nothing(settings, described)
    (project / "content/articles/zz-peru.md").write_text(OTHER_STORY, encoding="utf-8")
    build_site(settings)
    assert described == [["zz-peru"]]  # the demo event reads nothing the new story changed
    described.clear()
    article = sorted((project / "content/articles").glob("0*"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "The two leaders also talked about fisheries.\n",
                       encoding="utf-8")
    build_site(settings)
    assert len(described) == 1 and article.stem in described[0] and "zz-peru" not in described[0]  # its event only


def test_only_an_edited_text_is_tokenised_again(project, monkeypatch):
    read = recorded_calls(monkeypatch, "item_words", lambda text: text)
    settings = load_settings(project)
    assert built_twice_calls_nothing(settings, read)
    article = sorted((project / "content/articles").glob("0*"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "\nTalks on fisheries went on past midnight.\n",
                       encoding="utf-8")
    build_site(settings)
    assert len(read) == 1 and read[0].endswith("Talks on fisheries went on past midnight.")


def test_an_edit_works_out_the_ids_of_the_events_it_describes_again_only(project, monkeypatch, tmp_path):
    described = recorded_calls(monkeypatch, "describe_event", lambda members: [m.id for m in members])
    asked = recorded_calls(monkeypatch, "own_event_id", lambda article: article.id)
    settings = load_settings(project)
    (project / "content/articles/zz-peru.md").write_text(OTHER_STORY, encoding="utf-8")
    build_site(settings)
    article = sorted((project / "content/articles").glob("0*"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "Their aides met again the next morning.\n",
                       encoding="utf-8")
    described.clear()
    asked.clear()
    build_site(settings)
    assert sorted(asked) == sorted(described[0]) and article.stem in asked  # the edited event's members only
    edited = files_of(settings.output_dir)
    cold = load_settings(project, cache_dir=tmp_path / "cold-cache", output_dir=tmp_path / "cold-site")
    build_site(cold)
    assert files_of(cold.output_dir) == edited  # the events kept have the ids a cold build gives them


def test_a_cold_build_on_two_cores_gives_the_site_a_build_on_one_gives(project, monkeypatch, tmp_path, shared_cache):
    """The work a cold build begins in the background (the place tables, the clusters) gives the site it gives
    in line."""
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # as in a build from the command line
    build_site(load_settings(project))  # the parses, into the shared cache
    sites = {}
    for cores in (2, 1):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
        clustered = recorded_calls(monkeypatch, "cluster_events", lambda items: len(items))
        cache = tmp_path / f"cache-{cores}"
        shutil.copytree(shared_cache / "nlp", cache / "nlp")
        settings = load_settings(project, cache_dir=cache, output_dir=tmp_path / f"site-{cores}")
        build_site(settings)
        sites[cores] = files_of(settings.output_dir), len(clustered)
    assert sites[2][0] == sites[1][0]
    assert sites[2][1] == 0 < sites[1][1]  # on two cores the clusters were found in another process, on one here
