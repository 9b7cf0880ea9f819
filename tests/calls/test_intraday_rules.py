"""Today against the forecast: the ratio so far and the hours ahead reckoned at it. Pure rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcare.calls import intraday, staffing

FLAT = [10.0] * 24
AHT = [180.0] * 24


def _track(expected, offered, now_hour, planned=None, on_roster=None):
    planned = planned or [staffing.rostered(staffing.agents_needed(c, 180.0)) for c in expected]
    return intraday.track(expected, offered, now_hour=now_hour, aht=AHT, planned=planned, on_roster=on_roster or [3] * 24, target_seconds=20, level=0.8, shrinkage=0.3)


def test_the_hour_under_way_counts_for_its_part_gone():
    assert intraday.so_far(FLAT, now_hour=2.5) == pytest.approx(25)
    assert intraday.so_far(FLAT, now_hour=0) == 0
    assert intraday.so_far(FLAT, now_hour=24) == pytest.approx(240)


def test_too_early_a_day_keeps_the_forecast():
    t = _track(FLAT, [30] + [0] * 23, now_hour=0.5)
    assert t.ratio is None and t.offered_so_far == 30 and t.expected_so_far == pytest.approx(5)
    assert [h.hour for h in t.hours] == list(range(24)) and all(h.needed == h.forecast_needed and h.projected == h.expected for h in t.hours)


def test_a_busy_morning_raises_the_hours_ahead_at_the_same_ratio():
    offered = [15] * 9 + [5] + [0] * 14  # 140 calls by 09:30 against 95 expected
    t = _track(FLAT, offered, now_hour=9.5, on_roster=[4] * 24)
    assert t.offered_so_far == 140 and t.expected_so_far == pytest.approx(95) and t.ratio == pytest.approx(140 / 95)
    assert [h.hour for h in t.hours] == list(range(9, 24))
    ten = t.hours[1]
    assert ten.projected == pytest.approx(10 * 140 / 95)
    assert ten.needed == staffing.rostered(staffing.agents_needed(10 * 140 / 95, 180.0)) and ten.forecast_needed == staffing.rostered(staffing.agents_needed(10, 180.0))
    assert t.short == [h for h in t.hours if h.on_roster < h.needed]
    assert ten.needed == 3  # on every hour alike: the day is flat
    roster = [4] * 12 + [0] * 3 + [4, 2] + [4] * 7
    assert _track(FLAT, offered, now_hour=9.5, on_roster=roster).short_spans == [(12, 15), (16, 17)]


def test_a_quiet_day_needs_fewer():
    t = _track(FLAT, [2] * 12 + [0] * 12, now_hour=12)
    assert t.ratio == pytest.approx(0.2) and all(h.needed <= h.forecast_needed for h in t.hours) and t.short == []


@given(
    expected=st.lists(st.floats(min_value=0, max_value=300), min_size=24, max_size=24), offered=st.lists(st.integers(min_value=0, max_value=500), min_size=24, max_size=24),
    now_hour=st.floats(min_value=0, max_value=23.99),
)
def test_the_hours_ahead_follow_the_ratio(expected, offered, now_hour):
    t = _track(expected, offered, now_hour)
    assert [h.hour for h in t.hours] == list(range(int(now_hour), 24))
    assert (t.ratio is None) == (t.expected_so_far < intraday.MIN_EXPECTED)
    for h in t.hours:
        assert h.projected == pytest.approx(h.expected * (t.ratio if t.ratio is not None else 1.0))
        if t.ratio is not None and t.ratio >= 1:
            assert h.needed >= staffing.rostered(staffing.agents_needed(h.expected, 180.0))
