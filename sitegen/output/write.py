"""Putting the site on disk: staged in a sibling folder and swapped in whole, or updated file by file."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from .render import RenderError


def write_site(files: dict[str, bytes], static_dirs: Sequence[Path], output_dir: Path,
               index_search: bool = False, lock: AbstractContextManager | None = None) -> None:
    """Write into a fresh folder beside the output, index it for search, then put it in place in one rename.

    Static folders are copied in order, so a later one (the site's overrides) replaces files of an earlier one.
    `lock` is held for the swap (a server holds it while opening a file, so it never finds the folder gone).
    """
    output_dir = output_dir.resolve()
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    with staged(output_dir, index_search, lock) as staging:
        for static_dir in static_dirs:
            if static_dir.is_dir():
                shutil.copytree(static_dir, staging / "static", dirs_exist_ok=True)
        for rel, data in sorted(files.items()):
            target = _inside(staging, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


@contextmanager
def staged(output_dir: Path, index_search: bool, lock: AbstractContextManager | None) -> Iterator[Path]:
    """A fresh folder beside the output to fill; on success it is indexed for search and swapped in whole
    (under the server's lock), on any failure removed, leaving the last good site as it was."""
    clear_litter(output_dir)
    staging = Path(tempfile.mkdtemp(prefix=_litter_prefix(output_dir, "new", os.getpid()), dir=output_dir.parent))
    try:
        yield staging
        if index_search:
            build_search_index(staging)
        os.chmod(staging, 0o755)
        with lock or nullcontext():
            swap_in(staging, output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def update_site(output_dir: Path, writes: Mapping[str, bytes], removes: Collection[str],
                static: Mapping[str, Sequence[Path]], index_search: bool = False,
                lock: AbstractContextManager | None = None) -> None:
    """The next version of a site from the current one, swapped in whole like `write_site`'s.

    Unchanged files are hard-linked into the new folder, never copied; a changed file is written as a new
    file (writing through a link would change the live site). `static` maps a path below static/ (a file or
    a folder) to its sources in copy order; no source means it is gone. The search index is made again
    when a page changed.
    """
    output_dir = output_dir.resolve()
    reindex = index_search and any(rel.endswith(".html") for rel in (*writes, *removes))
    with staged(output_dir, reindex, lock) as staging:
        link_tree(output_dir, staging, skip={"pagefind"} if reindex else set())
        for rel in removes:
            _remove(_inside(staging, rel), staging)
        for rel, sources in sorted(static.items()):
            target = _inside(staging, f"static/{rel}")
            _remove(target, staging)
            for source in sources:
                target.parent.mkdir(parents=True, exist_ok=True)
                if source.is_dir():
                    shutil.copytree(source, target, dirs_exist_ok=True)
                else:
                    target.unlink(missing_ok=True)
                    shutil.copyfile(source, target)
        for rel, data in sorted(writes.items()):
            target = _inside(staging, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            target.write_bytes(data)


def link_tree(source: Path, target: Path, skip: Collection[str] = ()) -> None:
    """Hard-link every file of `source` into `target` (folders made anew), leaving out top-level `skip`."""
    if not source.is_dir():
        return
    for folder, dirs, names in os.walk(source):
        here = Path(folder)
        rel = here.relative_to(source)
        if rel == Path("."):
            dirs[:] = [d for d in dirs if d not in skip]
            names = [n for n in names if n not in skip]
        (target / rel).mkdir(parents=True, exist_ok=True)
        for name in names:
            os.link(here / name, target / rel / name)


def _inside(root: Path, rel: str) -> Path:
    target = (root / rel).resolve()
    if not target.is_relative_to(root) or target == root:
        raise RenderError(f"refusing to write {rel!r} outside the output folder")
    return target


def _remove(target: Path, root: Path) -> None:
    """Delete a file or folder, then the folders it leaves empty (a full build would not make them)."""
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
    parent = target.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def build_search_index(site: Path) -> None:
    """Pagefind indexes the finished pages into site/pagefind/ (its binary ships in the PyPI package)."""
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--silent"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RenderError(f"search indexing failed: {(result.stderr or result.stdout).strip()}")


def _litter_prefix(output_dir: Path, stage: str, pid: int) -> str:
    """Staging (`new`) and retired (`old`) folders beside the output carry the builder's process id, so a
    later build can tell a killed build's leftovers from a running build's work."""
    return f".{output_dir.name}.{stage}-{pid}-"


def clear_litter(output_dir: Path) -> None:
    """Remove what a killed build left beside the output; if it died between the two renames of the swap,
    first put its retired site back in place."""
    if not output_dir.parent.is_dir():
        return
    for stage in ("old", "new"):
        for folder in sorted(output_dir.parent.glob(f".{glob.escape(output_dir.name)}.{stage}-*-*")):
            pid = folder.name.removeprefix(f".{output_dir.name}.{stage}-").split("-", 1)[0]
            if not pid.isdigit() or _alive(int(pid)) or not folder.is_dir():
                continue
            if stage == "old" and (folder / "site").is_dir() and not output_dir.exists():
                os.replace(folder / "site", output_dir)
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def swap_in(staging: Path, output_dir: Path) -> None:
    old = None
    if output_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=_litter_prefix(output_dir, "old", os.getpid()), dir=output_dir.parent))
        os.replace(output_dir, old / "site")
    os.replace(staging, output_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)

