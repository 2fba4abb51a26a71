"""How values read on a page: dates as precisely as known, country names with their article."""

from __future__ import annotations

import datetime as dt


def format_when(value) -> str:
    """A DateRef as precisely as it is known: "13 January 2026", "October 2025", "2025"."""
    if value.granularity == "day":
        return format_date(value.start)
    if value.granularity == "month":
        return value.start.strftime("%B %Y")
    return str(value.start.year)


def format_date(value: dt.date | None) -> str:
    return value.strftime("%-d %B %Y") if value else "date unknown"


# Words of a country's name that English reads with "the" before it ("the United States", "the Philippines").
_DEFINITE_NAME_WORDS = {"united", "republic", "kingdom", "federation", "emirates", "states", "islands", "union",
                        "netherlands", "philippines", "bahamas", "gambia", "maldives", "comoros", "seychelles"}


def definite_article(name: str) -> str:
    """"the " where a place's name is read with it ("President of the United States"), else ""."""
    words = name.lower().split()
    return "the " if words and words[0] != "the" and _DEFINITE_NAME_WORDS & set(words) else ""

