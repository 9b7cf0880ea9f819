"""Forecast, workload, scores, lattices and file parsing: pure, on known answers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from gridcare.core.errors import InvalidInput
from gridcare.planning import forecast, units
from gridcare.planning.design import components
from gridcare.planning.files import parse_barriers, parse_units
from gridcare.planning.metrics import gini, polsby_popper
from gridcare.planning.workload import Weights, monthly_hours, weights_from


def test_a_flat_history_forecasts_itself():
    history = np.full((3, 24), 5.0)
    fc = forecast.forecast(history, first_month=1)
    assert fc.growth == pytest.approx(0.0)
    assert fc.next_year == pytest.approx([60.0, 60.0, 60.0])
    assert fc.holdout_months == 12 and fc.holdout_wape == pytest.approx(0.0)


def test_it_recovers_season_and_growth_and_scores_the_held_out_year():
    rng = np.random.default_rng(1)
    months = np.arange(36)
    season = 1 + 0.3 * np.sin(months / 12 * 2 * np.pi)
    expected = np.outer(rng.uniform(20, 40, 100), season * 1.1 ** (months / 12))
    fc = forecast.forecast(rng.poisson(expected).astype(float), first_month=1)
    assert fc.growth == pytest.approx(0.1, abs=0.02)
    assert fc.season[3] > 1.15 > 0.85 > fc.season[9]  # April high, October low
    assert fc.holdout_wape < 0.1 and abs(fc.holdout_total_error) < 0.03


def test_a_short_history_holds_out_a_quarter():
    fc = forecast.forecast(np.full((2, 12), 3.0), first_month=11)
    assert fc.holdout_months == 3 and fc.next_year == pytest.approx([36.0, 36.0])


def test_workload_adds_orders_by_category_and_standing_work():
    w = Weights(order_hours={"repair": 2.0, "consultation": 0.5}, customer_hours=0.1, meter_hours=0.0, km_hours=1.0)
    hours = monthly_hours(orders={"repair": 12, "consultation": 24}, months=12, customers=100, meters=100, line_km=3, weights=w)
    assert hours == pytest.approx(2.0 + 1.0 + 10.0 + 3.0)
    assert monthly_hours(orders={"repair": 12}, months=12, customers=0, meters=0, line_km=0, weights=w, growth=1.5) == pytest.approx(3.0)


def test_weights_from_a_form_name_the_bad_field():
    assert weights_from({"order_hours": {"repair": "3"}}).order_hours["repair"] == 3.0
    with pytest.raises(InvalidInput) as err:
        weights_from({"order_hours": {"fishing": 1}})
    assert err.value.problems[0].field == "weights.order_hours.fishing"
    with pytest.raises(InvalidInput) as err:
        weights_from({"km_hours": "lots"})
    assert err.value.problems[0].field == "weights.km_hours"


def test_gini_and_compactness_on_known_shapes():
    assert gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)
    assert polsby_popper(Point(0, 0).buffer(100, quad_segs=64)) == pytest.approx(1.0, abs=1e-3)
    assert polsby_popper(box(0, 0, 1, 1)) == pytest.approx(np.pi / 4)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 1000), min_size=1, max_size=50))
def test_gini_stays_between_zero_and_one(values):
    assert 0.0 <= gini(values) <= 1.0 + 1e-9


def test_rook_and_queen_neighbours_of_a_two_by_two_board():
    cells = [box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(0, 1000, 1000, 2000), box(1000, 1000, 2000, 2000)]
    assert sum(len(n) for n in units.adjacency(cells, rook=True)) == 8  # 4 edges, no diagonals
    assert sum(len(n) for n in units.adjacency(cells, rook=False)) == 12  # and the two diagonals


@pytest.mark.parametrize("kind", ["hex", "square"])
def test_a_lattice_tiles_the_area_without_gap_or_overlap(kind):
    area = Point(0, 0).buffer(5000)
    cells = units.lattice(area, cell_m=800, kind=kind)
    assert sum(c.area for c in cells) == pytest.approx(area.area, rel=1e-6)
    assert len(components(units.adjacency(cells))) == 1


def test_crowded_cells_are_quartered_until_they_fit():
    cells = [box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)]
    points = np.array([[100 + i, 100 + i] for i in range(40)] + [[1500, 500]], dtype=float)
    split = units.split_crowded(cells, points, most=10, levels=3)
    assert len(split) > 2 and sum(c.area for c in split) == pytest.approx(2_000_000)
    assert box(1000, 0, 2000, 1000) in split  # the quiet cell is left whole


def test_unit_files_are_checked_feature_by_feature():
    good = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "A", "customers": 12, "orders_repair": 3}, "geometry": {"type": "Polygon", "coordinates": [[[112.9, 28.1], [112.91, 28.1], [112.91, 28.11], [112.9, 28.1]]]}}]}
    [row] = parse_units(json.dumps(good))
    assert row.code == "A" and row.customers == 12 and row.orders == {"repair": 3.0} and row.meters is None
    bad = {"type": "FeatureCollection", "features": [good["features"][0], good["features"][0], {"type": "Feature", "properties": {"code": "B", "kind": "castle"}, "geometry": None}]}
    with pytest.raises(InvalidInput) as err:
        parse_units(json.dumps(bad))
    assert [p.field for p in err.value.problems] == ["features[1].code", "features[2].kind"]
    with pytest.raises(InvalidInput) as err:
        parse_barriers('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]}')
    assert err.value.problems[0].field == "features[0].geometry"
