"""Resolve the date expressions of news text ("Tuesday", "last October", "earlier this month") to dates.

News copy dates things relative to the day it was filed, so every expression is resolved against an
anchor (the article's date) and the tense of the clause: "Tuesday" in a past-tense clause is the one on or
before the anchor, in a future one ("will meet on Wednesday") the one on or after it. The result is a range
with a granularity, because "October" says a month and nothing finer.

A small parser rather than dateparser: dateparser returns one datetime, with no range or granularity, and
picks the direction of "October" or "Tuesday" from a global setting, not from the clause's tense; the few
dozen forms wire copy uses are cheaper to read directly than to post-correct.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

Granularity = Literal["day", "month", "year"]

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): number for number, name in enumerate(calendar.day_name)}
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a few": 3, "several": 3}
# Words around a date that do not change which date it is: prepositions, articles, times of day.
_FILLERS = ("on", "in", "at", "since", "by", "until", "till", "from", "during", "of", "the")
_TIMES_OF_DAY = r"(?:morning|afternoon|evening|night|overnight|noon|midday|local time)"
_YEAR = r"(?P<year>1[89]\d\d|2[01]\d\d)"
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:" + "|".join(WEEKDAYS) + r")"


class DateRef(BaseModel):
    """A date as the text gives it: an inclusive range at the precision the text states."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: dt.date
    end: dt.date  # inclusive
    granularity: Granularity  # "day" ranges longer than a day come from "last week", "the weekend"
    text: str  # the expression as written


def resolve_date(expression: str, anchor: dt.date, future: bool = False) -> DateRef | None:
    """The date an expression names, read from `anchor` (the article's date) in the clause's tense.

    None for what names no calendar date ("a year", "the 1990s", "recent weeks").
    """
    words = _normalise(expression)
    if not words:
        return None
    for reader in _READERS:
        found = reader(words, anchor, future)
        if found is not None:
            start, end, granularity = found
            return DateRef(start=start, end=end, granularity=granularity, text=expression.strip())
    return None


def _normalise(expression: str) -> str:
    """Lower case, no possessive or punctuation, no leading prepositions or times of day."""
    text = expression.lower().replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"(?<=\d)-(?=\d)", "\0", text)  # keep ISO dashes
    text = re.sub(r"[^\w\s\0]", " ", text).replace("\0", "-")
    text = re.sub(r"\b" + _TIMES_OF_DAY + r"\b", " ", text)
    text = " ".join(text.split())
    changed = True
    while changed:
        changed = False
        for filler in _FILLERS:
            if text.startswith(filler + " "):
                text, changed = text[len(filler) + 1:], True
    if text == "tonight":
        text = "today"
    return text


def _month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _iso(words: str, anchor: dt.date, future: bool):
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", words):
        day = _day(int(m[1]), int(m[2]), int(m[3]))
        return (day, day, "day") if day else None
    if m := re.fullmatch(r"(\d{4})-(\d{2})", words):
        if 1 <= int(m[2]) <= 12:
            return (*_month_range(int(m[1]), int(m[2])), "month")
    return None


def _deictic_day(words: str, anchor: dt.date, future: bool):
    offsets = {"today": 0, "yesterday": -1, "tomorrow": 1, "day before yesterday": -2, "day after tomorrow": 2}
    if words in offsets:
        day = anchor + dt.timedelta(days=offsets[words])
        return day, day, "day"
    return None


def _ago(words: str, anchor: dt.date, future: bool):
    """ "two days ago", "a week ago", "three months ago", "a year ago"."""
    m = re.fullmatch(r"(\d+|" + "|".join(NUMBER_WORDS) + r") (day|week|month|year)s? (ago|earlier|later|from now)",
                     words)
    if not m:
        return None
    count = int(m[1]) if m[1].isdigit() else NUMBER_WORDS[m[1]]
    sign = 1 if m[3] in ("later", "from now") else -1
    if m[2] in ("day", "week"):
        day = anchor + dt.timedelta(days=sign * count * (7 if m[2] == "week" else 1))
        return day, day, "day"
    if m[2] == "month":
        return (*_month_range(*_shift_month(anchor.year, anchor.month, sign * count)), "month")
    year = anchor.year + sign * count
    return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"


def _weekday(words: str, anchor: dt.date, future: bool):
    """ "Tuesday", "last Tuesday", "next Wednesday": the article's week, in the clause's direction."""
    m = re.fullmatch(r"(?:(last|next|this|coming|this coming) )?(" + _WEEKDAY + r")", words)
    if not m:
        return None
    wanted = WEEKDAYS[m[2]]
    if m[1] == "last":
        back = (anchor.weekday() - wanted) % 7 or 7
        day = anchor - dt.timedelta(days=back)
    elif m[1] in ("next", "coming", "this coming") or future:
        ahead = (wanted - anchor.weekday()) % 7
        if m[1] == "next" and ahead == 0:
            ahead = 7
        day = anchor + dt.timedelta(days=ahead)
    else:
        day = anchor - dt.timedelta(days=(anchor.weekday() - wanted) % 7)
    return day, day, "day"


def _calendar_day(words: str, anchor: dt.date, future: bool):
    """ "January 5", "Jan 5 2026", "5 January", "Tuesday January 13": a year-less day in the clause's direction."""
    words = re.sub(r"^" + _WEEKDAY + r" ", "", words)
    m = (re.fullmatch(_MONTH + r" " + _DAY + r"(?: " + _YEAR + r")?", words)
         or re.fullmatch(_DAY + r" (?:of )?" + _MONTH + r"(?: " + _YEAR + r")?", words))
    if not m:
        return None
    month, number = MONTHS[m["month"]], int(m["day"])
    if m["year"]:
        day = _day(int(m["year"]), month, number)
    else:
        day = _day(anchor.year, month, number)
        if day is not None and future and day < anchor:
            day = _day(anchor.year + 1, month, number)
        elif day is not None and not future and day > anchor:
            day = _day(anchor.year - 1, month, number)
    return (day, day, "day") if day else None


def _named_month(words: str, anchor: dt.date, future: bool):
    """ "October", "last October", "October last year", "October 2025", "early November"."""
    words = re.sub(r"^(?:early|mid|late|the end of|end of|the beginning of|beginning of|the start of|start of) ",
                   "", words).replace("mid-", "")
    m = re.fullmatch(r"(?:(?P<which>last|next|this|this past|past|coming) )?" + _MONTH
                     + r"(?: (?:(?P<relyear>last|next|this) year|" + _YEAR + r"))?", words)
    if not m:
        return None
    month = MONTHS[m["month"]]
    if m["year"]:
        year = int(m["year"])
    elif m["relyear"]:
        year = anchor.year + {"last": -1, "this": 0, "next": 1}[m["relyear"]]
    elif m["which"] in ("last", "past", "this past"):  # the most recent one before this month
        year = anchor.year if month < anchor.month else anchor.year - 1
    elif m["which"] in ("next", "coming"):
        year = anchor.year if month > anchor.month else anchor.year + 1
    elif m["which"] == "this":
        year = anchor.year
    elif future:
        year = anchor.year if month >= anchor.month else anchor.year + 1
    else:
        year = anchor.year if month <= anchor.month else anchor.year - 1
    return (*_month_range(year, month), "month")


def _relative_unit(words: str, anchor: dt.date, future: bool):
    """ "this month", "earlier this month", "last year", "next week", "later this year", "the weekend"."""
    m = re.fullmatch(r"(?:(earlier|later|early|late) )?(?:(this past|this|last|next|past|coming) )?"
                     r"(week|weekend|month|year)", words)
    if not m or (m[2] is None and m[3] != "weekend"):
        return None
    part, which, unit = m[1], m[2] or "this", m[3]
    if unit == "weekend":
        saturday = anchor - dt.timedelta(days=(anchor.weekday() - 5) % 7)
        if which == "last" and saturday + dt.timedelta(days=1) >= anchor:
            saturday -= dt.timedelta(days=7)  # "last weekend" on a Sunday is the one before
        elif which in ("next", "coming") or (future and saturday + dt.timedelta(days=1) < anchor):
            saturday += dt.timedelta(days=7)
        return saturday, saturday + dt.timedelta(days=1), "day"
    shift = {"this": 0, "last": -1, "past": -1, "this past": -1, "next": 1, "coming": 1}[which]
    if unit == "week":
        monday = anchor - dt.timedelta(days=anchor.weekday()) + dt.timedelta(weeks=shift)
        start, end, granularity = monday, monday + dt.timedelta(days=6), "day"
    elif unit == "month":
        start, end = _month_range(*_shift_month(anchor.year, anchor.month, shift))
        granularity = "month"
    else:
        start, end, granularity = dt.date(anchor.year + shift, 1, 1), dt.date(anchor.year + shift, 12, 31), "year"
    if shift == 0 and part == "earlier":
        end = min(end, anchor)
    elif shift == 0 and part == "later":
        start = max(start, anchor)
    return start, end, granularity


def _year(words: str, anchor: dt.date, future: bool):
    m = re.fullmatch(r"(?:early|mid|late|the end of|end of)? ?" + _YEAR, words)
    if not m:
        return None
    year = int(m["year"])
    return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"


_READERS = (_iso, _deictic_day, _ago, _weekday, _calendar_day, _named_month, _relative_unit, _year)
