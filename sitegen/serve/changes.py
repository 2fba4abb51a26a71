"""What a batch of changed paths asks the next rebuild to redo: a pure classifier, as Zola's.

Config: everything; a template: the pages that loaded it; a static file: that file; content: a new digest,
then the pages whose reads changed (`sitegen.output.reads`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from ..content.files import is_ignored
from ..contract import Frozen

CARDS_FOLDER = "entities"  # below the content folder: the curated cards (`sitegen.content.cards.read_cards`)

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
    content_paths: frozenset[str] = frozenset()  # which, below the content folder (empty: not known)
    templates: frozenset[str] = frozenset()  # template names (as Jinja loads them) or folders of them
    static: frozenset[str] = frozenset()  # paths below static/ in the output, files or folders

    @property
    def anything(self) -> bool:
        return self.full or self.content or bool(self.templates) or bool(self.static)

    @property
    def cards_only(self) -> bool:
        """Whether the content changes are all known to be curated cards."""
        return bool(self.content_paths) and all(_in_cards_folder(path) for path in self.content_paths)

    def __or__(self, other: Needs) -> Needs:
        known = all(needs.content_paths or not needs.content for needs in (self, other))
        return Needs(full=self.full or other.full, content=self.content or other.content,
                     content_paths=self.content_paths | other.content_paths if known else frozenset(),
                     templates=self.templates | other.templates, static=self.static | other.static)


def needs_for(paths: Iterable[Path], layout: Layout) -> Needs:
    """What the changed `paths` need rebuilt. Editor swap and backup files, hidden files and folders, and
    anything the build itself writes need nothing."""
    full = False
    content: set[str] = set()
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
                content.add(path.relative_to(layout.content_dir).as_posix())
    return Needs(full=full, content=bool(content), content_paths=frozenset(content), templates=frozenset(templates),
                 static=frozenset(static))


def _in_cards_folder(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return len(parts) > 1 and parts[0] == CARDS_FOLDER


def _hidden(rel: Path) -> bool:
    """An ignored file (swap, backup, temp) or anything inside a hidden folder (.git, .obsidian)."""
    return is_ignored(rel) or any(part.startswith(".") for part in rel.parts[:-1])


def static_sources(rel: str, static_dirs: Sequence[Path]) -> list[Path]:
    """Where `static/<rel>` comes from, in copy order (a later folder's file wins)."""
    return [folder / PurePosixPath(rel) for folder in static_dirs if (folder / PurePosixPath(rel)).exists()]

