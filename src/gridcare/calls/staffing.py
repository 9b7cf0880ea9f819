"""How many agents each hour of the week needs (话务预测与排班): Erlang C over the calls of
the last weeks. Pure: the call buckets come in as arguments.

For every weekday and hour, the calls offered in that hour on the same weekday of the last
weeks are averaged (abandoned calls count: they were demand nobody answered), and so is
the talk time of the answered ones. Erlang C gives the fewest agents on the phones who
answer ``level`` of them within ``target_seconds``; the agents to roster are more, by the
shrinkage (breaks, training, after-call work away from the phone). Beside the need stands
what happened: how many agents answered calls in that hour, on average, and the share of
its calls answered within ``target_seconds``; an hour below ``level`` was short."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gridcare.calls.stats import Bucket
from gridcare.core.errors import FieldProblem
from gridcare.core.i18n import T_

TARGET_SECONDS = 20  # the usual 80/20 service level
TARGET_LEVEL = 0.8
SHRINKAGE = 0.3  # a share of rostered time away from the phones
DEFAULT_AHT_SECONDS = 180.0  # an hour whose calls were all abandoned has no talk time of its own
MAX_AGENTS = 1000  # beyond any hotline: the search stops there
# What the forecast is asked for, in whole numbers as a form and the API take them (per cent
# for the level and the shrinkage), and the range each may take.
DEFAULTS = {"weeks": 4, "target_seconds": TARGET_SECONDS, "service_level": round(100 * TARGET_LEVEL), "shrinkage": round(100 * SHRINKAGE)}
LIMITS = {"weeks": (1, 12), "target_seconds": (1, 600), "service_level": (50, 99), "shrinkage": (0, 80)}


def problems(asked: dict[str, int]) -> list[FieldProblem]:
    """Each asked figure outside its range, named."""
    return [FieldProblem(name, T_("must be between %(low)s and %(high)s", low=low, high=high)) for name, (low, high) in LIMITS.items() if not low <= asked[name] <= high]


# A seat left signed in overnight (the agent went home without going away) counts as one
# long shift at most, not as an agent on duty until someone notices.
LONGEST_SPELL = timedelta(hours=12)


def erlang_c(traffic: float, agents: int) -> float:
    """The probability that a call waits, with ``traffic`` erlangs offered to ``agents``.
    Through Erlang B's recurrence, which stays finite where factorials overflow."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0  # the queue grows without end: every call waits
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return agents * blocking / (agents - traffic * (1 - blocking))


def service_level(calls_per_hour: float, aht_seconds: float, agents: int, target_seconds: float) -> float:
    """The share of calls answered within ``target_seconds`` (Erlang C, calls waiting
    exponentially for the next free agent)."""
    if calls_per_hour <= 0 or aht_seconds <= 0:
        return 1.0
    traffic = calls_per_hour * aht_seconds / 3600
    if agents <= traffic:
        return 0.0
    return 1 - erlang_c(traffic, agents) * math.exp(-(agents - traffic) * target_seconds / aht_seconds)


def agents_needed(calls_per_hour: float, aht_seconds: float, *, target_seconds: float = TARGET_SECONDS, level: float = TARGET_LEVEL) -> int:
    """The fewest agents on the phones that answer ``level`` of the calls within
    ``target_seconds``; none for an hour without calls."""
    if calls_per_hour <= 0 or aht_seconds <= 0:
        return 0
    traffic = calls_per_hour * aht_seconds / 3600
    # Erlang B's recurrence carried from one head count to the next: each candidate costs one
    # step, not a recomputation from one agent (a large hotline's hour needs hundreds).
    blocking, agents = 1.0, 0
    while agents < MAX_AGENTS:
        agents += 1
        blocking = traffic * blocking / (agents + traffic * blocking)
        if agents <= traffic:
            continue
        waits = agents * blocking / (agents - traffic * (1 - blocking))
        if 1 - waits * math.exp(-(agents - traffic) * target_seconds / aht_seconds) >= level:
            break
    return agents


def mean_aht(hours: Iterable[tuple[float, float | None]]) -> float:
    """The talk time of (calls, talk time) hours, weighted by their calls: what an hour
    without answered calls of its own is reckoned at."""
    answered = [(c, a) for c, a in hours if a is not None and c > 0]
    weight = sum(c for c, _a in answered)
    return sum(c * a for c, a in answered) / weight if weight else DEFAULT_AHT_SECONDS


def rostered(needed: int, shrinkage: float = SHRINKAGE) -> int:
    """Agents to roster so that ``needed`` are on the phones."""
    return math.ceil(needed / (1 - shrinkage) - 1e-9) if needed else 0


@dataclass(frozen=True)
class Slot:
    """One hour of one weekday (0 Monday … 6 Sunday), averaged over the weeks read."""

    weekday: int
    hour: int
    calls: float  # offered per such hour
    aht_seconds: float | None  # mean talk time of the answered calls; None: none answered
    needed: int  # on the phones
    rostered: int  # with the shrinkage
    seen: float  # agents who answered calls in that hour, on average
    on_duty: float | None  # agents signed in during that hour (at least those who answered), on average; None: no sign-ins kept
    met: float | None  # calls answered within the target ÷ calls offered; None: no calls
    short: bool  # the hour missed the service level


def usual_days(days: Iterable[date], *, holidays: frozenset[date], makeup_workdays: frozenset[date]) -> tuple[list[date], list[date]]:
    """The days a weekday's calls are averaged over, and those left out: a public holiday's
    Thursday is no usual Thursday, nor is a Saturday worked to make up for one (调休). When
    every day is unusual (a week read during the Golden Week), all are kept: some forecast
    beats none."""
    days = list(days)
    unusual = {d for d in days if d in holidays or d in makeup_workdays}
    if len(unusual) == len(days):
        return days, []
    return [d for d in days if d not in unusual], sorted(unusual)


def on_duty(spells: Iterable[tuple[datetime, datetime | None]], *, days: Iterable[date], now: datetime, zone: ZoneInfo) -> dict[tuple[int, int], float]:
    """Agents signed in per (weekday, hour), on average over ``days``: each spell (start, end;
    None: still signed in at ``now``) counts for the part of each hour it covers, on those
    days only."""
    ordered = sorted(days)
    counted = set(ordered)
    times = [0] * 7
    for d in ordered:
        times[d.weekday()] += 1
    if not ordered:
        return {}
    first = datetime.combine(ordered[0], time(0), tzinfo=zone)
    last = datetime.combine(ordered[-1] + timedelta(days=1), time(0), tzinfo=zone)
    seconds: dict[tuple[int, int], float] = {}
    for started, ended in spells:
        start = max(started, first)
        end = min(ended or now, last, started + LONGEST_SPELL)
        t = start
        while t < end:
            local = t.astimezone(zone)
            next_hour = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            if local.date() in counted:
                key = (local.weekday(), local.hour)
                seconds[key] = seconds.get(key, 0.0) + (min(next_hour, end) - t).total_seconds()
            t = next_hour
    return {key: total / 3600 / times[key[0]] for key, total in seconds.items() if times[key[0]]}


def plan(
    buckets: Iterable[Bucket], *, days: Iterable[date], target_seconds: float = TARGET_SECONDS, level: float = TARGET_LEVEL, shrinkage: float = SHRINKAGE,
    duty: dict[tuple[int, int], float] | None = None,
) -> list[Slot]:
    """Seven times twenty-four slots, Monday 0:00 first. ``days`` are the local days
    averaged over (a weekday that came three times is averaged over three); buckets of other
    days are not read. The buckets' ``within_target`` must count the calls answered within
    ``target_seconds``. ``duty``: ``on_duty``'s agents signed in, when sign-ins are kept at all."""
    times = [0] * 7
    weekday_of: dict[str, int] = {}  # a month of buckets names thirty days
    for d in days:
        times[d.weekday()] += 1
        weekday_of[d.isoformat()] = d.weekday()
    offered: dict[tuple[int, int], int] = {}
    answered: dict[tuple[int, int], int] = {}
    talk: dict[tuple[int, int], int] = {}
    in_time: dict[tuple[int, int], int] = {}
    agents: dict[tuple[int, int], set[tuple[str, int]]] = {}
    all_answered = all_talk = 0
    for b in buckets:
        if b.outcome not in ("answered", "abandoned"):
            continue  # still ringing: not a finished call yet
        weekday = weekday_of.get(b.day)
        if weekday is None:
            continue  # a day left out of the average
        key = (weekday, b.hour)
        offered[key] = offered.get(key, 0) + b.calls
        if b.outcome == "answered":
            answered[key] = answered.get(key, 0) + b.calls
            talk[key] = talk.get(key, 0) + b.duration_sum
            in_time[key] = in_time.get(key, 0) + b.within_target
            all_answered, all_talk = all_answered + b.calls, all_talk + b.duration_sum
            if b.agent_id is not None:
                agents.setdefault(key, set()).add((b.day, b.agent_id))
    usual_aht = all_talk / all_answered if all_answered else DEFAULT_AHT_SECONDS
    slots = []
    for weekday in range(7):
        for hour in range(24):
            key, n = (weekday, hour), times[weekday]
            calls = offered.get(key, 0) / n if n else 0.0
            aht = talk[key] / answered[key] if answered.get(key) else None
            needed = agents_needed(calls, aht or usual_aht, target_seconds=target_seconds, level=level)
            seen = len(agents.get(key, ())) / n if n else 0.0
            met = in_time.get(key, 0) / offered[key] if offered.get(key) else None
            # Whoever answered a call was on duty, whatever their seat said (a PBX-only hotline's
            # agents may never set a status): the sign-ins count at least them.
            signed_in = None if duty is None else max(duty.get(key, 0.0), seen)
            slots.append(Slot(weekday, hour, calls, aht, needed, rostered(needed, shrinkage), seen, signed_in, met, met is not None and met < level))
    return slots


def week_table(slots: list[Slot]) -> tuple[list[list[Slot]], list[int]]:
    """The slots as a table of hours (rows) by weekday (columns), and each weekday's
    agent-hours to roster."""
    by_hour = [[slots[weekday * 24 + hour] for weekday in range(7)] for hour in range(24)]
    return by_hour, [sum(s.rostered for s in slots[weekday * 24 : weekday * 24 + 24]) for weekday in range(7)]
