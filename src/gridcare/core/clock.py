"""Time comes from a clock object so rules and tests can be given any instant.

Storage is UTC; display is Asia/Shanghai (``to_local``)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to; for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, instant: datetime) -> None:
        self._now = instant.astimezone(UTC)


class OffsetClock:
    """The system clock moved by a fixed amount. Only for tests: a server restarted "an hour
    later" must find the deadlines that passed while it was down (GRIDCARE_CLOCK_OFFSET_SECONDS)."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def clock_for(offset_seconds: float) -> Clock:
    return OffsetClock(timedelta(seconds=offset_seconds)) if offset_seconds else system_clock


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored datetime is UTC, so say so."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_local(value: datetime, zone: ZoneInfo = SHANGHAI) -> datetime:
    return as_utc(value).astimezone(zone)


def end_of_local_day(value: datetime) -> datetime:
    """Local midnight after ``value``: what starts before it counts for that day."""
    return datetime.combine(to_local(value).date() + timedelta(days=1), time(0), tzinfo=SHANGHAI)


def until(end: datetime, start: datetime) -> str:
    """A span's end as local HH:MM; "24:00" when it ends at the midnight after its start, as
    rosters write a shift that runs to the end of the day."""
    local_end = to_local(end)
    if local_end.hour == 0 and local_end.minute == 0 and local_end.date() > to_local(start).date():
        return "24:00"
    return f"{local_end:%H:%M}"


system_clock: Clock = SystemClock()
