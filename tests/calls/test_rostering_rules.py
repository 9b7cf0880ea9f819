"""Filling a roster from the shift plan, and how a shift was kept: the rules a supervisor
and the agents live by (a week's shifts, one a day, rest between), checked on any plan."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.calls import rostering
from gridcare.core.clock import SHANGHAI
from gridcare.core.errors import InvalidInput

MONDAY = datetime(2026, 11, 30, tzinfo=SHANGHAI)


def slot(day: int, hour: int, hours: int = 8) -> rostering.Slot:
    start = MONDAY + timedelta(days=day, hours=hour)
    return rostering.Slot(start, start + timedelta(hours=hours))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 23), st.integers(4, 12)), max_size=40),
    st.integers(1, 8), st.integers(1, 7),
)
def test_no_agent_gets_more_than_their_week_two_shifts_a_day_or_too_little_rest(wanted, agents, workdays):
    slots = [slot(d, h, n) for d, h, n in wanted]
    given_, unfilled = rostering.assign(slots, [rostering.Agent(i) for i in range(1, agents + 1)], workdays=workdays, zone=SHANGHAI)
    assert sorted([s for s, _ in given_] + unfilled, key=lambda s: (s.starts_at, s.ends_at)) == sorted(slots, key=lambda s: (s.starts_at, s.ends_at))
    for agent in range(1, agents + 1):
        mine = sorted((s for s, who in given_ if who == agent), key=lambda s: s.starts_at)
        assert len(mine) <= workdays
        assert len({s.starts_at.date() for s in mine}) == len(mine)
        assert all(b.starts_at >= a.ends_at + rostering.MIN_REST for a, b in itertools.pairwise(mine))
    # A rule once broken stays broken as shifts are added: a slot left unfilled is one no
    # agent may take even now.
    for s in unfilled:
        for agent in range(1, agents + 1):
            mine = [m for m, who in given_ if who == agent]
            may = len(mine) < workdays and s.starts_at.date() not in {m.starts_at.date() for m in mine} and all(
                s.starts_at >= m.ends_at + rostering.MIN_REST or s.ends_at + rostering.MIN_REST <= m.starts_at for m in mine
            )
            assert not may


def test_the_work_is_spread_and_each_agent_keeps_a_steady_start():
    slots = [slot(d, h) for d in range(5) for h in (8, 8, 14)]  # three shifts a weekday, two at 08:00, one at 14:00
    given_, unfilled = rostering.assign(slots, [rostering.Agent(i) for i in (1, 2, 3)], workdays=5, zone=SHANGHAI)
    assert unfilled == []
    starts = {who: {s.starts_at.hour for s, w in given_ if w == who} for who in (1, 2, 3)}
    assert starts == {1: {8}, 2: {8}, 3: {14}}  # the same hour every day, not a rotation
    assert [sum(1 for _, w in given_ if w == who) for who in (1, 2, 3)] == [5, 5, 5]


def test_a_night_shift_leaves_its_agent_rested_before_the_next_and_a_full_week_is_unfilled():
    night, morning = slot(0, 22), slot(1, 7)  # Monday 22:00–06:00, then Tuesday 07:00
    given_, unfilled = rostering.assign([night, morning], [rostering.Agent(1)], workdays=5, zone=SHANGHAI)
    assert given_ == [(night, 1)] and unfilled == [morning]
    already = rostering.Agent(1, [slot(-1, 20)])  # Sunday before: 20:00–04:00 Monday
    assert rostering.assign([slot(0, 8)], [already], workdays=5, zone=SHANGHAI) == ([], [slot(0, 8)])
    assert rostering.assign([slot(0, 15)], [already], workdays=5, zone=SHANGHAI) == ([(slot(0, 15), 1)], [])
    assert rostering.assign([slot(d, 8) for d in range(3)], [rostering.Agent(1)], workdays=2, zone=SHANGHAI)[1] == [slot(2, 8)]


def test_a_shift_kept_late_and_left_early_says_by_how_much():
    shift = slot(0, 8)  # 08:00–16:00
    at = lambda h, m=0: MONDAY + timedelta(hours=h, minutes=m)  # noqa: E731
    late = rostering.kept(shift, [(at(8, 20), at(12)), (at(12, 30), at(15))], now=at(20))
    assert (late.late_minutes, late.early_minutes, late.absent) == (20, 60, False)
    assert late.share == round((3 * 60 + 40 + 2 * 60 + 30) / 480, 3)
    assert rostering.kept(shift, [(at(7, 50), None)], now=at(20)) == rostering.Kept(1.0, 0, 0, False)  # signed in before, still on
    assert rostering.kept(shift, [(at(8, 4), at(15, 57))], now=at(20)).late_minutes == 0  # within the grace
    assert rostering.kept(shift, [], now=at(9)) == rostering.Kept(0.0, 0, 0, True)
    assert rostering.kept(shift, [(at(8), None)], now=at(7)) == rostering.Kept(None, 0, 0, False)  # not begun
    forgot = rostering.kept(slot(1, 8), [(at(7, 30), None)], now=at(40))  # signed in Monday 07:30, never out
    assert forgot.absent  # twelve hours later the seat no longer counts as anyone's presence
    running = rostering.kept(shift, [(at(8), at(9))], now=at(10))  # still running: no early leave yet
    assert (running.share, running.early_minutes) == (0.5, 0)


def test_the_roster_counts_each_hour_a_shift_covers():
    cover = rostering.coverage([slot(0, 8), slot(0, 12, 4), slot(6, 22)], monday=MONDAY)
    assert cover[8:16] == [1, 1, 1, 1, 2, 2, 2, 2] and cover[16] == 0 and cover[7] == 0
    assert cover[6 * 24 + 22 :] == [1, 1]  # Sunday night's shift runs past the week's end
    assert sum(rostering.coverage([rostering.Slot(MONDAY + timedelta(minutes=30), MONDAY + timedelta(hours=2))], monday=MONDAY)) == 1  # only whole hours


def test_the_week_is_read_from_a_day_or_an_iso_week():
    today = date(2026, 12, 9)  # a Wednesday
    assert rostering.monday_of("", today=today) == date(2026, 12, 7) == rostering.monday_of("2026-12-13", today=today)
    assert rostering.monday_of("2026-W50", today=today) == date(2026, 12, 7) == rostering.monday_of("2026-w50", today=today)
    for typed in ("next week", "2026-W60", "2026-13-01", "W"):
        with pytest.raises(InvalidInput) as refused:
            rostering.monday_of(typed, today=today)
        assert refused.value.problems[0].field == "week"


def test_hours_short_of_the_forecast_read_as_runs():
    need = [2] * 6 + [0] * 162
    on = [0, 0, 1, 1, 2, 0] + [0] * 162
    assert rostering.short_spans(need, on) == [(0, 2, 0, 2), (2, 2, 1, 2), (5, 1, 0, 2)]
    assert rostering.short_spans(need, on, first=3) == [(3, 1, 1, 2), (5, 1, 0, 2)]
    assert rostering.short_spans(need, need) == []



@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.sampled_from([0, 6, 8, 9, 14, 22]), st.sampled_from([4, 8, 10])), max_size=40), st.integers(1, 8), st.integers(1, 7))
def test_the_indexed_choice_is_the_rule_scanning_every_agent(wanted, agents, workdays):
    slots = [slot(d, h, n) for d, h, n in wanted]
    people = [  # some worked Sunday night before, some are away on Wednesday
        rostering.Agent(i, [slot(-1, 20, 10)] if i % 3 == 0 else [], [slot(2, 0, 24)] if i % 2 == 0 else []) for i in range(1, agents + 1)
    ]
    indexed = rostering.assign(slots, people, workdays=workdays, zone=SHANGHAI)[0]
    assert indexed == rostering.assign_by_scan(slots, people, workdays=workdays, zone=SHANGHAI)
    assert not [s for s, who in indexed if who % 2 == 0 and s.starts_at < slot(3, 0).starts_at and s.ends_at > slot(2, 0).starts_at]


def test_a_seat_and_its_roster_disagree_when_due_and_away_or_signed_in_off_shift():
    assert rostering.adherence(on_shift=True, away=True) == "missing"
    assert rostering.adherence(on_shift=False, away=False) == "off_shift"
    assert rostering.adherence(on_shift=True, away=False) is None and rostering.adherence(on_shift=False, away=True) is None
