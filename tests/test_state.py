"""`sitegen build` keeps its state between runs: a build with nothing changed writes nothing and imports
nothing heavy, a build after an edit redoes only what it needs and gives the same bytes as a clean build, and
a damaged state means a full build, never a crash."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_deps import _edit, _mark_first_block, _write, files_of
from typer.testing import CliRunner

from sitegen import cli
from sitegen.config import CONFIG_NAME, Settings, load_settings
from sitegen.pipeline import state
from sitegen.pipeline.build import build_site

HEAVY = ("spacy", "pydantic", "typer", "rich", "sklearn", "jinja2", "numpy")
DEMO_EVENT = "2026-01-13-lee-and-takaichi-meet-in-nara"
CARD = "content/entities/people/sanae-takaichi.md"


def test_the_state_finds_its_folder_as_the_settings_do():
    assert Settings().cache_dir == Path(state.DEFAULT_CACHE_DIR) and state.CONFIG_NAME == CONFIG_NAME
    options = {p.name for p in inspect.signature(cli.build).parameters.values()}
    flags = {o[2:] for o in (*state.STRICT, *state.QUIET) if o.startswith("--") and not o.startswith("--no-")}
    assert {o[2:].replace("-", "_") for o in state.VALUE_OPTIONS} | flags == options


def test_build_arguments_the_check_reads_and_those_it_leaves_to_the_command_line(tmp_path):
    cwd = str(tmp_path)
    called = state.parse_build_args(["-q", "--out", "x", "--base-url=/d/", "--strict"], cwd)
    assert called == state.invocation(cwd, strict=True, out=tmp_path / "x", base_url="/d/")
    assert called.key == state.parse_build_args(["--base-url", "/d/", "--out", str(tmp_path / "x")], cwd).key
    for args in (["--help"], ["--out"], ["--out", "--strict"], ["--unknown"], ["site"]):
        assert state.parse_build_args(args, cwd) is None, args


def build(project: Path, *options: str) -> str:
    result = CliRunner().invoke(cli.app, ["build", "--config", str(project / "sitegen.toml"), "-q", *options])
    assert result.exit_code == 0, result.output
    return result.stdout


def clean_build(project: Path) -> None:
    """A build from scratch of the same content, into folders of its own, to compare with."""
    build_site(load_settings(project, output_dir=project / "full", cards_dir=project / "full-cards"))


def same_as_clean(project: Path) -> bool:
    clean_build(project)
    return (files_of(project / "site") == files_of(project / "full")
            and files_of(project / ".sitegen/cards") == files_of(project / "full-cards"))


def test_every_kind_of_edit_gives_the_bytes_of_a_clean_build(project):
    assert "spaCy ran on" in build(project)
    article = sorted((project / "content/articles").iterdir())[0]
    extra = project / "content/articles/zz-extra.md"
    card = project / CARD
    edits = [
        ("article text", lambda: _edit(article, "\n", "\nThe two leaders also talked about fisheries.\n")),
        ("article added", lambda: _write(extra, "---\ntitle: A call\ndate: 2026-02-02\n---\nPrime Minister Sanae "
                                                "Takaichi spoke with President Lee Jae-myung by phone.\n")),
        ("article removed", extra.unlink),
        ("new card", lambda: _write(card, "---\nname: Sanae Takaichi\nkind: person\n---\nA curated note.\n")),
        ("card text", lambda: _edit(card, "A curated note.", "Another note.")),
        ("card alias", lambda: _edit(card, "kind: person\n", "kind: person\naliases: [PM Takaichi]\n")),
        ("event override", lambda: _write(project / "content/events/nara.md",
                                          f"---\nevent: {DEMO_EVENT}\ntitle: Talks in Nara\n---\n")),
        ("template", lambda: _mark_first_block(project / "templates/event.html")),
        ("static file", lambda: _edit(project / "static/style.css", "", "/* edited */\n")),
        ("config", lambda: _edit(project / "sitegen.toml", 'title = "Diplomacy Digest"', 'title = "Digest"')),
    ]
    for name, edit in edits:
        edit()
        line = build(project)
        assert ("spaCy ran on" in line and "redrew" not in line) if name == "config" else "redrew" in line, (name, line)
        assert same_as_clean(project), name
    assert "nothing changed" in build(project)


def test_a_build_that_wrote_nothing_keeps_the_outputs_the_state_found(project):
    build(project)
    article = sorted((project / "content/articles").iterdir())[0]
    _edit(article, "", "\n\n")  # blank lines at the end: another file, the same story
    line = build(project)
    assert "redrew 0 page(s), 0 file(s) changed" in line, line
    assert "nothing changed" in build(project)
    (project / "site/index.html").write_text("edited by hand\n", encoding="utf-8")  # not what the state says
    assert "nothing changed" not in build(project)
    assert same_as_clean(project)


def test_an_edit_that_draws_no_page_leaves_the_page_records_file_as_it_was(project):
    build(project)
    called = state.invocation(str(Path.cwd()), config=project / "sitegen.toml")
    records = load_settings(project).cache_dir / state.FOLDER / f"{called.key}.records.pickle"
    written = records.stat().st_ino, records.stat().st_mtime_ns
    article = sorted((project / "content/articles").iterdir())[0]
    _edit(article, "", "\n\n")  # a build of the content again that draws no page
    assert "redrew 0 page(s)" in build(project)
    assert (records.stat().st_ino, records.stat().st_mtime_ns) == written
    assert "nothing changed" in build(project)
    _edit(article, "\n", "\nThe two leaders also talked about fisheries.\n")  # pages drawn: records written
    assert "redrew" in build(project) and (records.stat().st_ino, records.stat().st_mtime_ns) != written
    assert same_as_clean(project)


def outputs(project: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_ino, p.stat().st_mtime_ns) for folder in ("site", ".sitegen/cards")
            for p in [project / folder, *sorted((project / folder).rglob("*"))]}


def run_sitegen(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "sitegen", "build", "-q", *args], cwd=project,
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})


def test_a_build_with_nothing_changed_writes_nothing_and_imports_nothing_heavy(project):
    assert run_sitegen(project).returncode == 0
    before = outputs(project)
    again = run_sitegen(project)
    assert again.returncode == 0 and "nothing changed" in again.stdout, again.stderr
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in again.stderr.splitlines()
                if line.startswith("import time:")}
    assert not imported & set(HEAVY), imported & set(HEAVY)
    assert outputs(project) == before
    os.utime(project / "templates/event.html")  # touched, not changed: still nothing to do
    assert "nothing changed" in run_sitegen(project).stdout
    (project / "site/index.html").unlink()  # the output is not what the state says: built again
    rebuilt = run_sitegen(project)
    assert rebuilt.returncode == 0 and "nothing changed" not in rebuilt.stdout
    assert same_as_clean(project)


def test_spacy_starts_loading_ahead_only_for_a_build_that_may_parse(project):
    def imports_spacy() -> bool:  # in any of the build's processes: a forked one writes to the same stderr
        done = run_sitegen(project)
        assert done.returncode == 0, done.stderr
        return any(line.rsplit("|", 1)[-1].strip() == "spacy" for line in done.stderr.splitlines())

    assert run_sitegen(project).returncode == 0
    _mark_first_block(project / "templates/event.html")
    assert not imports_spacy()  # a template: pages drawn again, nothing parsed
    article = sorted((project / "content/articles").iterdir())[0]
    _edit(article, "\n", "\nThe two leaders also talked about fisheries.\n")
    assert imports_spacy()


def test_strict_still_fails_on_the_warnings_of_a_build_with_nothing_changed(project):
    _write(project / "content/articles/broken.md", "---\ntitle: [oops\n---\nText\n")
    assert run_sitegen(project).returncode == 0
    before = outputs(project)
    strict = run_sitegen(project, "--strict")
    assert strict.returncode == 1 and "content/articles/broken.md:2" in strict.stderr
    assert "--strict" in strict.stderr and outputs(project) == before
    result = CliRunner().invoke(cli.app, ["build", "--config", str(project / "sitegen.toml"), "-q", "--strict"])
    assert result.exit_code == 1 and "content/articles/broken.md:2" in result.output  # the same without the check


def _damage(manifest: Path, part: str, how: str) -> None:
    target = manifest if part == "manifest" else manifest.with_suffix(f".{part}.pickle")
    data = target.read_bytes()
    if how == "truncated":
        target.write_bytes(data[: len(data) // 2])
    elif how == "flipped":  # one byte of the JSON changed: still JSON, no longer what was written
        at = data.index(b'"counts":[') + len(b'"counts":[')
        target.write_bytes(data[:at] + (b"9" if data[at:at + 1] != b"9" else b"8") + data[at + 1:])
    elif how == "garbage":
        target.write_bytes(bytes(range(256)) * 4)
    elif how == "old":
        state.write_manifest(target, {**state.read_manifest(target), "format": state.FORMAT - 1})


@pytest.mark.parametrize("part, how", [("manifest", "truncated"), ("manifest", "garbage"), ("manifest", "old"),
                                       ("manifest", "flipped"),
                                       ("site", "truncated"), ("site", "garbage"), ("records", "truncated"),
                                       ("digest", "garbage")])
def test_a_damaged_or_old_state_means_a_full_build(project, part, how):
    build(project)
    clean_build(project)
    manifests = list((load_settings(project).cache_dir / state.FOLDER).glob("*.json"))
    called = state.invocation(str(Path.cwd()), config=project / "sitegen.toml")
    manifest = next(m for m in manifests if m.stem == called.key)
    _damage(manifest, part, how)
    _write(project / "templates/unused.html", "<p>not loaded by any page</p>")  # asks for the saved records
    line = build(project)
    assert "spaCy ran on" in line and "redrew" not in line, line
    assert files_of(project / "site") == files_of(project / "full")
    assert "nothing changed" in build(project)


def test_a_search_index_that_fails_leaves_the_site_and_a_state_that_does_not_claim_it(project, tmp_path,
                                                                                      monkeypatch):
    build(project)
    before = files_of(project / "site"), files_of(project / ".sitegen/cards")
    article = sorted((project / "content/articles").iterdir())[0]
    _edit(article, "\n", "\nThe two leaders also talked about fisheries.\n")
    failing = tmp_path / "pagefind"  # its failure is seen once the cards and the state are made, meanwhile
    _write(failing, "#!/bin/sh\necho 'the index is broken' >&2\nexit 3\n")
    failing.chmod(0o755)
    monkeypatch.setattr("pagefind_bin_extended.get_executable", lambda: failing)
    result = CliRunner().invoke(cli.app, ["build", "--config", str(project / "sitegen.toml"), "-q"])
    assert result.exit_code == 1 and "search indexing failed: the index is broken" in result.output
    assert (files_of(project / "site"), files_of(project / ".sitegen/cards")) == before
    monkeypatch.undo()
    assert "nothing changed" not in build(project)
    assert same_as_clean(project) and (project / "site/pagefind").is_dir()
