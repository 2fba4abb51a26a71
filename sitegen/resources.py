"""The package's data files (word lists, trained models), found beside the code wherever it is installed, and
word lists that installed dependencies ship as plain modules."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

DATA_DIR = Path(__file__).resolve().parent / "data"


def data_text(name: str) -> str:
    return (DATA_DIR / name).read_text(encoding="utf-8")


def dependency_module(package: str, path: str) -> ModuleType | None:
    """The plain module at `path` ("lang/en/stop_words.py") inside an installed package, run from its file:
    importing it the usual way would first run the package's __init__, over a second for spaCy or
    scikit-learn. None when the package or the file is missing."""
    found = importlib.util.find_spec(package)  # a top-level name: located, not imported
    file = Path(found.origin).parent / path if found and found.origin else None
    if file is None or not file.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"sitegen_{package}_{file.stem}", file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
