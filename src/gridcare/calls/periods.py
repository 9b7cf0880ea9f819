"""Reporting periods from query strings. Pure: ``now`` comes in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from gridcare.core.clock import SHANGHAI, as_utc
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_


def _parse(value: str, field: str, *, end: bool) -> datetime:
    text = value.strip()
    try:
        if len(text) == 10:
            # A day is a local day; as an end it includes itself ("to=2026-11-24": all of the 24th).
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(0), tzinfo=SHANGHAI).astimezone(UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput.field(field, T_("must be a date (2026-11-24) or an ISO 8601 date and time")) from None
    return as_utc(parsed.replace(tzinfo=SHANGHAI) if parsed.tzinfo is None else parsed)


def period(start: str | None, end: str | None, *, now: datetime, default_days: int = 7, max_days: int | None = None) -> tuple[datetime, datetime]:
    """[from, to) in UTC. Without ``to``: the end of today. Without ``from``: ``default_days``
    local days up to and including today. Longer than ``max_days`` is refused."""
    today = datetime.combine(now.astimezone(SHANGHAI).date(), time(0), tzinfo=SHANGHAI)
    stop = _parse(end, "to", end=True) if end else as_utc(today + timedelta(days=1))
    begin = _parse(start, "from", end=False) if start else as_utc(today - timedelta(days=default_days - 1))
    if stop <= begin:
        raise InvalidInput.field("to", T_("must be after %(other)s", other="from"))
    if max_days is not None:
        check_span(begin, stop, max_days=max_days)
    return begin, stop


def too_long(start: datetime, end: datetime, *, max_days: int) -> bool:
    """Whether [start, end) is longer than ``max_days``: what runs over it grows with its calls."""
    return end - start > timedelta(days=max_days)


def check_span(start: datetime, end: datetime, *, max_days: int) -> None:
    """Refuse a period longer than ``max_days``."""
    if too_long(start, end, max_days=max_days):
        raise InvalidInput.field("to", T_("the period may span at most %(n)s days", n=max_days))


def local_dates(start: datetime, end: datetime) -> tuple[str, str]:
    """The inclusive local dates of [start, end), for a form's date inputs."""
    last = end - timedelta(microseconds=1)
    return start.astimezone(SHANGHAI).date().isoformat(), last.astimezone(SHANGHAI).date().isoformat()


def month(text: str | None, *, today: date) -> tuple[date, date]:
    """The month asked for ("2026-11"; blank: this one) as its first day and the next month's."""
    text = (text or "").strip()
    try:
        first = date.fromisoformat(text + "-01") if text else today.replace(day=1)
    except ValueError:
        raise InvalidInput.field("month", T_("must be a month, e.g. 2026-11")) from None
    return first, (first + timedelta(days=32)).replace(day=1)
