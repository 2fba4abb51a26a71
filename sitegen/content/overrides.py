"""Editor overrides for events, from `content/events/*.md`: the editor's word beats the clustering.

```markdown
---
event: 2026-01-13-lee-and-takaichi-meet-in-nara   # which event (default: the file name)
title: Takaichi hosts Lee in Nara
date: 2026-01-13
kind: consult                     # one of sitegen.analysis.models.EventKind (consult, agree, statement, policy, ...)
consult_mode: in_person           # for a consult: in_person, phone or negotiation
place: Nara
articles: [some-article]          # pin these articles into the event
exclude: [other-article]          # take these out (each becomes an event of its own)
merge: [2026-01-14-another-event] # fold other events into this one
hide: false
---
An editor's summary, in Markdown, that replaces the generated one.
```
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..analysis.models import ConsultMode, EventKind
from ..contract import Diagnostic
from .files import MARKDOWN_SUFFIXES, decode_text, read_content
from .frontmatter import invalid_field, split_front_matter, value_line

ModelT = TypeVar("ModelT", bound=BaseModel)


class EventOverride(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    source: str = Field(repr=False)  # the file's text, to point diagnostics at the right line
    event: str
    title: str | None = None
    date: dt.date | None = None
    kind: EventKind | None = None
    consult_mode: ConsultMode | None = None  # how a consult took place; ignored for other kinds
    place: str | None = None
    articles: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    merge: tuple[str, ...] = ()
    hide: bool = False
    summary: str = ""

    @field_validator("articles", "exclude", "merge", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    def line_of(self, value: str) -> int:
        """The line that names `value` (an article or event id, a place), else the first."""
        return value_line(self.source, value)

    def problem(self, message: str, value: str, hint: str) -> Diagnostic:
        return Diagnostic(path=self.path, line=self.line_of(value), message=message, hint=hint)


def read_event_overrides(content_dir: Path) -> tuple[list[EventOverride], list[Diagnostic]]:
    return read_override_files(content_dir / "events", content_dir, EventOverride,
                               lambda path, meta, body: {"event": path.stem, **meta, "summary": body.strip()},
                               ("an event override", "override"), "see the README for the fields of an event override")


def read_override_files(folder: Path, content_dir: Path, model: type[ModelT],
                        fields: Callable[[Path, dict, str], dict], names: tuple[str, str],
                        hint: str) -> tuple[list[ModelT], list[Diagnostic]]:
    """One `model` per Markdown file of an editor's folder, from `fields(path, front matter, body)` with its
    path and text; any other file, or one whose text, YAML or fields are wrong, is reported and skipped.
    `names`: what a file is, for messages ("an event override", "override")."""
    found: list[ModelT] = []
    files, problems = read_content(folder, content_dir)
    for path, rel, raw in files:
        if path.suffix.lower() not in MARKDOWN_SUFFIXES:
            problems.append(Diagnostic(path=rel, line=1, message=f"{names[0]} must be a Markdown file (.md); "
                                       "this one is ignored", hint=f"rename it to .md or move it out of content/{folder.name}/"))
            continue
        text, decode_problems = decode_text(raw, rel)
        problems.extend(decode_problems)
        if text is None:
            continue
        meta, body, split_problems = split_front_matter(
            text, rel, f"fix the YAML between the '---' lines; the {names[1]} is ignored")
        problems.extend(split_problems)
        if meta is None:
            continue
        try:
            found.append(model.model_validate({**fields(path, meta, body), "path": rel, "source": text}))
        except ValidationError as exc:
            problems.append(invalid_field(exc, text, rel, names[1], hint))
    return found, problems


def regroup(groups: Sequence[Sequence[str]], group_ids: Sequence[set[str]],
            overrides: Sequence[EventOverride]) -> tuple[list[list[str]], dict[int, EventOverride], list[Diagnostic]]:
    """Apply pins and merges to the clusters.

    `group_ids[i]` holds every id group i answers to (its id and aliases). Returns the new groups, which
    override applies to which new group (by index), and a diagnostic for every name that matches nothing.
    """
    groups = [list(g) for g in groups]
    where = {article: i for i, g in enumerate(groups) for article in g}
    problems: list[Diagnostic] = []
    applied: dict[int, EventOverride] = {}

    def find(event_id: str) -> int | None:
        return next((i for i, ids in enumerate(group_ids) if event_id in ids and groups[i]), None)

    for override in overrides:
        target = find(override.event)
        if target is None:
            problems.append(override.problem(f"no event {override.event!r}", override.event,
                                             "use the id in the event's URL, or rename the file after it"))
            continue
        for other_id in override.merge:
            other = find(other_id)
            if other is None:
                problems.append(override.problem(f"cannot merge: no event {other_id!r}", other_id,
                                                 "use the id in the other event's URL"))
            elif other != target:
                for article in groups[other]:
                    where[article] = target
                groups[target] += groups[other]
                groups[other] = []
        for article in override.articles:
            if article not in where:
                problems.append(override.problem(f"cannot pin: no article {article!r}", article,
                                                 "use the article's file name without its extension"))
            elif where[article] != target:
                groups[where[article]].remove(article)
                groups[target].append(article)
                where[article] = target
        for article in override.exclude:
            if article not in where or where[article] != target:
                problems.append(override.problem(f"cannot exclude: article {article!r} is not in this event",
                                                 article, "check the article id"))
                continue
            groups[target].remove(article)
            groups.append([article])
            group_ids = [*group_ids, set()]
            where[article] = len(groups) - 1
        applied[target] = override
    kept = [i for i, g in enumerate(groups) if g]
    return [sorted(groups[i]) for i in kept], {kept.index(i): o for i, o in applied.items() if i in kept}, problems


def place_named(name: str, entities: Mapping[str, object]) -> str | None:
    """The place or country entity an override's `place` names."""
    wanted = name.strip().lower()
    return next((i for i, e in entities.items() if i.startswith(("place/", "country/"))
                 and wanted in {n.lower() for n in (e.name, *e.aliases)}), None)
