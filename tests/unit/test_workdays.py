from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.core.clock import SHANGHAI
from gridcare.core.workdays import WorkCalendar

CAL = WorkCalendar.china()


def local(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


def add(start: datetime, hours: float) -> datetime:
    return CAL.add_business_time(start, timedelta(hours=hours)).astimezone(SHANGHAI)


def test_it_knows_the_official_2026_schedule():
    assert CAL.covers(date(2026, 10, 1))
    assert all(not CAL.is_workday(date(2026, 10, d)) for d in range(1, 8))  # National Day
    assert CAL.is_workday(date(2026, 10, 8))
    # Make-up working days (调休): Sundays 2026-01-04 and 2026-09-20, Saturday 2026-10-10.
    for makeup in (date(2026, 1, 4), date(2026, 9, 20), date(2026, 10, 10)):
        assert makeup.weekday() >= 5 and CAL.is_workday(makeup)
    assert not CAL.is_workday(date(2026, 10, 17))  # an ordinary Saturday
    assert not CAL.is_workday(date(2026, 2, 17))  # Spring Festival


def test_it_falls_back_to_weekdays_for_years_the_package_lacks():
    assert not CAL.covers(date(2027, 1, 1))
    assert CAL.is_workday(date(2027, 1, 1))  # a Friday: the 2027 schedule must be added as data
    assert not CAL.is_workday(date(2027, 1, 2))


def test_it_lets_a_deployment_add_and_override_days():
    cal = WorkCalendar.china(
        extra_holidays=[
            date(2026, 3, 9),
            date(2026, 9, 20),
        ],  # a local holiday; a make-up day undone
        extra_workdays=[date(2026, 10, 7)],
        known_years=[2027],
    )
    assert not cal.is_workday(date(2026, 3, 9))
    assert not cal.is_workday(date(2026, 9, 20))
    assert cal.is_workday(date(2026, 10, 7))
    assert cal.covers(date(2027, 6, 1))


def test_it_refuses_contradictory_or_malformed_data():
    with pytest.raises(ValueError, match="both"):
        WorkCalendar(holidays=[date(2026, 5, 1)], makeup_workdays=[date(2026, 5, 1)])
    with pytest.raises(ValueError, match="precede"):
        WorkCalendar(business_hours=[(time(12), time(9))])
    with pytest.raises(ValueError, match="overlap"):
        WorkCalendar(business_hours=[(time(9), time(12)), (time(11), time(13))])
    with pytest.raises(ValueError, match="aware"):
        CAL.add_business_time(datetime(2026, 3, 9, 9), timedelta(hours=1))


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (local(2026, 3, 10, 9), 2, local(2026, 3, 10, 11)),  # within the morning
        (local(2026, 3, 10, 11, 30), 1, local(2026, 3, 10, 14, 30)),  # over lunch
        (local(2026, 3, 10, 17), 1, local(2026, 3, 11, 9)),  # over the night
        (local(2026, 3, 10, 7), 0.5, local(2026, 3, 10, 9)),  # before opening
        (local(2026, 3, 10, 20), 1, local(2026, 3, 11, 9, 30)),  # after closing
        (local(2026, 3, 13, 17), 1, local(2026, 3, 16, 9)),  # Friday over the weekend
        (local(2026, 3, 10, 9), 3, local(2026, 3, 10, 12)),  # ends with the span, not at 14:00
        (local(2026, 9, 30, 17), 1, local(2026, 10, 8, 9)),  # over National Day
        (local(2026, 9, 18, 17), 1, local(2026, 9, 20, 9)),  # Friday onto the make-up Sunday
        (local(2026, 9, 30, 16), 7, local(2026, 10, 8, 16)),  # one working day
    ],
)
def test_it_adds_business_time(start, hours, expected):
    result = CAL.add_business_time(start, timedelta(hours=hours))
    assert result.tzinfo == UTC
    assert result == expected


def test_it_walks_backwards_for_negative_durations():
    assert add(local(2026, 10, 8, 9), -1) == local(2026, 9, 30, 17)
    assert add(local(2026, 3, 10, 14, 30), -1) == local(2026, 3, 10, 11, 30)
    assert add(local(2026, 3, 10, 9), 0) == local(2026, 3, 10, 9)


def test_it_measures_business_time_between_instants():
    between = CAL.business_time_between
    assert CAL.workday_length == timedelta(hours=7)
    assert between(local(2026, 3, 10), local(2026, 3, 11)) == timedelta(hours=7)
    assert between(local(2026, 3, 13, 12), local(2026, 3, 16, 12)) == timedelta(hours=7)
    # Mon 28 Sep .. Sun 11 Oct 2026: Mon–Wed, then Thu 8, Fri 9, Sat 10 (make-up) = 6 days.
    assert between(local(2026, 9, 28), local(2026, 10, 12)) == timedelta(hours=42)
    assert between(local(2026, 3, 11), local(2026, 3, 10)) == -timedelta(hours=7)


def test_it_honours_custom_business_hours_and_zones():
    cal = WorkCalendar(business_hours=[(time(9), time(17))], zone="Asia/Urumqi")
    start = datetime(2026, 3, 10, 16, tzinfo=cal.zone)
    assert cal.add_business_time(start, timedelta(hours=2)) == datetime(
        2026, 3, 11, 10, tzinfo=cal.zone
    )


instants = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2026, 11, 30), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=7 * 25))


@settings(max_examples=100, deadline=None)
@given(start=instants, duration=durations)
def test_it_adds_exactly_what_it_measures(start, duration):
    end = CAL.add_business_time(start, duration)
    assert end >= start
    assert CAL.business_time_between(start, end) == duration
    back = CAL.add_business_time(start, -duration)
    assert CAL.business_time_between(back, start) == duration
