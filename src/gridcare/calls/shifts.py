"""Shifts that cover the staffing forecast (班次方案). Pure: the hourly head counts come in
as arguments.

The forecast says how many agents each hour of the week needs; a supervisor rosters
people in shifts of whole hours that start at the hours the centre allows. The plan here
is the fewest such shifts whose agents are at least the need in every hour: an integer
programme (one variable per allowed start, one row per hour) that HiGHS solves in
milliseconds (decision 039). The week is a circle: Sunday night's shift runs into Monday.

A greedy cover stands beside it, as the fallback should the solver not finish and as the
benchmark's baseline. On a line of hours it is optimal (at the first hour still short,
start the missing shifts at the latest allowed hour that still covers it: of all shifts
covering that hour it reaches furthest ahead); on the circle it may take a few more."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gridcare.core.errors import FieldProblem, InvalidInput
from gridcare.core.i18n import T_

HOURS_IN_WEEK = 168
DEFAULTS = {"shift_hours": 8, "workdays": 5}
LIMITS = {"shift_hours": (2, 12), "workdays": (1, 7)}


def problems(asked: dict[str, int]) -> list[FieldProblem]:
    """Each asked figure outside its range, named."""
    return [FieldProblem(name, T_("must be between %(low)s and %(high)s", low=low, high=high)) for name, (low, high) in LIMITS.items() if not low <= asked[name] <= high]


def parse_starts(text: str | None) -> frozenset[int]:
    """The hours of the day a shift may start at, as typed ("7, 8, 12", "8 16" or "8:00");
    blank: every hour."""
    words = [w for w in re.split(r"[\s,，、;；]+", text or "") if w]
    if not words:
        return frozenset(range(24))
    hours = set()
    for word in words:
        bare = word.removesuffix(":00")
        if not re.fullmatch(r"[0-9]{1,2}", bare) or not 0 <= int(bare) <= 23:  # not isdigit: it passes "²"
            raise InvalidInput.field("starts", T_("%(value)s is not an hour from 0 to 23", value=word))
        hours.add(int(bare))
    return frozenset(hours)


def format_starts(starts: frozenset[int]) -> str:
    return "" if len(starts) == 24 else ", ".join(str(h) for h in sorted(starts))


def _greedy(needs: Sequence[int], length: int, can_start: Callable[[int], bool], cut: int, cyclic: bool) -> tuple[dict[int, int], set[int]]:
    """Shifts by start position, walking from ``cut``; and the positions no allowed shift covers."""
    n = len(needs)
    cover = [0] * n
    starts: dict[int, int] = {}
    uncovered: set[int] = set()
    for i in range(n if cyclic else n - cut):
        here = (cut + i) % n
        short = needs[here] - cover[here]
        if short <= 0:
            continue
        lowest = i - length + 1 if cyclic else max(i - length + 1, -cut)
        start = next((s for s in range(i, lowest - 1, -1) if can_start((cut + s) % n)), None)
        if start is None:
            uncovered.add(here)
            continue
        at = (cut + start) % n
        starts[at] = starts.get(at, 0) + short
        for k in range(length):
            if not cyclic and at + k >= n:
                break
            cover[(at + k) % n] += short
    return starts, uncovered


def greedy(needs: Sequence[int], length: int, can_start: Callable[[int], bool], *, cyclic: bool = True) -> tuple[dict[int, int], set[int]]:
    """Shifts of ``length`` positions, started where ``can_start`` allows, whose count is at
    least ``needs`` at every position: {start: shifts}, and the positions with a need that no
    allowed shift covers. The fewest on a line; on a circle every position where the need
    rises is tried as the place to begin, and the smallest plan kept."""
    if not cyclic:
        return _greedy(needs, length, can_start, 0, cyclic=False)
    n = len(needs)
    rises = [h for h in range(n) if needs[h] > needs[h - 1]] or [0]
    best: tuple[dict[int, int], set[int]] | None = None
    for cut in rises:
        found = _greedy(needs, length, can_start, cut, cyclic=True)
        if best is None or sum(found[0].values()) < sum(best[0].values()):
            best = found
    assert best is not None
    return best


def cover(needs: Sequence[int], length: int, can_start: Callable[[int], bool], *, cyclic: bool = True, seconds: float = 2.0) -> tuple[dict[int, int], set[int]]:
    """The fewest shifts, as ``greedy`` answers, solved exactly; the greedy plan when the
    solver finds no better one within ``seconds``."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    n = len(needs)
    fallback = greedy(needs, length, can_start, cyclic=cyclic)
    starts = [p for p in range(n) if can_start(p)]
    if not starts or not any(needs):
        return fallback
    rows, cols = [], []
    for j, p in enumerate(starts):
        for k in range(length):
            if not cyclic and p + k >= n:
                break
            rows.append((p + k) % n)
            cols.append(j)
    hits = coo_array((np.ones(len(rows)), (rows, cols)), shape=(n, len(starts))).tocsr()
    uncovered = fallback[1]
    floor = np.array([0 if h in uncovered else needs[h] for h in range(n)], dtype=float)
    found = milp(
        c=np.ones(len(starts)), constraints=LinearConstraint(hits, floor, np.inf), integrality=np.ones(len(starts)),
        bounds=Bounds(0, max(needs)), options={"time_limit": seconds},
    )
    if found.x is None:
        return fallback
    counts = {p: round(x) for p, x in zip(starts, found.x, strict=True) if round(x) > 0}
    return (counts, uncovered) if sum(counts.values()) <= sum(fallback[0].values()) else fallback


@dataclass(frozen=True)
class Shift:
    weekday: int  # 0 Monday … 6 Sunday
    hour: int  # starts at
    hours: int
    agents: int

    @property
    def ends(self) -> int:
        """The hour of the day it ends at (past midnight: the next day's)."""
        return (self.hour + self.hours) % 24


@dataclass(frozen=True)
class ShiftPlan:
    shifts: list[Shift]  # by weekday, then start
    needs: list[int]  # agents to roster in each hour of the week, Monday 0:00 first
    covered: list[int]  # agents on shift in each hour of the week, Monday 0:00 first
    uncovered: list[int]  # hours of the week with a need that no allowed shift reaches
    shift_hours: int
    workdays: int

    @property
    def total(self) -> int:
        return sum(s.agents for s in self.shifts)

    @property
    def agent_hours(self) -> int:
        return self.total * self.shift_hours

    @property
    def needed_hours(self) -> int:
        """The agent-hours the forecast asks for that the shifts can reach."""
        return sum(min(n, c) for n, c in zip(self.needs, self.covered, strict=True))

    @property
    def agents(self) -> int:
        """People to employ, each working ``workdays`` shifts a week."""
        return math.ceil(self.total / self.workdays)

    def per_day(self) -> list[int]:
        return [sum(s.agents for s in self.shifts if s.weekday == d) for d in range(7)]

    def table(self) -> tuple[list[int], list[list[int]]]:
        """The start hours used, and for each the shifts on each weekday (rows by columns)."""
        hours = sorted({s.hour for s in self.shifts})
        grid = {(s.hour, s.weekday): s.agents for s in self.shifts}
        return hours, [[grid.get((h, d), 0) for d in range(7)] for h in hours]


def plan(
    needs: Sequence[int], *, shift_hours: int = DEFAULTS["shift_hours"], starts: frozenset[int] = frozenset(range(24)), workdays: int = DEFAULTS["workdays"],
    cyclic: bool = True, not_before: int = 0,
) -> ShiftPlan:
    """Shifts for a week whose ``needs`` (agents to roster, 168 hours from Monday 0:00) come
    from the forecast. A shift may start at any hour of the day in ``starts``, and not before
    the hour ``not_before`` of the week. ``cyclic``: the typical week, whose Sunday night runs
    into its own Monday; otherwise one dated week, whose last shifts run into the next."""
    if len(needs) != HOURS_IN_WEEK:
        raise ValueError(f"a week has {HOURS_IN_WEEK} hours, not {len(needs)}")
    found, uncovered = cover(needs, shift_hours, lambda h: h % 24 in starts and h >= not_before, cyclic=cyclic)
    covered = [0] * HOURS_IN_WEEK
    for at, count in found.items():
        for k in range(shift_hours):
            if cyclic or at + k < HOURS_IN_WEEK:
                covered[(at + k) % HOURS_IN_WEEK] += count
    shifts = [Shift(at // 24, at % 24, shift_hours, count) for at, count in sorted(found.items())]
    return ShiftPlan(shifts, list(needs), covered, sorted(uncovered), shift_hours, workdays)
