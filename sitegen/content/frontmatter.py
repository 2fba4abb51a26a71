"""The one front-matter reader: articles, cards, event and story overrides all split and check theirs here."""

from __future__ import annotations

import datetime as dt
import re

import yaml
from pydantic import ValidationError

from ..contract import Diagnostic

MAX_FRONT_MATTER_CHARS = 16_384  # far more than any card or article needs; YAML is parsed only below it
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_KEY_PREFIX = re.compile(r"^[A-Za-z_]+:")


def front_matter_error(exc: yaml.YAMLError, rel_path: str, hint: str) -> Diagnostic:
    """Broken YAML, pointed at the line where the broken construct starts (an unclosed "[" is only noticed
    at the end of the block, so the parser's own position would mislead)."""
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else 1  # the parsed block starts with the newline after "---"
    problem = " ".join(filter(None, [getattr(exc, "context", None), getattr(exc, "problem", None)]))
    return Diagnostic(path=rel_path, line=line, message=f"broken front matter: {problem or exc}", hint=hint)


def invalid_field(exc: ValidationError, text: str, rel_path: str, what: str, hint: str) -> Diagnostic:
    """The first field pydantic rejected, at the line of its key in the front matter."""
    error = exc.errors()[0]
    key = str(error["loc"][0]) if error["loc"] else "name"
    return Diagnostic(path=rel_path, line=front_matter_line(text, key), message=f"{what} field '{key}': {error['msg']}",
                      hint=hint)


def front_matter_line(text: str, key: str) -> int:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith(f"{key}:"):
            return number
    return 1


def value_line(text: str, value: str, key: str | None = None) -> int:
    """The front matter line whose value names `value` as a whole word (a key's own name, or a longer id that
    contains it, does not count), looking only at `key`'s line and the list below it when a key is given;
    else the key's line, or the first."""
    named = re.compile(rf"(?<![\w-]){re.escape(value)}(?![\w-])")
    lines = text.split("\n")
    start = front_matter_line(text, key) if key else 2
    for number in range(start, len(lines) + 1):
        line = lines[number - 1]
        if line.rstrip() == "---" or key and number > start and not line.startswith((" ", "\t", "-")):
            break
        if named.search(_KEY_PREFIX.sub("", line, count=1)):
            return number
    return front_matter_line(text, key) if key else 1


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML as editors write it and no more: an alias (`*name`) is refused, so a few lines cannot expand into
    gigabytes, and an impossible date is an error at its line rather than a crash."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in front matter",
                                              event.start_mark)
        return super().compose_node(parent, index)


def _timestamp(loader: _FrontMatterLoader, node: yaml.Node) -> dt.date:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(None, None, f"{node.value!r} is not a real date ({exc})",
                                                node.start_mark) from exc


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


class _FastFrontMatterLoader(getattr(yaml, "CSafeLoader", _FrontMatterLoader)):  # type: ignore[misc]
    """The same reading with libyaml's parser, ten times faster (YAML was most of a cold build's reading)."""


_FastFrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
SHALLOW = 20  # nesting levels that the pure-Python reader surely reads within Python's recursion limit


def _load_yaml(block: str) -> object:
    """The block's value as `_FrontMatterLoader` reads it, through libyaml where that gives the same: the
    block cannot hold an alias (it has no `*`), libyaml finds no error and the value is shallow. Anything
    else is read by `_FrontMatterLoader` itself, so errors, refused aliases and too-deep nesting are said
    as before."""
    if "*" not in block:
        try:
            value = yaml.load(block, Loader=_FastFrontMatterLoader)  # noqa: S506 - a safe loader
        except yaml.YAMLError:
            pass
        else:
            if _depth(value) <= SHALLOW:
                return value
    return yaml.load(block, Loader=_FrontMatterLoader)  # noqa: S506 - a safe loader


def _depth(value: object) -> int:
    """How deeply lists and mappings nest in a YAML value (a tree: it holds no alias)."""
    deepest, level = 0, [(value, 1)]
    while level:
        node, depth = level.pop()
        if isinstance(node, (list, dict)):
            deepest = max(deepest, depth)
            level += [(child, depth + 1) for child in (node.values() if isinstance(node, dict) else node)]
    return deepest


def split_front_matter(text: str, rel_path: str, hint: str) -> tuple[dict | None, str, list[Diagnostic]]:
    """(front matter, body) of a Markdown file; no front matter is an empty one. The front matter is None,
    with a warning at its line, when it is not closed, too long, broken YAML or not a mapping of keys."""
    first, _, rest = text.partition("\n")
    if first.rstrip() != "---":
        return {}, text, []
    end = _FRONT_MATTER_END.search(rest)
    if end is None:
        return None, "", [Diagnostic(path=rel_path, line=1, message="front matter is not closed",
                                     hint="end it with a line of three dashes, '---'")]
    block = rest[: end.start()]
    if len(block) > MAX_FRONT_MATTER_CHARS:
        return None, "", [Diagnostic(path=rel_path, line=1,
                                     message=f"front matter is over {MAX_FRONT_MATTER_CHARS:,} characters",
                                     hint="keep the front matter to the keys and short values; the text goes below")]
    try:
        meta = _load_yaml("\n" + block)
    except yaml.YAMLError as exc:
        return None, "", [front_matter_error(exc, rel_path, hint)]
    except RecursionError:
        return None, "", [Diagnostic(path=rel_path, line=2, message="front matter is nested too deeply", hint=hint)]
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return None, "", [Diagnostic(path=rel_path, line=2, message=f"front matter is a {type(meta).__name__}, "
                                     "not 'key: value' lines", hint=hint)]
    return meta, rest[end.end():], []

