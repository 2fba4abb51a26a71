"""Builds on a Dask cluster give the local build's site byte for byte, survive a killed worker, share a cache.

The tests start their own LocalCluster on 127.0.0.1 (two worker processes); nothing else touches a network.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import os
import re
import shutil
import signal
import threading
import uuid
from pathlib import Path

import pytest
from distributed import Client, LocalCluster, WorkerPlugin
from typer.testing import CliRunner

from sitegen.cli import app
from sitegen.config import load_settings
from sitegen.output.render import RenderError, TemplateFiles, draw_pages
from sitegen.pipeline.build import BuildReport, analyse_content, build_site
from sitegen.pipeline.executor import (MIN_ITEMS_PER_PROCESS, DaskExecutor, ForkingExecutor, LocalExecutor,
                                       in_background)
from sitegen.site.pages import plan_pages

from conftest import copy_project

# Invented leaders of real countries, and what they meet about: the test's own text, no corpus.
LEADERS = [
    ("Prime Minister", "Hanna Ostberg", "Sweden"), ("President", "Tomas Varga", "Hungary"),
    ("Chancellor", "Ida Brenner", "Austria"), ("President", "Rafael Quintero", "Chile"),
    ("Prime Minister", "Kenji Arakawa", "Japan"), ("President", "Amara Okafor", "Nigeria"),
    ("Prime Minister", "Lucas Moreau", "Belgium"), ("President", "Elena Marin", "Romania"),
    ("Prime Minister", "Sofia Lindqvist", "Finland"), ("President", "Daniel Araya", "Costa Rica"),
]
CITIES = {"Sweden": "Stockholm", "Hungary": "Budapest", "Austria": "Vienna", "Chile": "Santiago",
          "Japan": "Tokyo", "Nigeria": "Abuja", "Belgium": "Brussels", "Romania": "Bucharest",
          "Finland": "Helsinki", "Costa Rica": "San Jose"}
TOPICS = ["energy security", "trade in farm goods", "port investment", "climate finance", "cyber defence",
          "vaccine production", "rail links", "student exchanges"]
OUTLETS = ["Harbor Post", "The Daily Ledger", "Northern Wire", "Capital Courier"]
REPORTS = [
    '{title_a} {a} of {country_a} met {title_b} {b} of {country_b} in {city} on {weekday} to discuss {topic}. '
    'The two leaders agreed to deepen cooperation on {topic}, according to a statement from the office of {a}. '
    '"We share a real interest in {topic}," {a_last} told reporters after the talks. '
    '{b_last} said the visit opened a new chapter in relations between {country_a} and {country_b}.',
    '{title_b} {b} travelled to {city} for talks with {title_a} {a} on {topic}. '
    'Officials from {country_b} said the meeting on {weekday} lasted three hours. '
    '{a_last} and {b_last} signed a memorandum on {topic} and promised to meet again next year.',
    'In {city}, {a} and {b} held a joint news conference after their meeting. '
    '"Our countries can do more together on {topic}," said {b_last}, the {title_b_lower} of {country_b}. '
    '{a_last} welcomed the agreement and said ministers would follow up within months.',
]
MEETINGS = 80  # three reports each: 240 articles


def write_articles(folder: Path) -> int:
    """Reports of invented meetings, from the templates above; dates move on five days per meeting."""
    folder.mkdir(parents=True, exist_ok=True)
    for meeting in range(MEETINGS):
        (title_a, a, country_a) = LEADERS[meeting % len(LEADERS)]
        (title_b, b, country_b) = LEADERS[(meeting * 3 + 1) % len(LEADERS)]
        if a == b:
            (title_b, b, country_b) = LEADERS[(meeting + 5) % len(LEADERS)]
        day = dt.date(2026, 1, 5) + dt.timedelta(days=5 * meeting)
        topic = TOPICS[meeting % len(TOPICS)]
        for number, report in enumerate(REPORTS):
            text = report.format(title_a=title_a, a=a, country_a=country_a, title_b=title_b, b=b,
                                 country_b=country_b, city=CITIES[country_a], weekday=day.strftime("%A"),
                                 topic=topic, a_last=a.split()[-1], b_last=b.split()[-1],
                                 title_b_lower=title_b.lower())
            outlet = OUTLETS[(meeting + number) % len(OUTLETS)]
            (folder / f"meeting-{meeting:03d}-{number}.md").write_text(
                f'---\ntitle: "{a.split()[-1]} and {b.split()[-1]} meet in {CITIES[country_a]} on {topic}"\n'
                f"date: {day + dt.timedelta(days=number % 2)}\nsource: {outlet}\n"
                f"url: https://news.example.org/{meeting}/{number}\n---\n{text}\n", encoding="utf-8")
    return MEETINGS * len(REPORTS)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes on this machine, for the whole module."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as local, Client(local) as client:
        yield local.scheduler_address, client


@pytest.fixture(scope="module")
def big_project(tmp_path_factory, shared_cache):
    """The demo plus the generated reports, and its site built by the local executor."""
    root = copy_project(tmp_path_factory.mktemp("big"))
    count = write_articles(root / "content" / "articles") + 2
    settings = load_settings(root, cache_dir=shared_cache, output_dir=root / "site-local")
    report = build_site(settings)
    assert report.articles == count and report.events > 40
    return root, tree(settings.output_dir), count


def worker_pipelines(client: Client) -> dict[str, list[int]]:
    """The spaCy pipelines each worker process holds, by object id."""
    def held() -> list[int]:
        from sitegen.nlp import engine
        return [id(nlp) for nlp in engine._PIPELINES.values()]
    return client.run(held)


def test_a_dask_build_gives_the_local_site_byte_for_byte(big_project, cluster, tmp_path):
    root, local_site, count = big_project
    address, client = cluster
    settings = load_settings(root, cache_dir=tmp_path / "cold", output_dir=tmp_path / "site", executor="dask",
                             scheduler=address)
    report = build_site(settings)
    assert report.parsed == count  # every article went through spaCy, on the workers
    assert tree(settings.output_dir) == local_site
    loaded = worker_pipelines(client)
    assert sorted(len(ids) for ids in loaded.values()) == [1, 1]  # both workers parsed, one pipeline each

    (root / "content" / "articles" / "late-report.md").write_text(
        "---\ntitle: A late report\ndate: 2027-03-02\nsource: Harbor Post\n---\n"
        "President Tomas Varga of Hungary met Chancellor Ida Brenner of Austria in Budapest.\n", encoding="utf-8")
    try:
        again = build_site(settings)
    finally:
        (root / "content" / "articles" / "late-report.md").unlink()
    assert again.parsed == 1
    assert worker_pipelines(client) == loaded  # kept loaded between tasks and builds, not loaded per task


class KillOnFirstParse(WorkerPlugin):
    """Kills the worker process that starts the build's first parse task: once in the whole cluster."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and str(key).startswith("parse_texts"):
            try:
                os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                return
            os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_mid_build_costs_a_retry_not_the_build(big_project, cluster, tmp_path):
    root, local_site, count = big_project
    address, client = cluster
    marker = tmp_path / "killed"
    client.register_plugin(KillOnFirstParse(str(marker)), name="kill-on-first-parse")
    try:
        settings = load_settings(root, cache_dir=tmp_path / "cold", output_dir=tmp_path / "site",
                                 executor="dask", scheduler=address)
        report = build_site(settings)
    finally:
        client.unregister_worker_plugin("kill-on-first-parse")
    assert marker.exists()  # a worker died while it parsed
    assert report.parsed == count
    assert tree(settings.output_dir) == local_site
    client.wait_for_workers(2, timeout=60)  # its nanny started it again


def test_a_cache_at_a_url_is_shared_by_builds(project, demo_site, cluster, tmp_path):
    address, _ = cluster
    url = f"memory://sitegen-test-{uuid.uuid4().hex}/cache"
    config = project / "sitegen.toml"
    config.write_text(re.sub(r"(?m)^cache_dir = .*$", f'cache_dir = "{url}"', config.read_text(encoding="utf-8")),
                      encoding="utf-8")
    builds = []
    for name in ("first", "second"):
        settings = load_settings(project, output_dir=tmp_path / name, executor="dask", scheduler=address)
        builds.append(build_site(settings))
        assert tree(settings.output_dir) == tree(demo_site)
    assert [b.parsed for b in builds] == [2, 0]  # the second build found the first one's parses


def test_the_build_command_starts_and_stops_its_own_cluster(project, demo_site, tmp_path):
    out = tmp_path / "site"
    result = CliRunner().invoke(app, ["build", "--config", str(project / "sitegen.toml"), "-q", "--out", str(out),
                                      "--executor", "dask"])
    assert result.exit_code == 0, result.output
    assert tree(out) == tree(demo_site)


def test_a_template_error_on_a_worker_names_the_template_and_line(project, cluster, tmp_path):
    address, _ = cluster
    broken = project / "overrides" / "templates" / "event.html"
    broken.parent.mkdir(parents=True)
    broken.write_text("{% extends 'base.html' %}\n{% block main %}\n{{ page.no_such_field }}\n{% endblock %}\n",
                      encoding="utf-8")
    settings = load_settings(project, output_dir=tmp_path / "site", executor="dask", scheduler=address)
    with pytest.raises(RenderError) as caught:
        build_site(settings)
    assert (caught.value.path, caught.value.line) == (str(broken), 3)


def test_workers_draw_with_the_templates_the_build_read(project, cluster):
    _, client = cluster
    override = project / "overrides" / "templates" / "about.html"
    override.parent.mkdir(parents=True)
    override.write_text("About this digest, as written on the build's machine\n", encoding="utf-8")
    settings = load_settings(project)
    digest = analyse_content(settings, BuildReport())
    pages = [page for page in plan_pages(digest) if page.template == "about.html"]
    files = TemplateFiles.read(settings.templates_dir, settings.overrides_dir)
    override.write_text("About this digest, edited\n", encoding="utf-8")
    assert TemplateFiles.read(settings.templates_dir, settings.overrides_dir).find("about.html") != \
        files.find("about.html")
    shutil.rmtree(project / "overrides")  # gone from every disk a worker could read
    [(drawn, _)] = DaskExecutor(client).map(draw_pages, pages, digest, settings.templates_dir, files, False, False)
    assert drawn == {pages[0].file: b"About this digest, as written on the build's machine\n"}


def double(batch: list[int], offset: int) -> list[int]:
    return [2 * n + offset for n in batch]


@pytest.mark.parametrize("count", [0, 1, 7, 250])
def test_executors_give_results_in_input_order(cluster, count):
    _, client = cluster
    items = list(range(count))
    expected = [2 * n + 5 for n in items]
    assert list(LocalExecutor().map(double, items, 5)) == expected
    executor = DaskExecutor(client)
    assert list(executor.map(double, items, 5)) == expected
    batches = executor.batches(items) if items else []
    assert [n for batch in batches for n in batch] == items
    assert all(batches) and max(map(len, batches), default=0) - min(map(len, batches), default=0) <= 1


def test_a_stage_runs_on_this_machines_cores_locally_and_on_the_cluster_in_a_dask_build(cluster):
    _, client = cluster
    local = LocalExecutor().on_cores(7)
    assert isinstance(local, ForkingExecutor) and local.per_process == 7
    executor = DaskExecutor(client)
    assert executor.on_cores(7) is executor


def with_pid(batch: list[int], offset: int) -> list[tuple[int, int]]:
    return [(n + offset, os.getpid()) for n in batch]


def test_a_forking_executor_runs_long_maps_in_other_processes_in_input_order(monkeypatch):
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # as in a build from the command line
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    items = list(range(2 * MIN_ITEMS_PER_PROCESS))
    results = list(ForkingExecutor().map(with_pid, items, 5))
    assert [n for n, _ in results] == [n + 5 for n in items]
    assert os.getpid() not in {pid for _, pid in results}
    few = items[:MIN_ITEMS_PER_PROCESS]  # not worth a fork
    assert list(ForkingExecutor().map(with_pid, few, 5)) == [(n + 5, os.getpid()) for n in few]


def test_work_begun_in_background_gives_its_result_from_another_process_or_from_this_one(monkeypatch):
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    here = os.getpid()
    assert in_background(lambda: ("answer", os.getpid()))()[0] == "answer"
    assert in_background(os.getpid)() != here  # it ran in a forked process

    def dies_unless_here() -> str:
        if os.getpid() != here:
            os._exit(1)  # the forked process ends without an answer
        return "computed here"

    assert in_background(dies_unless_here)() == "computed here"
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # another thread runs: no fork
    assert in_background(os.getpid)() == here


def frozen_in_worker(batch: list[int]) -> list[int]:
    return [gc.get_freeze_count() for _ in batch]


def test_forked_workers_leave_the_objects_they_inherit_to_their_parent(monkeypatch):
    """A worker's collector passes over what it inherited would copy the parent's heap, page by page."""
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    held = [{"an object": n} for n in range(1000)]  # noqa: F841 - what the parent holds when it forks
    frozen = list(ForkingExecutor().map(frozen_in_worker, list(range(2 * MIN_ITEMS_PER_PROCESS))))
    assert min(frozen) > 1000
    assert in_background(gc.get_freeze_count)() > 1000
    assert gc.get_freeze_count() == 0  # this process collects them as before


def test_a_forking_executor_hands_out_batches_that_shrink_to_the_smallest_at_the_end(monkeypatch):
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    sizes = []

    def sizes_of(batch: list[int]) -> list[int]:
        return [len(batch)] * len(batch)

    for size, _ in itertools.groupby(ForkingExecutor(per_process=16).map(sizes_of, list(range(1000))),
                                     key=lambda n: n):
        sizes.append(size)
    assert sizes[0] == 250  # a quarter of the items: half of what is left for each of the two processes
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] == 4  # never fewer than 16 / TASKS_PER_WORKER
