"""Quiet hours, rate limits and the pop-up ladder: pure rules, exercised with hypothesis."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.notify import rules

SHANGHAI = ZoneInfo("Asia/Shanghai")
QUIET = rules.parse_quiet_hours("21:00-08:00")
instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))
clock_times = st.times().map(lambda t: t.replace(microsecond=0))


def local(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def test_it_defers_an_evening_customer_sms_to_eight_the_next_morning():
    assert rules.earliest_send(local(2026, 11, 24, 22, 30), urgent=False, recipient_kind="customer", quiet=QUIET) == local(2026, 11, 25, 8)
    assert rules.earliest_send(local(2026, 11, 25, 6, 0), urgent=False, recipient_kind="customer", quiet=QUIET) == local(2026, 11, 25, 8)
    assert rules.earliest_send(local(2026, 11, 24, 22, 30), urgent=True, recipient_kind="customer", quiet=QUIET) == local(2026, 11, 24, 22, 30)
    assert rules.earliest_send(local(2026, 11, 24, 22, 30), urgent=False, recipient_kind="user", quiet=QUIET) == local(2026, 11, 24, 22, 30)
    assert rules.earliest_send(local(2026, 11, 24, 12, 0), urgent=False, recipient_kind="customer", quiet=QUIET) == local(2026, 11, 24, 12)


@given(now=instants, start=clock_times, end=clock_times, urgent=st.booleans(), kind=st.sampled_from(rules.RECIPIENT_KINDS))
def test_it_never_sends_a_non_urgent_customer_message_inside_quiet_hours(now, start, end, urgent, kind):
    quiet = rules.QuietHours(start, end, SHANGHAI)
    at = rules.earliest_send(now, urgent=urgent, recipient_kind=kind, quiet=quiet)
    assert at >= now and at - now <= timedelta(days=1)
    if urgent or kind not in rules.QUIET_RECIPIENTS:
        assert at == now
    else:
        assert rules.quiet_until(at, quiet) is None  # the chosen instant is outside the window
        if at > now:  # and it is the window's end: nothing earlier would do
            assert at.astimezone(SHANGHAI).time() == end
            assert rules.quiet_until(at - timedelta(seconds=1), quiet) is not None


def test_it_reads_quiet_hours_and_turns_them_off():
    assert rules.parse_quiet_hours("off").disabled
    assert rules.parse_quiet_hours("22:30-07:00").start == time(22, 30)
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        rules.parse_quiet_hours("late evening")


def test_it_spreads_a_burst_over_windows_of_the_rate_limit():
    limit = rules.RateLimit(3, timedelta(minutes=1))
    now = datetime(2026, 11, 24, 1, 0, 10, tzinfo=UTC)
    planner = rules.RatePlanner(limit, [])
    slots = [planner.take(now) for _ in range(7)]
    assert slots[0] == now
    assert slots[:3] == [now] * 3
    assert slots[3:6] == [datetime(2026, 11, 24, 1, 1, tzinfo=UTC)] * 3 and slots[6] == datetime(2026, 11, 24, 1, 2, tzinfo=UTC)


@settings(max_examples=150)
@given(
    count=st.integers(1, 8),
    per_s=st.sampled_from([1, 10, 60, 3600]),
    planned=st.lists(st.integers(-7200, 7200), max_size=30),
    asks=st.lists(st.integers(0, 600), min_size=1, max_size=30),
)
def test_it_never_puts_more_than_the_limit_in_one_window(count, per_s, planned, asks):
    limit = rules.RateLimit(count, timedelta(seconds=per_s))
    base = datetime(2026, 11, 24, tzinfo=UTC)
    # Already planned sends respect the limit (they came from a planner too).
    seed = rules.RatePlanner(limit, [])
    existing = [seed.take(base + timedelta(seconds=s)) for s in sorted(planned)]
    planner = rules.RatePlanner(limit, existing)
    taken = []
    for offset in sorted(asks):
        now = base + timedelta(seconds=offset)
        before = {w: len(v) for w, v in planner.taken.items()}
        slot = planner.take(now)
        assert slot >= now
        window = planner._window(slot)
        # Minimal: every window from now's up to the chosen one was full.
        for w in range(planner._window(now), window):
            assert before.get(w, 0) >= count
        taken.append(slot)
    per_window = {}
    for at in existing + taken:
        per_window[planner._window(at)] = per_window.get(planner._window(at), 0) + 1
    assert max(per_window.values()) <= count


def test_it_reads_rate_limits_and_names_a_bad_one():
    assert rules.parse_rate_limits("sms=60/min; wecom=20/min")["wecom"] == rules.RateLimit(20, timedelta(minutes=1))
    with pytest.raises(ValueError, match="unknown channel 'fax'"):
        rules.parse_rate_limits("fax=1/min")
    with pytest.raises(ValueError, match="COUNT/UNIT"):
        rules.parse_rate_limits("sms=many")


def test_it_climbs_the_ladder_from_popup_to_sms_to_voice():
    policy = rules.LadderPolicy(timedelta(minutes=5), timedelta(minutes=15))
    t0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    assert rules.ladder_due(policy, popped_at=t0, step=0) == t0 + timedelta(minutes=5)
    assert rules.ladder_steps_due(policy, popped_at=t0, step=0, now=t0 + timedelta(minutes=4), acknowledged=False) == ()
    assert rules.ladder_steps_due(policy, popped_at=t0, step=0, now=t0 + timedelta(minutes=5), acknowledged=False) == (1,)
    assert rules.ladder_due(policy, popped_at=t0, step=1) == t0 + timedelta(minutes=15)
    assert rules.ladder_steps_due(policy, popped_at=t0, step=1, now=t0 + timedelta(minutes=15), acknowledged=False) == (2,)
    assert rules.ladder_due(policy, popped_at=t0, step=2) is None
    # A worker that was down for an hour fires both rungs at once, in order.
    assert rules.ladder_steps_due(policy, popped_at=t0, step=0, now=t0 + timedelta(hours=1), acknowledged=False) == (1, 2)


@given(
    sms=st.one_of(st.none(), st.integers(1, 60)),
    extra=st.one_of(st.none(), st.integers(1, 60)),
    checks=st.lists(st.integers(0, 200), max_size=20),
    ack_at=st.one_of(st.none(), st.integers(0, 200)),
)
def test_it_fires_each_rung_once_in_order_and_nothing_after_an_ack(sms, extra, checks, ack_at):
    voice = None if extra is None else (sms or 0) + extra
    policy = rules.LadderPolicy(None if sms is None else timedelta(minutes=sms), None if voice is None else timedelta(minutes=voice))
    t0 = datetime(2026, 11, 24, tzinfo=UTC)
    step, fired = 0, []
    for minute in sorted(checks):
        acked = ack_at is not None and minute >= ack_at
        due = rules.ladder_steps_due(policy, popped_at=t0, step=step, now=t0 + timedelta(minutes=minute), acknowledged=acked)
        assert not (acked and due)
        for rung in due:
            assert (sms if rung == 1 else voice) is not None and t0 + timedelta(minutes=sms if rung == 1 else voice) <= t0 + timedelta(minutes=minute)
        fired += due
        step = due[-1] if due else step
    assert fired == sorted(set(fired))  # each rung once, SMS before voice


def test_it_reads_ladder_policies_per_event():
    ladders = rules.parse_ladders("default=5/15; order.escalated=10/-; campaign=-/-")
    assert rules.ladder_for("order.dispatched", ladders) == rules.LadderPolicy(timedelta(minutes=5), timedelta(minutes=15))
    assert rules.ladder_for("order.escalated", ladders) == rules.LadderPolicy(timedelta(minutes=10), None)
    with pytest.raises(ValueError, match="voice call must come after the SMS"):
        rules.parse_ladders("default=10/5")


@settings(max_examples=100)
@given(
    count=st.integers(1, 8),
    per_s=st.sampled_from([1, 10, 60, 3600]),
    planned=st.lists(st.integers(-7200, 7200), max_size=40),
    asks=st.lists(st.integers(-600, 7200), min_size=1, max_size=20),
)
def test_a_planner_from_window_counts_plans_like_one_from_send_times(count, per_s, planned, asks):
    limit = rules.RateLimit(count, timedelta(seconds=per_s))
    base = datetime(2026, 11, 24, tzinfo=UTC)
    seed = rules.RatePlanner(limit, [])
    existing = [seed.take(base + timedelta(seconds=s)) for s in sorted(planned)]
    counts: dict[datetime, int] = {}
    for at in existing:
        counts[seed.window_start(at)] = counts.get(seed.window_start(at), 0) + 1
    from_times, from_counts = rules.RatePlanner(limit, existing), rules.RatePlanner.from_counts(limit, counts)
    for offset in asks:
        now = base + timedelta(seconds=offset)
        assert from_times.take(now) == from_counts.take(now)


def test_windows_marked_full_are_passed_over_and_the_first_with_room_is_found():
    limit = rules.RateLimit(2, timedelta(minutes=1))
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    planner = rules.RatePlanner(limit, [start + timedelta(minutes=3)])
    planner.mark_full(start, start + timedelta(minutes=3))
    assert planner.full_until(start) == start + timedelta(minutes=3)  # 09:03 holds one of two
    assert planner.take(start) == start + timedelta(minutes=3)
    assert planner.full_until(start) == start + timedelta(minutes=4)


def test_only_popups_are_marked_delivered_after_their_batch():
    assert rules.marked_after_batch("popup", None)
    assert not any(rules.marked_after_batch(channel, None) for channel in rules.CHANNELS if channel != "popup")
    assert not rules.marked_after_batch("popup", "gw-17")  # a gateway that took it: at once
