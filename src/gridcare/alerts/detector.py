"""Characteristic-value detector (特征值预警): flags grid × category (× hour) counts that
leave their seasonal band. Pure: counts and settings come in, flags go out.

The baseline of a cell is the same cell's history — the same weekday over the last
``window_weeks`` for daily counts; the same hour of day over the last ``window_weeks`` weeks
for hourly repair counts. Its centre is the median; its spread the larger of the scaled MAD
and the Poisson noise of that level (a count's variance is at least its mean), so a flat
history does not make every extra order an alarm. Most cells hold 0–2 orders: there the
median is 0 and the MAD is 0, so the level is floored by the history's trimmed mean and
``min_rate``, and a flag also needs a Poisson tail probability below ``alpha`` and at least
``min_count`` orders."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

from gridcare.core.poisson import poisson_isf, poisson_sf

MAD_SCALE = 1.4826  # MAD × this estimates σ of a normal series
# How far back one scan may judge: a quarter of hourly cells is a few thousand steps; a
# scan "since year 1" would be millions and hold a web worker for hours.
LONGEST_SCAN = timedelta(days=92)


@dataclass(frozen=True)
class Settings:
    """Shipped defaults tuned by ``bench/alerts.py`` (precision and recall ≥ 0.9)."""

    window_weeks: int = 8  # history length: same weekday (daily) / same hour over these weeks (hourly)
    threshold: float = 4.0  # robust z-score the observed count must reach
    alpha: float = 2e-4  # Poisson upper-tail probability the observed count must fall below
    min_count: int = 3  # fewer orders than this never alert, whatever the baseline
    min_rate: float = 0.1  # floor of the expected level for sparse series (orders per cell)
    min_history: int = 3  # cells with fewer history values are not judged


DEFAULTS = Settings()


@dataclass(frozen=True)
class Series:
    """One cell to judge: its history (oldest first) and the current observed count."""

    grid: str
    category: str
    day: date
    hour: int | None  # None: the whole local day
    history: tuple[int, ...]
    observed: int
    history_days: tuple[date, ...] = field(default=())


@dataclass(frozen=True)
class Judgement:
    expected: float  # the baseline level (median, floored for sparse series)
    sd: float  # the spread used for the score
    score: float  # robust z: (observed − expected) / sd
    p_value: float  # Poisson P(X ≥ observed | expected)
    upper: float  # the band's top: counts above it with enough orders alert
    lower: float
    flagged: bool


@dataclass(frozen=True)
class Flag:
    series: Series
    judgement: Judgement

    @property
    def evidence(self) -> dict[str, object]:
        s, j = self.series, self.judgement
        return {
            "history": list(s.history),
            "history_days": [d.isoformat() for d in s.history_days],
            "expected": round(j.expected, 3),
            "lower": round(j.lower, 3),
            "upper": round(j.upper, 3),
            "observed": s.observed,
            "score": round(j.score, 2),
            "p_value": j.p_value,
        }


def _level(history: Sequence[int], settings: Settings) -> float:
    """Median, but for sparse series no lower than the mean without the largest value (the
    median of Poisson(0.4) draws is 0, which would make any single order look unusual)."""
    mid = float(median(history))
    trimmed = sorted(history)[:-1] if len(history) > 2 else list(history)
    mean = sum(trimmed) / len(trimmed) if trimmed else 0.0
    return max(mid, mean if mid < 1 else mid, settings.min_rate)


def judge(history: Sequence[int], observed: int, settings: Settings = DEFAULTS) -> Judgement:
    """Whether ``observed`` leaves the band made from ``history``."""
    if len(history) < settings.min_history:
        return Judgement(0.0, 0.0, 0.0, 1.0, math.inf, 0.0, False)
    expected = _level(history, settings)
    mid = float(median(history))
    mad = float(median(abs(v - mid) for v in history))
    sd = max(MAD_SCALE * mad, math.sqrt(expected))
    score = (observed - expected) / sd
    p_value = poisson_sf(observed - 1, expected) if observed > 0 else 1.0
    # The smallest count meeting every condition: the band's top as the chart shows it.
    need_z = expected + settings.threshold * sd
    need_p = float(poisson_isf(settings.alpha, expected)) + 1
    upper = max(need_z, need_p, float(settings.min_count)) - 0.5
    flagged = observed >= settings.min_count and score >= settings.threshold and p_value < settings.alpha
    return Judgement(expected, sd, score, p_value, upper, max(0.0, expected - settings.threshold * sd), flagged)


def detect(series: Iterable[Series], settings: Settings = DEFAULTS) -> list[Flag]:
    """The flagged cells, highest score first."""
    flags = []
    for s in series:
        if s.observed < settings.min_count:  # most cells: no baseline can make them alert
            continue
        j = judge(s.history, s.observed, settings)
        if j.flagged:
            flags.append(Flag(s, j))
    return sorted(flags, key=lambda f: (-f.judgement.score, f.series.grid, f.series.category, f.series.hour or 0))


CellKey = tuple[str, str, date, int | None]  # grid, category, local day, hour (None: daily)


def build_series(counts: Mapping[CellKey, int], *, day: date, hour: int | None, settings: Settings = DEFAULTS, categories: Iterable[str] | None = None, grids: Iterable[str] | None = None) -> list[Series]:
    """The series of every grid × category seen in ``counts`` (or given), judged at ``day``
    (and ``hour``): history from the same weekday (daily) or the same hour of each of the
    last ``window_weeks`` × 7 days (hourly). Cells missing from ``counts`` are zero."""
    seen_grids = set(grids or ()) | {k[0] for k in counts if (k[3] is None) == (hour is None)}
    seen_cats = set(categories or ()) | {k[1] for k in counts if (k[3] is None) == (hour is None)}
    if hour is None:
        past = [day - timedelta(weeks=w) for w in range(settings.window_weeks, 0, -1)]
    else:
        past = [day - timedelta(days=d) for d in range(settings.window_weeks * 7, 0, -1)]
    out = []
    for grid in sorted(seen_grids):
        for category in sorted(seen_cats):
            history = tuple(counts.get((grid, category, d, hour), 0) for d in past)
            out.append(Series(grid, category, day, hour, history, counts.get((grid, category, day, hour), 0), tuple(past)))
    return out
