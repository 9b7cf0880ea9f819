"""The shift plan (班次方案): the fewest shifts that roster the forecast in every hour, checked
against brute force on small weeks, and the plan's figures on known ones."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.calls import shifts
from gridcare.core.errors import InvalidInput


def fewest(needs, length, allowed, *, cyclic):
    """Every combination of shift counts (at most the highest need at each allowed start):
    the smallest total that reaches every need some allowed shift can reach."""
    n = len(needs)
    positions = [p for p in range(n) if p in allowed]
    reach = [any(((h - k) % n if cyclic else h - k) in allowed and (cyclic or h - k >= 0) for k in range(length)) for h in range(n)]
    best = None
    for counts in itertools.product(range(max(needs) + 1), repeat=len(positions)):
        on = [0] * n
        for p, c in zip(positions, counts, strict=True):
            for k in range(length):
                if cyclic or p + k < n:
                    on[(p + k) % n] += c
        if all(on[h] >= needs[h] or not reach[h] for h in range(n)) and (best is None or sum(counts) < best):
            best = sum(counts)
    return best


small_weeks = st.integers(2, 7).flatmap(
    lambda n: st.tuples(st.lists(st.integers(0, 2), min_size=n, max_size=n), st.integers(1, min(4, n)), st.sets(st.integers(0, n - 1), min_size=1))
)


@settings(max_examples=300, deadline=None)
@given(small_weeks, st.booleans())
def test_the_plan_is_the_fewest_shifts_brute_force_finds(week, cyclic):
    needs, length, allowed = week
    found, uncovered = shifts.cover(needs, length, lambda p: p in allowed, cyclic=cyclic)
    assert sum(found.values()) == fewest(needs, length, allowed, cyclic=cyclic)
    assert set(found) <= allowed and all(needs[h] > 0 for h in uncovered)


@settings(max_examples=300, deadline=None)
@given(small_weeks, st.booleans())
def test_the_greedy_fallback_covers_every_reachable_hour_and_is_the_fewest_on_a_line(week, cyclic):
    needs, length, allowed = week
    found, uncovered = shifts.greedy(needs, length, lambda p: p in allowed, cyclic=cyclic)
    on = [0] * len(needs)
    for p, c in found.items():
        for k in range(length):
            if cyclic or p + k < len(needs):
                on[(p + k) % len(needs)] += c
    assert all(on[h] >= needs[h] for h in range(len(needs)) if h not in uncovered)
    if not cyclic:
        assert sum(found.values()) == fewest(needs, length, allowed, cyclic=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=168, max_size=168), st.integers(2, 12), st.sets(st.integers(0, 23), min_size=1))
def test_a_weeks_plan_puts_enough_agents_on_every_hour_it_can_reach(needs, length, starts):
    plan = shifts.plan(needs, shift_hours=length, starts=frozenset(starts))
    for h in range(168):
        reachable = any((h - k) % 24 in starts for k in range(length))
        assert plan.covered[h] >= needs[h] if reachable else (h in plan.uncovered) == (needs[h] > 0)
    assert all(s.hour in starts and s.hours == length for s in plan.shifts)
    assert plan.agent_hours == sum(plan.covered) and plan.needed_hours <= plan.agent_hours
    if len(starts) == 24:  # any start: no fewer than the peak, nor than the agent-hours asked in whole shifts
        assert plan.total >= max(max(needs), -(-sum(needs) // length))


def test_a_steady_round_the_clock_need_takes_three_eight_hour_shifts_a_day():
    plan = shifts.plan([4] * 168, shift_hours=8)
    assert plan.total == 4 * 21 and plan.covered == [4] * 168 and plan.needed_hours == plan.agent_hours
    assert plan.per_day() == [12] * 7 and plan.agents == -(-84 // 5)


def test_office_hours_on_weekdays_are_one_shift_a_day_for_each_agent():
    needs = [5 if d < 5 and 9 <= h < 17 else 0 for d in range(7) for h in range(24)]
    plan = shifts.plan(needs, shift_hours=8, starts=frozenset({8, 9}), workdays=5)
    assert [(s.weekday, s.hour, s.agents, s.ends) for s in plan.shifts] == [(d, 9, 5, 17) for d in range(5)]
    assert (plan.total, plan.agents, plan.agent_hours, plan.uncovered) == (25, 5, 200, [])
    assert plan.table() == ([9], [[5, 5, 5, 5, 5, 0, 0]])


def test_an_hour_no_allowed_shift_reaches_is_named_not_covered():
    needs = [0] * 168
    needs[3] = needs[10] = 2  # Monday 03:00 and 10:00
    plan = shifts.plan(needs, shift_hours=4, starts=frozenset({8}))
    assert plan.uncovered == [3] and plan.covered[10] == 2 and plan.total == 2
    assert shifts.plan([0] * 168).shifts == [] and shifts.plan([0] * 168).agents == 0


def test_a_night_shift_runs_past_midnight_and_into_monday():
    needs = [0] * 168
    needs[0] = needs[1] = 3  # Monday 00:00–02:00, reached only from Sunday 22:00
    plan = shifts.plan(needs, shift_hours=4, starts=frozenset({22}))
    assert [(s.weekday, s.hour, s.agents, s.ends) for s in plan.shifts] == [(6, 22, 3, 2)]


def test_the_start_hours_are_read_as_typed_and_a_wrong_one_is_named():
    assert shifts.parse_starts("8, 12，16") == frozenset({8, 12, 16}) == shifts.parse_starts("8:00 12:00、16")
    assert shifts.parse_starts("") == shifts.parse_starts(None) == frozenset(range(24))
    assert shifts.format_starts(frozenset({16, 8})) == "8, 16" and shifts.format_starts(frozenset(range(24))) == ""
    for typed in ("24", "八点", "-1", "8.5", "²", "008"):
        with pytest.raises(InvalidInput) as refused:
            shifts.parse_starts(typed)
        assert refused.value.problems[0].field == "starts"
    assert [p.field for p in shifts.problems({"shift_hours": 13, "workdays": 0})] == ["shift_hours", "workdays"]
    with pytest.raises(ValueError, match="168"):
        shifts.plan([1] * 24)


def test_a_dated_week_ends_on_sunday_night_and_places_nothing_before_now():
    needs = [0] * 168
    needs[0] = needs[1] = 2  # Monday 00:00–02:00: a dated week's own Monday, not after its Sunday
    needs[100] = 1  # Friday 04:00
    dated = shifts.plan(needs, shift_hours=8, cyclic=False)
    assert [(s.weekday, s.hour, s.agents) for s in dated.shifts] == [(0, 0, 2), (4, 4, 1)]
    late = shifts.plan(needs, shift_hours=8, cyclic=False, not_before=2)  # Monday's first hours are past
    assert late.uncovered == [0, 1] and all(s.weekday * 24 + s.hour >= 2 for s in late.shifts)
    sunday = [0] * 167 + [3]
    assert shifts.plan(sunday, shift_hours=8, cyclic=False).covered[167] == 3 and sum(shifts.plan(sunday, shift_hours=8, cyclic=False).covered) == 3
