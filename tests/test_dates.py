"""Date expressions resolved against an article's date, in the tense of their clause."""

from __future__ import annotations

import datetime as dt

import pytest

from sitegen.analysis.dates import DateRef, resolve_date

THURSDAY = dt.date(2025, 3, 20)  # a Thursday in March


def resolved(expression: str, anchor: dt.date = THURSDAY, future: bool = False) -> tuple[str, str, str]:
    ref = resolve_date(expression, anchor, future)
    assert ref is not None, expression
    return ref.start.isoformat(), ref.end.isoformat(), ref.granularity


@pytest.mark.parametrize("expression, future, expected", [
    ("Monday", False, ("2025-03-17", "2025-03-17", "day")),
    ("on Monday", True, ("2025-03-24", "2025-03-24", "day")),
    ("Thursday", False, ("2025-03-20", "2025-03-20", "day")),  # the article's own day
    ("Thursday", True, ("2025-03-20", "2025-03-20", "day")),
    ("Friday", True, ("2025-03-21", "2025-03-21", "day")),
    ("Friday", False, ("2025-03-14", "2025-03-14", "day")),
    ("last Thursday", False, ("2025-03-13", "2025-03-13", "day")),
    ("next Thursday", False, ("2025-03-27", "2025-03-27", "day")),
    ("Monday's", False, ("2025-03-17", "2025-03-17", "day")),
    ("Wednesday night", False, ("2025-03-19", "2025-03-19", "day")),
])
def test_weekdays_are_in_the_articles_week_in_the_clauses_direction(expression, future, expected):
    assert resolved(expression, future=future) == expected


@pytest.mark.parametrize("expression, future, expected", [
    ("in September", False, ("2024-09-01", "2024-09-30", "month")),  # the most recent September
    ("September", True, ("2025-09-01", "2025-09-30", "month")),  # the next one
    ("February", False, ("2025-02-01", "2025-02-28", "month")),
    ("March", False, ("2025-03-01", "2025-03-31", "month")),  # the article's own month
    ("last September", False, ("2024-09-01", "2024-09-30", "month")),
    ("last February", False, ("2025-02-01", "2025-02-28", "month")),
    ("next February", False, ("2026-02-01", "2026-02-28", "month")),
    ("September last year", False, ("2024-09-01", "2024-09-30", "month")),
    ("May this year", False, ("2025-05-01", "2025-05-31", "month")),
    ("July 2019", False, ("2019-07-01", "2019-07-31", "month")),
    ("early June", False, ("2024-06-01", "2024-06-30", "month")),
])
def test_month_names_pick_the_year_from_tense_and_qualifiers(expression, future, expected):
    assert resolved(expression, future=future) == expected


@pytest.mark.parametrize("expression, expected", [
    ("this month", ("2025-03-01", "2025-03-31", "month")),
    ("earlier this month", ("2025-03-01", "2025-03-20", "month")),
    ("later this month", ("2025-03-20", "2025-03-31", "month")),
    ("last month", ("2025-02-01", "2025-02-28", "month")),
    ("next month", ("2025-04-01", "2025-04-30", "month")),
    ("this year", ("2025-01-01", "2025-12-31", "year")),
    ("last year", ("2024-01-01", "2024-12-31", "year")),
    ("2023", ("2023-01-01", "2023-12-31", "year")),
    ("in 2023", ("2023-01-01", "2023-12-31", "year")),
    ("last week", ("2025-03-10", "2025-03-16", "day")),
    ("this week", ("2025-03-17", "2025-03-23", "day")),
    ("yesterday", ("2025-03-19", "2025-03-19", "day")),
    ("today", ("2025-03-20", "2025-03-20", "day")),
    ("three days ago", ("2025-03-17", "2025-03-17", "day")),
    ("the weekend", ("2025-03-15", "2025-03-16", "day")),
    ("next weekend", ("2025-03-22", "2025-03-23", "day")),
])
def test_units_relative_to_the_article_date(expression, expected):
    assert resolved(expression) == expected


@pytest.mark.parametrize("expression, future, expected", [
    ("March 2", False, ("2025-03-02", "2025-03-02", "day")),
    ("March 28", False, ("2024-03-28", "2024-03-28", "day")),  # not yet come: last year's
    ("March 28", True, ("2025-03-28", "2025-03-28", "day")),
    ("Mar. 2", False, ("2025-03-02", "2025-03-02", "day")),
    ("2 March", False, ("2025-03-02", "2025-03-02", "day")),
    ("the 2nd of March", False, ("2025-03-02", "2025-03-02", "day")),
    ("Dec. 9, 2021", False, ("2021-12-09", "2021-12-09", "day")),
    ("9 December 2021", False, ("2021-12-09", "2021-12-09", "day")),
    ("Sunday, March 2", False, ("2025-03-02", "2025-03-02", "day")),
    ("2021-12-09", False, ("2021-12-09", "2021-12-09", "day")),
])
def test_calendar_days(expression, future, expected):
    assert resolved(expression, future=future) == expected


@pytest.mark.parametrize("expression", ["a year", "the 1990s", "recent weeks", "decades", "February 30", "", "soon"])
def test_what_names_no_date_is_none(expression):
    assert resolve_date(expression, THURSDAY) is None


def test_the_year_boundary_is_crossed_both_ways():
    new_year = dt.date(2026, 1, 2)
    assert resolved("December", new_year) == ("2025-12-01", "2025-12-31", "month")
    assert resolved("last month", new_year) == ("2025-12-01", "2025-12-31", "month")
    assert resolved("Dec. 30", new_year) == ("2025-12-30", "2025-12-30", "day")
    assert resolved("Monday", new_year) == ("2025-12-29", "2025-12-29", "day")
    assert resolved("next week", dt.date(2025, 12, 30)) == ("2026-01-05", "2026-01-11", "day")


def test_a_dateref_keeps_the_words_and_is_frozen():
    ref = resolve_date("  last Friday ", THURSDAY)
    assert ref == DateRef(start=dt.date(2025, 3, 14), end=dt.date(2025, 3, 14), granularity="day",
                          text="last Friday")
    with pytest.raises(Exception):
        ref.text = "x"
