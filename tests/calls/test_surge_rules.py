"""The calls a planned outage brings: learned from past outages, spread over a dated week,
and the agents they add. Pure rules."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcare.calls import staffing, surge
from gridcare.core.clock import SHANGHAI

MONDAY = datetime(2026, 11, 30, tzinfo=SHANGHAI)
H = timedelta(hours=1)


def _past(start: datetime, hours: int, customers: int, offsets: list[float]) -> surge.Past:
    return surge.Past(start, start + hours * H, customers, [start + o * H for o in offsets])


def test_a_call_falls_in_the_phase_of_the_outage_it_comes_in():
    start, end = MONDAY + 33 * H, MONDAY + 39 * H
    assert surge.phase(start - 24 * H, start, end) == "before"
    assert surge.phase(start - 24 * H - timedelta(seconds=1), start, end) is None
    assert surge.phase(start, start, end) == "during"
    assert surge.phase(end, start, end) == "after"
    assert surge.phase(end + 2 * H - timedelta(seconds=1), start, end) == "after"
    assert surge.phase(end + 2 * H, start, end) is None


def test_the_rate_is_the_calls_per_customer_cut_off_and_the_shares_by_phase():
    start = MONDAY - 7 * 24 * H
    past = [
        _past(start, 6, 100, [-3, -2, 1, 2, 3, 4, 7]),  # two before, four during, one after
        _past(start - 7 * 24 * H, 6, 50, [-30, 0.5, 1, 9]),  # -30 h and +9 h: outside the window
        _past(start - 14 * 24 * H, 6, 50, [-1]),
    ]
    found = surge.learn(past)
    assert (found.outages, found.customers, found.calls, found.assumed) == (3, 200, 10, False)
    assert found.rate == pytest.approx(10 / 200)
    assert found.shares == pytest.approx({"before": 0.3, "during": 0.6, "after": 0.1})


def test_too_few_outages_or_customers_keep_the_assumed_rate_and_say_so():
    start = MONDAY - 7 * 24 * H
    few = surge.learn([_past(start, 6, 500, [1, 2]), _past(start - 7 * 24 * H, 6, 500, [1])])
    assert few.assumed and few.rate == surge.ASSUMED_RATE and few.shares == surge.ASSUMED_SHARES and few.calls == 3
    small = surge.learn([_past(start - 7 * 24 * H * k, 6, 10, [1]) for k in range(5)])
    assert small.assumed and small.customers == 50
    assert surge.learn([]).assumed


def test_the_calls_before_follow_the_hotlines_day_and_those_during_and_after_are_even():
    baseline = [0.0] * 168
    for day in range(7):
        for hour in range(8, 20):
            baseline[24 * day + hour] = 10.0
    learned = surge.Learned(3, 300, 30, 0.1, {"before": 0.3, "during": 0.6, "after": 0.1})
    coming = surge.Coming(MONDAY + 24 * H + 9 * H, MONDAY + 24 * H + 15 * H, 200)  # Tuesday 09:00–15:00
    hours = surge.spread(coming, learned, week_start=MONDAY, baseline=baseline)
    assert sum(hours) == pytest.approx(20)
    assert sum(hours[9:33]) == pytest.approx(6)  # the day before, Monday 09:00 to Tuesday 09:00
    assert hours[9] == pytest.approx(6 / 12) and hours[21] == 0 and hours[24 + 8] == pytest.approx(6 / 12)  # office hours only
    assert all(hours[h] == pytest.approx(2) for h in range(33, 39))  # 12 calls over six hours
    assert hours[39] == pytest.approx(1) and hours[40] == pytest.approx(1) and hours[41] == 0


def test_calls_outside_the_week_are_another_weeks():
    learned = surge.Learned(3, 300, 30, 0.1, {"before": 0.3, "during": 0.6, "after": 0.1})
    sunday_night = surge.Coming(MONDAY + 6 * 24 * H + 20 * H, MONDAY + 7 * 24 * H + 4 * H, 100)  # Sunday 20:00 to Monday 04:00
    this_week = surge.spread(sunday_night, learned, week_start=MONDAY, baseline=[1.0] * 168)
    next_week = surge.spread(sunday_night, learned, week_start=MONDAY + 7 * 24 * H, baseline=[1.0] * 168)
    assert sum(this_week) + sum(next_week) == pytest.approx(10)
    assert sum(next_week) == pytest.approx(0.6 * 10 * 4 / 8 + 1)  # half the time off and all the after


def test_a_quiet_hotline_spreads_the_calls_before_evenly():
    learned = surge.Learned(3, 300, 30, 0.1, {"before": 1.0, "during": 0.0, "after": 0.0})
    hours = surge.spread(surge.Coming(MONDAY + 48 * H, MONDAY + 50 * H, 240), learned, week_start=MONDAY, baseline=[0.0] * 168)
    assert all(hours[h] == pytest.approx(1) for h in range(24, 48)) and sum(hours) == pytest.approx(24)


def _slots(calls: list[float]) -> list[staffing.Slot]:
    """A typical week with ``calls`` an hour of three minutes each."""
    slots = []
    for h, c in enumerate(calls):
        needed = staffing.agents_needed(c, 180.0)
        slots.append(staffing.Slot(h // 24, h % 24, c, 180.0 if c else None, needed, staffing.rostered(needed), 0.0, None, None, False))
    return slots


def test_extra_calls_ask_erlang_c_again_and_never_lower_the_need():
    slots = _slots([0.0, 5.0, 40.0] + [0.0] * 165)
    extra = [6.0, 0.0, 30.0] + [0.0] * 165
    need = surge.need(slots, extra, target_seconds=20, level=0.8, shrinkage=0.3)
    assert need[0] == staffing.rostered(staffing.agents_needed(6.0, 180.0), 0.3)  # an hour without calls takes the usual talk time
    assert need[1] == slots[1].rostered and need[3:] == [s.rostered for s in slots[3:]]
    assert need[2] == staffing.rostered(staffing.agents_needed(70.0, 180.0), 0.3) > slots[2].rostered


@given(
    start=st.integers(min_value=-40, max_value=200), hours=st.integers(min_value=0, max_value=30), customers=st.integers(min_value=0, max_value=5000),
    rate=st.floats(min_value=0, max_value=1), before=st.floats(min_value=0, max_value=1), during=st.floats(min_value=0, max_value=1),
    baseline=st.lists(st.floats(min_value=0, max_value=100), min_size=168, max_size=168),
)
def test_spreading_never_makes_calls_nor_puts_them_outside_the_window(start, hours, customers, rate, before, during, baseline):
    total = before + during + 1.0
    learned = surge.Learned(3, 300, 30, rate, {"before": before / total, "during": during / total, "after": 1.0 / total})
    coming = surge.Coming(MONDAY + start * H, MONDAY + (start + hours) * H, customers)
    spread = surge.spread(coming, learned, week_start=MONDAY, baseline=baseline)
    assert len(spread) == 168 and all(x >= 0 for x in spread)
    assert sum(spread) <= customers * rate * (1 + 1e-9) + 1e-9
    first, last = surge.window(coming.starts_at, coming.ends_at)
    outside = [h for h in range(168) if MONDAY + (h + 1) * H <= first or MONDAY + h * H >= last]
    assert all(spread[h] == 0 for h in outside)
    if start >= 24 and start + hours + 2 <= 168:  # the whole window inside the week
        assert sum(spread) == pytest.approx(customers * rate, abs=1e-6)


@given(extra=st.lists(st.floats(min_value=0, max_value=200), min_size=168, max_size=168), calls=st.lists(st.floats(min_value=0, max_value=200), min_size=168, max_size=168))
def test_the_need_with_outages_is_at_least_the_usual(extra, calls):
    slots = _slots(calls)
    need = surge.need(slots, extra, target_seconds=20, level=0.8, shrinkage=0.3)
    assert all(n >= s.rostered for n, s in zip(need, slots, strict=True))
    assert all(n == s.rostered for n, s, x in zip(need, slots, extra, strict=True) if x == 0)


def test_the_hours_an_outage_leaves_short_are_those_it_raises_in_its_window():
    need, usual, on_roster = [4] * 168, [2] * 168, [2] * 168
    need[33] = usual[33] = 4  # short, but not for any outage's calls
    on_roster[31] = 4  # raised, and covered
    spans = surge.short_in_window(need, usual, on_roster, week_start=MONDAY, first=MONDAY + 29 * H, last=MONDAY + 35 * H)
    assert spans == [(29, 2, 2, 4), (32, 1, 2, 4), (34, 1, 2, 4)]  # hours 29 to 34 of the window; 35 on is outside it
    mine = [h != 29 for h in range(168)]
    assert surge.short_in_window(need, usual, on_roster, week_start=MONDAY, first=MONDAY + 29 * H, last=MONDAY + 35 * H, mine=mine) == [(30, 1, 2, 4), (32, 1, 2, 4), (34, 1, 2, 4)]
    assert surge.short_in_window(need, usual, on_roster, week_start=MONDAY, first=MONDAY + 29 * H, last=MONDAY + 29 * H) == []


def test_an_outage_answers_for_the_hours_it_brings_a_quarter_of_the_calls_of():
    big, small, twin = [2.0, 2.0, 0.0], [0.02, 0.0, 0.0], [2.0, 1.0, 0.0]
    extra = [a + b + c for a, b, c in zip(big, small, twin, strict=True)]
    assert surge.answers_for(big, extra) == [True, True, False]
    assert surge.answers_for(small, extra) == [False, False, False]
    assert surge.answers_for(twin, extra) == [True, True, False]
