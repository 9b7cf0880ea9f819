"""The calls a planned outage brings to the hotline (计划停电话务). Pure: outages, calls and
the typical week come in as arguments.

Customers told of a planned outage call: the day before, to ask when and why; while supply
is off, because it is off; just after, when it is not back for them. How many call, per
customer cut off, and in which of these three phases, is learned from the company's planned
outages of the last weeks (the calls their own customers made in each one's window). Until
enough have been seen, an assumed rate stands in, and says so.

A coming outage's calls are then spread over the hours of its window: those before it as
the hotline's calls usually fall in those hours (a customer who read the notice calls when
customers call), those during and after it evenly (the cut makes them call, whatever the
hour). The roster adds them to the typical week's calls and asks Erlang C again."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gridcare.calls import rostering, staffing

BEFORE = timedelta(hours=24)  # the notices are out; the day-before notice goes the day before
AFTER = timedelta(hours=2)  # supply is back, or not yet for some
HISTORY = timedelta(weeks=26)  # planned outages are weeks apart: half a year to learn from
MAX_LEARNED = 40  # the most recent past outages read: enough for a rate, bounded for the page
MIN_OUTAGES = 3  # fewer, and one odd outage would set the rate
MIN_CUSTOMERS = 100
PHASES = ("before", "during", "after")
# Until the company has had MIN_OUTAGES planned outages here: a tenth of the customers cut off
# call, mostly while supply is off.
ASSUMED_RATE = 0.10
ASSUMED_SHARES = {"before": 0.3, "during": 0.55, "after": 0.15}
HOUR = timedelta(hours=1)
WEEK_HOURS = 168


@dataclass(frozen=True)
class Past:
    """A planned outage that is over: when it began and ended (supply back), how many customers
    it cut off, and when those customers called the hotline around it."""

    starts_at: datetime
    ends_at: datetime
    customers: int
    calls: Sequence[datetime] = ()


@dataclass(frozen=True)
class Learned:
    outages: int  # past planned outages read
    customers: int  # cut off by them
    calls: int  # their customers' calls within the windows
    rate: float  # calls per customer cut off
    shares: dict[str, float] = field(default_factory=dict)  # of the calls, by phase
    assumed: bool = False  # too few outages seen: the rate and shares are ASSUMED_*


@dataclass(frozen=True)
class Coming:
    """A planned outage ahead (or under way) whose calls the roster must carry."""

    starts_at: datetime
    ends_at: datetime
    customers: int


def window(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    """When an outage's calls come: from a day before it to two hours after."""
    return starts_at - BEFORE, max(ends_at, starts_at) + AFTER


def phase(at: datetime, starts_at: datetime, ends_at: datetime) -> str | None:
    """Which phase of the outage a call at ``at`` falls in; None outside its window."""
    first, last = window(starts_at, ends_at)
    if not first <= at < last:
        return None
    if at < starts_at:
        return "before"
    return "during" if at < ends_at else "after"


def learn(past: Sequence[Past]) -> Learned:
    """The calls per customer cut off and their shares by phase, over ``past``; assumed when
    fewer than MIN_OUTAGES outages or MIN_CUSTOMERS customers were seen."""
    customers = sum(p.customers for p in past)
    counted = dict.fromkeys(PHASES, 0)
    for p in past:
        for at in p.calls:
            if (found := phase(at, p.starts_at, p.ends_at)) is not None:
                counted[found] += 1
    calls = sum(counted.values())
    if len(past) < MIN_OUTAGES or customers < MIN_CUSTOMERS:
        return Learned(len(past), customers, calls, ASSUMED_RATE, dict(ASSUMED_SHARES), assumed=True)
    shares = {k: v / calls for k, v in counted.items()} if calls else dict(ASSUMED_SHARES)
    return Learned(len(past), customers, calls, calls / customers, shares)


def _hours(first: datetime, last: datetime, week_start: datetime) -> list[tuple[int, float]]:
    """Each hour of the week grid (counted from ``week_start``, any sign) that [first, last)
    touches, with the share of an hour it covers."""
    if last <= first:
        return []
    k0 = math.floor((first - week_start) / HOUR)
    k1 = math.ceil((last - week_start) / HOUR)
    out = []
    for k in range(k0, k1):
        a = max(first, week_start + k * HOUR)
        b = min(last, week_start + (k + 1) * HOUR)
        if b > a:
            out.append((k, (b - a) / HOUR))
    return out


def spread(outage: Coming, learned: Learned, *, week_start: datetime, baseline: Sequence[float]) -> list[float]:
    """The outage's expected calls in each hour of the week from ``week_start`` (a local
    Monday 00:00; 168 hours). ``baseline``: the typical week's calls per hour, Monday 0:00
    first, which shapes the calls before the outage. Calls that fall outside the week are
    another week's."""
    expected = outage.customers * learned.rate
    out = [0.0] * WEEK_HOURS
    if expected <= 0:
        return out
    first, last = window(outage.starts_at, outage.ends_at)
    spans = {"before": (first, outage.starts_at), "during": (outage.starts_at, max(outage.ends_at, outage.starts_at)), "after": (max(outage.ends_at, outage.starts_at), last)}
    carried = 0.0
    for name in PHASES:
        part = carried + expected * learned.shares.get(name, 0.0)
        hours = _hours(*spans[name], week_start)
        weights = [cover * (baseline[k % WEEK_HOURS] if name == "before" else 1.0) for k, cover in hours]
        total = sum(weights)
        if total <= 0:  # a hotline without calls in those hours yet: evenly
            weights = [cover for _k, cover in hours]
            total = sum(weights)
        if total <= 0:  # an outage over as it began: its calls come after
            carried = part
            continue
        carried = 0.0
        for (k, _cover), w in zip(hours, weights, strict=True):
            if 0 <= k < WEEK_HOURS:
                out[k] += part * w / total
    return out


def need(slots: Sequence[staffing.Slot], extra: Sequence[float], *, target_seconds: float, level: float, shrinkage: float) -> list[int]:
    """The agents to roster each hour of the week when ``extra`` calls come on top of the
    typical week's (``slots``, Monday 0:00 first): Erlang C asked again where there are any."""
    usual_aht = staffing.mean_aht((s.calls, s.aht_seconds) for s in slots)
    out = []
    for s, more in zip(slots, extra, strict=True):
        if more <= 0:
            out.append(s.rostered)
            continue
        needed = staffing.agents_needed(s.calls + more, s.aht_seconds or usual_aht, target_seconds=target_seconds, level=level)
        out.append(max(s.rostered, staffing.rostered(needed, shrinkage)))
    return out


def short_in_window(
    need: Sequence[int], usual: Sequence[int], on_roster: Sequence[int], *, week_start: datetime, first: datetime, last: datetime, mine: Sequence[bool] | None = None,
) -> list[tuple[int, int, int, int]]:
    """The hours of the week that [first, last) touches where the outages' calls raise the
    need above the ``usual`` and the roster falls short of it (of those, only the hours
    ``mine`` marks, when given), as ``rostering.short_spans`` gives runs of hours alike."""
    inside = {k for k, _cover in _hours(first, last, week_start) if 0 <= k < WEEK_HOURS}
    counted = [on if k in inside and need[k] > usual[k] and (mine is None or mine[k]) else need[k] for k, on in enumerate(on_roster)]
    return rostering.short_spans(need, counted)


SHARE_NAMED = 0.25  # of an hour's outage calls, for an outage to answer for that hour


def answers_for(own: Sequence[float], extra: Sequence[float]) -> list[bool]:
    """The hours an outage answers for: those it brings at least a quarter of the planned
    outages' calls of. Two outages alike share an hour; one customer beside a thousand does not."""
    return [mine > 0 and mine >= SHARE_NAMED * total for mine, total in zip(own, extra, strict=True)]
