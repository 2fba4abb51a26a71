"""Putting the site on disk: a staging folder beside the output is brought to the next version and swapped in whole.

The staging folder is the site the last swap retired (kept beside the output as `.NAME.spare`), not a new one: it
is first made the live site's twin by hard links, compared by inode (`mirror_links`), so only the files that
differ since the last build are linked again, and its folders are kept. Building from scratch made and later
removed ~2,300 folders and ~5,500 links per edit (over a second here, most of it the filesystem finding and
freeing inodes). A file is never written through: a changed file is a new file (unlink, then create), so the
live site, which shares the unchanged inodes, and any file a reader holds open keep their bytes.

Killed at any point, nothing is lost: until the swap the live site is untouched; the swap's two renames are
undone by `clear_litter` if the process died between them; a staging folder or spare in any state is a fine
start for the next build, since the mirror trusts nothing but the live site's inodes.
"""

from __future__ import annotations

import glob
import os
import posixpath
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import BinaryIO

from .render import RenderError


def write_site(files: dict[str, bytes], static_dirs: Sequence[Path], output_dir: Path,
               index_search: bool = False, lock: AbstractContextManager | None = None,
               meanwhile: Callable[[], None] = lambda: None) -> None:
    """Put `files` and the static folders in place of the output, indexed for search, in one swap.

    `lock` is held for the swap (a server holds it while opening a file, so it never finds the folder gone);
    `meanwhile` runs while Pagefind indexes the staged pages (see `staged`).
    """
    with staged(output_dir, index_search, lock, meanwhile) as staging:
        SiteFill(staging, output_dir, files, static_dirs).write(files)


class SiteFill:
    """`staging` made to hold the files at `paths` and the static folders, from the site at `output_dir`: the
    live site's other files are gone and the static folders in place at once, and the files are written as
    `write` is given them, so a build writes each page while the next ones are drawn.

    Static folders are copied in order, so a later one (the site's overrides) replaces files of an earlier one.
    A page whose bytes the live site already has stays that file (a link), so a full build of an unchanged
    site writes no pages.
    """

    def __init__(self, staging: Path, output_dir: Path, paths: Collection[str], static_dirs: Sequence[Path]) -> None:
        self.staging = staging
        self.linked = mirror_links(output_dir, staging, skip={"static", "pagefind"})
        for rel in sorted(self.linked - set(paths), reverse=True):
            _remove(staging / rel, staging)
        for static_dir in static_dirs:
            if static_dir.is_dir():
                shutil.copytree(static_dir, staging / "static", dirs_exist_ok=True)

    def write(self, files: Mapping[str, bytes]) -> None:
        """Put `files` (some of the `paths`) in place: those the live site has with other bytes, or not at all."""
        targets = {rel: _inside(self.staging, rel) for rel in sorted(files)}
        _write_new((target, files[rel], rel in self.linked) for rel, target in targets.items()
                   if rel not in self.linked or target.read_bytes() != files[rel])


def update_site(output_dir: Path, writes: Mapping[str, bytes], removes: Collection[str],
                static: Mapping[str, Sequence[Path]], index_search: bool = False,
                lock: AbstractContextManager | None = None, meanwhile: Callable[[], None] = lambda: None) -> None:
    """The next version of a site from the current one, swapped in whole like `write_site`'s.

    The search index is made again when a page changed; the staged site's old index is removed while
    Pagefind makes the new one (`_remove_aside`).
    """
    reindex = index_search and any(rel.endswith(".html") for rel in (*writes, *removes))
    removing = None
    try:
        with staged(output_dir, reindex, lock, meanwhile) as staging:
            if reindex:
                removing = _remove_aside(staging / "pagefind", output_dir.resolve())
            fill_update(staging, output_dir, writes, removes, static, reindex)
    finally:
        if removing is not None:
            removing.join()


def _remove_aside(folder: Path, output_dir: Path) -> threading.Thread | None:
    """Move `folder` out of the staging folder and remove it in a thread. A search bundle is ~1,600 files,
    written two builds ago: unlinking them took 0.2-4 s here, all of it before Pagefind could start. Killed
    meanwhile, what is left is a killed build's litter beside the output (`clear_litter`)."""
    if not folder.is_dir():
        return None
    aside = _litter_folder(output_dir, "old")
    os.rename(folder, aside / folder.name)
    thread = threading.Thread(target=shutil.rmtree, args=(aside,), kwargs={"ignore_errors": True}, daemon=True)
    thread.start()
    return thread


def fill_update(staging: Path, output_dir: Path, writes: Mapping[str, bytes], removes: Collection[str],
                static: Mapping[str, Sequence[Path]], reindex: bool = False) -> None:
    """Make `staging` the site at `output_dir` with `writes` and `static` in and `removes` out (and its search
    index out when it is to be made again).

    `static` maps a path below static/ (a file or a folder) to its sources in copy order; no source means it
    is gone.
    """
    mirror_links(output_dir, staging, skip={"pagefind"} if reindex else set())
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
    _write_new((_inside(staging, rel), data, True) for rel, data in sorted(writes.items()))


def mirror_links(source: Path, target: Path, skip: Collection[str] = ()) -> set[str]:
    """Make `target` hold exactly `source`'s files as hard links, leaving out (and removing) top-level `skip`;
    the relative paths of the files linked.

    An entry of `target` with the inode of `source`'s entry is already right; anything else is replaced or
    removed. Folders are real folders, never links, so nothing written below `target` lands elsewhere.
    """
    linked: set[str] = set()
    _mirror(str(source), str(target), "", set(skip), linked)
    return linked


def _mirror(source: str, target: str, rel: str, skip: set[str], linked: set[str]) -> None:
    try:
        wanted = {entry.name: entry for entry in os.scandir(source) if entry.name not in skip}
    except (FileNotFoundError, NotADirectoryError):
        wanted = {}
    kept = set()
    for entry in os.scandir(target):
        have, folder = wanted.get(entry.name), _is_folder(entry)
        if have is not None and _is_folder(have) == folder and (folder or have.inode() == entry.inode()):
            kept.add(entry.name)
        else:
            _delete(entry.path, folder)
    for name, entry in wanted.items():
        path = os.path.join(target, name)
        if _is_folder(entry):
            if name not in kept:
                os.mkdir(path)
            _mirror(entry.path, path, f"{rel}{name}/", set(), linked)
        else:
            if name not in kept:
                os.link(entry.path, path, follow_symlinks=False)
            linked.add(rel + name)


def _is_folder(entry: os.DirEntry) -> bool:
    return entry.is_dir(follow_symlinks=False)


def _delete(path: str, folder: bool) -> None:
    """A folder with all in it, or a file or link (one already gone is fine)."""
    if folder:
        shutil.rmtree(path)
    else:
        Path(path).unlink(missing_ok=True)


def _write_new(files: Iterable[tuple[Path, bytes, bool]]) -> None:
    """Write each (target, data, replace) as a new file, never through the link that may be there (none, if
    not `replace`: a cold build's file, saving a failing unlink per file); their folders first, in order."""
    files = list(files)
    for folder in sorted({target.parent for target, _, _ in files}):
        folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        _write_file(*file)


def _write_file(target: Path, data: bytes, replace: bool) -> None:
    if replace:
        target.unlink(missing_ok=True)
    with open(target, "xb") as file:
        file.write(data)


def _inside(root: Path, rel: str) -> Path:
    """`root / rel`, refused if `rel` would leave `root`: it is normalised as text, which suffices because the
    staging folder holds no symlinks (`mirror_links` makes real folders; the static copies follow links)."""
    normal = posixpath.normpath(rel)
    if posixpath.isabs(normal) or normal in (".", "..") or normal.startswith("../") or "\\" in normal:
        raise RenderError(f"refusing to write {rel!r} outside the output folder")
    return root / normal


def _remove(target: Path, root: Path) -> None:
    """Delete a file or folder, then the folders it leaves empty (a full build would not make them)."""
    _delete(str(target), target.is_dir() and not target.is_symlink())
    parent = target.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


@contextmanager
def search_indexed(site: Path) -> Iterator[None]:
    """Pagefind indexing the finished pages into site/pagefind/ while the block runs; on leaving, it is waited
    for (RenderError if it failed), or killed if the block raised. Its binary (from the PyPI package) is run
    itself: `python -m pagefind` started an interpreter and imported asyncio only to exec it.

    The bundle is made afresh each time: Pagefind skips a content-named file (fragment, index chunk, meta) that
    exists, so a bundle kept from the last build could not tell its stale files from those still used; and its
    Python API returns the bundle in one message that overflows the API's 2 MiB pipe buffer (it hangs)."""
    from pagefind_bin_extended import get_executable

    command = [str(get_executable()), "--site", str(site), "--silent"]
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:  # no pipe to fill meanwhile
        indexing = subprocess.Popen(command, stdout=stdout, stderr=stderr)
        try:
            yield
        except BaseException:
            indexing.kill()
            indexing.wait()
            raise
        if indexing.wait() != 0:
            said = [_read_all(output) for output in (stderr, stdout)]
            raise RenderError(f"search indexing failed: {(said[0] or said[1]).strip()}")


def _read_all(file: BinaryIO) -> str:
    file.seek(0)
    return file.read().decode("utf-8", "replace")


@contextmanager
def staged(output_dir: Path, index_search: bool, lock: AbstractContextManager | None,
           meanwhile: Callable[[], None] = lambda: None) -> Iterator[Path]:
    """The last retired site (or a new folder) beside the output to fill; on success it is indexed for search
    while `meanwhile` runs, and swapped in whole (under the server's lock), and the site it replaces becomes
    the next spare; on any failure (of `meanwhile` too) it is removed, leaving the last good site as it was."""
    output_dir = output_dir.resolve()
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    clear_litter(output_dir)
    staging = _litter_folder(output_dir, "new")
    try:  # onto the empty folder; another build may have taken it; with no site to mirror it would only be emptied
        if output_dir.exists():
            os.replace(_spare(output_dir), staging)
    except FileNotFoundError:
        pass
    try:
        yield staging
        with search_indexed(staging) if index_search else nullcontext():
            meanwhile()
        os.chmod(staging, 0o755)
        with lock or nullcontext():
            retired = swap_in(staging, output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if retired is not None:
        _keep_spare(retired / "site", output_dir)
        os.rmdir(retired)


def swap_in(staging: Path, output_dir: Path) -> Path | None:
    """Put `staging` in place of the output with two renames; the folder now holding the retired site."""
    old = None
    if output_dir.exists():
        old = _litter_folder(output_dir, "old")
        os.replace(output_dir, old / "site")
    os.replace(staging, output_dir)
    return old


def _spare(output_dir: Path) -> Path:
    return output_dir.parent / f".{output_dir.name}.spare"


def _keep_spare(folder: Path, output_dir: Path) -> None:
    """Keep `folder` as the next build's staging folder, or remove it when there is one already."""
    try:
        os.rename(folder, _spare(output_dir))
    except OSError:  # a spare is there (another build's)
        shutil.rmtree(folder, ignore_errors=True)


def _litter_folder(output_dir: Path, stage: str) -> Path:
    """A new staging (`new`) or retired (`old`) folder beside the output, named with this process's id, so a
    later build can tell a killed build's leftovers (`clear_litter`) from a running build's work."""
    return Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.{stage}-{os.getpid()}-", dir=output_dir.parent))


def clear_litter(output_dir: Path) -> None:
    """Tidy what a killed build left beside the output: if it died between the two renames of the swap, first
    put its retired site back in place; a leftover folder becomes the spare if there is none, else is removed."""
    if not output_dir.parent.is_dir():
        return
    for stage in ("old", "new"):
        for folder in sorted(output_dir.parent.glob(f".{glob.escape(output_dir.name)}.{stage}-*-*")):
            pid = folder.name.removeprefix(f".{output_dir.name}.{stage}-").split("-", 1)[0]
            if not pid.isdigit() or _alive(int(pid)) or not folder.is_dir():
                continue
            if stage == "old" and (folder / "site").is_dir():
                if not output_dir.exists():
                    os.replace(folder / "site", output_dir)
                else:
                    _keep_spare(folder / "site", output_dir)
                shutil.rmtree(folder, ignore_errors=True)
            else:
                _keep_spare(folder, output_dir)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
