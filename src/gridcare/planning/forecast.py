"""Next year's orders per unit from its monthly history: seasonal, with growth. Pure.

Seasonality and growth are pooled over all units (a unit sees a handful of orders a
month, too few for its own season), each unit keeps its own level. The error is measured
by refitting without the last year (or, with less than two years, the last quarter) and
forecasting it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_GROWTH = 0.3  # a year-on-year change beyond ±30 % is noise, not a trend, at unit level


@dataclass(frozen=True)
class Fit:
    season: np.ndarray  # 12 factors by calendar month (Jan = 0), mean 1
    growth: float  # yearly, as a fraction (0.05 = +5 %)
    level: np.ndarray  # per unit: deseasonalised orders per month over the last year


@dataclass(frozen=True)
class Forecast:
    next_year: np.ndarray  # per unit, orders in the next 12 months
    growth: float
    season: list[float]
    holdout_months: int
    holdout_wape: float  # Σ|forecast - actual| / Σ actual over units, on the hold-out
    holdout_total_error: float  # (forecast total - actual total) / actual total


def fit(history: np.ndarray, first_month: int) -> Fit:
    """``history``: units × months of order counts; ``first_month``: calendar month (1-12)
    of column 0."""
    units, months = history.shape
    if months == 0:
        raise ValueError("history: needs at least one month")
    calendar = (np.arange(months) + first_month - 1) % 12
    total = history.sum(axis=0).astype(float)
    season = np.ones(12)
    mean = total.mean() if total.mean() > 0 else 1.0
    for m in range(12):
        seen = total[calendar == m]
        if len(seen):
            season[m] = seen.mean() / mean if mean else 1.0
    season = np.where(season > 0, season, 1.0)
    season = season / season[np.unique(calendar)].mean()
    adjusted = history / season[calendar][None, :]
    aggregate = adjusted.sum(axis=0)
    if months >= 24:
        last, before = aggregate[-12:].sum(), aggregate[-24:-12].sum()
        growth = last / before - 1 if before > 0 else 0.0
    elif months >= 3 and aggregate.mean() > 0:
        slope = np.polyfit(np.arange(months), aggregate, 1)[0]
        growth = slope * 12 / aggregate.mean()
    else:
        growth = 0.0
    growth = float(np.clip(growth, -MAX_GROWTH, MAX_GROWTH))
    level = adjusted[:, -min(12, months) :].mean(axis=1)
    return Fit(season=season, growth=growth, level=level)


def predict(model: Fit, *, first_month: int, months: int) -> np.ndarray:
    """Units × ``months`` forecast starting at calendar month ``first_month``, growth
    applied from the middle of the fitted year (half a year of it in the first month)."""
    calendar = (np.arange(months) + first_month - 1) % 12
    ahead = (np.arange(months) + 6.5) / 12
    trend = (1 + model.growth) ** ahead
    return model.level[:, None] * model.season[calendar][None, :] * trend[None, :]


def forecast(history: np.ndarray, first_month: int) -> Forecast:
    units, months = history.shape
    model = fit(history, first_month)
    next_first = (first_month - 1 + months) % 12 + 1
    next_year = predict(model, first_month=next_first, months=12).sum(axis=1)
    holdout = 12 if months >= 24 else (3 if months >= 6 else 0)
    wape = total_error = 0.0
    if holdout:
        trained = fit(history[:, :-holdout], first_month)
        held_first = (first_month - 1 + months - holdout) % 12 + 1
        # The trained level is the last year's mean: with a short history, start the
        # forecast where that year ends, which is the held-out months.
        guess = predict(trained, first_month=held_first, months=holdout)
        actual = history[:, -holdout:].astype(float)
        if actual.sum() > 0:
            wape = float(np.abs(guess.sum(axis=1) - actual.sum(axis=1)).sum() / actual.sum())
            total_error = float((guess.sum() - actual.sum()) / actual.sum())
    return Forecast(next_year=next_year, growth=model.growth, season=[round(float(s), 3) for s in model.season], holdout_months=holdout, holdout_wape=round(wape, 4), holdout_total_error=round(total_error, 4))
