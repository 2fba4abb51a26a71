"""The output folder is replaced whole from a reused staging folder: exactly the new files, never written
through a link, and a killed build's leftovers put right by the next."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.output.render import RenderError
from sitegen.output.write import SiteFill, clear_litter, staged, update_site, write_site


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def folders(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_dir())


def beside(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir() if p.name != "site")


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


FIRST = {"index.html": b"<p>home</p>", "events/a/index.html": b"<p>a</p>", "events/b/index.html": b"<p>b</p>",
         "people/x/index.html": b"<p>x</p>"}


def test_a_second_full_build_has_exactly_its_files_and_keeps_unchanged_ones(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "style.css").write_text("body {}")
    site = tmp_path / "site"
    write_site(FIRST, [static], site)
    kept = (site / "events/a/index.html").stat().st_ino
    with open(site / "index.html", "rb") as reader:  # a reader holding the old page open
        second = {"index.html": b"<p>home, again</p>", "events/a/index.html": b"<p>a</p>",
                  "kinds/call/index.html": b"<p>calls</p>"}
        write_site(second, [static], site)
        assert reader.read() == b"<p>home</p>"
    assert tree(site) == {**second, "static/style.css": b"body {}"}
    assert folders(site) == ["events", "events/a", "kinds", "kinds/call", "static"]
    assert (site / "events/a/index.html").stat().st_ino == kept  # the same file, not written again
    write_site(FIRST, [static], site)  # built from the retired site of two builds ago
    assert tree(site) == {**FIRST, "static/style.css": b"body {}"}
    assert beside(tmp_path) == [".site.spare", "static"]


def test_pages_written_one_by_one_as_they_are_drawn_give_the_same_site(tmp_path):
    site = tmp_path / "site"
    write_site(FIRST, [], site)
    kept = (site / "events/a/index.html").stat().st_ino
    second = {"index.html": b"<p>home, again</p>", "events/a/index.html": b"<p>a</p>",
              "people/x": b"a file where a folder was"}
    with staged(site, False, None) as staging:
        fill = SiteFill(staging, site, second.keys(), [])
        assert tree(staging) == {"index.html": b"<p>home</p>", "events/a/index.html": b"<p>a</p>"}  # the rest gone
        for path, data in second.items():
            fill.write({path: data})
    assert tree(site) == second
    assert (site / "events/a/index.html").stat().st_ino == kept


def test_an_update_changes_the_named_files_alone_and_the_retired_site_keeps_its_bytes(tmp_path):
    site = tmp_path / "site"
    write_site(FIRST, [], site)
    update_site(site, {"events/a/index.html": b"<p>a2</p>"}, ["people/x/index.html"], {})
    update_site(site, {"events/b/index.html": b"<p>b2</p>"}, [], {})
    assert tree(site) == {"index.html": b"<p>home</p>", "events/a/index.html": b"<p>a2</p>",
                          "events/b/index.html": b"<p>b2</p>"}
    assert "people" not in folders(site)
    assert tree(tmp_path / ".site.spare") == {"index.html": b"<p>home</p>", "events/a/index.html": b"<p>a2</p>",
                                              "events/b/index.html": b"<p>b</p>"}


def page(text: str) -> bytes:
    return f"<html><body><main data-pagefind-body><h1>{text}</h1><p>{text}</p></main></body></html>".encode()


def test_updates_that_index_again_leave_the_search_index_a_full_build_makes_and_nothing_beside(tmp_path):
    site = tmp_path / "site"
    first = {"index.html": page("Front page"), "events/a/index.html": page("Envoys meet in Oslo")}
    write_site(first, [], site, index_search=True)
    second = {"events/b/index.html": page("Ministers talk fisheries")}
    update_site(site, second, [], {}, index_search=True)
    third = {"events/a/index.html": page("Envoys meet in Bergen")}  # staged on the site of two builds ago
    update_site(site, third, [], {}, index_search=True)
    clean = tmp_path / "clean/site"
    write_site({**first, **second, **third}, [], clean, index_search=True)
    assert tree(site) == tree(clean) and any(name.startswith("pagefind/fragment/") for name in tree(site))
    assert beside(tmp_path) == [".site.spare", "clean"]


def test_a_spare_in_any_state_still_gives_exactly_the_next_site(tmp_path):
    site = tmp_path / "site"
    write_site(FIRST, [], site)
    write_site(FIRST, [], site)
    spare = tmp_path / ".site.spare"
    (spare / "events/a/index.html").unlink()
    (spare / "events/a/index.html").write_bytes(b"half written")  # another file than the live one
    (spare / "stray.html").write_bytes(b"left by a killed build")
    (spare / "people/x/index.html").unlink()
    (spare / "people/x/index.html").mkdir()  # a folder where a file belongs
    (spare / "events/b").rename(tmp_path / "elsewhere")
    (spare / "events/b").symlink_to(tmp_path / "elsewhere")  # a link where a folder belongs
    update_site(site, {"events/b/index.html": b"<p>b2</p>"}, [], {})
    assert tree(site) == {**FIRST, "events/b/index.html": b"<p>b2</p>"}
    assert not (site / "events/b").is_symlink()
    assert (tmp_path / "elsewhere/index.html").read_bytes() == b"<p>b</p>"  # nothing written outside


@pytest.mark.parametrize("slug", ["../escape.html", "a/../../escape.html", "{absolute}", "..", "."])
def test_a_path_outside_the_output_folder_is_refused_and_the_site_kept(slug, tmp_path):
    slug = slug.format(absolute=tmp_path / "escape.html")  # an absolute path, to where the check below looks
    site = tmp_path / "site"
    write_site(FIRST, [], site)
    with pytest.raises(RenderError):
        write_site({**FIRST, slug: b"x"}, [], site)
    with pytest.raises(RenderError):
        update_site(site, {slug: b"x"}, [], {})
    assert tree(site) == FIRST
    assert not (tmp_path / "escape.html").exists()
    assert [name for name in beside(tmp_path) if ".new-" in name or ".old-" in name] == []


def test_a_build_killed_between_the_renames_gets_its_site_back(tmp_path):
    site = tmp_path / "site"
    write_site(FIRST, [], site)
    retired = tmp_path / f".site.old-{dead_pid()}-abc"
    retired.mkdir()
    site.rename(retired / "site")
    (tmp_path / f".site.new-{dead_pid()}-def").mkdir()
    clear_litter(site)
    assert tree(site) == FIRST
    assert beside(tmp_path) == [".site.spare"]


def test_a_killed_builds_folders_become_the_spare_or_go(tmp_path):
    site = tmp_path / "site"
    write_site(FIRST, [], site)
    for name in (f".site.old-{dead_pid()}-abc", f".site.new-{dead_pid()}-def"):
        (tmp_path / name / "site/events").mkdir(parents=True)
        (tmp_path / name / "site/events/stray.html").write_bytes(b"stray")
    running = tmp_path / f".site.new-{os.getpid()}-ghi"  # a build still at work: left alone
    running.mkdir()
    clear_litter(site)
    assert beside(tmp_path) == sorted([".site.spare", running.name])
    running.rmdir()
    update_site(site, {"index.html": b"<p>home 2</p>"}, [], {})
    assert tree(site) == {**FIRST, "index.html": b"<p>home 2</p>"}


def test_a_build_with_no_site_leaves_a_spare_alone_and_writes_its_files(tmp_path):
    site = tmp_path / "site"
    write_site(FIRST, [], site)
    write_site(FIRST, [], site)
    (tmp_path / "site").rename(tmp_path / "gone")  # the site removed by hand: a spare would only be emptied
    write_site({"index.html": b"<p>new</p>"}, [], site)
    assert tree(site) == {"index.html": b"<p>new</p>"}
    assert tree(tmp_path / ".site.spare") == FIRST


def test_many_files_in_many_folders_are_written_exactly_and_an_error_keeps_the_site(tmp_path):
    site = tmp_path / "site"
    many = {f"events/e{n % 7}/p{n}/index.html": f"<p>{n}</p>".encode() for n in range(200)} | FIRST
    write_site(many, [], site)  # folders several deep, made before their files
    assert tree(site) == many
    changed = {**many, "events/e3/p3/index.html": b"<p>three</p>"}
    write_site(changed, [], site)
    assert tree(site) == changed
    broken = {**changed, "new/index.html": b"x", "new/index.html/inner.html": b"y"}  # a file and a folder
    with pytest.raises(FileExistsError, match="new/index.html"):  # before anything is swapped in
        write_site(broken, [], site)
    assert tree(site) == changed
    assert [name for name in beside(tmp_path) if ".new-" in name or ".old-" in name] == []
