"""The shift handover's rules: the follow-ups an agent writes down, who takes the shift over,
and when a handover nobody took over is late."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.calls import handover
from gridcare.core.clock import SHANGHAI
from gridcare.core.errors import InvalidInput

AT = datetime(2026, 11, 24, 16, 0, tzinfo=SHANGHAI)

numbers = st.builds(lambda day, n: f"GD2026{day:04d}-{n:06d}", st.integers(101, 1231), st.integers(0, 999_999))
notes = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=handover.LONGEST_NOTE).map(str.strip)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(numbers, notes), max_size=handover.MOST_FOLLOW_UPS, unique_by=lambda t: t[0]))
def test_follow_ups_read_back_as_written(items):
    written = [handover.FollowUp(n, note) for n, note in items]
    assert handover.parse_follow_ups(handover.format_follow_ups(written)) == [handover.FollowUp(f.number, f.note.strip(handover._SEPARATORS)) for f in written]
    assert handover.check_follow_ups(written) == [handover.FollowUp(f.number, f.note.strip()) for f in written]


@pytest.mark.parametrize(("line", "number", "note"), [
    ("GD20261207-000123 客户 18:00 再来电", "GD20261207-000123", "客户 18:00 再来电"),
    ("gd20261207-000123：已升级", "GD20261207-000123", "已升级"),
    ("GD20261207-000123 — promised a call today", "GD20261207-000123", "promised a call today"),
    ("  GD20261207-7  ", "GD20261207-7", ""),
])
def test_a_line_is_a_number_then_what_to_watch(line, number, note):
    assert handover.parse_follow_ups(f"\n{line}\n\n") == [handover.FollowUp(number, note)]


def test_every_bad_line_is_named_at_once():
    text = "GD20261207-000123 ok\n请关注五一路停电\nGD20261207-000123 again\nGD20261207-000124x\nGD20261207-000125 " + "长" * 201
    with pytest.raises(InvalidInput) as caught:
        handover.parse_follow_ups(text)
    said = [str(p) for p in caught.value.problems]
    assert [p.field for p in caught.value.problems] == ["follow_ups"] * 4
    assert said[0].startswith("follow_ups: line 2: must begin with a work order number")
    assert "line 3: GD20261207-000123 is already on line 1" in said[1]
    assert "line 4:" in said[2] and "line 5: the note is longer than 200 characters" in said[3]
    with pytest.raises(InvalidInput, match="at most 30 lines"):
        handover.parse_follow_ups("\n".join(f"GD20261207-{n:06d}" for n in range(31)))


def test_the_apis_list_names_the_bad_item():
    with pytest.raises(InvalidInput) as caught:
        handover.check_follow_ups([handover.FollowUp("GD20261207-1", ""), handover.FollowUp("tomorrow", ""), handover.FollowUp("gd20261207-1", "")])
    assert [p.field for p in caught.value.problems] == ["follow_ups[1].number", "follow_ups[2].number"]


@pytest.mark.parametrize(("notes", "field"), [("", "notes"), ("   \n ", "notes"), ("长" * 2001, "notes")])
def test_notes_are_required_and_bounded(notes, field):
    with pytest.raises(InvalidInput) as caught:
        handover.check_notes(notes)
    assert caught.value.problems[0].field == field
    assert handover.check_notes("  五一路停电  \n") == "五一路停电"


def shift(user: int, start: float, hours: float = 8) -> handover.Shift:
    begins = AT + timedelta(hours=start)
    return handover.Shift(user, begins, begins + timedelta(hours=hours))


def test_the_incoming_shift_is_who_begins_around_the_handover():
    # The giver (1) ends at 16:00; 2 began at 15:30, 3 begins at 17:00, 4 at 19:00 (too late), 5 is on all day.
    roster = [shift(1, -8), shift(2, -0.5), shift(3, 1), shift(4, 3), shift(5, -6, 12)]
    assert [s.user_id for s in handover.incoming(roster, at=AT, giver=1)] == [2, 3]
    assert handover.own_shift(roster, user_id=1, at=AT + timedelta(minutes=20)) == roster[0]  # written just after
    assert handover.own_shift(roster, user_id=1, at=AT + timedelta(hours=3)) is None
    assert handover.own_shift(roster, user_id=5, at=AT) == roster[4]


def test_with_nobody_beginning_the_team_staying_on_takes_over():
    roster = [shift(1, -8), shift(5, -6, 12), shift(6, -7, 7.5)]  # 6 leaves at 16:30: not staying an hour
    assert [s.user_id for s in handover.incoming(roster, at=AT, giver=1)] == [5]
    assert handover.incoming([shift(1, -8)], at=AT, giver=1) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.integers(-20, 20), st.integers(1, 12)), max_size=20), st.integers(1, 6))
def test_the_incoming_never_holds_the_giver_nor_anyone_twice(rows, giver):
    roster = [shift(u, s / 2, h) for u, s, h in rows]
    taking = handover.incoming(roster, at=AT, giver=giver)
    users = [s.user_id for s in taking]
    assert giver not in users and len(users) == len(set(users))
    assert all(AT - handover.BEGUN_BEFORE <= s.starts_at <= AT + handover.BEGINS_WITHIN or s.starts_at <= AT < s.ends_at for s in taking)
    assert taking == sorted(taking, key=lambda s: (s.starts_at, s.user_id))


def test_a_handover_nobody_took_over_is_late_half_an_hour_into_the_incoming_shift():
    later = AT + timedelta(hours=1)
    assert handover.receive_due(AT, later) == later + timedelta(minutes=30)
    assert handover.receive_due(AT, None) == handover.receive_due(AT, AT - timedelta(hours=1)) == AT + timedelta(minutes=30)
    assert handover.state(given_at=AT, takes_over_at=later, received=False, now=later + timedelta(minutes=30)) == handover.WAITING
    assert handover.state(given_at=AT, takes_over_at=later, received=False, now=later + timedelta(minutes=31)) == handover.LATE
    assert handover.state(given_at=AT, takes_over_at=later, received=True, now=later + timedelta(days=1)) == handover.RECEIVED


def test_the_figures_are_set_against_now_in_the_pages_order():
    then = {"orders.late": 2, "orders.unassigned": 5, "questions.open": 1}
    found = handover.changes(then, {"orders.unassigned": 3, "orders.late": 2})
    assert [(c.key, c.then, c.now, c.delta) for c in found] == [("orders.unassigned", 5, 3, -2), ("orders.late", 2, 2, 0), ("questions.open", 1, None, None)]
