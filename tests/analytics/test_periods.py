"""Reporting periods: parsing, previous period (环比) and the same period a year earlier (同比)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.analytics import periods
from gridcare.core.clock import SHANGHAI
from gridcare.core.errors import InvalidInput


def test_it_parses_each_kind_and_compares_with_the_right_periods():
    m = periods.parse("month", "2026-03")
    assert (m.start, m.end) == (date(2026, 3, 1), date(2026, 4, 1))
    assert periods.previous(m).label == "2026-02" and periods.year_ago(m).label == "2025-03"
    w = periods.parse("week", "2026-W01")
    assert w.start == date(2025, 12, 29) and periods.previous(w).label == "2025-W52" and periods.year_ago(w).label == "2025-W01"
    assert periods.year_ago(periods.parse("week", "2026-W53")).label == "2025-W52"
    d = periods.parse("day", "2024-02-29")
    assert periods.year_ago(d).label == "2023-02-28" and periods.previous(d).label == "2024-02-28"
    assert periods.previous(periods.parse("year", "2026")).label == "2025"


def test_it_starts_periods_at_local_midnight():
    start, end = periods.parse("day", "2026-10-01").utc_bounds()
    assert start == datetime(2026, 10, 1, tzinfo=SHANGHAI) and (end - start).days == 1
    assert periods.current("month", datetime(2026, 10, 31, 17, tzinfo=SHANGHAI).astimezone(SHANGHAI)).label == "2026-10"
    assert periods.last_closed_month(datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI)).label == "2026-10"


@pytest.mark.parametrize(("kind", "value", "field"), [("month", "2026-13", "at"), ("month", "Oct", "at"), ("week", "2026-W60", "at"), ("fortnight", "x", "period")])
def test_it_names_the_field_of_a_bad_period(kind, value, field):
    with pytest.raises(InvalidInput) as info:
        periods.parse(kind, value, "at")
    assert info.value.problems[0].field == field


@settings(deadline=None)
@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2090, 12, 31)), st.sampled_from(periods.KINDS))
def test_it_tiles_time_with_periods(day, kind):
    p = periods.containing(kind, day)
    assert p.start <= day < p.end
    assert periods.previous(p).end == p.start
    assert periods.parse(kind, p.label) == p
