"""Pure rules of arrears cases: what each outcome needs, and overdue flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gridcare.arrears import rules

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def problems(outcome, **kw):
    args = {"amount_fen": 10_000, "paid_fen": 0, "tags": (), "follow_ups": (), "now": NOW, "note": ""} | kw
    return [p.field for p in rules.close_problems(outcome, **args)]


def test_it_closes_as_paid_only_when_the_whole_amount_is_paid():
    assert problems("paid", paid_fen=9_999) == ["outcome"]
    assert problems("paid", paid_fen=10_000) == []


def test_it_needs_the_plan_or_reference_for_instalments_write_offs_and_legal():
    for outcome in ("instalment", "written_off", "legal"):
        assert problems(outcome) == ["note"] and problems(outcome, note="分6期，每月15日前缴1000元") == []


def test_it_disconnects_only_after_a_written_notice_seven_days_before_and_never_a_protected_customer():
    served = [("notice", NOW - timedelta(days=7))]
    assert problems("disconnected", follow_ups=served) == []
    assert problems("disconnected", follow_ups=[("notice", NOW - timedelta(days=6, hours=23))]) == ["outcome"]
    assert problems("disconnected", follow_ups=[("visit", NOW - timedelta(days=30))]) == ["outcome"]
    assert problems("disconnected", follow_ups=served, tags=("protected", "major")) == ["outcome"]
    assert problems("nothing") == ["outcome"]


@given(offset=st.integers(min_value=-10_000, max_value=10_000), flagged=st.one_of(st.none(), st.integers(min_value=-10_000, max_value=10_000)))
def test_it_flags_an_overdue_follow_up_once_per_deadline(offset, flagged):
    due = NOW + timedelta(minutes=offset)
    flagged_at = None if flagged is None else NOW + timedelta(minutes=flagged)
    needed = rules.needs_flag("open", due, flagged_at, NOW)
    assert needed == (due < NOW and (flagged_at is None or flagged_at < due))
    assert not rules.needs_flag("closed", due, None, NOW)
