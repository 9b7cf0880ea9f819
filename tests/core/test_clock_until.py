"""A span's end as rosters write it: 24:00 for the midnight after its start, 00:00 otherwise."""

from datetime import UTC, datetime

from gridcare.core.clock import SHANGHAI, until


def test_a_shift_to_the_end_of_the_day_ends_at_24_00():
    assert until(datetime(2026, 12, 8, 0, 0, tzinfo=SHANGHAI), datetime(2026, 12, 7, 16, 0, tzinfo=SHANGHAI)) == "24:00"


def test_other_ends_read_as_the_clock_does_in_shanghai():
    assert until(datetime(2026, 12, 7, 12, 0, tzinfo=UTC), datetime(2026, 12, 7, 1, 0, tzinfo=UTC)) == "20:00"
    start = datetime(2026, 12, 7, 0, 0, tzinfo=SHANGHAI)
    assert until(start, start) == "00:00"  # an empty span at midnight is not a day's end
