"""Coordinate helpers: GCJ-02 conversions, metric projections, areas, distances."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import polygon as shapely_polygon

from gridcare.core.geo import (
    EARTH_RADIUS_M,
    area_m2,
    distance_m,
    gcj02_to_wgs84,
    gcj02_to_wgs84_geometry,
    gcj02_to_wgs84_xy,
    in_china,
    local_projection,
    utm_crs,
    wgs84_to_gcj02,
    wgs84_to_gcj02_xy,
)


def test_it_matches_published_wgs84_to_gcj02_reference_values() -> None:
    # reference values from the gcoord project's test suite (hujiulong/gcoord)
    lon, lat = wgs84_to_gcj02(123.0, 45.0)
    assert lon == pytest.approx(123.00607541, abs=1e-7)
    assert lat == pytest.approx(45.00197815, abs=1e-7)


def test_it_matches_published_gcj02_to_wgs84_reference_values() -> None:
    # gcoord iterates to 1e-6 degrees only, hence the looser tolerance
    lon, lat = gcj02_to_wgs84(123.0, 45.0)
    assert lon == pytest.approx(122.99395597, abs=1e-6)
    assert lat == pytest.approx(44.99804071, abs=1e-6)


def test_it_shifts_a_shenzhen_gcj02_point_by_a_few_hundred_metres_south_west() -> None:
    glon, glat = 114.0653, 22.5430
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    shift = distance_m(glon, glat, wlon, wlat)
    assert 300.0 < shift < 700.0
    # in Shenzhen GCJ-02 sits east and south of the true position
    assert wlon < glon
    assert wlat > glat


def test_it_round_trips_wgs84_to_gcj02_and_back_within_half_a_metre() -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(75.0, 135.0, 2000)
    lat = rng.uniform(18.0, 53.0, 2000)
    glon, glat = wgs84_to_gcj02_xy(lon, lat)
    assert np.all(distance_m(lon, lat, glon, glat) > 1.0)  # it really moved
    back_lon, back_lat = gcj02_to_wgs84_xy(glon, glat)
    err = distance_m(lon, lat, back_lon, back_lat)
    assert err.max() < 0.5
    assert err.max() < 1e-3  # the iteration is in fact far tighter than required


def test_it_leaves_points_outside_china_unchanged() -> None:
    lon = np.array([2.35, -74.0, 151.2, 140.0])
    lat = np.array([48.85, 40.7, -33.9, 60.0])
    assert not in_china(lon, lat).any()
    for fn in (wgs84_to_gcj02_xy, gcj02_to_wgs84_xy):
        x, y = fn(lon, lat)
        assert np.array_equal(x, lon) and np.array_equal(y, lat)
    assert gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)


def test_it_gives_the_same_answer_vectorised_and_scalar_and_does_not_touch_inputs() -> None:
    lon = np.array([114.0653, 116.397, 121.47, 10.0])
    lat = np.array([22.5430, 39.909, 31.23, 50.0])
    lon_copy, lat_copy = lon.copy(), lat.copy()
    x, y = gcj02_to_wgs84_xy(lon, lat)
    assert np.array_equal(lon, lon_copy) and np.array_equal(lat, lat_copy)
    for i in range(len(lon)):
        assert gcj02_to_wgs84(lon[i], lat[i]) == (x[i], y[i])


def test_it_converts_every_vertex_of_a_geometry() -> None:
    square = shapely.box(114.06, 22.54, 114.07, 22.55)
    converted = gcj02_to_wgs84_geometry(square)
    expected = [gcj02_to_wgs84(x, y) for x, y in square.exterior.coords]
    assert np.allclose(np.asarray(converted.exterior.coords), np.asarray(expected), atol=0, rtol=0)


def test_it_measures_distance_with_haversine() -> None:
    one_degree = EARTH_RADIUS_M * math.pi / 180.0
    assert distance_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(one_degree, rel=1e-12)
    assert distance_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(one_degree, rel=1e-12)
    assert distance_m(114.0, 22.5, 114.0, 22.5) == 0.0
    # Beijing -> Shanghai is about 1,067 km
    assert distance_m(116.4074, 39.9042, 121.4737, 31.2304) == pytest.approx(1_067_000, rel=0.01)
    # antipodes: half the circumference, no NaN from rounding
    assert distance_m(0.0, 0.0, 180.0, 0.0) == pytest.approx(math.pi * EARTH_RADIUS_M)


def test_it_broadcasts_distances_over_arrays() -> None:
    d = distance_m(np.zeros(3), np.zeros(3), np.array([0.0, 1.0, 2.0]), 0.0)
    assert isinstance(d, np.ndarray) and d.shape == (3,)
    assert d[0] == 0.0 and d[2] == pytest.approx(2 * d[1])


@pytest.mark.parametrize(
    "geom",
    [
        shapely.box(114.0, 22.5, 114.01, 22.51),  # ~1 km square in Shenzhen
        shapely.box(0.0, 0.0, 1.0, 1.0),  # a whole degree cell at the equator
        shapely.box(100.0, 60.0, 103.0, 62.0),  # large and far north
        shapely.Polygon(
            [(114.0, 22.5), (114.02, 22.5), (114.02, 22.52), (114.0, 22.52)],
            [[(114.005, 22.505), (114.015, 22.505), (114.015, 22.515), (114.005, 22.515)]],
        ),
    ],
)
def test_it_measures_areas_like_an_equal_area_projection(geom: shapely.Geometry) -> None:
    # area_m2 is geodesic; a Lambert equal-area projection centred on the shape is an
    # independent measure (its edges are straight on the plane, not geodesics: they differ
    # by a ten-thousandth on a 3° box far north).
    projected = float(shapely.area(local_projection(geom).to_metric(geom)))
    assert area_m2(geom) == pytest.approx(projected, rel=1e-3)
    assert area_m2(shapely_polygon.orient(geom, -1.0)) == pytest.approx(area_m2(geom), rel=1e-12)  # either winding


def test_it_measures_a_multipolygon_as_the_sum_of_its_parts() -> None:
    a = shapely.box(114.0, 22.5, 114.01, 22.51)
    b = shapely.box(114.05, 22.5, 114.06, 22.51)
    assert area_m2(shapely.MultiPolygon([a, b])) == pytest.approx(area_m2(a) + area_m2(b), rel=1e-6)
    assert area_m2(shapely.Polygon()) == 0.0


def test_it_picks_the_utm_zone_of_the_data() -> None:
    assert utm_crs(114.06, 22.54).to_epsg() == 32650
    assert utm_crs(151.2, -33.9).to_epsg() == 32756
    assert utm_crs(-0.1, 51.5).to_epsg() == 32630


def test_it_round_trips_geometries_through_a_local_projection() -> None:
    square = shapely.box(114.0, 22.5, 114.01, 22.51)
    for kind in ("laea", "utm"):
        proj = local_projection(square, kind=kind)
        metric = proj.to_metric(square)
        # ~1.03 km x 1.11 km: the projection really is in metres
        assert 1.0e6 < metric.area < 1.25e6
        back = proj.to_wgs84(metric)
        assert np.allclose(
            np.asarray(back.exterior.coords), np.asarray(square.exterior.coords), atol=1e-9
        )
    with pytest.raises(ValueError, match="unknown projection"):
        local_projection(square, kind="mercator")
