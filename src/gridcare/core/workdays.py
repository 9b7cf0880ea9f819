"""Working days and business hours in China, where the official calendar moves weekends:
public holidays are extended by turning nearby Saturdays or Sundays into working days (调休).

A ``WorkCalendar`` is plain data (holidays, make-up working days, daily business hours, a
zone), so a deployment can add local holidays or next year's schedule before a package
release has it. ``WorkCalendar.china()`` starts from the State Council schedule shipped by the
``chinesecalendar`` package (see docs/decisions/007-holiday-calendar.md).

All instants in and out are aware datetimes; results are UTC, as everything stored is."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from gridcare.core.clock import SHANGHAI

DEFAULT_BUSINESS_HOURS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(14, 0), time(17, 30)),
)

# A calendar with no working day at all would make the walks below loop for ever; ten years
# of days without enough business time means the data is wrong, not that the answer is far.
_MAX_DAYS = 3660


class WorkCalendar:
    def __init__(
        self,
        holidays: Iterable[date] = (),
        makeup_workdays: Iterable[date] = (),
        business_hours: Sequence[tuple[time, time]] = DEFAULT_BUSINESS_HOURS,
        zone: ZoneInfo | str = SHANGHAI,
        *,
        known_years: Iterable[int] = (),
    ) -> None:
        self.holidays = frozenset(holidays)
        self.makeup_workdays = frozenset(makeup_workdays)
        both = self.holidays & self.makeup_workdays
        if both:
            raise ValueError(f"days both holiday and make-up working day: {sorted(both)}")
        self.business_hours = _checked_hours(business_hours)
        self.zone = ZoneInfo(zone) if isinstance(zone, str) else zone
        # Years whose official schedule the data holds; other years fall back to Mon–Fri.
        self.known_years = frozenset(known_years)

    @classmethod
    def china(
        cls,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        *,
        business_hours: Sequence[tuple[time, time]] = DEFAULT_BUSINESS_HOURS,
        zone: ZoneInfo | str = SHANGHAI,
        known_years: Iterable[int] = (),
    ) -> WorkCalendar:
        """The official schedule, with a deployment's own days winning over the package's."""
        import chinese_calendar  # imported here so the rest of the module works without it

        extra_holidays = frozenset(extra_holidays)
        extra_workdays = frozenset(extra_workdays)
        package_years = {d.year for d in chinese_calendar.holidays}
        return cls(
            holidays=(frozenset(chinese_calendar.holidays) - extra_workdays) | extra_holidays,
            makeup_workdays=(frozenset(chinese_calendar.workdays) - extra_holidays)
            | extra_workdays,
            business_hours=business_hours,
            zone=zone,
            known_years=package_years | set(known_years),
        )

    def covers(self, day: date) -> bool:
        """Whether ``day``'s year has a known official schedule (callers may warn if not)."""
        return day.year in self.known_years

    def is_workday(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    @property
    def workday_length(self) -> timedelta:
        """Business time in one working day (7 h with the default hours)."""
        anchor = date(2000, 1, 1)
        return sum(
            (
                datetime.combine(anchor, end) - datetime.combine(anchor, start)
                for start, end in self.business_hours
            ),
            timedelta(0),
        )

    def business_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The UTC spans of business time on ``day`` (a local date); none off working days."""
        if not self.is_workday(day):
            return []
        return [
            (
                datetime.combine(day, start, tzinfo=self.zone).astimezone(UTC),
                datetime.combine(day, end, tzinfo=self.zone).astimezone(UTC),
            )
            for start, end in self.business_hours
        ]

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of business time has passed since ``start``.

        A negative duration walks backwards. Time running out exactly at the end of a span
        answers that end (12:00, not 14:00), so ``business_time_between`` gives ``duration``
        back."""
        cursor = _utc(start)
        if duration == timedelta(0):
            return cursor
        if duration < timedelta(0):
            return self._subtract(cursor, -duration)
        remaining = duration
        for day in self._days(cursor, step=1):
            for lo, hi in self.business_intervals(day):
                lo = max(lo, cursor)
                if lo >= hi:
                    continue
                if remaining <= hi - lo:
                    return lo + remaining
                remaining -= hi - lo
        raise ValueError(f"no {duration} of business time within {_MAX_DAYS} days of {start}")

    def _subtract(self, cursor: datetime, duration: timedelta) -> datetime:
        remaining = duration
        for day in self._days(cursor, step=-1):
            for lo, hi in reversed(self.business_intervals(day)):
                hi = min(hi, cursor)
                if hi <= lo:
                    continue
                if remaining <= hi - lo:
                    return hi - remaining
                remaining -= hi - lo
        raise ValueError(f"no {duration} of business time within {_MAX_DAYS} days before {cursor}")

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Business time from ``a`` to ``b``; negative when ``b`` is earlier."""
        a, b = _utc(a), _utc(b)
        if b < a:
            return -self.business_time_between(b, a)
        total = timedelta(0)
        last = b.astimezone(self.zone).date()
        for day in self._days(a, step=1, unbounded=True):
            if day > last:
                break
            for lo, hi in self.business_intervals(day):
                lo, hi = max(lo, a), min(hi, b)
                if hi > lo:
                    total += hi - lo
        return total

    def _days(self, instant: datetime, *, step: int, unbounded: bool = False) -> Iterator[date]:
        day = instant.astimezone(self.zone).date()
        count = 0
        while unbounded or count < _MAX_DAYS:
            yield day
            day += timedelta(days=step)
            count += 1


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("business-time arithmetic needs aware datetimes")
    return value.astimezone(UTC)


def _checked_hours(hours: Sequence[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    checked = tuple((start, end) for start, end in hours)
    previous_end: time | None = None
    for start, end in checked:
        if not start < end:
            raise ValueError(f"business hours {start}–{end}: start must precede end")
        if previous_end is not None and start < previous_end:
            raise ValueError("business hours must be in order and must not overlap")
        previous_end = end
    return checked


@lru_cache(maxsize=1)
def china_calendar() -> WorkCalendar:
    """The official Chinese schedule, built once per process: deadlines and patrol plans
    read it on every order and task."""
    return WorkCalendar.china()
