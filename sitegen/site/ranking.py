"""Which events lead the front page: the widely covered, the recent, and those of a weighty kind.

An event's importance is the number of distinct outlets that covered it (wire copies count for the outlet
that republished them: carrying a story is a choice too), discounted by its age against the digest's newest
date, and scaled by its kind. The outlet count enters as a logarithm, so the tenth outlet adds less than the
second; age halves the score every HALF_LIFE_DAYS, so a story a month old needs several times the coverage
of today's to stay on top.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

from ..analysis.models import Event, EventKind
from ..content.models import Article

HALF_LIFE_DAYS = 7.0
# How much an event of each kind weighs against a "statement": happenings that change relations between
# states (agreements, meetings, sanctions, violence, elections) above words about them.
KIND_WEIGHT: Mapping[EventKind, float] = {
    EventKind.AGREE: 1.3, EventKind.CONSULT: 1.25, EventKind.VIOLENCE: 1.25, EventKind.SANCTION: 1.2,
    EventKind.ELECTION: 1.2, EventKind.LEGISLATION: 1.1, EventKind.LEGAL: 1.05, EventKind.POLICY: 1.05,
    EventKind.DISASTER: 1.05, EventKind.PROTEST: 1.0, EventKind.STATEMENT: 1.0, EventKind.ECONOMY: 0.95,
    EventKind.OTHER: 0.85,
}


def outlets(event: Event, articles: Mapping[str, Article]) -> int:
    """Distinct outlets that carried the event; an article with no outlet named counts as its own."""
    return len({articles[a].source or f"article:{a}" for a in event.articles})


def importance(event: Event, articles: Mapping[str, Article], newest: dt.date | None) -> float:
    """Coverage, recency and kind in one number; an undated event counts as a month old."""
    age = (newest - event.date).days if newest and event.date else 30
    return math.log2(1 + outlets(event, articles)) * 0.5 ** (max(age, 0) / HALF_LIFE_DAYS) * KIND_WEIGHT[event.kind]


def ranked_events(events: Sequence[Event], articles: Mapping[str, Article]) -> list[Event]:
    """Events most important first; ties go to the newer event, then the id, so the order is stable."""
    newest = max((e.date for e in events if e.date), default=None)
    return sorted(events, key=lambda e: (-importance(e, articles, newest), -(e.date or dt.date.min).toordinal(), e.id))
