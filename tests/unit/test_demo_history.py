"""Historical work orders on the demo city: deterministic, consistent, and shaped like the
published State Grid figures."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise

import numpy as np
import pytest

from gridcare.demo.city import City, build_city
from gridcare.demo.history import (
    CATEGORIES,
    CHANNELS,
    REPAIR_TARGET_MIN,
    HistoricalOrder,
    generate_history,
)
from gridcare.workorders.states import DEFAULT_CATEGORY_STEPS, Category

END = datetime(2025, 1, 1, tzinfo=UTC)
START = datetime(2024, 1, 1, tzinfo=UTC)  # twelve Beijing months before END
RECENT = END - timedelta(days=92)  # October to December: "after the reform"
BEIJING = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def city() -> City:
    return build_city(seed=7, customers=3000, grids=20)


@pytest.fixture(scope="module")
def history(city: City) -> list[HistoricalOrder]:
    return generate_history(city, end=END)


@pytest.fixture(scope="module")
def busy(city: City) -> list[HistoricalOrder]:
    """Many orders on the small city, so rare shapes (storms, cold snaps) are measurable."""
    return generate_history(city, end=END, seed=11, orders_per_customer_year=4.0)


def _minutes(a: datetime, b: datetime | None) -> float:
    assert b is not None
    return (b - a).total_seconds() / 60


def _local(t: datetime) -> datetime:
    return t.astimezone(BEIJING)


def _per_day(orders: list[HistoricalOrder], months: set[int]) -> float:
    days = {d for d in (START.astimezone(BEIJING).date() + timedelta(days=i) for i in range(366))
            if d.month in months and d.year == 2024}
    return sum(_local(o.created_at).month in months for o in orders) / len(days)


def test_it_is_deterministic(city: City, history: list[HistoricalOrder]) -> None:
    assert generate_history(city, end=END) == history
    assert generate_history(city, end=END, seed=8) != history


def test_it_orders_timestamps_within_the_window(
    history: list[HistoricalOrder], busy: list[HistoricalOrder]
) -> None:
    for o in history + busy:
        stamps = [t for t in (o.created_at, o.accepted_at, o.arrived_at, o.resolved_at,
                              o.callback_at, o.closed_at) if t is not None]
        assert all(t.utcoffset() == timedelta(0) for t in stamps)
        assert all(a < b for a, b in pairwise(stamps)), o
        assert START <= o.created_at and o.closed_at <= END
    assert [o.created_at for o in history] == sorted(o.created_at for o in history)


def test_it_follows_the_category_steps(history: list[HistoricalOrder]) -> None:
    assert set(CATEGORIES) == {c.value for c in Category}
    for o in history:
        steps = DEFAULT_CATEGORY_STEPS[o.category]
        assert (o.arrived_at is not None) == steps.needs_arrival
        assert (o.callback_at is not None) == steps.needs_callback
        assert o.callback_at is not None or o.satisfaction is None
        assert o.channel in CHANNELS and o.handled_by in ("rep", "backup")
        assert o.description and o.escalations >= 0


def test_it_mixes_categories_and_channels_like_the_articles(
    history: list[HistoricalOrder],
) -> None:
    n = len(history)
    assert n == 1050  # 3000 customers x 0.35 a year
    share = {k: v / n for k, v in Counter(o.category for o in history).items()}
    assert 0.45 <= share["repair"] <= 0.60
    assert 0.25 <= share["consultation"] <= 0.37
    assert 0.03 <= share["reconnection"] <= 0.09
    assert 0.05 <= share["service_request"] <= 0.12
    assert share.get("complaint", 0) <= 0.02
    assert 0.005 <= share["suggestion"] + share["praise"] <= 0.06
    channel = {k: v / n for k, v in Counter(o.channel for o in history).items()}
    assert 0.62 <= channel["hotline"] <= 0.78
    assert 0.08 <= channel["web"] <= 0.17
    assert all(o.channel != "patrol" or o.category == "repair" for o in history)


def test_it_peaks_repairs_in_summer(history: list[HistoricalOrder]) -> None:
    electric = [o for o in history if o.category == "repair" and o.utility == "electric"]
    assert _per_day(electric, {7, 8}) > 1.3 * _per_day(electric, {3, 4, 5})
    repairs = [o for o in history if o.category == "repair"]
    assert _per_day(repairs, {7, 8}) > _per_day(repairs, {3, 4, 5})


def test_it_peaks_water_repairs_in_winter_cold_snaps(busy: list[HistoricalOrder]) -> None:
    water = [o for o in busy if o.category == "repair" and o.utility == "water"]
    assert _per_day(water, {12, 1, 2}) > 1.2 * _per_day(water, {4, 5, 6})
    frozen = [o for o in water if "冻" in o.description and not o.description.startswith("再次")]
    assert frozen and all(_local(o.created_at).month in (12, 1, 2) for o in frozen)


def test_it_clusters_storm_days_in_a_few_grids(busy: list[HistoricalOrder]) -> None:
    electric = [o for o in busy if o.category == "repair" and o.utility == "electric"]
    by_day: dict[date, list[HistoricalOrder]] = defaultdict(list)
    for o in electric:
        by_day[_local(o.created_at).date()].append(o)
    normal = float(np.median([len(v) for v in by_day.values()]))
    worst_day, worst = max(by_day.items(), key=lambda kv: len(kv[1]))
    assert len(worst) >= 2.5 * normal
    assert 4 <= worst_day.month <= 9
    top_grids = Counter(o.grid_code for o in worst).most_common(4)
    assert sum(c for _, c in top_grids) >= 0.6 * len(worst)


def _mean_response(orders: list[HistoricalOrder], category: str, field: str, since: datetime,
                   until: datetime) -> float:
    values = [_minutes(o.created_at, getattr(o, field)) for o in orders
              if o.category == category and since <= o.created_at < until]
    assert len(values) >= 30
    return float(np.mean(values))


def test_it_meets_the_published_response_means_recently(
    history: list[HistoricalOrder],
) -> None:
    consult = _mean_response(history, "consultation", "resolved_at", RECENT, END)
    repair = _mean_response(history, "repair", "arrived_at", RECENT, END)
    reconnect = _mean_response(history, "reconnection", "resolved_at", START, END)
    assert 102 * 0.8 <= consult <= 102 * 1.2
    assert 23 * 0.75 <= repair <= 23 * 1.25
    assert 20 <= reconnect <= 45  # 27 min after the reform, slower before


def test_it_improves_over_the_year(busy: list[HistoricalOrder]) -> None:
    early = START + timedelta(days=91)
    for category, field in (("consultation", "resolved_at"), ("repair", "arrived_at")):
        before = _mean_response(busy, category, field, START, early)
        after = _mean_response(busy, category, field, RECENT, END)
        assert 1.15 * after < before < 1.6 * after


def test_it_arrives_mostly_within_the_area_targets(busy: list[HistoricalOrder]) -> None:
    for area_class, target in REPAIR_TARGET_MIN.items():
        arrivals = np.array([_minutes(o.created_at, o.arrived_at) for o in busy
                             if o.category == "repair" and o.area_class == area_class])
        assert arrivals.size > 100
        assert 0.88 <= float((arrivals <= target).mean()) <= 0.98
    urban, remote = (np.mean([_minutes(o.created_at, o.arrived_at) for o in busy
                              if o.category == "repair" and o.area_class == c])
                     for c in ("urban", "remote"))
    assert remote > 1.5 * urban


def test_it_escalates_and_scores_like_a_real_year(busy: list[HistoricalOrder]) -> None:
    escalated = sum(o.escalations > 0 for o in busy) / len(busy)
    assert 0.01 <= escalated <= 0.10
    late = [o for o in busy if o.category == "repair"
            and _minutes(o.created_at, o.arrived_at) > REPAIR_TARGET_MIN[o.area_class]]
    assert late and all(o.escalations >= 1 for o in late)
    scores = Counter(o.satisfaction for o in busy if o.satisfaction is not None)
    total = sum(scores.values())
    assert (scores[5] + scores[4]) / total >= 0.85
    assert 0.005 <= (scores[1] + scores[2]) / total <= 0.04
    assert scores[3] > 0


def test_it_profiles_the_hours_of_the_day(busy: list[HistoricalOrder]) -> None:
    hours = Counter(_local(o.created_at).hour for o in busy)
    night = sum(hours[h] for h in range(6)) / len(busy)
    assert night < 0.08
    assert hours[10] > 5 * hours[3] and hours[20] > 5 * hours[3]
    assert any(o.category == "repair" and _local(o.created_at).hour < 6 for o in busy)


def test_it_has_repeat_calls_within_a_week(history: list[HistoricalOrder]) -> None:
    repairs: dict[str, list[datetime]] = defaultdict(list)
    for o in history:
        if o.category == "repair":
            repairs[o.account].append(o.created_at)
    repeats = sum(1 for times in repairs.values() for a, b in pairwise(times)
                  if b - a <= timedelta(days=7))
    assert 5 <= repeats <= 60


def test_it_uses_only_the_city_customers(city: City, history: list[HistoricalOrder]) -> None:
    customers = {c.account: c for c in city.customers}
    grid_class = {g.code: g.area_class for g in city.grids}
    for o in history:
        c = customers[o.account]
        assert (o.grid_code, o.utility) == (c.grid_code, c.utility)
        assert o.area_class == grid_class[o.grid_code]


def test_it_gives_unique_keys(history: list[HistoricalOrder]) -> None:
    keys = [o.key for o in history]
    assert len(set(keys)) == len(keys)
    assert keys[0] == "H-000001"


def test_it_checks_its_arguments(city: City) -> None:
    with pytest.raises(ValueError):
        generate_history(city, end=datetime(2025, 1, 1))
    with pytest.raises(ValueError):
        generate_history(city, end=END, months=0)
    assert generate_history(city, end=END, orders_per_customer_year=0) == []
    short = generate_history(city, end=END, months=1)
    assert short and all(o.created_at >= datetime(2024, 12, 1, tzinfo=UTC) for o in short)
