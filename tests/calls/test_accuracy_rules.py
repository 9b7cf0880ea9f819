"""How the forecast held: a week's calls against its forecast, hour by hour. Pure rules."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcare.calls import accuracy

MONDAY = date(2026, 11, 16)


def hours(**at: float) -> list[float]:
    """168 hours of nought but those named ``d<weekday>h<hour>``."""
    out = [0.0] * 168
    for key, n in at.items():
        day, hour = key[1:].split("h")
        out[24 * int(day) + int(hour)] = n
    return out


def test_a_week_as_forecast_holds_fully():
    w = accuracy.week(MONDAY, hours(d1h10=5, d1h11=4), [int(x) for x in hours(d1h10=5, d1h11=4)])
    assert (w.accuracy, w.bias, w.under, w.expected, w.offered) == (1.0, 0.0, [], 9.0, 9)
    assert [d.offered for d in w.days] == [0, 9, 0, 0, 0, 0, 0] and w.days[1].error == 0.0 and w.days[0].error is None


def test_a_busy_hour_is_missed_and_named():
    w = accuracy.week(MONDAY, hours(d1h10=5, d2h10=5), [int(x) for x in hours(d1h10=10, d2h10=5)])
    assert w.accuracy == pytest.approx(1 - 5 / 15) and w.bias == pytest.approx((10 - 15) / 15)
    assert w.under == [accuracy.HourUnder(MONDAY + timedelta(days=1), 10, 5.0, 10)]
    assert [d.miss for d in w.days[:3]] == [None, "under", None] and accuracy.DayHeld(MONDAY, 12.0, 10).miss == "over"
    assert w.ceiling == pytest.approx(1 - 2 * accuracy.chance_miss(5) / 10)
    assert accuracy.tone(w.accuracy, 0.9) == "red" and accuracy.tone(0.8, 0.9) == "amber" and accuracy.tone(0.86, 0.9) == "green" and accuracy.tone(None, 0.9) == "grey"
    # A quiet hour two calls above its forecast of one is no under-forecast hour: too few calls.
    assert accuracy.week(MONDAY, hours(d0h3=1), [int(x) for x in hours(d0h3=3)]).under == []


def test_a_holiday_is_shown_not_counted():
    w = accuracy.week(MONDAY, hours(d0h10=5, d3h10=5), [int(x) for x in hours(d0h10=5, d3h10=40, d5h9=12)], unusual={MONDAY + timedelta(days=3)}, unforecast={MONDAY + timedelta(days=5)})
    assert w.accuracy == 1.0 and w.offered == 5 and w.under == []
    assert [(d.left_out, d.offered) for d in w.days if d.left_out] == [("holiday", 40), ("unforecast", 12)]


def test_chance_allows_less_of_a_small_hotlines_hours():
    assert accuracy.chance_miss(0) == 0 and accuracy.chance_miss(1) == pytest.approx(2 / math.e)
    assert accuracy.chance_miss(3000) == pytest.approx(math.sqrt(2 * 3000 / math.pi), rel=1e-3)  # the normal's, for a busy hour
    small, large = (accuracy.week(MONDAY, [n] * 168, [int(n)] * 168) for n in (2.0, 200.0))
    assert small.ceiling < large.ceiling < 1 and small.ceiling_daily > small.ceiling


def test_day_by_day_an_hours_miss_may_make_up_for_anothers():
    w = accuracy.week(MONDAY, hours(d1h10=10, d1h11=10), [int(x) for x in hours(d1h10=15, d1h11=5)])
    assert w.accuracy == pytest.approx(0.5) and w.daily == 1.0 and w.bias == 0.0


def test_a_week_with_nothing_to_forecast_from_is_left_out():
    none = accuracy.week(MONDAY, [0.0] * 168, [int(x) for x in hours(d1h10=7)])
    assert not none.forecast_known and none.accuracy is None and none.bias is None
    held = accuracy.week(MONDAY + timedelta(days=7), hours(d1h10=7), [int(x) for x in hours(d1h10=7)])
    together = accuracy.overall([none, held])
    assert (together.accuracy, together.daily, together.bias, together.hours_under, together.weeks) == (1.0, 1.0, 0.0, 0, 1)
    assert together.ceiling == pytest.approx(1 - accuracy.chance_miss(7) / 7) == held.ceiling
    with pytest.raises(ValueError):
        accuracy.week(MONDAY, [0.0] * 24, [0] * 24)


week_hours = st.lists(st.integers(min_value=0, max_value=40), min_size=168, max_size=168)


@given(st.lists(st.tuples(week_hours, week_hours), min_size=1, max_size=4))
def test_the_weeks_together_lie_between_the_best_and_the_worst(pairs):
    weeks = [accuracy.week(MONDAY + timedelta(days=7 * i), [float(e) for e in exp], came) for i, (exp, came) in enumerate(pairs)]
    for w in weeks:
        if w.accuracy is not None:
            assert 0.0 <= w.accuracy <= w.daily <= 1.0  # a day's hours may cancel out, never the reverse
            assert (w.bias > 0) == (w.expected > w.offered)
        assert all(u.offered - u.expected >= accuracy.UNDER_MIN_CALLS and u.offered > u.expected * (1 + accuracy.UNDER) for u in w.under)
    known = [w.accuracy for w in weeks if w.accuracy is not None]
    together = accuracy.overall(weeks)
    if known and all(w.offered for w in weeks if w.forecast_known):
        assert min(known) - 1e-9 <= together.accuracy <= max(known) + 1e-9
    assert together.hours_under == sum(len(w.under) for w in weeks if w.forecast_known)


def test_an_hour_missed_week_after_week_is_a_trend():
    busy = hours(d1h10=5, d4h15=6)
    weeks = [
        accuracy.week(MONDAY + timedelta(days=7 * i), busy, [int(x) for x in hours(d1h10=12, d4h15=6 if i else 15)])
        for i in range(3)
    ]
    found = accuracy.recurring(weeks)
    assert found == [accuracy.Recurring(1, 10, 3, 3, 5.0, 12.0)]  # Tuesday 10:00 every week; Friday 15:00 once is chance
    assert accuracy.recurring(weeks[:1]) == []  # one week is no trend
    # Twice a quarter over ten in four weeks, the other two weeks under it: within chance.
    ten = hours(d2h9=10)
    chance = [accuracy.week(MONDAY + timedelta(days=7 * i), ten, [int(x) for x in hours(d2h9=n)]) for i, n in enumerate((13, 14, 6, 7))]
    assert [len(w.under) for w in chance] == [1, 1, 0, 0] and accuracy.recurring(chance) == []
