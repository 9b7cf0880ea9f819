"""Today against the forecast (日内话务跟踪). Pure: the day's forecast, the calls offered so
far and the roster come in as arguments.

The forecast is a typical day; today may not be. Once enough calls were expected so far,
the calls offered are set against them, and the hours still ahead are expected to run at
the same ratio (a storm morning is a storm afternoon more often than not). Erlang C is
asked again for those hours, and each is set against the agents on the roster."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from gridcare.calls import staffing

MIN_EXPECTED = 10.0  # calls expected so far before a ratio says anything
HOURS = 24
# How far above the forecast a day must run, in per cent, for the supervisors to hear of it;
# each step is news once a day.
STEPS = (20, 50, 100)
MIN_EXPECTED_TO_TELL = 20.0  # a quiet night's three calls against two is no busy day


@dataclass(frozen=True)
class HourAhead:
    hour: int  # of the local day
    expected: float  # the forecast's calls, planned outages' included
    projected: float  # at today's ratio
    needed: int  # agents to roster for the projected calls
    forecast_needed: int  # for the forecast's calls
    on_roster: int


@dataclass(frozen=True)
class Today:
    expected_so_far: float
    offered_so_far: int
    ratio: float | None  # offered ÷ expected so far; None: too early to tell
    hours: list[HourAhead]

    @property
    def change(self) -> int | None:
        """Per cent above (or below) the forecast so far; None while too early to tell."""
        return None if self.ratio is None else round(100 * (self.ratio - 1))

    @property
    def tone(self) -> str:
        """How the day reads against the forecast: red from the first step supervisors hear
        of, amber from half of it, green within ten per cent, grey when well below."""
        change = self.change
        if change is None:
            return "grey"
        if change >= STEPS[0]:
            return "red"
        if change >= STEPS[0] / 2:
            return "amber"
        return "green" if change > -10 else "grey"

    @property
    def short(self) -> list[HourAhead]:
        return [h for h in self.hours if h.on_roster < h.needed]

    @property
    def short_spans(self) -> list[tuple[int, int]]:
        """The short hours as runs: (first hour, the hour after the last)."""
        spans: list[tuple[int, int]] = []
        for h in self.short:
            if spans and spans[-1][1] == h.hour:
                spans[-1] = (spans[-1][0], h.hour + 1)
            else:
                spans.append((h.hour, h.hour + 1))
        return spans


def so_far(expected: Sequence[float], *, now_hour: float) -> float:
    """The calls ``expected`` (per hour of the day) up to ``now_hour`` (14.5: half past two),
    the hour under way counted for its part gone."""
    whole = min(HOURS, math.floor(now_hour))
    part = expected[whole] * (now_hour - whole) if whole < HOURS else 0.0
    return sum(expected[:whole]) + part


def track(
    expected: Sequence[float], offered: Sequence[int], *, now_hour: float, aht: Sequence[float | None], planned: Sequence[int], on_roster: Sequence[int],
    target_seconds: float, level: float, shrinkage: float,
) -> Today:
    """The day so far and the hours ahead (the one under way first). ``expected``: the
    forecast's calls per hour of the day; ``offered``: the calls that came; ``aht``: the
    forecast's talk time per hour (None: none answered then); ``planned``: the forecast's agents
    to roster; ``on_roster``: those on the roster."""
    first = min(HOURS, math.floor(now_hour))
    expected_so_far = so_far(expected, now_hour=now_hour)
    came = sum(offered[:first + 1]) if first < HOURS else sum(offered)
    ratio = came / expected_so_far if expected_so_far >= MIN_EXPECTED else None
    usual_aht = staffing.mean_aht(zip(expected, aht, strict=True))
    hours = []
    for h in range(first, HOURS):
        projected = expected[h] * (ratio if ratio is not None else 1.0)
        if ratio is None or projected == expected[h]:
            needed = planned[h]
        else:
            needed = staffing.rostered(staffing.agents_needed(projected, aht[h] or usual_aht, target_seconds=target_seconds, level=level), shrinkage)
        hours.append(HourAhead(h, expected[h], projected, needed, planned[h], on_roster[h]))
    return Today(expected_so_far, came, ratio, hours)


def step_crossed(today: Today) -> int | None:
    """The highest of ``STEPS`` the day runs above the forecast by, when that leaves hours
    ahead short on the roster; None otherwise."""
    if today.ratio is None or today.expected_so_far < MIN_EXPECTED_TO_TELL or not today.short:
        return None
    crossed = [step for step in STEPS if today.ratio >= 1 + step / 100]
    return crossed[-1] if crossed else None
