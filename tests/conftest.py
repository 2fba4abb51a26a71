"""Shared fixtures: a copy of the demo project, built once per session into a temporary folder."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sitegen.config import load_settings
from sitegen.pipeline.build import build_site

REPO = Path(__file__).resolve().parent.parent
pytest_plugins = ["conftest_web"]


def copy_project(target: Path) -> Path:
    """A standalone copy of the demo project (content, templates, static, config)."""
    for name in ("content", "templates", "static"):
        shutil.copytree(REPO / name, target / name)
    shutil.copy(REPO / "sitegen.toml", target / "sitegen.toml")
    return target


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory) -> Path:
    """One NLP cache for the whole session, so spaCy runs once per distinct article text."""
    return tmp_path_factory.mktemp("nlp-cache")


@pytest.fixture
def project(tmp_path, shared_cache) -> Path:
    root = copy_project(tmp_path / "project")
    config = root / "sitegen.toml"
    text = re.sub(r"(?m)^cache_dir = .*$", f'cache_dir = "{shared_cache}"', config.read_text(encoding="utf-8"))
    config.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory, shared_cache) -> Path:
    """The demo digest built once; tests read it as a reader would."""
    root = copy_project(tmp_path_factory.mktemp("demo"))
    settings = load_settings(root, cache_dir=shared_cache)
    build_site(settings)
    return settings.output_dir


def page_text(path: Path) -> str:
    """What a reader sees of a page: its text without markup, whitespace folded."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("script", "style")

        def handle_endtag(self, tag):
            self.skip -= tag in ("script", "style")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join("".join(parser.parts).split())
