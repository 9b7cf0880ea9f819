"""Covering today's short hours: whom to ask, for what, within the roster's rules. Pure rules."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.calls import cover
from gridcare.calls.rostering import LONGEST_SHIFT, MIN_REST, Slot
from gridcare.core.clock import SHANGHAI

DAY = datetime(2026, 12, 7, tzinfo=SHANGHAI)
END = DAY + timedelta(days=1)


def at(hour: int) -> datetime:
    return DAY + timedelta(hours=hour)


def shift(start: int, end: int) -> Slot:
    return Slot(at(start), at(end))


def short(*hours: int, n: int = 1) -> dict[datetime, int]:
    return {at(h): n for h in hours}


def test_an_agent_on_shift_stays_on_over_the_short_hours_after_it():
    agents = [cover.Agent(1, (shift(8, 16),), week_hours=32)]
    asks, left = cover.plan(short(16, 17), agents, now=at(11), day_end=END)
    assert [(a.kind, a.starts_at, a.ends_at, a.covers, a.added_hours) for a in asks] == [("stay", at(8), at(18), (at(16), at(17)), 2)]
    assert left == {}


def test_a_shift_stays_within_the_longest_shift():
    asks, left = cover.plan(short(*range(16, 22)), [cover.Agent(1, (shift(8, 16),))], now=at(11), day_end=END)
    assert [(a.ends_at, a.added_hours) for a in asks] == [(at(8 + LONGEST_SHIFT), LONGEST_SHIFT - 8)]
    assert set(left) == {at(h) for h in range(8 + LONGEST_SHIFT, 22)}


def test_an_agent_off_today_comes_in_for_at_least_four_hours_and_not_before_they_can_get_there():
    asks, _ = cover.plan(short(11, 12), [cover.Agent(2, ())], now=at(10) + timedelta(minutes=20), day_end=END)
    # 11:00 is within the hour it takes to get there: from 12:00, four hours.
    assert [(a.kind, a.starts_at, a.ends_at, a.covers) for a in asks] == [("call_in", at(12), at(16), (at(12),))]


def test_an_agent_at_the_seat_without_a_shift_is_taken_on_from_the_hour_under_way_first():
    agents = [cover.Agent(2, ()), cover.Agent(3, (), seated=True, week_hours=40)]
    asks, left = cover.plan(short(10, 11, 12), agents, now=at(10) + timedelta(minutes=20), day_end=END)
    assert [(a.user_id, a.kind, a.starts_at, a.ends_at) for a in asks] == [(3, "seated", at(10), at(13))]
    assert left == {}


def test_a_later_shift_starts_early_and_a_call_in_keeps_the_rest_between_shifts():
    # Agent 4 starts at 16:00 and can come at 14:00; agent 5 worked until 07:00, too recently
    # for a shift before 18:00.
    agents = [cover.Agent(4, (shift(16, 24),)), cover.Agent(5, (Slot(at(-1), at(7)),))]
    asks, _ = cover.plan(short(14, 15), agents, now=at(9), day_end=END)
    assert [(a.user_id, a.kind, a.starts_at, a.ends_at) for a in asks] == [(4, "early", at(14), at(24))]
    assert cover.options(agents[1], short(14, 15), now=at(9), day_end=END) == []
    assert cover.options(agents[1], short(18, 19), now=at(9), day_end=END)[0].starts_at == at(18)


def test_nobody_is_asked_over_an_absence_or_twice():
    agents = [cover.Agent(6, (), away=(shift(12, 18),)), cover.Agent(7, ())]
    asks, left = cover.plan(short(13, 14, n=2), agents, now=at(9), day_end=END)
    assert [a.user_id for a in asks] == [7] and left == short(13, 14)


def test_between_equals_the_agent_with_fewer_hours_this_week_is_asked():
    agents = [cover.Agent(8, (), week_hours=40), cover.Agent(9, (), week_hours=24)]
    asks, _ = cover.plan(short(13), agents, now=at(9), day_end=END)
    assert [a.user_id for a in asks] == [9]
    assert [a.user_id for a in cover.also(short(13), agents, [9], now=at(9), day_end=END)] == [8]


def test_a_call_in_cut_short_by_the_next_shift_is_not_asked():
    # Due at 08:00 tomorrow: a call-in must end by 21:00, so one from 19:00 would be two hours.
    tomorrow = cover.Agent(1, (Slot(at(32), at(40)),))
    assert cover.options(tomorrow, short(19, 20), now=at(15), day_end=END) == []
    assert [(a.starts_at, a.ends_at) for a in cover.options(tomorrow, short(16), now=at(14), day_end=END)] == [(at(16), at(20))]


def test_a_call_in_is_a_usual_shift_at_most():
    asks, left = cover.plan(short(*range(10, 22)), [cover.Agent(1, ())], now=at(8), day_end=END, rules=cover.Rules(call_in_hours=6))
    assert [(a.starts_at, a.ends_at) for a in asks] == [(at(10), at(16))] and set(left) == {at(h) for h in range(16, 22)}


def test_a_call_in_late_in_the_day_ends_at_midnight():
    asks, _ = cover.plan(short(22, 23), [cover.Agent(1, ())], now=at(19), day_end=END)
    assert [(a.starts_at, a.ends_at) for a in asks] == [(at(22), at(24))]


hours = st.integers(min_value=0, max_value=23)


@st.composite
def days(draw):
    shortages = draw(st.dictionaries(hours, st.integers(min_value=1, max_value=3), max_size=12))
    agents = []
    for user_id in range(draw(st.integers(min_value=0, max_value=6))):
        slots = []
        for start, length in draw(st.lists(st.tuples(st.integers(min_value=-20, max_value=40), st.integers(min_value=1, max_value=12)), max_size=2)):
            candidate = shift(start, start + length)
            if all(candidate.ends_at + MIN_REST <= s.starts_at or candidate.starts_at >= s.ends_at + MIN_REST for s in slots):
                slots.append(candidate)
        away = tuple(shift(a, a + n) for a, n in draw(st.lists(st.tuples(hours, st.integers(min_value=1, max_value=10)), max_size=1)))
        agents.append(cover.Agent(user_id, tuple(slots), away, draw(st.floats(min_value=0, max_value=60)), draw(st.booleans())))
    return {at(h): n for h, n in shortages.items()}, agents, at(draw(hours)) + timedelta(minutes=draw(st.integers(min_value=0, max_value=59)))


@settings(max_examples=300, deadline=None)
@given(days())
def test_a_plan_keeps_the_roster_rules_and_covers_what_it_can(day):
    need, agents, now = day
    asks, left = cover.plan(need, agents, now=now, day_end=END)
    assert (asks, left) == cover.plan_by_scan(need, agents, now=now, day_end=END)  # the quick plan is the plain rule's
    by_id = {a.user_id: a for a in agents}
    assert len({a.user_id for a in asks}) == len(asks)  # each agent asked once
    covered: dict[datetime, int] = {}
    for a in asks:
        agent = by_id[a.user_id]
        assert a.covers and all(need.get(h, 0) > 0 and a.starts_at <= h < a.ends_at for h in a.covers)
        assert a.ends_at - a.starts_at <= timedelta(hours=LONGEST_SHIFT if a.shift else cover.RULES.call_in_hours) and a.ends_at <= max(END, a.shift.ends_at if a.shift else END)
        others = [s for s in agent.shifts if s != a.shift]
        assert all(a.starts_at >= s.ends_at + MIN_REST or a.ends_at + MIN_REST <= s.starts_at for s in others)
        added = [(a.starts_at, a.ends_at)] if a.shift is None else [(a.starts_at, a.shift.starts_at), (a.shift.ends_at, a.ends_at)]
        assert not any(start < w.ends_at and end > w.starts_at for start, end in added if start < end for w in agent.away)
        if a.shift is None:
            assert a.starts_at >= (cover.floor_hour(now) if agent.seated else now + cover.RULES.lead)
            assert agent.seated or a.ends_at - a.starts_at >= min(timedelta(hours=cover.RULES.min_call_in), END - a.starts_at)
        else:
            assert a.shift in agent.shifts and a.shift.starts_at >= a.starts_at and a.shift.ends_at <= a.ends_at
            assert not any(a.shift.starts_at <= h < a.shift.ends_at for h in a.covers)  # the shift's own hours were covered already
        for h in a.covers:
            covered[h] = covered.get(h, 0) + 1
    # Nothing counted twice: an hour's asks and what is left make up its shortage.
    assert all(covered.get(h, 0) + left.get(h, 0) == n for h, n in need.items())
    # The plan stops only when no agent left could cover any hour still short.
    asked = {a.user_id for a in asks}
    assert not left or all(cover.options(agent, left, now=now, day_end=END) == [] for agent in agents if agent.user_id not in asked)
