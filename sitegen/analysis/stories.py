"""Storylines: events about one developing story, chained so a reader can follow it from page to page.

Two events belong to one story when the later follows the earlier within MAX_GAP_DAYS and they share its
cast (participants, place, country and the most mentioned names): at least MIN_SHARED of these, names
specific enough to mean one story (countries aside, the shared names weigh at least MIN_SPECIFIC names that
only the two events have: two countries, or the president and his country, have many unrelated stories
between them), and a rarity-weighted Jaccard overlap of at least MIN_OVERLAP. Each event joins the earlier
event it shares most with; the stories are the connected groups of two events or more. The rule and its
numbers were chosen by `bench/stories.py`, fitted on the first half of the DEV period and checked on the
second against the gold topics.

Editors override in `content/stories/*.md`; the file name is the story's slug:

```markdown
---
title: The Nara summit and its aftermath   # optional: the title the story shows
events: [2026-01-13-x, 2026-01-20-y]      # the story's events (two or more); they leave any other story
---
```

Merging two stories is one file listing the events of both; splitting one is two files; retitling is a
file with the same events and a title.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..content.frontmatter import front_matter_line, value_line
from ..content.models import Article
from ..content.overrides import read_override_files
from ..content.slugs import slugify
from ..contract import Diagnostic, Frozen
from ..site.ranking import outlets
from .models import Event

MAX_GAP_DAYS = 21
CENTRAL_NAMES = 6  # the most mentioned entities of an event that count as its cast, beside participants
MIN_SHARED = 2
MIN_SPECIFIC = 1.5  # countries aside, the shared names weigh this many names only the two events have
MIN_OVERLAP = 0.2


class ChainRule(Frozen):
    """When a later event continues an earlier one's story (the bench tries others against the gold)."""

    max_gap_days: int = MAX_GAP_DAYS
    min_shared: int = MIN_SHARED
    min_specific: float = MIN_SPECIFIC  # rarity of the shared names that are not countries
    min_overlap: float = MIN_OVERLAP


class Storyline(Frozen):
    id: str  # slug: the page is stories/<id>/
    title: str
    events: tuple[str, ...]  # event ids, oldest first
    curated: bool = False


class StoryOverride(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    source: str = Field(repr=False)
    story: str  # the slug, from the file name
    title: str | None = None
    events: tuple[str, ...] = ()

    @field_validator("events", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    def line_of(self, value: str) -> int:
        return value_line(self.source, value)


def read_story_overrides(content_dir: Path) -> tuple[list[StoryOverride], list[Diagnostic]]:
    return read_override_files(content_dir / "stories", content_dir, StoryOverride,
                               lambda path, meta, body: {**meta, "story": slugify(path.stem)},
                               ("a story", "story"), "a story takes 'title' and 'events' (a list of event ids)")


def cast(event: Event) -> set[str]:
    """The entities an event is about: its participants, where it happened, and its most mentioned names."""
    return set(event.participants) | {e for e in (event.place, event.country) if e} | set(event.entities[:CENTRAL_NAMES])


def rarity(events: Sequence[Event]) -> dict[str, float]:
    """Inverse event frequency of each entity, scaled so that a name only two events have weighs 1: sharing a
    name few events have says more than sharing one that half the digest names."""
    counts = Counter(e for event in events for e in cast(event))
    pair = math.log((1 + len(events)) / 2) if len(events) >= 2 else 1.0
    return {e: math.log((1 + len(events)) / n) / pair for e, n in counts.items()}


def follows(earlier: Event, later: Event, weight: Mapping[str, float], rule: ChainRule = ChainRule(),
            casts: Mapping[str, set[str]] | None = None) -> float:
    """How strongly `later` continues `earlier`'s story: their cast overlap weighted by rarity, or 0. `casts`
    holds each event's `cast` by id when the caller made them once."""
    if earlier.date is None or later.date is None or not 0 <= (later.date - earlier.date).days <= rule.max_gap_days:
        return 0.0
    one, two = (casts[earlier.id], casts[later.id]) if casts is not None else (cast(earlier), cast(later))
    shared = one & two
    specific = [weight[e] for e in shared if not e.startswith("country/")]
    if len(shared) < rule.min_shared or not specific or sum(specific) < rule.min_specific:
        return 0.0
    overlap = sum(weight[e] for e in shared) / (sum(weight[e] for e in one | two) or 1.0)
    return overlap if overlap >= rule.min_overlap else 0.0


def chain_events(events: Sequence[Event], rule: ChainRule = ChainRule()) -> list[list[Event]]:
    """Groups of two events or more on one story, each oldest first, the groups by their first event."""
    dated = sorted((e for e in events if e.date), key=lambda e: (e.date, e.id))
    weight = rarity(dated)
    parent = {e.id: e.id for e in dated}

    def root(ident: str) -> str:
        while parent[ident] != ident:
            parent[ident] = parent[parent[ident]]
            ident = parent[ident]
        return ident

    casts = {e.id: cast(e) for e in dated}
    first = 0  # the oldest event within `max_gap_days` of the current one (`dated` is in date order)
    for n, event in enumerate(dated):
        while (event.date - dated[first].date).days > rule.max_gap_days:
            first += 1
        scored = [(follows(earlier, event, weight, rule, casts), earlier.id) for earlier in dated[first:n]]
        best = max(scored, default=(0.0, ""))
        if best[0] > 0:
            parent[root(event.id)] = root(best[1])
    groups: dict[str, list[Event]] = {}
    for event in dated:
        groups.setdefault(root(event.id), []).append(event)
    return sorted((g for g in groups.values() if len(g) >= 2), key=lambda g: (g[0].date, g[0].id))


def storylines(events: Sequence[Event], articles: Mapping[str, Article],
               overrides: Sequence[StoryOverride] = ()) -> tuple[list[Storyline], list[Diagnostic]]:
    """The digest's stories: the editor's first (their events leave the generated ones), then the chained."""
    by_id = {alias: e for e in events for alias in (e.id, *e.aliases)}
    problems: list[Diagnostic] = []
    stories: list[Storyline] = []
    claimed: set[str] = set()
    for override in overrides:
        found = []
        for ident in override.events:
            if ident not in by_id:
                problems.append(Diagnostic(path=override.path, line=override.line_of(ident),
                                           message=f"no event {ident!r}", hint="use the id in the event's URL"))
            elif by_id[ident].id not in claimed and by_id[ident] not in found:
                found.append(by_id[ident])
        if len(found) < 2:
            problems.append(Diagnostic(path=override.path, line=front_matter_line(override.source, "events"),
                                       message="a story needs two events or more; the file is ignored",
                                       hint="list the ids of its events under 'events'"))
            continue
        found.sort(key=lambda e: (e.date or dt.date.min, e.id))
        claimed.update(e.id for e in found)
        stories.append(Storyline(id=override.story, title=override.title or _title(found, articles),
                                 events=tuple(e.id for e in found), curated=True))
    taken = {s.id for s in stories}
    for group in chain_events([e for e in events if e.id not in claimed]):
        slug = group[0].id
        if slug in taken:
            continue
        taken.add(slug)
        stories.append(Storyline(id=slug, title=_title(group, articles), events=tuple(e.id for e in group)))
    return stories, problems


def _title(group: Sequence[Event], articles: Mapping[str, Article]) -> str:
    """The title of the story's most widely covered event (the latest of equals)."""
    return max(group, key=lambda e: (outlets(e, articles), e.date or dt.date.min, e.id)).title
