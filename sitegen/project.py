"""`sitegen init`: a new digest project, its settings file generated from `Settings` so it never drifts."""

from __future__ import annotations

import json
import shutil
from importlib import metadata
from pathlib import Path, PurePath

from .config import CONFIG_NAME, Settings
from .theme import PACKAGE_DIR, bundle

STARTER = PACKAGE_DIR / "starter"
CONTENT_FOLDERS = ("articles", "entities", "events")


class FolderNotEmpty(Exception):
    """`init` was pointed at a folder that already holds files, without `--force`."""


def version() -> str:
    return metadata.version("sitegen")


def config_text() -> str:
    """`sitegen.toml` with every key at its default, each under its docstring as a comment."""
    lines = ["# sitegen settings: every key is optional and shown at its default; paths are relative to this file.",
             "# Command-line options (--base-url, --out, ...) win over this file.", ""]
    for name, field in Settings.model_fields.items():
        lines += [f"# {field.description}", f"{name} = {_toml_value(field.get_default())}", ""]
    return "\n".join(lines)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, PurePath):
        value = value.as_posix()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    raise TypeError(f"no TOML form for the default {value!r}")


def gitignore_text() -> str:
    """The folders a build writes, from the settings' defaults."""
    defaults = Settings()
    generated = (defaults.output_dir, defaults.cache_dir, defaults.cards_dir)
    return "# written by sitegen builds\n" + "".join(f"/{path.as_posix()}/\n" for path in generated)


def requirement() -> str:
    """How CI installs this sitegen: the git commit it came from (PEP 610), else its released version."""
    try:
        origin = json.loads(metadata.distribution("sitegen").read_text("direct_url.json") or "{}")
    except json.JSONDecodeError:
        origin = {}
    vcs = origin.get("vcs_info", {})
    if vcs.get("vcs") == "git" and origin.get("url"):
        return f"sitegen @ git+{origin['url']}@{vcs['commit_id']}\n"
    return f"sitegen=={version()}\n"


def project_files(demo: bool) -> dict[str, str | Path]:
    """Each file of a new project by its relative path: text to write, or a file to copy."""
    files: dict[str, str | Path] = {
        CONFIG_NAME: config_text(),
        ".gitignore": gitignore_text(),
        "README.md": STARTER / "README.md",
        "requirements.txt": requirement(),
        ".github/workflows/pages.yml": STARTER / "pages.yml",
        **{f"content/{folder}/.gitkeep": "" for folder in CONTENT_FOLDERS},
    }
    if demo:
        articles = bundle().demo_articles
        files.update({f"content/articles/{path.name}": path for path in sorted(articles.iterdir())
                      if path.is_file() and not path.name.startswith(".")})
    return files


def init_project(folder: Path, demo: bool = False, force: bool = False) -> tuple[list[Path], list[Path]]:
    """Write a new project into `folder`: (files written, files kept because they exist). Never overwrites."""
    if folder.exists() and not folder.is_dir():
        raise FolderNotEmpty(f"{folder} is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise FolderNotEmpty(f"{folder} is not empty")
    written, kept = [], []
    for rel, source in project_files(demo).items():
        target = folder / rel
        if target.exists():
            kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, Path):
            shutil.copyfile(source, target)
        else:
            target.write_text(source, encoding="utf-8")
        written.append(target)
    return written, kept
