"""Grid geometry: point location, coverage checks and GeoJSON import.

Hand-made layouts near Shenzhen whose answers are known by construction. Coordinates
are written as literals so points "on a border" are bit-identical to the vertices.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry import polygon as shapely_polygon

from gridcare.core.geo import distance_m, gcj02_to_wgs84, wgs84_to_gcj02
from gridcare.grids.geometry import (
    GeometryImportError,
    GridLocator,
    GridShape,
    check_coverage,
    parse_grid_features,
)
from tests.support.synthetic import LAYOUT_AREA, voronoi_grids, wobbly

_GEOD = Geod(ellps="WGS84")


def _geodesic_area(geom: shapely.Geometry) -> float:
    """Independent area oracle (pyproj geodesic), not the code under test."""
    area, _ = _GEOD.geometry_area_perimeter(shapely_polygon.orient(geom, 1.0))
    return abs(area)


def _brute_force(grids: list[tuple[int, shapely.Geometry]], x: float, y: float) -> int:
    """The documented rule, spelled out: smallest id whose closed polygon covers the point."""
    hits = [gid for gid, geom in grids if geom.covers(shapely.Point(x, y))]
    return min(hits) if hits else -1


def _brute_force_many(
    grids: list[tuple[int, shapely.Geometry]], lons: np.ndarray, lats: np.ndarray
) -> np.ndarray:
    """The same rule vectorised with plain (unprepared) ``covers``: an independent code path."""
    points = shapely.points(lons, lats)
    best = np.full(len(points), np.iinfo(np.int64).max)
    for gid, geom in grids:
        covered = shapely.covers(shapely.from_wkb(shapely.to_wkb(geom)), points)
        best[covered] = np.minimum(best[covered], gid)
    return np.where(best == np.iinfo(np.int64).max, -1, best)


def _both(loc: GridLocator, x: float, y: float) -> int:
    """Locate one point both ways and insist they agree."""
    one = loc.locate_one(x, y)
    many = int(loc.locate(np.array([x]), np.array([y]))[0])
    assert one == many
    return one


# --------------------------------------------------------------------------- layouts

# An L-shaped (concave) grid 1 and grid 2 sitting in its notch:
#
#   22.52 +-----+-----+
#         |  1  |  2  |
#   22.51 +     +-----+
#         |  1     1  |
#   22.50 +-----------+
#      114.00 114.01 114.02
L_SHAPE = Polygon(
    [
        (114.00, 22.50),
        (114.02, 22.50),
        (114.02, 22.51),
        (114.01, 22.51),
        (114.01, 22.52),
        (114.00, 22.52),
    ]
)
NOTCH = box(114.01, 22.51, 114.02, 22.52)


def test_it_gives_the_notch_of_a_concave_grid_to_the_neighbour() -> None:
    loc = GridLocator([(1, L_SHAPE), (2, NOTCH)])
    assert _both(loc, 114.015, 22.515) == 2  # in the notch (inside the L's bounding box)
    assert _both(loc, 114.005, 22.515) == 1  # upper arm of the L
    assert _both(loc, 114.015, 22.505) == 1  # lower arm of the L
    assert _both(loc, 114.005, 22.505) == 1  # the corner


def test_it_gives_a_hole_to_the_grid_that_fills_it_or_to_nobody() -> None:
    outer = Polygon(
        [(114.00, 22.50), (114.03, 22.50), (114.03, 22.53), (114.00, 22.53)],
        [[(114.01, 22.51), (114.02, 22.51), (114.02, 22.52), (114.01, 22.52)]],
    )
    filler = box(114.01, 22.51, 114.02, 22.52)
    with_filler = GridLocator([(5, outer), (3, filler)])
    assert _both(with_filler, 114.015, 22.515) == 3
    assert _both(with_filler, 114.005, 22.505) == 5
    # the hole's ring is shared by both grids: smallest id wins
    assert _both(with_filler, 114.01, 22.515) == 3

    alone = GridLocator([(5, outer)])
    assert _both(alone, 114.015, 22.515) == -1  # inside the hole: no grid
    assert _both(alone, 114.01, 22.515) == 5  # on the hole's ring: still covered by 5
    assert _both(alone, 114.005, 22.505) == 5


def test_it_locates_points_in_every_part_of_a_multipolygon() -> None:
    two_islands = MultiPolygon(
        [box(114.00, 22.50, 114.01, 22.51), box(114.03, 22.50, 114.04, 22.51)]
    )
    loc = GridLocator([(4, two_islands), (9, box(114.00, 22.52, 114.04, 22.53))])
    assert _both(loc, 114.005, 22.505) == 4
    assert _both(loc, 114.035, 22.505) == 4
    assert _both(loc, 114.02, 22.505) == -1  # the water between the islands
    assert _both(loc, 114.02, 22.525) == 9


def test_it_gives_a_shared_border_point_to_the_smallest_grid_id() -> None:
    left, right = box(114.00, 22.50, 114.01, 22.51), box(114.01, 22.50, 114.02, 22.51)
    # the rule is about ids, not position: try both ways round
    assert _both(GridLocator([(7, left), (3, right)]), 114.01, 22.505) == 3
    assert _both(GridLocator([(3, left), (7, right)]), 114.01, 22.505) == 3
    # a corner shared by four grids goes to the smallest of the four
    four = GridLocator(
        [
            (40, box(114.00, 22.50, 114.01, 22.51)),
            (12, box(114.01, 22.50, 114.02, 22.51)),
            (31, box(114.00, 22.51, 114.01, 22.52)),
            (25, box(114.01, 22.51, 114.02, 22.52)),
        ]
    )
    assert _both(four, 114.01, 22.51) == 12
    # a point on a grid's outer edge is still that grid's (closed polygons)
    assert _both(four, 114.00, 22.505) == 40
    assert _both(four, 114.02, 22.52) == 25


def test_it_gives_an_overlap_to_the_smallest_grid_id() -> None:
    loc = GridLocator(
        [(8, box(114.00, 22.50, 114.02, 22.52)), (6, box(114.01, 22.51, 114.03, 22.53))]
    )
    assert _both(loc, 114.015, 22.515) == 6
    assert _both(loc, 114.005, 22.505) == 8
    assert _both(loc, 114.025, 22.525) == 6


def test_it_returns_minus_one_outside_every_grid_and_for_garbage_coordinates() -> None:
    loc = GridLocator([(1, L_SHAPE), (2, NOTCH)])
    lons = np.array([113.99, 114.03, 114.01, 0.0, math.nan, math.inf, 114.005])
    lats = np.array([22.505, 22.505, 22.49, 0.0, 22.505, 22.505, math.nan])
    assert loc.locate(lons, lats).tolist() == [-1] * 7
    assert [loc.locate_one(x, y) for x, y in zip(lons, lats, strict=True)] == [-1] * 7
    assert GridLocator([]).locate(np.array([114.0]), np.array([22.5])).tolist() == [-1]
    assert GridLocator([]).locate_one(114.0, 22.5) == -1


def test_it_keeps_the_input_shape() -> None:
    loc = GridLocator([(1, L_SHAPE), (2, NOTCH)])
    lons = np.array([[114.005, 114.015], [114.015, 113.0]])
    lats = np.array([[22.505, 22.515], [22.505, 22.5]])
    assert loc.locate(lons, lats).tolist() == [[1, 2], [1, -1]]
    with pytest.raises(ValueError, match="shape"):
        loc.locate(np.zeros(2), np.zeros(3))


@pytest.mark.parametrize("cells_per_grid", [1, 16, 64, 1024])
def test_it_agrees_vectorised_single_point_and_the_rule_on_random_and_border_points(
    cells_per_grid: int,
) -> None:
    grids = voronoi_grids(40, seed=cells_per_grid)
    grids.append(
        (0, Polygon([(114.02, 22.51), (114.05, 22.52), (114.03, 22.54)]))
    )  # overlaps several
    loc = GridLocator(grids, cells_per_grid=cells_per_grid)
    rng = np.random.default_rng(1)
    vertices = np.vstack([np.asarray(g.exterior.coords) for _, g in grids])  # all on borders
    lons = np.concatenate(
        [rng.uniform(113.99, 114.11, 3000), vertices[:, 0], [114.0, 114.1, 114.05]]
    )
    lats = np.concatenate([rng.uniform(22.49, 22.57, 3000), vertices[:, 1], [22.5, 22.56, 22.56]])

    many = loc.locate(lons, lats)
    one = np.array([loc.locate_one(x, y) for x, y in zip(lons, lats, strict=True)])
    rule = _brute_force_many(grids, lons, lats)
    assert np.array_equal(many, one)
    assert np.array_equal(many, rule)
    assert (many == -1).any() and (many == 0).any()  # the sample really exercises both


def test_it_answers_single_points_among_a_thousand_grids_as_the_rule_does() -> None:
    grids = voronoi_grids(1000, seed=3)
    loc = GridLocator(grids)
    rng = np.random.default_rng(2)
    lons, lats = rng.uniform(114.0, 114.1, 2000), rng.uniform(22.5, 22.56, 2000)
    answers = [loc.locate_one(x, y) for x, y in zip(lons, lats, strict=True)]
    assert answers == _brute_force_many(grids, lons, lats).tolist()
    assert min(answers) >= 0  # the layout tiles the rectangle: every point has a grid


def test_it_refuses_ambiguous_or_broken_grids() -> None:
    square = box(114.0, 22.5, 114.01, 22.51)
    with pytest.raises(ValueError, match="more than once"):
        GridLocator([(1, square), (1, square)])
    with pytest.raises(ValueError, match="non-negative"):
        GridLocator([(-1, square)])
    bowtie = Polygon([(114.0, 22.5), (114.01, 22.51), (114.01, 22.5), (114.0, 22.51)])
    with pytest.raises(ValueError, match="Self-intersection"):
        GridLocator([(1, bowtie)])
    with pytest.raises(TypeError, match="Polygon"):
        GridLocator([(1, shapely.Point(114.0, 22.5))])


# --------------------------------------------------------------------------- coverage


def test_it_reports_one_overlap_of_two_squares_with_its_area() -> None:
    a = box(114.00, 22.50, 114.02, 22.52)
    b = box(114.01, 22.51, 114.03, 22.53)
    report = check_coverage([("A", a), ("B", b)], boundary=None)
    assert len(report.overlaps) == 1
    overlap = report.overlaps[0]
    assert (overlap.grid_a, overlap.grid_b) == ("A", "B")
    expected = _geodesic_area(box(114.01, 22.51, 114.02, 22.52))  # ~1.14 km2
    assert overlap.area_m2 == pytest.approx(expected, rel=0.01)
    assert 114.01 < overlap.lon < 114.02 and 22.51 < overlap.lat < 22.52
    assert overlap.geometry.equals(box(114.01, 22.51, 114.02, 22.52))
    assert report.gaps == []  # the union of two squares has no holes


def test_it_does_not_call_neighbours_sharing_an_edge_overlapping() -> None:
    grids = [(f"G{i}", box(114.0 + i * 0.01, 22.5, 114.01 + i * 0.01, 22.51)) for i in range(5)]
    report = check_coverage(grids, boundary=None)
    assert report.ok
    assert report.to_text() == "coverage ok: no overlaps, no gaps"
    assert report.to_geojson() == {"type": "FeatureCollection", "features": []}


def _ring_of_eight() -> list[tuple[str, shapely.Geometry]]:
    """A 3x3 block of 0.01-degree squares with the centre one missing."""
    return [
        (
            f"R{row}{col}",
            box(114.0 + col * 0.01, 22.5 + row * 0.01, 114.01 + col * 0.01, 22.51 + row * 0.01),
        )
        for row in range(3)
        for col in range(3)
        if (row, col) != (1, 1)
    ]


def test_it_reports_a_missing_square_inside_the_boundary_as_one_gap() -> None:
    boundary = box(114.0, 22.5, 114.03, 22.53)
    missing = box(114.01, 22.51, 114.02, 22.52)
    report = check_coverage(_ring_of_eight(), boundary=boundary)
    assert report.overlaps == []
    assert len(report.gaps) == 1
    gap = report.gaps[0]
    assert gap.area_m2 == pytest.approx(_geodesic_area(missing), rel=0.01)
    assert missing.contains(shapely.Point(gap.lon, gap.lat))


def test_it_finds_the_hole_in_the_union_when_no_boundary_is_given() -> None:
    report = check_coverage(_ring_of_eight(), boundary=None)
    assert len(report.gaps) == 1
    assert report.gaps[0].geometry.equals(box(114.01, 22.51, 114.02, 22.52))
    # ... and filling the hole with an island grid makes the gap go away
    filled = check_coverage(
        [*_ring_of_eight(), ("C", box(114.01, 22.51, 114.02, 22.52))], boundary=None
    )
    assert filled.ok


def test_it_reports_gaps_between_grids_and_the_service_boundary() -> None:
    boundary = box(114.0, 22.5, 114.04, 22.53)  # one column wider than the grids
    report = check_coverage(_ring_of_eight(), boundary=boundary)
    areas = sorted(g.area_m2 for g in report.gaps)
    assert len(areas) == 2  # the centre square and the uncovered column
    assert areas[0] == pytest.approx(_geodesic_area(box(114.01, 22.51, 114.02, 22.52)), rel=0.01)
    assert areas[1] == pytest.approx(_geodesic_area(box(114.03, 22.5, 114.04, 22.53)), rel=0.01)


def test_it_ignores_slivers_under_the_tolerances() -> None:
    eps = 1e-9  # ~0.1 mm: a 1.1 km long sliver of ~0.1 m2
    a = box(114.00, 22.50, 114.01 + eps, 22.51)  # overlaps b by a sliver
    b = box(114.01, 22.50, 114.02, 22.51)
    c = box(114.02 + eps, 22.50, 114.03, 22.51)  # leaves a sliver gap next to b
    boundary = box(114.00, 22.50, 114.03, 22.51)
    report = check_coverage([("A", a), ("B", b), ("C", c)], boundary=boundary)
    assert report.ok
    # the same slivers are reported once the tolerances drop below their size
    strict = check_coverage(
        [("A", a), ("B", b), ("C", c)],
        boundary=boundary,
        overlap_tolerance_m2=1e-3,
        gap_tolerance_m2=1e-3,
    )
    assert len(strict.overlaps) == 1 and len(strict.gaps) == 1
    assert 0.0 < strict.overlaps[0].area_m2 < 1.0 and 0.0 < strict.gaps[0].area_m2 < 1.0


def test_it_renders_findings_as_text_and_geojson() -> None:
    grids = [("A", box(114.00, 22.50, 114.02, 22.52)), ("B", box(114.01, 22.51, 114.03, 22.53))]
    report = check_coverage(grids, boundary=box(114.0, 22.5, 114.03, 22.54))
    lines = report.to_text().splitlines()
    assert len(lines) == len(report.overlaps) + len(report.gaps) == 3  # 1 overlap, 2 gaps
    assert lines[0].startswith("overlap A / B:") and "m2 at 114.01" in lines[0]
    assert all(line.startswith("gap:") for line in lines[1:])

    fc = json.loads(json.dumps(report.to_geojson()))  # really JSON-serialisable
    assert fc["type"] == "FeatureCollection"
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert kinds == ["overlap", "gap", "gap"]
    first = fc["features"][0]
    assert first["properties"]["grids"] == ["A", "B"]
    assert first["properties"]["area_m2"] == pytest.approx(report.overlaps[0].area_m2, abs=0.01)
    assert shapely.geometry.shape(first["geometry"]).equals(report.overlaps[0].geometry)
    assert fc["features"][1]["properties"]["grids"] == []


def test_it_finds_the_overlaps_and_gaps_among_a_thousand_grids() -> None:
    grids = voronoi_grids(1000, seed=5)
    report = check_coverage(wobbly(grids, seed=5), boundary=LAYOUT_AREA)
    assert len(report.overlaps) > 100 and len(report.gaps) > 10
    assert all(o.area_m2 >= 1.0 for o in report.overlaps)
    untouched = check_coverage([(f"G{gid}", g) for gid, g in grids], boundary=None)
    assert untouched.ok  # Voronoi cells tile exactly


# --------------------------------------------------------------------------- GeoJSON import


def _feature(code: Any, name: Any, geometry: Any, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, **props},
        "geometry": geometry,
    }


def _polygon(*rings: list[tuple[float, float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring] for ring in rings]}


def _fc(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


SQUARE = [(114.0, 22.5), (114.01, 22.5), (114.01, 22.51), (114.0, 22.51), (114.0, 22.5)]
HOLE = [
    (114.003, 22.503),
    (114.003, 22.507),
    (114.007, 22.507),
    (114.007, 22.503),
    (114.003, 22.503),
]
BOWTIE = [(114.0, 22.5), (114.01, 22.51), (114.01, 22.5), (114.0, 22.51), (114.0, 22.5)]


def test_it_imports_polygons_with_holes_and_multipolygons() -> None:
    multi = {
        "type": "MultiPolygon",
        "coordinates": [[[list(p) for p in SQUARE]], [[[x + 0.02, y] for x, y in SQUARE]]],
    }
    shapes = parse_grid_features(
        _fc(
            _feature(
                " N-01 ",
                "North 1",
                _polygon(SQUARE, HOLE),
                rep="li.wei",
                feeder="F12",
                households=812,
            ),
            _feature("N-02", "North 2", multi, rep_login="wang.fang"),
        )
    )
    assert [s.code for s in shapes] == ["N-01", "N-02"]  # codes are trimmed
    first, second = shapes
    assert isinstance(first, GridShape)
    assert first.name == "North 1" and first.rep_login == "li.wei"
    assert first.properties == {"feeder": "F12", "households": 812}
    assert isinstance(first.geometry, Polygon) and len(first.geometry.interiors) == 1
    assert first.geometry.equals(Polygon(SQUARE, [HOLE]))
    assert isinstance(second.geometry, MultiPolygon) and len(second.geometry.geoms) == 2
    assert second.rep_login == "wang.fang" and second.properties == {}
    assert hash(first) == hash(first)  # frozen and hashable despite the properties dict


def test_it_rejects_duplicate_codes_naming_both_features() -> None:
    with pytest.raises(GeometryImportError) as err:
        parse_grid_features(
            _fc(_feature("A", "a", _polygon(SQUARE)), _feature("A", "again", _polygon(SQUARE)))
        )
    (problem,) = err.value.problems
    assert (problem.feature_index, problem.code, problem.field) == (1, "A", "properties.code")
    assert "duplicate" in problem.reason and "#0" in problem.reason
    assert "feature #1 (code 'A')" in str(err.value)


def test_it_rejects_a_missing_name() -> None:
    with pytest.raises(GeometryImportError) as err:
        parse_grid_features(
            _fc({"type": "Feature", "properties": {"code": "A"}, "geometry": _polygon(SQUARE)})
        )
    (problem,) = err.value.problems
    assert (problem.feature_index, problem.code, problem.field) == (0, "A", "properties.name")


def test_it_rejects_a_self_intersecting_bowtie_naming_feature_and_reason() -> None:
    with pytest.raises(GeometryImportError) as err:
        parse_grid_features(
            _fc(
                _feature("OK", "fine", _polygon(SQUARE)),
                _feature("BOW", "bowtie", _polygon(BOWTIE)),
            )
        )
    (problem,) = err.value.problems
    assert (problem.feature_index, problem.code, problem.field) == (1, "BOW", "geometry")
    assert "Self-intersection" in problem.reason
    assert "feature #1 (code 'BOW') geometry: invalid geometry: Self-intersection" in str(err.value)


def test_it_repairs_a_bowtie_into_two_triangles_when_asked() -> None:
    (shape,) = parse_grid_features(_fc(_feature("BOW", "bowtie", _polygon(BOWTIE))), repair=True)
    assert shape.geometry.is_valid
    assert isinstance(shape.geometry, MultiPolygon) and len(shape.geometry.geoms) == 2
    assert shape.geometry.area == pytest.approx(0.01 * 0.01 / 2)  # two triangles of a quarter each


def test_it_closes_open_rings_only_when_repairing() -> None:
    open_ring = _polygon(SQUARE[:-1])
    with pytest.raises(GeometryImportError, match="not closed"):
        parse_grid_features(_fc(_feature("A", "a", open_ring)))
    (shape,) = parse_grid_features(_fc(_feature("A", "a", open_ring)), repair=True)
    assert shape.geometry.equals(Polygon(SQUARE))


def test_it_collects_every_problem_before_raising() -> None:
    bad_geometries = [
        {"type": "Point", "coordinates": [114.0, 22.5]},
        _polygon([(114.0, 22.5), (200.0, 22.5), (114.0, 23.0), (114.0, 22.5)]),
        _polygon([(114.0, 22.5), (114.1, 95.0), (114.0, 23.0), (114.0, 22.5)]),
        {
            "type": "Polygon",
            "coordinates": [[[114.0, 22.5], ["114.1", 22.5], [114.0, 23.0], [114.0, 22.5]]],
        },
        {
            "type": "Polygon",
            "coordinates": [[[114.0, 22.5], [math.nan, 22.5], [114.0, 23.0], [114.0, 22.5]]],
        },
        {
            "type": "Polygon",
            "coordinates": [[[114.0, 22.5], [10**400, 22.5], [114.0, 23.0], [114.0, 22.5]]],
        },
        {"type": "Polygon", "coordinates": [[[114.0, 22.5], [114.1, 22.5], [114.0, 22.5]]]},
        None,
    ]
    data = _fc(
        *[_feature(f"F{i}", f"f{i}", g) for i, g in enumerate(bad_geometries)],
        "not a feature",
        _feature("", "x", _polygon(SQUARE)),
    )
    with pytest.raises(GeometryImportError) as err:
        parse_grid_features(data)
    problems = err.value.problems
    assert [p.feature_index for p in problems] == list(range(10))
    reasons = [p.reason for p in problems]
    assert "Polygon or MultiPolygon" in reasons[0]
    assert "longitude 200.0 outside" in reasons[1]
    assert "latitude 95.0 outside" in reasons[2]
    assert "expected a number, got str" in reasons[3]
    assert "not finite" in reasons[4]
    assert "out of range" in reasons[5]
    assert "at least 4 positions" in reasons[6]
    assert "got null" in reasons[7]
    assert problems[8].field == "feature"
    assert problems[9].field == "properties.code"
    message = str(err.value)
    assert "10 problem(s)" in message and all(f"feature #{i}" in message for i in range(10))


def test_it_rejects_things_that_are_not_a_feature_collection() -> None:
    for data in (None, [], "{}", {"type": "Feature"}, {"type": "FeatureCollection"}, _fc()):
        with pytest.raises(GeometryImportError) as err:
            parse_grid_features(data)
        assert err.value.problems and err.value.problems[0].feature_index == -1
    with pytest.raises(ValueError, match="crs"):
        parse_grid_features(_fc(_feature("A", "a", _polygon(SQUARE))), crs="BD09")


def test_it_converts_gcj02_input_to_wgs84() -> None:
    gcj_ring = [
        (114.0653, 22.5430),
        (114.0753, 22.5430),
        (114.0753, 22.5530),
        (114.0653, 22.5530),
        (114.0653, 22.5430),
    ]
    (shape,) = parse_grid_features(_fc(_feature("SZ", "Futian", _polygon(gcj_ring))), crs="GCJ02")
    first = shape.geometry.exterior.coords[0]
    assert first == pytest.approx(gcj02_to_wgs84(114.0653, 22.5430), abs=1e-12)
    shift = distance_m(114.0653, 22.5430, first[0], first[1])
    assert 300.0 < shift < 700.0
    # converting back lands on the vendor's coordinates again, to well under half a metre
    for (gx, gy), (wx, wy) in zip(gcj_ring, shape.geometry.exterior.coords, strict=True):
        assert distance_m(gx, gy, *wgs84_to_gcj02(wx, wy)) < 0.5
    # without crs="GCJ02" nothing moves
    (raw,) = parse_grid_features(_fc(_feature("SZ", "Futian", _polygon(gcj_ring))))
    assert raw.geometry.exterior.coords[0] == (114.0653, 22.5430)


# --------------------------------------------------------------------------- hostile input

_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)
_json = st.recursive(
    _json_leaf,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)
_number = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**400), 10**400), _json_leaf
)
_lon = st.floats(min_value=113.9, max_value=114.1) | st.integers(-200, 200)
_lat = st.floats(min_value=22.4, max_value=22.6) | st.integers(-100, 100)
# mostly plausible positions, so the deeper checks (ranges, rings, validity) get exercised
_position = st.one_of(
    st.tuples(_lon, _lat).map(list),
    st.tuples(_lon, _lat).map(list),
    st.tuples(_lon, _lat, _number).map(list),
    st.lists(_number, max_size=4),
    _json,
)
_ring = st.builds(
    lambda ring, close: [*ring, ring[0]] if close and ring else ring,
    st.lists(_position, max_size=7),
    st.booleans() | st.just(True),
)
_polygon_coords = st.lists(_ring, max_size=3)
_geometry = st.one_of(
    st.fixed_dictionaries({"type": st.just("Polygon"), "coordinates": _polygon_coords}),
    st.fixed_dictionaries(
        {"type": st.just("MultiPolygon"), "coordinates": st.lists(_polygon_coords, max_size=3)}
    ),
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["Polygon", "MultiPolygon", "Point"]) | _json_leaf,
            "coordinates": _json,
        }
    ),
    _json,
)
_code = st.text(alphabet="AB ", max_size=2)
_properties = (
    st.fixed_dictionaries(
        {"code": _code | _json_leaf, "name": st.text(max_size=3) | _json_leaf},
        optional={"rep": _code | _json_leaf, "rep_login": _code | _json_leaf, "extra": _json},
    )
    | _json
)
_feature_strategy = (
    st.fixed_dictionaries(
        {"type": st.just("Feature") | _json_leaf, "properties": _properties, "geometry": _geometry}
    )
    | _json
)
_collection = st.fixed_dictionaries(
    {
        "type": st.just("FeatureCollection") | _json_leaf,
        "features": st.lists(_feature_strategy, max_size=4) | _json,
    }
)


_plausible_ring = st.lists(
    st.tuples(st.floats(113.9, 114.1), st.floats(22.4, 22.6)).map(list), min_size=3, max_size=6
).map(lambda ring: [*ring, ring[0]])
_plausible_polygon = st.lists(_plausible_ring, min_size=1, max_size=2)
_plausible_feature = st.fixed_dictionaries(
    {
        "type": st.just("Feature"),
        "properties": st.fixed_dictionaries(
            {"code": st.text(alphabet="ABC", min_size=1, max_size=2), "name": st.just("grid")},
            optional={"rep": st.just("li.wei"), "feeder": _json},
        ),
        "geometry": st.one_of(
            st.fixed_dictionaries({"type": st.just("Polygon"), "coordinates": _plausible_polygon}),
            st.fixed_dictionaries(
                {
                    "type": st.just("MultiPolygon"),
                    "coordinates": st.lists(_plausible_polygon, min_size=1, max_size=2),
                }
            ),
        ),
    }
)
_plausible_collection = st.fixed_dictionaries(
    {
        "type": st.just("FeatureCollection"),
        "features": st.lists(_plausible_feature, min_size=1, max_size=3),
    }
)


def _slots(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) in a JSON-like tree: the places a mutation can hit."""
    found: list[tuple[Any, Any]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        keys = (
            range(len(current))
            if isinstance(current, list)
            else current.keys()
            if isinstance(current, dict)
            else ()
        )
        for key in keys:
            found.append((current, key))
            stack.append(current[key])
    return found


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.one_of(_plausible_collection, _plausible_collection, _collection, _json),
    data=st.data(),
    crs=st.sampled_from(["WGS84", "GCJ02"]),
    repair=st.booleans(),
)
def test_it_only_ever_returns_shapes_or_raises_import_errors(
    base: Any, data: st.DataObject, crs: str, repair: bool
) -> None:
    # start from something plausible, then break it in up to three random places
    for _ in range(data.draw(st.integers(0, 3), label="mutations")):
        slots = _slots(base)
        if not slots:
            break
        container, key = slots[data.draw(st.integers(0, len(slots) - 1), label="where")]
        container[key] = data.draw(_number | _json, label="replacement")
    try:
        shapes = parse_grid_features(base, crs=crs, repair=repair)
    except GeometryImportError as err:
        assert err.problems  # never an empty complaint
        assert str(err)
        return
    for shape in shapes:  # whatever got through is a usable grid
        assert isinstance(shape, GridShape) and shape.code and shape.name
        assert shape.geometry.is_valid and shape.geometry.area > 0
        assert isinstance(shape.geometry, Polygon | MultiPolygon)


@settings(max_examples=150, deadline=None)
@given(
    ring=st.lists(
        st.tuples(st.floats(113.9, 114.1), st.floats(22.4, 22.6)), min_size=3, max_size=8
    ),
    repair=st.booleans(),
)
def test_it_either_accepts_a_valid_polygon_or_explains_why_not(
    ring: list[tuple[float, float]], repair: bool
) -> None:
    closed = [*ring, ring[0]]
    data = _fc(_feature("R", "random", _polygon(closed)))
    try:
        (shape,) = parse_grid_features(data, repair=repair)
    except GeometryImportError as err:
        (problem,) = err.problems
        assert problem.field == "geometry" and problem.code == "R"
        if not repair:
            assert not Polygon(closed).is_valid or Polygon(closed).area == 0
        return
    assert shape.geometry.is_valid and shape.geometry.area > 0
    if not repair:
        assert shape.geometry.equals(Polygon(closed))
