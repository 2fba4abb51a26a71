"""The build's memory between runs (as Lektor's build state), and the check that a build has nothing to do.

`sitegen build` leaves in `<cache_dir>/build-state/`, per invocation (folder, options), a manifest (JSON) and
the page records of its last good build (pickles). The manifest holds a fingerprint of everything the build
read: every file under the content, template, static and override folders, the config file, the theme,
sitegen's own code (size, mtime and content hash each) and the installed distributions (the spaCy model and
every library among them); then what the output folders held once written (size, mtime and inode of every
file), the diagnostics and the counts of the closing line. Whether a build has anything to do is decided from
the manifest alone: stat every input, hash only the files whose size or mtime moved, stat every output.

A missing, damaged, truncated or old state is no state: the build is then a full one. This module imports the
standard library only, since `sitegen.__main__` runs it before typer, pydantic or spaCy are imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TextIO

FORMAT = 1  # the layout of the files below; another value is an old state
FOLDER = "build-state"
# The defaults of `sitegen.config` that locate the state, repeated here because importing that module imports
# pydantic (tests/test_state.py keeps the two equal).
CONFIG_NAME = "sitegen.toml"
DEFAULT_CACHE_DIR = ".sitegen/cache"
VALUE_OPTIONS = ("--content", "--out", "--base-url", "--config", "--model",  # `sitegen build`'s options
                 "--executor", "--scheduler")
PATH_OPTIONS = {"--content", "--out", "--config"}
STRICT = {"--strict": True, "--no-strict": False}
QUIET = ("--quiet", "-q")  # progress bars only: no part of the invocation
CONTENT, CODE, CONFIG = "content", "code", "config"  # what a change to an input root asks for

Stat = list  # [size, mtime_ns, inode or content hash]


# --- the invocation -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invocation:
    """One way of calling `sitegen build`: the folder it runs in and its options that decide the settings."""

    cwd: str
    options: tuple[tuple[str, str], ...]  # value options given, paths made absolute, sorted
    strict: bool = False

    @property
    def key(self) -> str:
        return short_hash(json.dumps([self.cwd, self.options]).encode("utf-8"))

    def as_json(self) -> list:
        return [self.cwd, [list(option) for option in self.options]]

    @property
    def config_file(self) -> Path:
        return Path(dict(self.options).get("--config") or os.path.join(self.cwd, CONFIG_NAME))


def invocation(cwd: str, strict: bool = False, **values: object) -> Invocation:
    """The invocation of `sitegen build` with these option values (by parameter name: content, out, ...)."""
    options = []
    for name, value in values.items():
        option = "--" + name.replace("_", "-")
        if option not in VALUE_OPTIONS:
            raise ValueError(f"no build option {option}")
        if value is not None:
            text = os.path.realpath(os.path.join(cwd, str(value))) if option in PATH_OPTIONS else str(value)
            options.append((option, text))
    return Invocation(cwd=cwd, options=tuple(sorted(options)), strict=strict)


def parse_build_args(args: list[str], cwd: str) -> Invocation | None:
    """The invocation these `sitegen build` arguments make, or None for anything the check does not handle
    (help, a mistake, an option it does not know): the full command line then reads them."""
    values: dict[str, str] = {}
    strict = False
    items = iter(args)
    for arg in items:
        name, equals, value = arg.partition("=")
        if name in VALUE_OPTIONS:
            if not equals:
                value = next(items, None)
                if value is None or value.startswith("-"):
                    return None
            values[name[2:].replace("-", "_")] = value
        elif arg in STRICT:
            strict = STRICT[arg]
        elif arg not in QUIET:
            return None
    return invocation(cwd, strict, **values)


def state_files(cache_dir: Path, invocation: Invocation) -> Path:
    """The manifest of this invocation's state (its record files sit beside it)."""
    return cache_dir / FOLDER / f"{invocation.key}.json"


def cache_dir_of(invocation: Invocation) -> Path | None:
    """The cache folder this invocation's settings name, read from the config file as `load_settings` does,
    or None when the config cannot be read (the full command line then says why)."""
    config = invocation.config_file
    try:
        text = config.read_text(encoding="utf-8") if config.is_file() else ""
        value = tomllib.loads(text).get("cache_dir", DEFAULT_CACHE_DIR)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if not isinstance(value, str):
        return None
    base = config.parent if config.is_file() else Path(invocation.cwd)
    return Path(os.path.realpath(base / value))


# --- fingerprints of files and folders ---------------------------------------------------------------------


def short_hash(data: bytes) -> str:
    """The hex digest the build keeps of a file, a record or a page's bytes (blake2b, 16 bytes)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def file_hash(path: Path) -> str | None:
    """The content hash of a file, read in blocks (an input may be large: the build refuses it, with a
    warning, but its fingerprint must not hold it in memory)."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=16)).hexdigest()
    except OSError:
        return None


def stats(root: Path, skip_hidden: bool = True) -> dict[str, tuple[int, int, int]] | None:
    """(size, mtime_ns, inode) of every regular file below `root` (or of `root` itself when it is a file), by
    its path below it; None when `root` does not exist. Hidden folders and `__pycache__` are not read."""
    try:
        info = root.stat()
    except OSError:
        return None
    if not os.path.isdir(root):
        return {"": (info.st_size, info.st_mtime_ns, info.st_ino)}
    found: dict[str, tuple[int, int, int]] = {}
    todo = [("", str(root))]
    while todo:
        prefix, folder = todo.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            rel = prefix + entry.name
            try:
                if entry.is_dir():
                    if not entry.is_symlink() and not (skip_hidden and entry.name.startswith(".")) \
                            and entry.name != "__pycache__":
                        todo.append((rel + "/", entry.path))
                elif entry.is_file():
                    st = entry.stat()
                    found[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
            except OSError:
                continue
    return found


def snapshot(roots: Mapping[str, str], previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Each input root (a folder or a file) -> {"kind": what a change asks for, "files": path -> [size,
    mtime_ns, content hash]} (files None when the root is missing). A file whose size and mtime are those of
    `previous` keeps its hash unread."""
    taken: dict[str, Any] = {}
    for root, kind in roots.items():
        found = stats(Path(root))
        before = ((previous or {}).get(root) or {}).get("files") or {}
        files = None
        if found is not None:
            files = {}
            for rel, (size, mtime, _) in sorted(found.items()):
                old = before.get(rel)
                same = old is not None and old[0] == size and old[1] == mtime
                files[rel] = [size, mtime, old[2] if same else file_hash(Path(root, rel) if rel else Path(root))]
        taken[root] = {"kind": kind, "files": files}
    return taken


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Path]]:
    """The input files that differ between two snapshots (added, removed or of other content), by the kind
    of their root."""
    found: dict[str, list[Path]] = {}
    for root in sorted(old.keys() | new.keys()):
        before = (old.get(root) or {}).get("files") or {}
        after = (new.get(root) or {}).get("files") or {}
        differ = sorted(rel for rel in before.keys() | after.keys() if _hash(before.get(rel)) != _hash(after.get(rel)))
        if differ:
            kind = (new.get(root) or old[root])["kind"]
            found.setdefault(kind, []).extend(Path(root, rel) if rel else Path(root) for rel in differ)
    return found


def _hash(stat: Stat | None) -> str | None:
    return stat[2] if stat else None


def outputs_of(folders: Iterable[Path]) -> dict[str, Any]:
    """What the output folders hold: path -> [size, mtime_ns, inode] of every file, by folder."""
    return {str(folder): {rel: list(st) for rel, st in (stats(folder, skip_hidden=False) or {}).items()}
            for folder in folders}


def environment() -> str:
    """The Python version and every installed distribution by name and version (their dist-info folders):
    a library upgrade or another spaCy model version changes it."""
    found = []
    for entry in sys.path:
        if os.path.basename(entry) in ("site-packages", "dist-packages") and os.path.isdir(entry):
            found += sorted(name for name in os.listdir(entry) if name.endswith((".dist-info", ".egg-info", ".pth")))
    return short_hash(json.dumps([sys.version, found]).encode("utf-8"))


# --- the state on disk ---------------------------------------------------------------------------------------


@dataclass
class Saved:
    """A state read back: its manifest, and its records files read on demand."""

    path: Path
    manifest: dict[str, Any]

    @classmethod
    def read(cls, path: Path) -> Saved | None:
        manifest = read_manifest(path)
        if manifest is None or (manifest.get("format"), manifest.get("python")) != (FORMAT, sys.version):
            return None
        return cls(path, manifest)

    def blob(self, name: str) -> Any | None:
        """One of the pickled records, or None when it is missing or not the one the manifest names."""
        try:
            data = self.path.with_suffix(f".{name}.pickle").read_bytes()
            if short_hash(data) != self.manifest["blobs"][name]:
                return None
            import pickle  # only a build with something to do reads the records

            return pickle.loads(data)
        except Exception:  # noqa: BLE001 (whatever a damaged file raises, it is no state)
            return None

    def reusable(self, invocation: Invocation) -> bool:
        """Whether this state speaks for a build of `invocation` now: made by the same invocation with the
        same installed packages, and the output folders still as it left them."""
        manifest = self.manifest
        return (manifest["invocation"] == invocation.as_json() and manifest["environment"] == environment()
                and outputs_of(Path(folder) for folder in manifest["outputs"]) == manifest["outputs"])

    def changes_since(self, invocation: Invocation) -> tuple[dict[str, list[Path]], dict[str, Any]] | None:
        """The inputs changed since this state, by kind, and their new snapshot (refreshed where only mtimes
        moved); None when the state does not speak for a build of `invocation` (see `reusable`)."""
        if not self.reusable(invocation):
            return None
        inputs = snapshot({root: entry["kind"] for root, entry in self.manifest["inputs"].items()},
                          self.manifest["inputs"])
        return changes(self.manifest["inputs"], inputs), inputs

    def parses_nothing(self, changed: Mapping[str, list[Path]]) -> bool:
        """Whether a build after these changes surely parses no article: only templates or static files
        changed (no code, config or file under the content folder, where articles and cards are)."""
        content = json.loads(self.manifest["settings"]).get("content_dir")
        return (content is not None and not changed.get(CODE) and not changed.get(CONFIG)
                and not any(path.is_relative_to(content) for path in changed.get(CONTENT, [])))


def pickled(blobs: Mapping[str, Any]) -> dict[str, bytes]:
    """The record files of a state, by name: done apart from `save` so a build can make them while Pagefind
    indexes its site, and write them only once the site is swapped in."""
    import pickle  # only a build with something to do writes the records

    return {name: pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL) for name, value in blobs.items()}


def save(path: Path, invocation: Invocation, settings: str, inputs: Mapping[str, Any], output_dirs: Iterable[Path],
         counts: tuple[int, int, int, int], diagnostics: Iterable[tuple[str, dict]], blobs: Mapping[str, bytes],
         outputs: Mapping[str, Any] | None = None, kept: Mapping[str, str] = {}) -> None:
    """Write the state of a good build: the record files (`pickled`) first, then the manifest that names them.
    `diagnostics` are (as printed, as data) pairs; `outputs` is what the output folders hold when the caller
    knows it (a build that wrote nothing: the last state's, which it found true), else they are read. `kept`
    names, with their hashes, the last state's record files that still hold what this one would write: they
    are left as they are (a damaged one reads as no state). A state that cannot be written is left out: the
    last one no longer matches the output folders, so the next build is a full one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for name, data in blobs.items():
            _write_atomic(path.with_suffix(f".{name}.pickle"), data)
        write_manifest(path, {"format": FORMAT, "python": sys.version, "environment": environment(),
                              "invocation": invocation.as_json(), "settings": settings, "inputs": inputs,
                              "outputs": outputs_of(output_dirs) if outputs is None else outputs,
                              "counts": list(counts), "diagnostics": list(diagnostics),
                              "blobs": {**kept, **{name: short_hash(data) for name, data in blobs.items()}}})
    except OSError:
        pass


def refresh(saved: Saved, inputs: Mapping[str, Any]) -> None:
    """Keep the inputs' new mtimes (same contents), so the next check need not hash them again."""
    if inputs != saved.manifest["inputs"]:
        try:
            write_manifest(saved.path, dict(saved.manifest, inputs=inputs))
        except OSError:
            pass


def write_manifest(path: Path, manifest: Mapping[str, Any]) -> None:
    """The manifest as JSON after a line holding its hash, so that any damage reads as no state."""
    body = json.dumps(manifest, separators=(",", ":")).encode("utf-8")
    _write_atomic(path, short_hash(body).encode("ascii") + b"\n" + body)


def read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        check, _, body = path.read_bytes().partition(b"\n")
        return json.loads(body) if check.decode("ascii", "replace") == short_hash(body) else None
    except (OSError, ValueError):
        return None


def _write_atomic(path: Path, data: bytes) -> None:
    """Written beside, then renamed over: a build killed meanwhile leaves the old file or the new one, whole."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


# --- what the command prints ------------------------------------------------------------------------------


def strict_failure(problems: int) -> str:
    return f"{problems} problem(s) in the content and --strict is set"


def closing_line(output_dir: object, counts: Iterable[int], seconds: float, done: str) -> str:
    articles, events, entities, pages = counts
    return (f"Built {output_dir}: {articles} articles, {events} events, {entities} entities, {pages} pages in "
            f"{seconds:.1f}s ({done})")


class Check(NamedTuple):
    """What the check before a build found: the exit code when there was nothing to do (None: there is
    something, or this check cannot tell), and whether the build may parse some article."""

    code: int | None
    may_parse: bool = True


def quick_build(args: list[str], cwd: str, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> Check:
    """`sitegen build ARGS` when nothing changed since its last good build, having printed what a build
    prints; otherwise what the build will have to do."""
    import time

    started = time.perf_counter()
    called = parse_build_args(args, cwd)
    cache_dir = cache_dir_of(called) if called else None
    saved = Saved.read(state_files(cache_dir, called)) if cache_dir else None
    found = saved.changes_since(called) if saved else None
    if found is None:
        return Check(None)
    changed, inputs = found
    if any(changed.values()):
        return Check(None, may_parse=not saved.parses_nothing(changed))
    refresh(saved, inputs)
    diagnostics = [line for line, _ in saved.manifest["diagnostics"]]
    for line in diagnostics:
        print(line, file=err)
    if called.strict and diagnostics:
        print(f"Build failed: {strict_failure(len(diagnostics))}. The previous site, if any, is untouched.", file=err)
        return Check(1)
    output_dir = next(iter(saved.manifest["outputs"]))
    print(closing_line(output_dir, saved.manifest["counts"], time.perf_counter() - started,
                       nothing_changed(len(diagnostics))), file=out)
    return Check(0)


def nothing_changed(warnings: int) -> str:
    return f"nothing changed, nothing written; {warnings} warning(s)"
