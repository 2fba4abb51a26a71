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
import sys
from collections.abc import Mapping
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
                     *(f"{d}=={version(d)}" for d in third_party))


def _distributions(packages: set[str]) -> list[str]:
    """The installed distributions that provide these top-level packages. Most are named like their package
    (spacy, pydantic) and found at once; only for the others is every distribution's file list read, once
    per process (a few tenths of a second)."""
    return sorted({name for package in packages for name in _providers(package)})


@functools.cache
def _providers(package: str) -> tuple[str, ...]:
    try:
        version(package)
        return (package,)
    except PackageNotFoundError:
        return tuple(_owners().get(package, ()))


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
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
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


def _module_file(name: str) -> Path | None:
    """The source file of a sitegen module, found on disk: importing it to ask would run it."""
    first, *rest = name.split(".")
    if first != PACKAGE:
        return None
    base = PACKAGE_DIR.joinpath(*rest)
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)
