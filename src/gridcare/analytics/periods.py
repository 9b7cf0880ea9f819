"""Reporting periods: a local day, ISO week, month or year, the period before it
(month-on-month, 环比) and the same period a year earlier (year-on-year, 同比). Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from gridcare.core.clock import SHANGHAI
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import N_, T_

KINDS = ("day", "week", "month", "year")
_FORMS = {
    "day": (re.compile(r"\d{4}-\d{2}-\d{2}"), "2026-10-05"),
    "week": (re.compile(r"\d{4}-W\d{2}"), "2026-W40"),
    "month": (re.compile(r"\d{4}-\d{2}"), "2026-10"),
    "year": (re.compile(r"\d{4}"), "2026"),
}
_WRITTEN_LIKE = {
    "day": N_("a day is written like %(example)s"),
    "week": N_("a week is written like %(example)s"),
    "month": N_("a month is written like %(example)s"),
    "year": N_("a year is written like %(example)s"),
}
_NOT_REAL = {
    "day": N_("%(text)r is not a real day"),
    "week": N_("%(text)r is not a real week"),
    "month": N_("%(text)r is not a real month"),
    "year": N_("%(text)r is not a real year"),
}


@dataclass(frozen=True)
class Period:
    kind: str
    start: date  # first local day
    end: date  # the day after the last

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y}"

    @property
    def days(self) -> list[str]:
        return [(self.start + timedelta(days=i)).isoformat() for i in range((self.end - self.start).days)]

    def utc_bounds(self) -> tuple[datetime, datetime]:
        return local_midnight(self.start), local_midnight(self.end)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI).astimezone(UTC)


def containing(kind: str, day: date) -> Period:
    if kind == "day":
        return Period(kind, day, day + timedelta(days=1))
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=7))
    if kind == "month":
        start = day.replace(day=1)
        return Period(kind, start, start + relativedelta(months=1))
    if kind == "year":
        start = day.replace(month=1, day=1)
        return Period(kind, start, start.replace(year=start.year + 1))
    raise InvalidInput.field("period", T_("must be one of %(choices)s", choices=", ".join(KINDS)))


def parse(kind: str, value: str, field: str = "value") -> Period:
    """``value`` in the kind's form: 2026-10-05, 2026-W40, 2026-10 or 2026."""
    if kind not in KINDS:
        raise InvalidInput.field("period", T_("must be one of %(choices)s", choices=", ".join(KINDS)))
    pattern, example = _FORMS[kind]
    text = value.strip()
    if not pattern.fullmatch(text):
        raise InvalidInput.field(field, T_(_WRITTEN_LIKE[kind], example=example))
    try:
        if kind == "day":
            day = date.fromisoformat(text)
        elif kind == "week":
            day = date.fromisocalendar(int(text[:4]), int(text[6:]), 1)
        elif kind == "month":
            day = date(int(text[:4]), int(text[5:]), 1)
        else:
            day = date(int(text), 1, 1)
    except ValueError:
        raise InvalidInput.field(field, T_(_NOT_REAL[kind], text=text)) from None
    return containing(kind, day)


def month(value: str, field: str = "month") -> Period:
    return parse("month", value, field)


def previous(p: Period) -> Period:
    """The period just before (环比)."""
    return containing(p.kind, p.start - timedelta(days=1))


def year_ago(p: Period) -> Period:
    """The same period a year earlier (同比); week N of the previous ISO year for weeks."""
    if p.kind == "week":
        year, week, _ = p.start.isocalendar()
        try:
            return containing("week", date.fromisocalendar(year - 1, week, 1))
        except ValueError:  # week 53 in a year that has 52
            return containing("week", date.fromisocalendar(year - 1, 52, 1))
    return containing(p.kind, p.start - relativedelta(years=1))


def current(kind: str, now: datetime) -> Period:
    return containing(kind, now.astimezone(SHANGHAI).date())


def months_back(last: Period, n: int) -> list[Period]:
    """``n`` months ending with ``last`` (a month), oldest first: trend charts."""
    out = [last]
    for _ in range(n - 1):
        out.append(previous(out[-1]))
    return list(reversed(out))


def change(now: float | None, before: float | None) -> float | None:
    """Relative change, or None when there is nothing to compare with."""
    if now is None or before is None or before == 0:
        return None
    return (now - before) / abs(before)


def chosen(kind: str, value: str | None, now: datetime) -> Period:
    """The period a page or API asks for; the current one when ``value`` is empty."""
    kind = kind or "month"
    if kind not in KINDS:
        raise InvalidInput.field("period", T_("must be one of %(choices)s", choices=", ".join(KINDS)))
    return parse(kind, value, "at") if value and value.strip() else current(kind, now)


def last_closed_month(now: datetime) -> Period:
    return previous(current("month", now))
