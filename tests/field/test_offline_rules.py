"""When a record made on the phone without signal counts from: the phone's time, corrected by
its clock as it sends, believed only within a window; and who may still check in on a patrol
already marked missed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from gridcare.core import phone
from gridcare.field import rules

RECEIVED = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
offsets = st.timedeltas(min_value=timedelta(days=-400), max_value=timedelta(days=400))


def test_no_claimed_time_counts_from_arrival():
    assert phone.when_made(None, RECEIVED) == phone.Made(at=RECEIVED)


def test_a_record_kept_an_hour_counts_from_when_it_was_made():
    made = phone.when_made(RECEIVED - timedelta(hours=1), RECEIVED)
    assert (made.at, made.sent_at, made.claimed_at, made.offline) == (RECEIVED - timedelta(hours=1), RECEIVED, None, True)


def test_a_phone_clock_ten_minutes_slow_is_corrected_by_its_time_as_it_sends():
    slow = timedelta(minutes=10)
    made = phone.when_made(RECEIVED - timedelta(hours=1) - slow, RECEIVED, phone_now=RECEIVED - slow)
    assert made.at == RECEIVED - timedelta(hours=1) and made.claimed_at is None
    # Uncorrected, the same claim reads ten minutes early.
    assert phone.when_made(RECEIVED - timedelta(hours=1) - slow, RECEIVED).at == RECEIVED - timedelta(minutes=70)


def test_a_record_sent_as_it_was_made_is_not_shown_as_sent_later():
    assert phone.when_made(RECEIVED - timedelta(seconds=20), RECEIVED) == phone.Made(at=RECEIVED)
    assert phone.when_made(RECEIVED + timedelta(minutes=4), RECEIVED) == phone.Made(at=RECEIVED)  # a clock a little fast


def test_a_time_from_the_future_or_from_last_week_is_not_believed():
    for claimed in (RECEIVED + timedelta(hours=2), RECEIVED - timedelta(days=4)):
        made = phone.when_made(claimed, RECEIVED)
        assert (made.at, made.sent_at, made.claimed_at) == (RECEIVED, RECEIVED, claimed)


def test_a_clock_set_to_the_end_of_time_is_not_believed_rather_than_an_error():
    far = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    assert phone.when_made(datetime(1, 1, 2, tzinfo=UTC), RECEIVED, phone_now=far).claimed_at == datetime(1, 1, 2, tzinfo=UTC)
    first = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))  # before UTC's calendar starts
    assert phone.when_made(first, RECEIVED) == phone.Made(at=RECEIVED, sent_at=RECEIVED, claimed_at=None)


def test_a_time_in_another_zone_counts_in_utc():
    made = phone.when_made(datetime(2026, 12, 7, 9, 0, tzinfo=timezone(timedelta(hours=8))), RECEIVED)
    assert made.at == datetime(2026, 12, 7, 1, 0, tzinfo=UTC) and made.at.tzinfo is UTC


@given(claimed=moments, received=moments, phone_off=st.one_of(st.none(), offsets))
def test_a_record_never_counts_from_after_it_arrived_nor_from_before_the_window(claimed, received, phone_off):
    phone_now = received + phone_off if phone_off is not None else None
    made = phone.when_made(claimed, received, phone_now)
    assert received - phone.HELD_FOR <= made.at <= received
    # Shown as sent later exactly when it counts from earlier than it arrived, or was doubted.
    assert made.offline == (made.at < received or made.claimed_at is not None)
    if made.claimed_at is not None:
        assert made.claimed_at == claimed and made.at == received and made.claimed_at.tzinfo is UTC
    if made.offline:
        assert made.sent_at == received
    corrected = claimed - phone_off if phone_off is not None else claimed
    if received - phone.HELD_FOR <= corrected < received - phone.SENT_AT_ONCE:
        assert made.at == corrected and made.claimed_at is None


@given(made_days=st.integers(min_value=-3, max_value=6), grace=st.integers(min_value=0, max_value=3), status=st.sampled_from(["open", "missed", "done"]))
def test_a_missed_patrol_takes_only_check_ins_made_before_it_was_missed(made_days, grace, status):
    due = date(2026, 12, 1)
    allowed = rules.may_still_check_in(status=status, due_on=due, grace_days=grace, made_on=due + timedelta(days=made_days))
    assert allowed == (status != "missed" or made_days <= grace)


def _kept(who, n, later, *, doubted=0, delay=timedelta(hours=2)):
    made = RECEIVED - timedelta(days=1)
    return [phone.Kept(who, made, made + delay if i < later else None, i < doubted) for i in range(n)]


def test_a_rep_sending_far_more_later_than_the_team_is_pointed_out_on_enough_records():
    rows, team = phone.habits(_kept("rural", 20, 12) + _kept("town", 60, 3) + _kept("new", 4, 4))
    by = {h.who: h for h in rows}
    assert (team.records, team.sent_later) == (84, 19)
    assert by["rural"].pointed_out and not by["town"].pointed_out
    assert not by["new"].pointed_out  # all four sent later: too few to say anything
    assert [h.who for h in rows] == ["new", "rural", "town"]  # the largest share first
    assert by["rural"].median_delay == timedelta(hours=2)


def test_a_doubted_phone_time_is_counted_and_not_read_as_a_delay():
    rows, _ = phone.habits(_kept("a", 5, 3, doubted=2, delay=timedelta(hours=9)) + _kept("b", 5, 1, delay=timedelta(hours=1)))
    a = next(h for h in rows if h.who == "a")
    assert (a.sent_later, a.doubted, a.median_delay) == (3, 2, timedelta(hours=9))


@given(st.lists(st.tuples(st.sampled_from("abc"), st.booleans(), st.booleans()), max_size=60))
def test_the_team_is_the_sum_of_its_makers(rows):
    made = RECEIVED - timedelta(days=1)
    kept = [phone.Kept(who, made, made + timedelta(hours=1) if later else None, later and doubted) for who, later, doubted in rows]
    makers, team = phone.habits(kept)
    assert sum(h.records for h in makers) == team.records == len(kept)
    assert sum(h.sent_later for h in makers) == team.sent_later and sum(h.doubted for h in makers) == team.doubted
    for h in makers:
        assert h.pointed_out == (h.sent_later >= phone.HABIT_MIN_SENT_LATER and h.share >= 2 * team.share)


@given(moment=moments, floor=st.one_of(st.none(), moments), sent=st.booleans(), claimed=st.booleans())
def test_a_record_never_counts_from_before_what_it_follows(moment, floor, sent, claimed):
    made = phone.Made(at=moment, sent_at=RECEIVED if sent else None, claimed_at=moment if claimed else None)
    kept = phone.not_before(made, floor)
    assert kept.at == (max(moment, floor) if floor is not None else moment)
    assert (kept.sent_at, kept.claimed_at) == (made.sent_at, made.claimed_at)  # when it came, and the phone's word, stay
