"""The outage state machine and the notice rules: pure, exercised with hypothesis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.core.clock import SHANGHAI
from gridcare.outages import rules, states
from gridcare.outages.states import Command, Refused, Status

commands = st.lists(st.sampled_from(list(Command)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["planned", "unplanned"]), predicted=st.booleans(), steps=commands)
def test_it_never_leaves_a_closed_outage_and_only_moves_along_the_table(kind, predicted, steps):
    status = states.initial(kind, predicted=predicted)
    for cmd in steps:
        allowed = cmd in states.available(status)
        if not allowed:
            with pytest.raises(Refused):
                states.next_status(status, cmd)
            continue
        after = states.next_status(status, cmd)
        assert status.open  # closed outages accept nothing
        assert (after is status) == (cmd is Command.UPDATE)
        status = after
    if not status.open:
        assert states.available(status) == []


def test_it_starts_planned_scheduled_unplanned_active_and_inferred_predicted():
    assert states.initial("planned") is Status.SCHEDULED
    assert states.initial("unplanned") is Status.ACTIVE
    assert states.initial("unplanned", predicted=True) is Status.PREDICTED
    assert states.next_status("predicted", "confirm") is Status.ACTIVE
    with pytest.raises(Refused, match="cannot restore an outage that is scheduled"):
        states.next_status("scheduled", "restore")


local = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(lambda d: d.replace(tzinfo=SHANGHAI))


@settings(max_examples=300, deadline=None)
@given(start=local, days=st.integers(0, 14), before=st.integers(0, 60 * 24 * 20))
def test_it_sends_each_planned_notice_once_and_never_after_the_start(start, days, before):
    now = start - timedelta(minutes=before)
    first = rules.planned_notices_due(starts_at=start, notice_days=days, now=now, advance_sent=False, day_sent=False)
    again = rules.planned_notices_due(starts_at=start, notice_days=days, now=now, advance_sent=first.advance, day_sent=first.day)
    assert not again.advance and (not again.day or not first.day)
    same_day = now.date() == start.date()
    if first.day:
        assert same_day
    if same_day and days > 0 and now < start:
        # On the day, the reminder is due whether or not the advance notice also is.
        assert first.day
    assert rules.planned_notices_due(starts_at=start, notice_days=days, now=start, advance_sent=False, day_sent=False) == rules.PlannedNotices(False, False)


def test_it_sends_the_advance_notice_the_configured_days_ahead():
    start = datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)
    due = lambda now: rules.planned_notices_due(starts_at=start, notice_days=2, now=now, advance_sent=False, day_sent=False)  # noqa: E731
    assert due(datetime(2026, 11, 24, 23, 59, tzinfo=SHANGHAI)) == rules.PlannedNotices(False, False)
    assert due(datetime(2026, 11, 25, 0, 0, tzinfo=SHANGHAI)) == rules.PlannedNotices(True, False)
    assert due(datetime(2026, 11, 27, 7, 0, tzinfo=SHANGHAI)).day


@given(tags=st.lists(st.sampled_from(["major", "protected", "sensitive", "supervised", ""])), complained=st.booleans())
def test_it_puts_key_protected_sensitive_and_recent_complainers_first(tags, complained):
    assert rules.is_priority(tags, complained_recently=complained) == (complained or bool({"major", "protected", "sensitive"} & set(tags)))


@given(values=st.dictionaries(st.sampled_from(["area", "eta", "starts_at"]), st.one_of(st.text(max_size=5), st.datetimes(timezones=st.just(UTC)))))
def test_it_fingerprints_what_a_message_says_not_how_it_was_built(values):
    assert rules.fingerprint(values) == rules.fingerprint(dict(reversed(list(values.items()))))


def test_it_finds_the_deepest_common_organisation_node():
    assert rules.common_path(["/1/4/7/", "/1/4/9/"], "/") == "/1/4/"
    assert rules.common_path(["/1/4/7/"], "/") == "/1/4/7/"
    assert rules.common_path([], "/1/") == "/1/"


def test_a_split_names_two_to_twenty_devices():
    assert [p.field for p in rules.split_size_problems(["T1"])] == ["devices"]
    assert rules.split_size_problems([f"T{i}" for i in range(rules.MAX_SPLIT_DEVICES)]) == []
    too_many = rules.split_size_problems([f"T{i}" for i in range(rules.MAX_SPLIT_DEVICES + 1)])
    assert [(p.field, str(p.reason)) for p in too_many] == [("devices", "must have at most 20 items")]
