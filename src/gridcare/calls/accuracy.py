"""How the forecast held (预测准确率): a past week's calls set against those its forecast
expected, hour by hour. Pure: the forecast and the calls come in as arguments.

The figure supervisors report is the accuracy hour by hour: one less the sum of every hour's
miss over the calls that came (WAPE), so a quiet night's one call against three weighs no
more than its two calls; day by day the misses of a day's hours may cancel out. The bias says
which way it missed: above nought the forecast expected more than came (agents idle), below
it fewer (callers waited). A public holiday or a make-up working day is shown but not
counted: the typical week does not speak for it; nor does it for a weekday it never saw (a
hotline newer than the weeks the forecast reads).
An hour a quarter busier than expected, by three calls or more, is an hour the roster was
likely short, and is named.

No forecast beats chance: calls arrive at random, and an hour expected to bring ten brings
seven or thirteen often enough (Poisson). The accuracy chance alone allows (the ceiling) is
one less the mean absolute deviation of each hour's Poisson count over the calls expected;
a forecast is read against it, not against a hundred per cent: a small hotline's hours
cannot be told to the call."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

UNDER = 0.25  # an hour this much above its forecast was under-forecast …
UNDER_MIN_CALLS = 3  # … when by this many calls at least
DAY_MISS = 0.1  # a day's total off by more than this share is marked
GOOD, FAIR = 0.05, 0.15  # accuracy read green within GOOD of the ceiling, amber within FAIR, red further


def chance_miss(expected: float) -> float:
    """E|N − λ| for N ~ Poisson(λ = ``expected``): 2 e^−λ λ^(⌊λ⌋+1) ÷ ⌊λ⌋!, in logs so a
    busy hour's thousands do not overflow."""
    if expected <= 0:
        return 0.0
    k = math.floor(expected)
    return math.exp(math.log(2) - expected + (k + 1) * math.log(expected) - math.lgamma(k + 1))


@dataclass(frozen=True)
class DayHeld:
    day: date
    expected: float
    offered: int
    left_out: str | None = None  # why it is shown, not counted: "holiday" (or a make-up working day), "unforecast" (no such weekday read)

    @property
    def error(self) -> float | None:
        """(expected − offered) ÷ offered; None when no call came."""
        return (self.expected - self.offered) / self.offered if self.offered else None

    @property
    def miss(self) -> str | None:
        """``under`` (busier than expected by more than ``DAY_MISS``), ``over``, or None."""
        error = self.error
        if error is None or abs(error) <= DAY_MISS:
            return None
        return "under" if error < 0 else "over"


@dataclass(frozen=True)
class HourUnder:
    day: date
    hour: int
    expected: float
    offered: int


@dataclass(frozen=True)
class WeekHeld:
    monday: date
    days: list[DayHeld]
    expected: float  # over the days counted
    offered: int
    missed: float  # Σ |expected − offered| over the counted days' hours
    missed_daily: float  # Σ |expected − offered| over the counted days
    chance: float  # Σ of chance's miss over the counted hours
    chance_daily: float  # … over the counted days
    under: list[HourUnder]
    forecast_known: bool  # the hotline had calls before the week to forecast it from
    hourly: tuple[tuple[float, int] | None, ...] = ()  # (expected, came) each hour; None on days not counted

    @property
    def accuracy(self) -> float | None:
        return accuracy_of(self.missed, self.offered) if self.forecast_known else None

    @property
    def daily(self) -> float | None:
        """Accuracy day by day: an hour's miss may make up for another's the same day."""
        return accuracy_of(self.missed_daily, self.offered) if self.forecast_known else None

    @property
    def bias(self) -> float | None:
        return (self.expected - self.offered) / self.offered if self.offered and self.forecast_known else None

    @property
    def ceiling(self) -> float | None:
        """The accuracy hour by hour that chance alone allows."""
        return accuracy_of(self.chance, self.expected) if self.forecast_known else None

    @property
    def ceiling_daily(self) -> float | None:
        return accuracy_of(self.chance_daily, self.expected) if self.forecast_known else None


def accuracy_of(missed: float, offered: float) -> float | None:
    """One less the misses over the calls (that came), at least nought; None without calls."""
    return max(0.0, 1 - missed / offered) if offered else None


def tone(value: float | None, ceiling: float | None) -> str:
    """Green within ``GOOD`` of what chance allows, amber within ``FAIR``, red further off."""
    if value is None or ceiling is None:
        return "grey"
    return "green" if value >= ceiling - GOOD else "amber" if value >= ceiling - FAIR else "red"


def week(monday: date, expected: Sequence[float], offered: Sequence[int], *, unusual: Iterable[date] = (), unforecast: Iterable[date] = ()) -> WeekHeld:
    """The week from ``monday``: ``expected`` and ``offered`` calls for its 168 hours, Monday
    0:00 first; ``unusual`` days (holidays, make-up working days) and ``unforecast`` ones (a
    weekday the forecast read none of) are shown, not counted."""
    if len(expected) != 168 or len(offered) != 168:
        raise ValueError("a week has 168 hours")
    why = {d: "unforecast" for d in unforecast} | {d: "holiday" for d in unusual}
    days, under = [], []
    total_expected, total_offered, missed, missed_daily, chance, chance_daily = 0.0, 0, 0.0, 0.0, 0.0, 0.0
    for d in range(7):
        day = monday + timedelta(days=d)
        hours = range(24 * d, 24 * d + 24)
        held = DayHeld(day, sum(expected[h] for h in hours), sum(offered[h] for h in hours), why.get(day))
        days.append(held)
        if held.left_out:
            continue
        missed_daily += abs(held.expected - held.offered)
        chance_daily += chance_miss(held.expected)
        for h in hours:
            chance += chance_miss(expected[h])
            total_expected += expected[h]
            total_offered += offered[h]
            missed += abs(expected[h] - offered[h])
            if offered[h] - expected[h] >= UNDER_MIN_CALLS and offered[h] > expected[h] * (1 + UNDER):
                under.append(HourUnder(day, h % 24, expected[h], offered[h]))
    counted = {d for d, held in enumerate(days) if not held.left_out}
    hourly = tuple((expected[h], offered[h]) if h // 24 in counted else None for h in range(168))
    return WeekHeld(monday, days, total_expected, total_offered, missed, missed_daily, chance, chance_daily, under, sum(expected) > 0, hourly)


def worst_hours(weeks: Iterable[WeekHeld]) -> list[HourUnder]:
    """The weeks' under-forecast hours, the largest miss first: where the roster was shortest."""
    return sorted((u for w in weeks if w.forecast_known for u in w.under), key=lambda u: (u.expected - u.offered, u.day, u.hour))


@dataclass(frozen=True)
class Overall:
    accuracy: float | None
    daily: float | None
    ceiling: float | None
    ceiling_daily: float | None
    bias: float | None
    hours_under: int
    weeks: int  # weeks with a forecast to hold


def overall(weeks: Iterable[WeekHeld]) -> Overall:
    """The weeks together, each hour weighed alike; weeks with no forecast left out."""
    known = [w for w in weeks if w.forecast_known]
    offered = sum(w.offered for w in known)
    expected = sum(w.expected for w in known)
    return Overall(
        accuracy_of(sum(w.missed for w in known), offered), accuracy_of(sum(w.missed_daily for w in known), offered),
        accuracy_of(sum(w.chance for w in known), expected), accuracy_of(sum(w.chance_daily for w in known), expected),
        (expected - offered) / offered if offered else None, sum(len(w.under) for w in known), len(known),
    )


@dataclass(frozen=True)
class Recurring:
    weekday: int  # Monday 0
    hour: int
    weeks_under: int  # weeks this hour was under-forecast
    weeks: int  # weeks with a forecast to hold
    expected: float  # on average over the weeks it was under-forecast
    offered: float


def _beyond_chance(pairs: Sequence[tuple[float, int]]) -> bool:
    """Over these weeks together, the hour brought more calls than its forecasts by over twice
    what chance spreads them by (Poisson: the square root of the calls expected)."""
    expected = sum(e for e, _ in pairs)
    return sum(c for _, c in pairs) - expected > 2 * math.sqrt(max(expected, 1.0))


def recurring(weeks: Iterable[WeekHeld], *, least: int = 2) -> list[Recurring]:
    """The hours of the week under-forecast in at least ``least`` weeks and half the weeks
    checked, and beyond chance over them all, most often first: a trend the forecast's
    average of past weeks lags behind (a new estate moving in, a tariff letter due)."""
    known = [w for w in weeks if w.forecast_known]
    found: dict[tuple[int, int], list[HourUnder]] = {}
    for w in known:
        for u in w.under:
            found.setdefault((u.day.weekday(), u.hour), []).append(u)
    out = [
        Recurring(day, hour, len(us), len(known), sum(u.expected for u in us) / len(us), sum(u.offered for u in us) / len(us))
        for (day, hour), us in found.items()
        if len(us) >= least and 2 * len(us) >= len(known) and _beyond_chance([p for w in known if (p := w.hourly[24 * day + hour]) is not None])
    ]
    return sorted(out, key=lambda r: (-r.weeks_under, r.expected - r.offered, r.weekday, r.hour))
