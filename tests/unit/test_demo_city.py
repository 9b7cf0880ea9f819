"""The synthetic demo city: deterministic, geometrically sound, and plausible to a Chinese eye."""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict, deque

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridcare.demo.city import (
    AREA_CLASSES,
    TAGS,
    City,
    build_city,
    city_digest,
    city_to_geojson_grids,
    iter_customer_rows,
)
from gridcare.demo.gridding import _merge_fragments
from gridcare.demo.names import BUSINESS_SEGMENTS, PROTECTED_SEGMENTS

SMALL = {"customers": 3000, "grids": 20}
CJK = re.compile(r"^[\u3400-\u9fff]+$")
CJK_TEXT = re.compile(r"^[\u3400-\u9fff0-9（）#·]+$")
MOBILE = re.compile(r"^\+861(3\d|5[0-35-9]|8\d|9[1-35-9])\d{8}$")
LANDLINE = re.compile(r"^\+867318\d{7}$")
M_PER_DEG_LAT = 111_195.0
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(28.2))


@pytest.fixture(scope="module")
def city() -> City:
    return build_city(seed=7, **SMALL)


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return math.hypot((lon1 - lon2) * M_PER_DEG_LON, (lat1 - lat2) * M_PER_DEG_LAT)


def _polygons(geoms: list[shapely.Geometry]) -> np.ndarray:
    out = np.empty(len(geoms), dtype=object)
    out[:] = geoms
    return out


# --- invariants shared by the fixed-seed tests and the property test -----------------------


def _assert_tiles(service_area: shapely.Geometry, pieces: list[shapely.Geometry]) -> None:
    geoms = _polygons(pieces)
    assert all(g.geom_type == "Polygon" and g.is_valid for g in pieces)
    assert shapely.coverage_is_valid(geoms)
    union = shapely.union_all(geoms)
    total = float(shapely.area(geoms).sum())
    assert abs(union.area - service_area.area) / service_area.area < 1e-9
    # Sum of areas equal to the union's area means the pieces do not overlap.
    assert abs(total - service_area.area) / service_area.area < 1e-9
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert float(overlap.max(initial=0.0)) < 1e-12 * service_area.area


def _assert_customers_in_grids(city: City) -> None:
    grids = _polygons([g.polygon for g in city.grids])
    points = shapely.points([(c.lon, c.lat) for c in city.customers])
    point, grid = shapely.STRtree(grids).query(points, predicate="within")
    assert np.array_equal(np.bincount(point, minlength=len(points)), np.ones(len(points)))
    codes = [city.grids[g].code for g in grid[np.argsort(point)]]
    assert codes == [c.grid_code for c in city.customers]


def _assert_electric_tree(city: City) -> None:
    assets = {a.code: a for a in city.assets}
    assert len(assets) == len(city.assets)
    allowed = {
        "substation": {None},
        "feeder": {"substation"},
        "switch": {"feeder", "switch"},
        "fuse": {"switch"},
        "transformer": {"switch", "fuse"},
    }
    for a in city.assets:
        parent_kind = assets[a.parent].kind if a.parent is not None else None
        assert parent_kind in allowed[a.kind], (a, parent_kind)
    for a in city.assets:  # every chain of parents ends at a substation, without cycles
        seen, at = set(), a
        while at.parent is not None:
            assert at.code not in seen
            seen.add(at.code)
            at = assets[at.parent]
        assert at.kind == "substation"
    for c in city.customers:
        if c.utility == "electric":
            assert assets[c.supply_point].kind == "transformer"


def _assert_water_network(city: City) -> None:
    nodes = {n.code: n for n in city.water_nodes}
    assert len(nodes) == len(city.water_nodes)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for p in city.water_pipes:
        assert p.from_code in nodes and p.to_code in nodes and p.from_code != p.to_code
        neighbours[p.from_code].add(p.to_code)
        neighbours[p.to_code].add(p.from_code)
    sources = [n.code for n in city.water_nodes if n.kind == "source"]
    assert sources
    assert _reachable(neighbours, sources, closed=set()) == set(nodes)
    for c in city.customers:
        if c.utility == "water":
            assert nodes[c.supply_point].kind == "service"


def _reachable(neighbours: dict[str, set[str]], sources: list[str], closed: set[str]) -> set[str]:
    seen, queue = set(sources), deque(sources)
    while queue:
        for nxt in neighbours[queue.popleft()]:
            if nxt not in seen and nxt not in closed:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _assert_invariants(city: City, customers: int, grids: int) -> None:
    assert len(city.customers) == customers
    assert len(city.grids) == grids
    _assert_tiles(city.service_area, [g.polygon for g in city.grids])
    _assert_tiles(city.service_area, [d.polygon for d in city.dmas])
    _assert_customers_in_grids(city)
    counts = Counter(c.grid_code for c in city.customers)
    assert set(counts) == {g.code for g in city.grids}
    assert min(counts.values()) >= 3
    accounts = [c.account for c in city.customers]
    assert len(set(accounts)) == len(accounts)
    assert all(set(c.tags) <= set(TAGS) for c in city.customers)
    assert all(1 <= len(c.phones) <= 2 for c in city.customers)
    assert all(MOBILE.match(p) or LANDLINE.match(p) for c in city.customers for p in c.phones)
    assert all(CJK_TEXT.match(c.name) for c in city.customers)
    _assert_electric_tree(city)
    _assert_water_network(city)


# --- determinism ---------------------------------------------------------------------------


def test_it_builds_the_same_city_from_the_same_seed(city: City) -> None:
    again = build_city(seed=7, **SMALL)
    assert city_digest(again) == city_digest(city)
    assert again.customers == city.customers
    assert again.assets == city.assets
    assert [g.polygon.wkb for g in again.grids] == [g.polygon.wkb for g in city.grids]


def test_it_builds_a_different_city_from_another_seed(city: City) -> None:
    other = build_city(seed=8, **SMALL)
    assert city_digest(other) != city_digest(city)
    assert not other.service_area.equals(city.service_area)
    assert {c.account for c in other.customers}.isdisjoint({c.account for c in city.customers})


# --- geometry ------------------------------------------------------------------------------


def test_it_lays_the_service_area_out_around_changsha(city: City) -> None:
    area = city.service_area
    assert area.geom_type == "Polygon" and area.is_valid
    west, south, east, north = area.bounds
    assert (east - west) * M_PER_DEG_LON == pytest.approx(25_000, rel=0.05)
    assert (north - south) * M_PER_DEG_LAT == pytest.approx(20_000, rel=0.05)
    centre = area.centroid
    assert _metres(centre.x, centre.y, 112.98, 28.20) < 3_000
    # Irregular, not a box or an ellipse: clearly less area than its bounding box.
    assert area.area < 0.9 * (east - west) * (north - south)


def test_it_tiles_the_service_area_with_grids_without_gaps_or_overlaps(city: City) -> None:
    _assert_tiles(city.service_area, [g.polygon for g in city.grids])


def test_it_tiles_the_service_area_with_eight_dmas(city: City) -> None:
    assert [d.code for d in city.dmas] == [f"DMA{i:02d}" for i in range(1, 9)]
    assert {d.kind for d in city.dmas} == {"dma"}
    assert all(d.name.endswith("计量分区") for d in city.dmas)
    _assert_tiles(city.service_area, [d.polygon for d in city.dmas])


def test_it_splits_the_area_into_districts_with_urban_cores_and_rural_fringes(city: City) -> None:
    assert [d.name for d in city.districts] == ["芙蓉区", "岳麓区", "天心区", "开福区", "雨花区"]
    union = shapely.union_all([d.polygon for d in city.districts])
    assert abs(union.area - city.service_area.area) / city.service_area.area < 1e-9
    by_district = defaultdict(list)
    for g in city.grids:
        by_district[g.district].append(g.area_class)
    assert set(by_district) == {d.name for d in city.districts}
    for classes in by_district.values():
        assert "urban" in classes
        if len(classes) >= 3:
            assert {"rural", "remote"} <= set(classes)
    assert {g.area_class for g in city.grids} == set(AREA_CLASSES)


def test_it_gives_denser_areas_smaller_grids(city: City) -> None:
    counts = Counter(c.grid_code for c in city.customers)
    urban = [g for g in city.grids if g.area_class == "urban"]
    remote = [g for g in city.grids if g.area_class == "remote"]
    assert np.median([g.polygon.area for g in urban]) < np.median([g.polygon.area for g in remote])
    density = {g.code: counts[g.code] / g.polygon.area for g in city.grids}
    assert np.median([density[g.code] for g in urban]) > 3 * np.median(
        [density[g.code] for g in remote])


def test_it_names_and_staffs_every_grid(city: City) -> None:
    codes = [g.code for g in city.grids]
    assert len(set(codes)) == len(codes)
    assert all(re.match(r"^CS-(FR|YL|TX|KF|YH)-\d{3}$", code) for code in codes)
    assert len({g.name for g in city.grids}) == len(city.grids)
    for g in city.grids:
        assert g.name.startswith(g.district + "·") and g.name.endswith("网格")
        assert re.match(r"^rep\d{3}$", g.rep.login) and g.backup.login != g.rep.login
        assert CJK.match(g.rep.name) and MOBILE.match(g.rep.phone)
        assert g.utilities in (("electric", "water"), ("electric",))
    assert {s.login for s in city.staff} >= {g.rep.login for g in city.grids}


# --- customers -----------------------------------------------------------------------------


def test_it_puts_every_customer_inside_exactly_its_own_grid(city: City) -> None:
    _assert_customers_in_grids(city)


def test_it_gives_every_grid_at_least_a_few_customers(city: City) -> None:
    counts = Counter(c.grid_code for c in city.customers)
    assert len(counts) == len(city.grids)
    assert min(counts.values()) >= 10


def test_it_issues_unique_well_formed_accounts_and_meters(city: City) -> None:
    accounts = [c.account for c in city.customers]
    assert len(set(accounts)) == len(accounts)
    for c in city.customers:
        assert re.match(r"^E\d{10}$" if c.utility == "electric" else r"^W\d{10}$", c.account)
        assert c.meters and all(re.match(r"^(DB\d{12}|SB\d{10})$", m) for m in c.meters)
    meters = [m for c in city.customers for m in c.meters]
    assert len(set(meters)) == len(meters)


def test_it_splits_accounts_roughly_sixty_forty_between_electric_and_water(city: City) -> None:
    share = Counter(c.utility for c in city.customers)["electric"] / len(city.customers)
    assert 0.55 < share < 0.65
    electric_only = {g.code for g in city.grids if g.utilities == ("electric",)}
    assert not any(c.utility == "water" and c.grid_code in electric_only for c in city.customers)


def test_it_names_people_and_businesses_in_chinese(city: City) -> None:
    people = [c.name for c in city.customers if c.segment == "residential"]
    firms = [c for c in city.customers if c.segment != "residential"]
    assert all(CJK.match(n) and 2 <= len(n) <= 4 for n in people)
    assert all(CJK_TEXT.match(c.name) for c in firms)
    assert 0.05 < len(firms) / len(city.customers) < 0.11
    assert {c.segment for c in firms} == set(BUSINESS_SEGMENTS)
    assert len(set(people)) > 0.8 * len({c.address.text for c in city.customers})


def test_it_gives_customers_plausible_phone_numbers(city: City) -> None:
    phones = [p for c in city.customers for p in c.phones]
    assert all(MOBILE.match(p) or LANDLINE.match(p) for p in phones)
    assert sum(bool(MOBILE.match(p)) for p in phones) > 0.75 * len(phones)
    assert any(LANDLINE.match(p) for p in phones)
    assert all(1 <= len(c.phones) <= 2 for c in city.customers)


def test_it_writes_structured_addresses_that_match_their_text(city: City) -> None:
    for c in city.customers:
        a = c.address
        assert a.text == (f"{a.city}{a.district}{a.road}{a.number}{a.community}{a.building}"
                          f"{a.unit_room}")
        assert a.city == "长沙市" and re.match(r"^\d+号$", a.number)
        assert a.district == next(g.district for g in city.grids if g.code == c.grid_code)
        if c.segment == "residential":
            assert re.match(r"^\d+(栋|组)$", a.building)
            assert re.match(r"^(\d+单元\d{3,4}|\d+号)$", a.unit_room)
    flats = [c.address for c in city.customers if "单元" in c.address.unit_room]
    assert flats and all(f.community and f.building.endswith("栋") for f in flats)
    # Two accounts share an address only when one household holds both utilities.
    by_text = defaultdict(list)
    for c in city.customers:
        by_text[c.address.text, c.name].append(c.utility)
    assert all(sorted(u) in (["electric"], ["water"], ["electric", "water"])
               for u in by_text.values())


def test_it_tags_a_few_percent_and_protects_only_institutions(city: City) -> None:
    tagged = [c for c in city.customers if c.tags]
    assert 0.02 < len(tagged) / len(city.customers) < 0.09
    assert {t for c in tagged for t in c.tags} == set(TAGS)
    for c in city.customers:
        assert list(c.tags) == sorted(c.tags, key=TAGS.index)
        assert ("protected" in c.tags) == (c.segment in PROTECTED_SEGMENTS)
        if "major" in c.tags:
            assert c.segment != "residential"


def test_it_clusters_customers_in_communities(city: City) -> None:
    by_community = defaultdict(list)
    for c in city.customers:
        if c.address.community:
            by_community[c.grid_code, c.address.community].append((c.lon, c.lat))
    spreads = []
    for points in by_community.values():
        xy = np.array(points)
        centre = xy.mean(axis=0)
        spreads.append(max(_metres(*p, *centre) for p in xy))
    assert np.median(spreads) < 600


# --- networks ------------------------------------------------------------------------------


def test_it_builds_an_electric_tree_rooted_at_substations(city: City) -> None:
    _assert_electric_tree(city)
    kinds = Counter(a.kind for a in city.assets)
    assert set(kinds) == {"substation", "feeder", "switch", "fuse", "transformer"}
    assert all(a.name.endswith("变电站") for a in city.assets if a.kind == "substation")
    assert all(re.match(r"^10kV \S+线$", a.name) for a in city.assets if a.kind == "feeder")
    assert all(re.search(r"线#\d+开关$", a.name) for a in city.assets if a.kind == "switch")
    assert all(a.name.endswith(("配变", "专变")) for a in city.assets if a.kind == "transformer")


def test_it_attaches_electric_customers_to_a_nearby_transformer(city: City) -> None:
    assets = {a.code: a for a in city.assets}
    distance = [_metres(c.lon, c.lat, assets[c.supply_point].lon, assets[c.supply_point].lat)
                for c in city.customers if c.utility == "electric"]
    assert np.percentile(distance, 95) < 400
    assert max(distance) < 1_000


def test_it_places_every_network_element_inside_its_grid(city: City) -> None:
    grids = {g.code: g.polygon for g in city.grids}
    for element in [*city.assets, *city.water_nodes]:
        assert shapely.contains_xy(grids[element.grid_code], element.lon, element.lat)


def test_it_builds_a_water_network_of_existing_nodes(city: City) -> None:
    _assert_water_network(city)
    kinds = Counter(n.kind for n in city.water_nodes)
    assert set(kinds) == {"source", "junction", "valve", "hydrant", "service"}
    for p in city.water_pipes:
        assert p.material in {"PE", "球墨铸铁", "钢", "PVC", "镀锌"}
        assert 20 <= p.diameter_mm <= 1200 and 1960 <= p.year <= 2024 and p.length_m >= 0


def test_it_lets_valves_isolate_parts_of_the_water_network(city: City) -> None:
    nodes = {n.code: n for n in city.water_nodes}
    neighbours: dict[str, set[str]] = defaultdict(set)
    for p in city.water_pipes:
        neighbours[p.from_code].add(p.to_code)
        neighbours[p.to_code].add(p.from_code)
    valves = {code for code, n in nodes.items() if n.kind == "valve"}
    assert all(len(neighbours[v]) == 2 for v in valves)  # sits in the middle of a main
    sources = [code for code, n in nodes.items() if n.kind == "source"]
    reached = _reachable(neighbours, sources, closed=valves)
    services = {code for code, n in nodes.items() if n.kind == "service"}
    assert services - reached  # closing valves cuts some customers off

    # Closing just the valve next to a single junction's upstream main isolates that junction.
    after = {p.from_code: p.to_code for p in city.water_pipes if p.from_code in valves}
    isolated = 0
    for valve in sorted(valves):
        downstream = after[valve]
        if nodes[downstream].kind != "junction":
            continue
        part = _reachable(neighbours, sources, closed={valve})
        if downstream not in part:
            isolated += 1
    assert isolated > 0


def test_it_meshes_the_water_mains_a_little(city: City) -> None:
    n_nodes, n_pipes = len(city.water_nodes), len(city.water_pipes)
    sources = sum(1 for n in city.water_nodes if n.kind == "source")
    loops = n_pipes - (n_nodes - sources)  # a spanning forest has nodes - roots edges
    assert 1 <= loops <= 0.05 * n_pipes


def test_it_attaches_hydrants_to_mains(city: City) -> None:
    kinds = {n.code: n.kind for n in city.water_nodes}
    for p in city.water_pipes:
        if kinds[p.to_code] == "hydrant":
            assert kinds[p.from_code] == "junction" and p.diameter_mm == 100


# --- exports and progress ------------------------------------------------------------------


def test_it_exports_grids_as_rfc7946_geojson(city: City) -> None:
    collection = json.loads(json.dumps(city_to_geojson_grids(city), ensure_ascii=False))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(city.grids)
    for feature, grid in zip(collection["features"], city.grids, strict=True):
        assert feature["type"] == "Feature"
        assert feature["properties"]["code"] == grid.code
        assert feature["properties"]["name"] == grid.name
        assert feature["properties"]["rep"] == grid.rep.login
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1]
        assert shapely.LinearRing(ring).is_ccw  # right-hand rule for exterior rings
        assert shapely.geometry.shape(feature["geometry"]).equals(grid.polygon)


def test_it_yields_customer_rows_with_the_import_columns(city: City) -> None:
    rows = list(iter_customer_rows(city))
    assert len(rows) == len(city.customers)
    assert list(rows[0]) == ["account", "name", "phones", "address", "lon", "lat", "utility",
                             "supply_point", "tags", "meters", "grid_code"]
    for row, customer in zip(rows, city.customers, strict=True):
        assert row["phones"].split(";") == list(customer.phones)
        assert row["tags"] == ";".join(customer.tags)
        assert row["address"] == customer.address.text
        assert (row["lon"], row["lat"]) == (customer.lon, customer.lat)
        assert round(row["lon"], 6) == row["lon"]


def test_it_reports_progress_stage_by_stage() -> None:
    calls: list[tuple[str, int, int]] = []
    build_city(seed=3, customers=600, grids=8, progress=lambda *call: calls.append(call))
    stages = list(dict.fromkeys(stage for stage, _, _ in calls))
    assert stages[0] == "layout" and {"grids", "customers", "electric", "water"} <= set(stages)
    for stage in stages:
        steps = [(done, total) for s, done, total in calls if s == stage]
        assert steps[0][0] == 0 and steps[-1][0] == steps[-1][1]
        assert all(0 <= d <= t for d, t in steps)
        assert [d for d, _ in steps] == sorted(d for d, _ in steps)


def test_it_hands_stray_pieces_of_a_clipped_cell_to_the_neighbour_they_border() -> None:
    # A U-shaped area cuts the top strip's cell in two; a grid must stay one polygon.
    u_shape = shapely.union_all([shapely.box(0, 0, 3, 1), shapely.box(0, 0, 1, 3),
                                 shapely.box(2, 0, 3, 3)])
    strips = [shapely.box(0, 2, 3, 3), shapely.box(0, 0, 1.5, 2), shapely.box(1.5, 0, 3, 2)]
    cells = [shapely.intersection(s, u_shape) for s in strips]
    assert cells[0].geom_type == "MultiPolygon"
    merged = _merge_fragments(cells)
    assert all(c.geom_type == "Polygon" for c in merged)
    _assert_tiles(u_shape, merged)


def test_it_refuses_too_few_customers_for_the_grids() -> None:
    with pytest.raises(ValueError):
        build_city(customers=10, grids=20)


def test_it_builds_the_default_city_at_its_intended_scale() -> None:
    city = build_city()
    assert len(city.customers) == 50_000 and len(city.grids) == 60
    kinds = Counter(a.kind for a in city.assets)
    assert 4 <= kinds["substation"] <= 9
    assert 30 <= kinds["feeder"] <= 55
    assert 1_000 <= kinds["transformer"] <= 1_500
    assert len(city.dmas) == 8
    _assert_customers_in_grids(city)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**63 - 1),
       size=st.sampled_from([(400, 8), (900, 12), (1500, 5)]))
def test_it_keeps_its_invariants_for_any_seed(seed: int, size: tuple[int, int]) -> None:
    customers, grids = size
    _assert_invariants(build_city(seed=seed, customers=customers, grids=grids), customers, grids)
