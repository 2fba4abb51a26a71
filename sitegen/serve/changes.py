"""What a batch of changed paths asks the next rebuild to redo: a pure classifier, as Zola's.

Config: everything; a template: the pages that loaded it; a static file: that file; content: a new digest,
then the pages whose reads changed (`sitegen.output.reads`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from ..content.files import is_ignored
from ..contract import Frozen

# --- what a change needs ---------------------------------------------------------------------------------


class Layout(Frozen):
    """Where a project's inputs live, and the build's own folders (whose writes are never inputs)."""

    config_file: Path | None
    content_dir: Path
    templates_dir: Path
    static_dir: Path
    overrides_dir: Path
    generated: tuple[Path, ...] = ()


class Needs(Frozen):
    """What a batch of changed paths asks the next rebuild to redo."""

    full: bool = False  # the config changed: settings, base URL, every page
    content: bool = False  # an article, a card or an event override: analyse the content again
    templates: frozenset[str] = frozenset()  # template names (as Jinja loads them) or folders of them
    static: frozenset[str] = frozenset()  # paths below static/ in the output, files or folders

    @property
    def anything(self) -> bool:
        return self.full or self.content or bool(self.templates) or bool(self.static)

    def __or__(self, other: Needs) -> Needs:
        return Needs(full=self.full or other.full, content=self.content or other.content,
                     templates=self.templates | other.templates, static=self.static | other.static)


def needs_for(paths: Iterable[Path], layout: Layout) -> Needs:
    """What the changed `paths` need rebuilt. Editor swap and backup files, hidden files and folders, and
    anything the build itself writes need nothing."""
    full = content = False
    templates: set[str] = set()
    static: set[str] = set()
    roots = [  # most specific first: the overrides folder may sit inside another watched folder
        (layout.overrides_dir / "templates", templates),
        (layout.overrides_dir / "static", static),
        (layout.templates_dir, templates),
        (layout.static_dir, static),
    ]
    for path in paths:
        if layout.config_file is not None and path == layout.config_file:
            full = True
            continue
        if any(path.is_relative_to(folder) for folder in layout.generated):
            continue
        for root, names in roots:
            if path.is_relative_to(root):
                rel = path.relative_to(root)
                if rel.parts and not _hidden(rel):
                    names.add(rel.as_posix())
                break
        else:
            if path.is_relative_to(layout.content_dir) and not _hidden(path.relative_to(layout.content_dir)):
                content = True
    return Needs(full=full, content=content, templates=frozenset(templates), static=frozenset(static))


def _hidden(rel: Path) -> bool:
    """An ignored file (swap, backup, temp) or anything inside a hidden folder (.git, .obsidian)."""
    return is_ignored(rel) or any(part.startswith(".") for part in rel.parts[:-1])


def static_sources(rel: str, static_dirs: Sequence[Path]) -> list[Path]:
    """Where `static/<rel>` comes from, in copy order (a later folder's file wins)."""
    return [folder / PurePosixPath(rel) for folder in static_dirs if (folder / PurePosixPath(rel)).exists()]

