"""The default theme (templates, static files) and the demo articles, wherever sitegen runs from.

An installed wheel carries them as package data under `sitegen/bundled/` (pyproject.toml maps the
repository's top-level folders there); a source checkout or an editable install uses those folders in place.
A project's own folders come before the theme's, file by file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Bundle:
    templates: Path
    static: Path
    demo_articles: Path


class ThemeMissing(RuntimeError):
    """Neither the package data nor a source checkout holds the default theme: a broken install."""


@cache
def bundle() -> Bundle:
    """The installed package data, else the source checkout that holds this package."""
    packaged = PACKAGE_DIR / "bundled"
    if packaged.is_dir():
        return Bundle(packaged / "templates", packaged / "static", packaged / "demo")
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "templates").is_dir():
        return Bundle(checkout / "templates", checkout / "static", checkout / "content" / "articles")
    raise ThemeMissing(f"the default theme is neither in {packaged} nor in a source checkout at {checkout}; "
                       "reinstall sitegen")


def template_folders(templates_dir: Path, overrides_dir: Path | None) -> list[Path]:
    """Where Jinja looks for a template, first match wins: overrides/templates, the project's templates, the theme."""
    first = [overrides_dir / "templates"] if overrides_dir and (overrides_dir / "templates").is_dir() else []
    return _unique([*first, templates_dir, bundle().templates])


def static_folders(static_dir: Path, overrides_dir: Path) -> list[Path]:
    """Static folders in copy order, a later folder's file wins: the theme, the project's static, overrides/static."""
    return _unique([bundle().static, static_dir, overrides_dir / "static"])


def _unique(folders: list[Path]) -> list[Path]:
    return list(dict.fromkeys(folders))
