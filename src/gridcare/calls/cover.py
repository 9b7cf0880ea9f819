"""Covering today's short hours (日内补位): whom a supervisor can ask, and for what, when the
day runs above the forecast and hours ahead are short on the roster. Pure: the hours short,
the agents' shifts, absences and seats come in as arguments; times are aware datetimes, and
shifts and short hours lie on whole hours.

Four asks, the cheapest first:

- ``seated``: an agent signed in with no shift is already at the seat; put them on the
  roster from the first short hour;
- ``stay``: an agent whose shift ends where short hours begin stays on;
- ``early``: an agent whose shift begins after short hours comes in earlier, with time to
  get there;
- ``call_in``: an agent off now comes in for a new shift from the first short hour they can
  reach, at least ``Rules.min_call_in`` hours (nobody crosses town for one hour) and at most
  a usual shift (``Rules.call_in_hours``).

Every ask keeps the roster's own rules: a shift is at most ``LONGEST_SHIFT`` hours, there are
``MIN_REST`` hours between shifts, and nobody is asked over an absence on the duty roster.
The plan is built greedily: the ask that covers the most short agent-hours first; between
equals the cheaper kind, then the agent with fewer hours this week (overtime is spread),
then the earlier start. Each agent is asked once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gridcare.calls.rostering import LONGEST_SHIFT, MIN_REST, Slot

KINDS = ("seated", "stay", "early", "call_in")
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Rules:
    lead: timedelta = timedelta(hours=1)  # an agent off duty needs this long to reach the seat
    min_call_in: int = 4  # hours
    call_in_hours: int = 8  # the longest new shift: the company's shift length
    longest: int = LONGEST_SHIFT  # hours
    rest: timedelta = MIN_REST


RULES = Rules()


@dataclass(frozen=True)
class Agent:
    user_id: int
    shifts: tuple[Slot, ...]  # their shifts around today (the day before and after too)
    away: tuple[Slot, ...] = ()  # absences on the duty roster
    week_hours: float = 0.0  # rostered this week, before any ask
    seated: bool = False  # signed in at their seat now


@dataclass(frozen=True)
class Ask:
    user_id: int
    kind: str  # one of KINDS
    starts_at: datetime  # of the shift as it would be
    ends_at: datetime
    shift: Slot | None  # the shift it changes (stay, early); None: a new shift
    covers: tuple[datetime, ...]  # the short hours it covers, by their start
    week_hours: float

    @property
    def added_hours(self) -> int:
        """The hours it adds to the agent's week."""
        before = 0.0 if self.shift is None else (self.shift.ends_at - self.shift.starts_at).total_seconds()
        return round(((self.ends_at - self.starts_at).total_seconds() - before) / 3600)

    def _rank(self) -> tuple[int, int, float, int, datetime]:
        return (-len(self.covers), KINDS.index(self.kind), self.week_hours, self.user_id, self.starts_at)


def floor_hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def ceil_hour(at: datetime) -> datetime:
    down = floor_hour(at)
    return down if down == at else down + HOUR


def _hours(start: datetime, end: datetime) -> int:
    return round((end - start).total_seconds() / 3600)


def _clear(start: datetime, end: datetime, agent: Agent, *, rest: timedelta, changed: Slot | None = None) -> bool:
    """The span clashes with none of the agent's absences, and keeps ``rest`` from each shift
    of theirs but ``changed`` (the one being stretched into it)."""
    if any(start < a.ends_at and end > a.starts_at for a in agent.away):
        return False
    return all(start >= s.ends_at + rest or end + rest <= s.starts_at for s in agent.shifts if s != changed)


def _short_run(deficit: Mapping[datetime, int], start: datetime, *, limit: int, step: int = 1) -> int:
    """How many hours in a row from ``start`` (forwards, or backwards with ``step`` -1: the
    hours before it) are short, at most ``limit``."""
    n = 0
    at = start if step > 0 else start - HOUR
    while n < limit and deficit.get(at, 0) > 0:
        n += 1
        at += step * HOUR
    return n


def _covered(deficit: Mapping[datetime, int], start: datetime, end: datetime) -> tuple[datetime, ...]:
    return tuple(at for at in (start + i * HOUR for i in range(max(0, _hours(start, end)))) if deficit.get(at, 0) > 0)


def options(agent: Agent, deficit: Mapping[datetime, int], *, now: datetime, day_end: datetime, rules: Rules = RULES) -> list[Ask]:
    """Every ask of ``agent`` that covers at least one hour short in ``deficit`` (hour start →
    agents short) before ``day_end``."""
    now_hour = floor_hour(now)
    reach = now_hour if agent.seated else ceil_hour(now + rules.lead)
    longest, rest = rules.longest, rules.rest
    running = any(s.starts_at <= now < s.ends_at for s in agent.shifts)
    out: list[Ask] = []

    def ask(kind: str, start: datetime, end: datetime, shift: Slot | None) -> None:
        # Only the hours it adds count: those of the shift were on the roster already.
        added = [(start, end)] if shift is None else [(start, shift.starts_at), (shift.ends_at, end)]
        if covers := tuple(h for a, b in added for h in _covered(deficit, a, b)):
            out.append(Ask(agent.user_id, kind, start, end, shift, covers, agent.week_hours))

    for s in agent.shifts:
        length = _hours(s.starts_at, s.ends_at)
        # Stay on: the shift ends in the hour under way or later (one already over only while
        # its agent is still at the seat).
        if now_hour <= s.ends_at < day_end and (s.ends_at > now or agent.seated):
            n = _short_run(deficit, s.ends_at, limit=min(longest - length, _hours(s.ends_at, day_end)))
            while n and not _clear(s.ends_at, s.ends_at + n * HOUR, agent, rest=rest, changed=s):
                n -= 1
            if n:
                ask("stay", s.starts_at, s.ends_at + n * HOUR, s)
        # Come early: the shift has not begun, and the agent can be there sooner.
        if now < s.starts_at < day_end and s.starts_at > reach:
            n = _short_run(deficit, s.starts_at, limit=min(longest - length, _hours(reach, s.starts_at)), step=-1)
            while n and not _clear(s.starts_at - n * HOUR, s.starts_at, agent, rest=rest, changed=s):
                n -= 1
            if n:
                ask("early", s.starts_at - n * HOUR, s.ends_at, s)
    if not running:
        kind = "seated" if agent.seated else "call_in"
        shortest = 1 if agent.seated else rules.min_call_in
        at = reach
        while at < day_end:
            # A new shift from the first hour of each short run it can reach.
            if deficit.get(at, 0) > 0 and (at == reach or deficit.get(at - HOUR, 0) <= 0):
                hours = min(max(_short_run(deficit, at, limit=rules.call_in_hours), shortest), rules.call_in_hours, longest, _hours(at, day_end))
                while hours and not _clear(at, at + hours * HOUR, agent, rest=rest):
                    hours -= 1
                # Cut short by a shift or an absence after it, a call-in is no call-in: only the
                # day's end may make it shorter than the least.
                if hours and hours >= min(shortest, _hours(at, day_end)):
                    ask(kind, at, at + hours * HOUR, None)
            at += HOUR
    return out


def best(asks: Iterable[Ask]) -> Ask | None:
    return min(asks, key=Ask._rank, default=None)


def plan(short: Mapping[datetime, int], agents: Sequence[Agent], *, now: datetime, day_end: datetime, rules: Rules = RULES) -> tuple[list[Ask], dict[datetime, int]]:
    """The asks that cover today's ``short`` hours (hour start → agents short), best first,
    and the agents still short each hour after them (only hours still short)."""
    deficit = {at: n for at, n in short.items() if n > 0}
    asks: list[Ask] = []
    # An agent's asks depend on which hours are short, not by how many: each agent's best is
    # worked out again only when an hour stops being short.
    bests = {a.user_id: best(options(a, deficit, now=now, day_end=day_end, rules=rules)) for a in agents}
    everyone = {a.user_id: a for a in agents}
    while deficit:
        chosen = min((b for b in bests.values() if b is not None), key=Ask._rank, default=None)
        if chosen is None:
            break
        asks.append(chosen)
        del bests[chosen.user_id]
        covered = set()
        for at in chosen.covers:
            deficit[at] -= 1
            if not deficit[at]:
                del deficit[at]
                covered.add(at)
        if covered:
            bests = {i: best(options(everyone[i], deficit, now=now, day_end=day_end, rules=rules)) for i in bests}
    return asks, deficit


def plan_by_scan(short: Mapping[datetime, int], agents: Sequence[Agent], *, now: datetime, day_end: datetime, rules: Rules = RULES) -> tuple[list[Ask], dict[datetime, int]]:
    """The rule ``plan`` follows, stated plainly: every agent's asks worked out again for every
    ask chosen. Kept as the reference ``plan`` is tested against and the benchmark's baseline."""
    deficit = {at: n for at, n in short.items() if n > 0}
    left, asks = list(agents), []
    while deficit and left:
        chosen = best(a for agent in left for a in options(agent, deficit, now=now, day_end=day_end, rules=rules))
        if chosen is None:
            break
        asks.append(chosen)
        left = [a for a in left if a.user_id != chosen.user_id]
        for at in chosen.covers:
            deficit[at] -= 1
            if not deficit[at]:
                del deficit[at]
    return asks, deficit


def also(
    short: Mapping[datetime, int], agents: Sequence[Agent], asked: Iterable[int], *, now: datetime, day_end: datetime, limit: int = 5, rules: Rules = RULES,
) -> list[Ask]:
    """Agents outside the plan who could also cover some of ``short``, each with their best
    ask: whom to try when one asked cannot come."""
    skip = set(asked)
    found = [best(options(a, short, now=now, day_end=day_end, rules=rules)) for a in agents if a.user_id not in skip]
    return sorted((a for a in found if a is not None), key=Ask._rank)[:limit]


def spans(hours: Iterable[datetime]) -> list[tuple[datetime, datetime]]:
    """Hours (by their start) as runs: (first hour's start, the last hour's end)."""
    out: list[tuple[datetime, datetime]] = []
    for at in sorted(hours):
        if out and out[-1][1] == at:
            out[-1] = (out[-1][0], at + HOUR)
        else:
            out.append((at, at + HOUR))
    return out
