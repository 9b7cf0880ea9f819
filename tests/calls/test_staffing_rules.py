"""Erlang C and the week's staffing plan: textbook values, and the properties that make a
forecast usable (more agents never answer fewer calls in time; the plan meets its level)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.calls import staffing
from gridcare.calls.stats import Bucket


def test_it_gives_the_textbook_waiting_probabilities():
    # Ten erlangs: the tables give 68.2 %, 44.9 % and 28.5 % of calls waiting with 11, 12 and 13 agents.
    assert [round(staffing.erlang_c(10, n), 4) for n in (11, 12, 13)] == [0.6821, 0.4494, 0.2853]
    assert staffing.erlang_c(10, 10) == 1.0 and staffing.erlang_c(0, 3) == 0.0


def test_two_hundred_calls_of_three_minutes_need_fourteen_agents_for_eighty_twenty():
    assert staffing.service_level(200, 180, 13, 20) < 0.8 <= staffing.service_level(200, 180, 14, 20)
    assert staffing.agents_needed(200, 180) == 14
    assert staffing.rostered(14, 0.3) == 20 and staffing.rostered(7, 0.3) == 10 and staffing.rostered(0, 0.3) == 0
    assert staffing.agents_needed(0, 180) == 0 and staffing.agents_needed(5, 0) == 0


@settings(max_examples=200, deadline=None)
@given(st.floats(0.5, 600), st.floats(20, 900), st.integers(5, 120), st.floats(0.5, 0.99))
def test_the_agents_needed_are_the_fewest_that_meet_the_level(calls, aht, target, level):
    n = staffing.agents_needed(calls, aht, target_seconds=target, level=level)
    assert n > calls * aht / 3600  # more agents than the traffic, or the queue never empties
    assert staffing.service_level(calls, aht, n, target) >= level
    if n > 1:
        assert staffing.service_level(calls, aht, n - 1, target) < level


@settings(max_examples=100, deadline=None)
@given(st.floats(1, 400), st.floats(30, 600), st.integers(1, 60))
def test_more_agents_never_answer_fewer_calls_in_time(calls, aht, agents):
    assert staffing.service_level(calls, aht, agents + 1, 20) >= staffing.service_level(calls, aht, agents, 20) - 1e-12


def test_the_plan_averages_each_hour_over_the_days_of_its_weekday():
    monday = date(2026, 11, 16)
    days = [monday + timedelta(days=i) for i in range(14)]  # two weeks: each weekday twice

    def bucket(day, hour, agent, outcome, calls, talk=0, in_time=0):
        return Bucket(day.isoformat(), hour, "general", agent, None, outcome, calls, 0, talk, in_time)

    found = [
        bucket(monday, 9, 1, "answered", 60, 60 * 180, in_time=60),  # the first Monday: 60 answered by two agents
        bucket(monday, 9, 2, "answered", 20, 20 * 180, in_time=10),
        bucket(monday, 9, None, "abandoned", 20),
        bucket(monday + timedelta(days=7), 9, 1, "answered", 100, 100 * 180, in_time=90),  # the second: one agent
        bucket(monday, 3, None, "abandoned", 2),  # nobody answered at night: the usual talk time stands in
        bucket(monday, 10, 1, None, 5),  # still ringing: not counted
    ]
    slots = staffing.plan(found, days=days)
    assert len(slots) == 7 * 24 and (slots[0].weekday, slots[0].hour, slots[-1].weekday, slots[-1].hour) == (0, 0, 6, 23)
    nine = slots[9]
    assert (nine.calls, nine.aht_seconds, nine.seen) == (100.0, 180.0, 1.5)
    assert nine.needed == staffing.agents_needed(100, 180) and nine.rostered == staffing.rostered(nine.needed)
    assert (nine.met, nine.short) == (0.8, False)  # 160 of 200 calls in time: the level, just met
    night = slots[3]
    assert (night.calls, night.aht_seconds, night.seen) == (1.0, None, 0.0) and night.needed == staffing.agents_needed(1, 180)
    assert (night.met, night.short) == (0.0, True)  # both calls abandoned
    assert slots[10].calls == 0 and slots[10].needed == 0 and (slots[10].met, slots[10].short) == (None, False)
    assert staffing.plan(found, days=days, level=0.81)[9].short  # one point more asked: missed
    assert all(s.calls == 0 for s in slots[24:])  # nothing on the other weekdays


@pytest.mark.parametrize("shrinkage", [0.0, 0.3, 0.8])
def test_rostering_covers_the_shrinkage(shrinkage):
    for needed in range(40):
        assert staffing.rostered(needed, shrinkage) * (1 - shrinkage) >= needed - 1e-9


def test_agents_on_duty_count_for_the_part_of_each_hour_they_were_signed_in():
    from datetime import datetime

    from gridcare.core.clock import SHANGHAI

    monday = date(2026, 11, 16)
    days = [monday + timedelta(days=i) for i in range(14)]

    def at(day, hh, mm=0):
        return datetime(day.year, day.month, day.day, hh, mm, tzinfo=SHANGHAI)

    spells = [
        (at(monday, 9, 30), at(monday, 11)),  # half of 9:00, all of 10:00, on the first Monday
        (at(monday + timedelta(days=7), 10), at(monday + timedelta(days=7), 10, 30)),  # half of the second Monday's 10:00
        (at(monday - timedelta(days=1), 23), at(monday, 1)),  # from the Sunday before the window: only Monday's part counts
        (at(monday + timedelta(days=1), 8), None),  # never signed out: a shift at most
    ]
    now = at(monday + timedelta(days=13), 20)
    duty = staffing.on_duty(spells, days=days, now=now, zone=SHANGHAI)
    assert duty[(0, 9)] == 0.25 and duty[(0, 10)] == 0.75 and duty[(0, 0)] == 0.5 and (6, 23) not in duty
    tuesday = {h: duty.get((1, h), 0.0) for h in range(24)}
    assert all(tuesday[h] == 0.5 for h in range(8, 20)) and tuesday[20] == 0.0  # 12 h of one Tuesday in two
    slots = staffing.plan([], days=days, duty=duty)
    assert (slots[10].on_duty, slots[11].on_duty) == (0.75, 0.0) and staffing.plan([], days=days)[10].on_duty is None


def test_holidays_and_make_up_working_days_stay_out_of_the_weekdays_averages():
    from datetime import datetime

    from gridcare.core.clock import SHANGHAI

    golden_week = [date(2026, 9, 28) + timedelta(days=i) for i in range(14)]  # Mon 28 Sep to Sun 11 Oct
    holidays = frozenset(date(2026, 10, d) for d in range(1, 8))
    kept, left_out = staffing.usual_days(golden_week, holidays=holidays, makeup_workdays=frozenset({date(2026, 10, 10)}))
    assert left_out == sorted([*holidays, date(2026, 10, 10)]) and kept == [d for d in golden_week if d not in left_out]
    assert staffing.usual_days(sorted(holidays), holidays=holidays, makeup_workdays=frozenset()) == (sorted(holidays), [])  # nothing usual: all kept

    def bucket(day, calls):
        return Bucket(day.isoformat(), 9, "general", 1, None, "answered", calls, 0, calls * 180, calls)

    thursdays = [bucket(date(2026, 10, 1), 90), bucket(date(2026, 10, 8), 10)]  # National Day, then a usual Thursday
    assert staffing.plan(thursdays, days=kept)[3 * 24 + 9].calls == 10.0
    assert staffing.plan(thursdays, days=golden_week)[3 * 24 + 9].calls == 50.0
    nine = datetime(2026, 10, 1, 9, tzinfo=SHANGHAI)
    spells = [(nine, nine + timedelta(hours=1)), (nine + timedelta(days=7), nine + timedelta(days=7, minutes=30))]
    assert staffing.on_duty(spells, days=kept, now=nine + timedelta(days=13), zone=SHANGHAI)[(3, 9)] == 0.5
