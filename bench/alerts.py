"""Benchmark: does the characteristic-value detector find injected anomalies, and only those?

    python bench/alerts.py [--seed S] [--customers N] [--anomalies K] [--days D] [--json]
                           [--threshold Z --alpha P --min-count N]   (tuning; default: shipped)

Builds the demo city and its twelve months of order history (``gridcare.demo.history``:
the articles' category mix, hour-of-day profiles, weekday and seasonal effects, repeat
calls), ending 30 November (the evaluation window then has no summer storm or winter
cold spell, which would be real anomalies nobody injected). Then it injects K anomalies
into random cells of the last D days — half into hourly repair cells (+3…6 orders in one
hour: a burst main, a transformer fault), half into daily cells of any category (+3…6
orders, or 1.5–3× the cell's usual level if that is more) — and runs the detector at its
shipped settings over every grid × category × day and grid × repair × hour of the window.

A flag is right when its grid, category and day carry an injected anomaly (an injected
hour also lifts its day); recall counts the injected cells flagged themselves. The
baseline, measured in the same run, is a plain mean ± 3σ detector over the same history.
With ``--json`` the last line is a JSON object with ``precision``, ``recall``,
``baseline_precision``, ``baseline_recall``, ``f1_ratio`` and the counts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import numpy as np

try:
    import gridcare  # noqa: F401
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "src"))

from gridcare.alerts import detector
from gridcare.core.clock import SHANGHAI, to_local
from gridcare.demo.city import build_city
from gridcare.demo.history import CATEGORIES, generate_history

END = datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI)
_MIX = np.array([0.32, 0.50, 0.006, 0.06, 0.084, 0.02, 0.01])


def history_counts(seed: int, customers: int) -> dict[detector.CellKey, int]:
    city = build_city(seed=seed, customers=customers, grids=max(10, customers // 830), progress=lambda *_: None)
    counts: Counter[detector.CellKey] = Counter()
    for h in generate_history(city, end=END.astimezone(UTC), seed=seed):
        local = to_local(h.created_at)
        grid = f"{h.utility[0].upper()}-{h.grid_code}"
        counts[(grid, h.category, local.date(), None)] += 1
        if h.category == "repair":
            counts[(grid, h.category, local.date(), local.hour)] += 1
    return dict(counts)


def inject(counts: dict[detector.CellKey, int], rng: np.random.Generator, k: int, days: list[date], grids: list[str], settings: detector.Settings) -> set[detector.CellKey]:
    """Add K anomalies in place; returns the injected cells."""
    injected: set[detector.CellKey] = set()
    p = np.sqrt(_MIX) / np.sqrt(_MIX).sum()
    while len(injected) < k:
        grid, day = grids[rng.integers(len(grids))], days[rng.integers(len(days))]
        hourly = len(injected) % 2 == 0
        category = "repair" if hourly else CATEGORIES[rng.choice(len(CATEGORIES), p=p)]
        hour = int(rng.choice(24, p=_REPAIR_HOURS / _REPAIR_HOURS.sum())) if hourly else None
        cell = (grid, category, day, hour)
        day_cell = (grid, category, day, None)
        if cell in injected or day_cell in injected or any(c[:3] == cell[:3] for c in injected):
            continue
        if hourly:
            extra = int(rng.integers(3, 7))
        else:
            usual = [counts.get((grid, category, day - timedelta(weeks=w), None), 0) for w in range(1, settings.window_weeks + 1)]
            extra = max(int(rng.integers(3, 7)), int(np.ceil(rng.uniform(1.5, 3.0) * statistics.mean(usual))))
        counts[cell] = counts.get(cell, 0) + extra
        if hourly:
            counts[day_cell] = counts.get(day_cell, 0) + extra
        else:
            injected_hours = rng.choice(24, extra, p=_REPAIR_HOURS / _REPAIR_HOURS.sum()) if category == "repair" else []
            for h in injected_hours:
                counts[(grid, category, day, int(h))] = counts.get((grid, category, day, int(h)), 0) + 1
        injected.add(cell)
    return injected


_REPAIR_HOURS = np.array([1.2, 0.8, 0.6, 0.5, 0.5, 0.7, 1.5, 3, 4.5, 5, 5, 5, 4.5, 4.5, 5, 5, 5, 5.5, 6.5, 7.5, 7.5, 6, 4, 2.2])


def all_series(counts: dict[detector.CellKey, int], days: list[date], grids: list[str], settings: detector.Settings) -> list[detector.Series]:
    out: list[detector.Series] = []
    for day in days:
        out += detector.build_series(counts, day=day, hour=None, settings=settings, categories=CATEGORIES, grids=grids)
        for hour in range(24):
            out += detector.build_series(counts, day=day, hour=hour, settings=settings, categories=("repair",), grids=grids)
    return out


def naive(series: list[detector.Series]) -> list[detector.Series]:
    """The baseline: mean ± 3 standard deviations of the same history, nothing else."""
    flagged = []
    for s in series:
        mean = statistics.fmean(s.history)
        sd = statistics.pstdev(s.history)
        if s.observed > mean + 3 * sd and s.observed > 0:
            flagged.append(s)
    return flagged


def score(flagged: list[detector.Series], injected: set[detector.CellKey]) -> tuple[float, float, int, int]:
    days = {c[:3] for c in injected}
    right = sum((s.grid, s.category, s.day) in days for s in flagged)
    found = {(s.grid, s.category, s.day, s.hour) for s in flagged} & injected
    precision = right / len(flagged) if flagged else 1.0
    return precision, len(found) / len(injected), right, len(flagged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--anomalies", type=int, default=60)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--threshold", type=float, default=detector.DEFAULTS.threshold, help="robust z the observed count must reach (tuning)")
    parser.add_argument("--alpha", type=float, default=detector.DEFAULTS.alpha, help="Poisson tail probability to fall below (tuning)")
    parser.add_argument("--min-count", type=int, default=detector.DEFAULTS.min_count, help="fewest orders that may alert (tuning)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = detector.Settings(threshold=args.threshold, alpha=args.alpha, min_count=args.min_count)
    rng = np.random.default_rng(args.seed)

    t0 = time.perf_counter()
    counts = history_counts(args.seed, args.customers)
    last = END.date()
    days = [last - timedelta(days=i) for i in range(args.days - 1, -1, -1)]
    grids = sorted({k[0] for k in counts})
    injected = inject(counts, rng, args.anomalies, days, grids, settings)
    series = all_series(counts, days, grids, settings)
    built = time.perf_counter() - t0

    t1 = time.perf_counter()
    flags = detector.detect(series, settings)
    took = time.perf_counter() - t1
    t2 = time.perf_counter()
    plain = naive(series)
    took_plain = time.perf_counter() - t2

    precision, recall, right, flagged = score([f.series for f in flags], injected)
    b_precision, b_recall, _b_right, b_flagged = score(plain, injected)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    b_f1 = 2 * b_precision * b_recall / (b_precision + b_recall) if b_precision + b_recall else 0.0
    figures = {
        "seed": args.seed, "cells": len(series), "anomalies": len(injected), "flagged": flagged, "correct": right,
        "precision": round(precision, 4), "recall": round(recall, 4),
        "baseline_flagged": b_flagged, "baseline_precision": round(b_precision, 4), "baseline_recall": round(b_recall, 4),
        "f1": round(f1, 4), "baseline_f1": round(b_f1, 4), "f1_ratio": round(f1 / b_f1, 2) if b_f1 else None,
        "cells_per_s": round(len(series) / took), "baseline_cells_per_s": round(len(series) / took_plain), "setup_s": round(built, 1),
    }
    print(f"history and {len(series):,} cells built in {built:.1f} s; {len(injected)} anomalies injected")
    print(f"detector : {flagged} flagged, {right} right  precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  ({figures['cells_per_s']:,} cells/s)")
    print(f"baseline : {b_flagged} flagged  precision {b_precision:.3f}  recall {b_recall:.3f}  F1 {b_f1:.3f}  (mean ± 3σ)")
    print(f"F1 ratio detector / baseline: {figures['f1_ratio']}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
