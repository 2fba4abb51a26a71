"""What a stage's result depends on, as a hash: the values it read, and the code and data that computed it.

A cache key is `fingerprint(code_version(stage module), *inputs)`. The code version is derived, never set by
hand: it hashes the source of the stage's module and of every sitegen module it imports (transitively), the
package data files those sources name, and the versions of the third-party distributions they import. So an
edit to a rule, a word list or a trained model retires exactly the cache entries it could change.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from enum import Enum
from importlib.metadata import PackageNotFoundError, packages_distributions, version
from pathlib import Path, PurePath

from pydantic import BaseModel

from ..resources import DATA_DIR
from .store import cache_key

PACKAGE = "sitegen"
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def fingerprint(*values: object) -> str:
    """A hex digest of the values: pydantic models, mappings, sequences, text, numbers, dates, paths."""
    return cache_key(*(json.dumps(_plain(v), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                       for v in values))


def _plain(value: object) -> object:
    """The value as JSON data that tells types apart where their JSON would not (a model from a dict)."""
    if type(value) is str:  # the most common by far (the sets of words of a digest): no isinstance chain
        return value
    if isinstance(value, BaseModel):
        return {type(value).__qualname__: value.model_dump(mode="json")}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {"{}": sorted([_plain(k), _plain(v)] for k, v in value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return {"set": sorted(json.dumps(_plain(v), sort_keys=True) for v in value)}
    if isinstance(value, (dt.date, PurePath)):
        return str(value)
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot fingerprint a {type(value).__name__}")


def model_texts(*models: BaseModel) -> list[str]:
    """Models as pydantic writes them, for a key: many times faster than `fingerprint` spelling them out, and
    a different value (or type) gives a different text."""
    return [f"{type(m).__qualname__}:{m.model_dump_json()}" for m in models]


@functools.cache
def code_version(*modules: str) -> str:
    """A digest of what these sitegen modules compute with: their sources and those of the sitegen modules
    they import, the data files named in those sources, and the third-party distributions they import."""
    sources, imported = _sources(modules)
    texts = {name: path.read_text(encoding="utf-8") for name, path in sources.items()}
    data = sorted(f.name for f in DATA_DIR.iterdir() if f.is_file() and any(f.name in t for t in texts.values()))
    third_party = _distributions({name.split(".")[0] for name in imported} - {PACKAGE} - sys.stdlib_module_names)
    return cache_key(*(f"{n}\n{texts[n]}" for n in sorted(texts)),
                     *(f"{n}\n{(DATA_DIR / n).read_bytes().hex()}" for n in data),
                     *(f"{d}=={_installed().get(_normal(d)) or version(d)}" for d in third_party))


def _distributions(packages: set[str]) -> list[str]:
    """The installed distributions that provide these top-level packages. Most are named like their package
    (spacy, pydantic) and found at once; only for the others is every distribution's file list read, once
    per process (a few tenths of a second)."""
    return sorted({name for package in packages for name in _providers(package)})


@functools.cache
def _providers(package: str) -> tuple[str, ...]:
    if _normal(package) in _installed():
        return (package,)
    try:
        version(package)
        return (package,)
    except PackageNotFoundError:
        return tuple(_declared_owners().get(package) or _owners().get(package, ()))


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _dist_infos() -> Iterator[Path]:
    """The installed distributions' dist-info folders, in the order of the import path."""
    for entry in sys.path:
        if os.path.isdir(entry):
            yield from sorted(Path(entry).glob("*.dist-info"))


@functools.cache
def _installed() -> Mapping[str, str]:
    """Each installed distribution's version by its normalised name, from its dist-info folder's name
    (`pyyaml-6.0.3.dist-info`); the first on the path wins, as it does for an import. (importlib.metadata
    parses a distribution's whole metadata file to tell its version.)"""
    found: dict[str, str] = {}
    for info in _dist_infos():
        name, _, release = info.name.removesuffix(".dist-info").partition("-")
        found.setdefault(_normal(name), release)
    return found


@functools.cache
def _declared_owners() -> Mapping[str, list[str]]:
    """Top-level package -> the distributions whose `top_level.txt` names it (PyYAML's names yaml): one small
    file a distribution, where `packages_distributions` parses every distribution's metadata and reads the
    file lists of those without one (~0.3 s)."""
    owners: dict[str, list[str]] = {}
    for info in _dist_infos():
        try:
            packages = (info / "top_level.txt").read_text(encoding="utf-8").split()
        except OSError:
            continue
        for package in packages:
            owners.setdefault(package, []).append(info.name.split("-", 1)[0])
    return owners


@functools.cache
def _owners() -> Mapping[str, list[str]]:
    return packages_distributions()


def _sources(modules: tuple[str, ...]) -> tuple[dict[str, Path], set[str]]:
    """Every sitegen module reachable by imports from `modules`, with its file (read, not imported),
    and every module those files import."""
    found: dict[str, Path] = {}
    imported: set[str] = set()
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        path = _module_file(name)
        if path is None:
            raise ModuleNotFoundError(name)
        found[name] = path
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        names = _imports(found[name], package)
        imported |= names
        todo.extend(m for m in names if m.split(".")[0] == PACKAGE)
    return found, imported


@functools.cache
def _imports(path: Path, package: str) -> frozenset[str]:
    """Modules a source file imports, absolute; `from .x import y` counts y too when y is a module. Read once
    per file and process: the stages share most of their modules."""
    names: set[str] = set()
    for node in _statements(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if _module_file(f"{base}.{alias.name}"))
    return frozenset(names)


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of a body and of the bodies inside it (functions, classes, branches, handlers): where
    imports can be. Expressions, nine tenths of a module's nodes, are not walked."""
    for node in body:
        yield node
        for block in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(node, block, None)
            if isinstance(inner, list):
                yield from _statements(inner)


def _module_file(name: str) -> Path | None:
    """The source file of a sitegen module, found on disk: importing it to ask would run it."""
    first, *rest = name.split(".")
    if first != PACKAGE:
        return None
    base = PACKAGE_DIR.joinpath(*rest)
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)
