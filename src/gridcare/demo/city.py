"""A deterministic synthetic city around Changsha for demos, tests and load benchmarks.

``build_city`` is a pure function of its arguments (no database, clock or network). It
works in a local metric plane, metres east and north of the city centre, and converts to
WGS84 lon/lat only for the records it returns:

1. an irregular service area and a road network;
2. communities (小区 in town, 村 outside) placed along the roads, denser in urban cores;
3. grids: Voronoi cells of weighted k-means seeds clipped to the area, so that busy
   areas get small grids, then districts grown over the grid adjacency graph;
4. premises and accounts with names, phones, structured addresses and tags;
5. the electric tree and the water network (``network.py``) and the water DMAs.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.random import Generator
from shapely import MultiPolygon, Polygon, STRtree

from gridcare.demo import names as vocab
from gridcare.demo.network import (
    Asset,
    BoolArray,
    Consumers,
    FloatArray,
    IntArray,
    Pipe,
    Site,
    WaterNode,
    build_electric,
    build_water,
    groups,
    kmeans,
)

__all__ = [
    "AREA_CLASSES", "TAGS", "UTILITIES", "Address", "Asset", "City", "Customer", "District",
    "Dma", "Grid", "Pipe", "Staff", "WaterNode", "build_city", "city_digest",
    "city_to_geojson_grids", "iter_customer_rows",
]

Progress = Callable[[str, int, int], None]

CENTRE_LON = 112.98
CENTRE_LAT = 28.20
_M_PER_DEG_LAT = 111_195.0
_M_PER_DEG_LON = _M_PER_DEG_LAT * math.cos(math.radians(CENTRE_LAT))
AREA_WIDTH_M = 25_000.0
AREA_HEIGHT_M = 20_000.0
COORD_DECIMALS = 6  # ~0.1 m; containment is checked on the rounded values

TAGS = ("major", "protected", "sensitive", "supervised")
AREA_CLASSES = ("urban", "rural", "remote")
UTILITIES = ("electric", "water")
DMA_COUNT = 8

# A share of households hold both an electric and a water account at the same premise;
# with the single-utility split below this gives roughly 60 % electric accounts.
_BOTH_UTILITIES_SHARE = 1 / 6
_ELECTRIC_SHARE_OF_SINGLE = 0.65
_BUSINESS_SHARE = 0.08
_SETTLE_STEPS = 40
# Chance that a business is a major (大客户) account, by segment.
_MAJOR_ODDS = {"industrial": 0.45, "commercial": 0.12, "hospital": 0.6, "school": 0.15}

_STREAMS = ("area", "roads", "communities", "grids", "districts", "premises", "names",
            "accounts", "electric", "water", "dmas")


# ---------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, slots=True)
class Staff:
    login: str
    name: str
    phone: str


@dataclass(frozen=True, slots=True)
class District:
    code: str
    name: str
    polygon: Polygon | MultiPolygon


@dataclass(frozen=True, slots=True)
class Grid:
    code: str
    name: str
    district: str
    area_class: str
    rep: Staff
    backup: Staff
    utilities: tuple[str, ...]
    polygon: Polygon


@dataclass(frozen=True, slots=True)
class Address:
    city: str
    district: str
    road: str
    number: str
    community: str
    building: str
    unit_room: str
    text: str


@dataclass(frozen=True, slots=True)
class Customer:
    account: str
    name: str
    phones: tuple[str, ...]
    address: Address
    lon: float
    lat: float
    utility: str
    supply_point: str
    tags: tuple[str, ...]
    meters: tuple[str, ...]
    grid_code: str
    segment: str  # "residential" or one of names.BUSINESS_SEGMENTS


@dataclass(frozen=True, slots=True)
class Dma:
    code: str
    name: str
    polygon: Polygon
    kind: str = "dma"


@dataclass(frozen=True, slots=True)
class City:
    seed: int
    service_area: Polygon
    districts: tuple[District, ...]
    grids: tuple[Grid, ...]
    staff: tuple[Staff, ...]
    customers: tuple[Customer, ...]
    assets: tuple[Asset, ...]
    water_nodes: tuple[WaterNode, ...]
    water_pipes: tuple[Pipe, ...]
    dmas: tuple[Dma, ...]


# ---------------------------------------------------------------------------------------
# Coordinates


def _lonlat(xy: FloatArray) -> FloatArray:
    out = np.empty_like(xy, dtype=float)
    out[:, 0] = CENTRE_LON + xy[:, 0] / _M_PER_DEG_LON
    out[:, 1] = CENTRE_LAT + xy[:, 1] / _M_PER_DEG_LAT
    return out


def _to_wgs84(geometry: Any) -> Any:
    # Affine, so vertices shared by neighbouring grids map to identical coordinates.
    return shapely.transform(geometry, _lonlat)


class _Frame:
    """The grid coverage in lon/lat, and the one place that decides point-in-grid."""

    def __init__(self, cells_m: Sequence[Polygon]) -> None:
        grids = np.empty(len(cells_m), dtype=object)
        grids[:] = [_to_wgs84(c) for c in cells_m]
        shapely.prepare(grids)
        self.grids = grids
        self._tree = STRtree(grids)

    @staticmethod
    def rounded(xy: FloatArray) -> FloatArray:
        return np.round(_lonlat(xy), COORD_DECIMALS)

    def locate(self, ll: FloatArray) -> IntArray:
        """Index of the grid strictly containing each lon/lat point, -1 for none."""
        found = np.full(len(ll), -1, dtype=np.intp)
        if len(ll):
            point, grid = self._tree.query(shapely.points(ll), predicate="within")
            found[point] = grid
        return found

    def place(
        self, xy: FloatArray, anchor: FloatArray, anchor_grid: IntArray, *, same_grid: bool = True
    ) -> tuple[FloatArray, FloatArray, IntArray]:
        """Pull points halfway to their anchors until their rounded lon/lat is inside a grid.

        Anchors are points already known to lie strictly inside ``anchor_grid``, so the
        loop always ends; points that never make it sit on their anchor.
        """
        xy = np.array(xy, dtype=float, copy=True).reshape(-1, 2)
        anchor = np.asarray(anchor, dtype=float).reshape(-1, 2)
        grid = np.array(anchor_grid, dtype=np.intp, copy=True)
        ll = np.empty_like(xy)
        pending = np.arange(len(xy))
        for _ in range(_SETTLE_STEPS):
            if pending.size == 0:
                return xy, ll, grid
            candidate = self.rounded(xy[pending])
            if same_grid:
                ok = shapely.contains_xy(self.grids[grid[pending]], candidate[:, 0],
                                         candidate[:, 1])
            else:
                found = self.locate(candidate)
                ok = found >= 0
                grid[pending[ok]] = found[ok]
            ll[pending[ok]] = candidate[ok]
            pending = pending[~ok]
            xy[pending] = anchor[pending] + 0.5 * (xy[pending] - anchor[pending])
        xy[pending] = anchor[pending]
        ll[pending] = self.rounded(anchor[pending])
        grid[pending] = np.asarray(anchor_grid, dtype=np.intp)[pending]
        return xy, ll, grid


# ---------------------------------------------------------------------------------------
# Service area, density and roads


def _service_area(rng: Generator) -> Polygon:
    """A star-shaped blob (so always a simple polygon) stretched to ~25 km x 20 km."""
    t = np.linspace(0.0, 2 * math.pi, 180, endpoint=False)
    r = np.ones_like(t)
    for k in range(2, 14):
        r += rng.uniform(0.0, 0.16) / k**0.9 * np.cos(k * t + rng.uniform(0.0, 2 * math.pi))
    r = np.clip(r, 0.55, None)
    x, y = r * np.cos(t), r * np.sin(t)
    x = (x - (x.max() + x.min()) / 2) * AREA_WIDTH_M / (x.max() - x.min())
    y = (y - (y.max() + y.min()) / 2) * AREA_HEIGHT_M / (y.max() - y.min())
    return Polygon(np.column_stack([x, y]))


@dataclass(frozen=True, slots=True)
class _Density:
    """Urban intensity in 0..1: a city-centre peak plus one core per district."""

    cores: FloatArray
    sigma: FloatArray
    weight: FloatArray

    @classmethod
    def create(cls, rng: Generator) -> _Density:
        anchors = np.array([d.anchor for d in vocab.DISTRICTS])
        half = np.array([AREA_WIDTH_M / 2, AREA_HEIGHT_M / 2])
        cores = np.vstack([[0.0, 0.0], anchors * half * 0.45 + rng.normal(0, 600, anchors.shape)])
        sigma = np.concatenate([[3000.0], rng.uniform(1500, 2400, len(anchors))])
        weight = np.concatenate([[1.0], rng.uniform(0.55, 0.85, len(anchors))])
        return cls(cores, sigma, weight)

    def urban(self, xy: FloatArray) -> FloatArray:
        d2 = ((xy[:, None, :] - self.cores[None, :, :]) ** 2).sum(axis=2)
        return np.clip((self.weight * np.exp(-d2 / (2 * self.sigma**2))).sum(axis=1), 0.0, 1.0)


@dataclass(frozen=True, slots=True)
class _Roads:
    """Roads as short pieces, each knowing how far along its road it starts."""

    names: tuple[str, ...]
    a: FloatArray
    b: FloatArray
    road: IntArray
    s0: FloatArray

    @property
    def length(self) -> FloatArray:
        return np.hypot(*(self.b - self.a).T)

    def nearest(self, xy: FloatArray) -> tuple[IntArray, FloatArray, IntArray]:
        """Nearest road, metres along it and side (+1 left, -1 right) for each point."""
        ab = self.b - self.a
        l2 = (ab**2).sum(axis=1)
        road = np.empty(len(xy), dtype=np.intp)
        along = np.empty(len(xy))
        side = np.empty(len(xy), dtype=np.intp)
        step = max(1, 1_000_000 // len(ab))
        for start in range(0, len(xy), step):
            p = xy[start : start + step]
            d = p[:, None, :] - self.a[None, :, :]
            t = np.clip((d * ab).sum(axis=2) / l2, 0.0, 1.0)
            off = d - t[:, :, None] * ab[None, :, :]
            j = (off**2).sum(axis=2).argmin(axis=1)
            rows = np.arange(len(p))
            cross = ab[j, 0] * d[rows, j, 1] - ab[j, 1] * d[rows, j, 0]
            road[start : start + step] = self.road[j]
            along[start : start + step] = self.s0[j] + t[rows, j] * np.sqrt(l2[j])
            side[start : start + step] = np.where(cross >= 0, 1, -1)
        return road, along, side

    def names_at(self, xy: FloatArray) -> list[str]:
        return [self.names[r] for r in self.nearest(xy)[0].tolist()]


def _wander(rng: Generator, through: FloatArray, heading: float, half: float,
            wiggle: float, *, both_ways: bool = True) -> FloatArray:
    """A gently bending polyline with 500 m steps running through a point."""
    steps = max(1, round(half / 500.0))

    def walk(direction: float) -> list[FloatArray]:
        points, at, h = [], np.asarray(through, dtype=float), direction
        for _ in range(steps):
            h += rng.normal(0.0, wiggle)
            at = at + 500.0 * np.array([math.cos(h), math.sin(h)])
            points.append(at)
        return points

    forward = walk(heading)
    backward = walk(heading + math.pi) if both_ways else []
    return np.array([*reversed(backward), np.asarray(through, dtype=float), *forward])


def _roads(rng: Generator, area: Polygon, density: _Density) -> _Roads:
    lines: list[FloatArray] = []
    kinds: list[str] = []
    for _ in range(12):  # arterials crossing the centre
        lines.append(_wander(rng, rng.normal(0.0, 2500.0, 2), rng.uniform(0, math.pi),
                             16_000.0, 0.06))
        kinds.append("arterial")
    for _ in range(36):  # streets laid out on a rough grid in the urban cores
        core = density.cores[int(rng.integers(len(density.cores)))]
        heading = float(rng.choice([0.0, math.pi / 2])) + rng.normal(0.0, 0.1)
        lines.append(_wander(rng, core + rng.normal(0.0, 1200.0, 2), heading,
                             rng.uniform(600.0, 2000.0), 0.03))
        kinds.append("street")
    for _ in range(14):  # county roads running out to the villages
        angle = rng.uniform(0.0, 2 * math.pi)
        start = rng.uniform(3500.0, 7000.0) * np.array([math.cos(angle), math.sin(angle)])
        lines.append(_wander(rng, start, angle, 18_000.0, 0.15, both_ways=False))
        kinds.append("rural")

    pieces_a, pieces_b, pieces_s, pieces_road, kept_kinds = [], [], [], [], []
    for line, kind in zip(lines, kinds, strict=True):
        # Three pieces per 500 m step keeps pieces short enough for house numbering.
        thirds = np.array([0.0, 1 / 3, 2 / 3])[None, :, None]
        fine = (line[:-1, None, :] + (line[1:] - line[:-1])[:, None, :] * thirds).reshape(-1, 2)
        fine = np.vstack([fine, line[-1:]])
        a, b = fine[:-1], fine[1:]
        s = np.concatenate([[0.0], np.cumsum(np.hypot(*(b - a).T))[:-1]])
        mid = (a + b) / 2
        inside = shapely.contains_xy(area, mid[:, 0], mid[:, 1])
        if inside.sum() < 3:
            continue
        road_index = len(kept_kinds)
        kept_kinds.append(kind)
        pieces_a.append(a[inside])
        pieces_b.append(b[inside])
        pieces_s.append(s[inside] - s[inside].min())
        pieces_road.append(np.full(int(inside.sum()), road_index, dtype=np.intp))

    taken: set[str] = set()
    n_art, n_street = kept_kinds.count("arterial"), kept_kinds.count("street")
    pools = {
        "arterial": iter(vocab.road_names(rng, n_art, vocab.ARTERIAL_ROADS, taken)),
        "street": iter(vocab.road_names(rng, n_street, vocab.STREET_ROADS, taken)),
        "rural": iter(vocab.rural_road_names(rng, kept_kinds.count("rural"), taken)),
    }
    names = tuple(next(pools[kind]) for kind in kept_kinds)
    return _Roads(names, np.vstack(pieces_a), np.vstack(pieces_b), np.concatenate(pieces_road),
                  np.concatenate(pieces_s))


# ---------------------------------------------------------------------------------------
# Communities


@dataclass(slots=True)
class _Communities:
    xy: FloatArray
    estate: BoolArray
    size: IntArray  # accounts, not premises
    radius: FloatArray
    grid: IntArray
    name: list[str]
    road: IntArray
    number: IntArray

    def extend(self, xy: FloatArray, size: int, grid: int) -> None:
        self.xy = np.vstack([self.xy, xy])
        self.estate = np.append(self.estate, False)
        self.size = np.append(self.size, size)
        self.radius = np.append(self.radius, 0.0)
        self.grid = np.append(self.grid, grid)

    def keep(self, mask: BoolArray) -> None:
        self.xy, self.estate, self.size = self.xy[mask], self.estate[mask], self.size[mask]
        self.radius, self.grid = self.radius[mask], self.grid[mask]

    def set_radius(self) -> None:
        """Bigger communities spread wider; villages straggle more than estates."""
        typical = np.array([np.median(self.size[self.estate]) if self.estate.any() else 1.0,
                            np.median(self.size[~self.estate]) if (~self.estate).any() else 1.0])
        scale = np.sqrt(self.size / np.where(self.estate, typical[0], typical[1]))
        self.radius = np.where(self.estate, np.clip(50 + 110 * scale, 50, 260),
                               np.clip(180 + 200 * scale, 150, 500))


def _apportion(total: int, weights: FloatArray, floor: int = 1) -> IntArray:
    """Integers >= ``floor`` summing to ``total``, the excess in proportion to ``weights``."""
    rest = total - floor * len(weights)
    if rest < 0:
        raise ValueError(f"cannot give {len(weights)} parts at least {floor} out of {total}")
    raw = weights / weights.sum() * rest
    out = np.floor(raw).astype(np.intp)
    short = rest - int(out.sum())
    out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out + floor


def _along_roads(rng: Generator, roads: _Roads, weight: FloatArray, n: int,
                 offset: tuple[float, float], area: Polygon) -> FloatArray:
    """n points beside road pieces chosen in proportion to ``weight``, inside the area."""
    p = weight / weight.sum()
    out = np.empty((n, 2))
    pending = np.arange(n)
    for _ in range(30):
        if pending.size == 0:
            break
        piece = rng.choice(len(p), size=pending.size, p=p)
        a, b = roads.a[piece], roads.b[piece]
        along = a + (b - a) * rng.random(pending.size)[:, None]
        normal = np.column_stack([-(b - a)[:, 1], (b - a)[:, 0]])
        normal /= np.hypot(*normal.T)[:, None]
        distance = rng.uniform(*offset, pending.size) * rng.choice([-1.0, 1.0], pending.size)
        candidate = along + normal * distance[:, None]
        ok = shapely.contains_xy(area, candidate[:, 0], candidate[:, 1])
        out[pending[ok]] = candidate[ok]
        pending = pending[~ok]
    if pending.size:  # piece midpoints are inside the area by construction
        piece = rng.choice(len(p), size=pending.size, p=p)
        out[pending] = (roads.a[piece] + roads.b[piece]) / 2
    return out


def _communities(rng: Generator, area: Polygon, roads: _Roads, density: _Density,
                 customers: int, grids: int) -> _Communities:
    mean = float(np.clip(customers / (grids * 6), 12, 400))
    estate_total = round(0.78 * customers)
    village_total = customers - estate_total
    est = _apportion(estate_total,
                     rng.lognormal(0.0, 0.6, max(1, round(estate_total / (1.6 * mean)))))
    vil = np.zeros(0, dtype=np.intp)
    if village_total:
        vil = _apportion(village_total,
                         rng.lognormal(0.0, 0.5, max(1, round(village_total / (0.5 * mean)))))
    mid = (roads.a + roads.b) / 2
    urban = density.urban(mid)
    est_xy = _along_roads(rng, roads, roads.length * (urban**1.5 + 1e-4), len(est),
                          (50.0, 220.0), area)
    vil_xy = _along_roads(rng, roads, roads.length * ((1 - urban) ** 3 + 1e-4), len(vil),
                          (80.0, 450.0), area)
    n = len(est) + len(vil)
    return _Communities(
        xy=np.vstack([est_xy, vil_xy]),
        estate=np.concatenate([np.ones(len(est), bool), np.zeros(len(vil), bool)]),
        size=np.concatenate([est, vil]).astype(np.intp),
        radius=np.zeros(n),
        grid=np.full(n, -1, dtype=np.intp),
        name=[],
        road=np.zeros(0, dtype=np.intp),
        number=np.zeros(0, dtype=np.intp),
    )


def _point_in(rng: Generator, polygon: Polygon) -> FloatArray:
    x0, y0, x1, y1 = polygon.bounds
    for _ in range(20):
        candidate = rng.uniform([x0, y0], [x1, y1], size=(32, 2))
        inside = np.flatnonzero(shapely.contains_xy(polygon, candidate[:, 0], candidate[:, 1]))
        if inside.size:
            return candidate[inside[0]]
    return np.array(shapely.get_coordinates(shapely.point_on_surface(polygon))[0])


def _uniform_points(rng: Generator, area: Polygon, n: int) -> FloatArray:
    x0, y0, x1, y1 = area.bounds
    out: list[FloatArray] = []
    while sum(len(o) for o in out) < n:
        candidate = rng.uniform([x0, y0], [x1, y1], size=(2 * n, 2))
        out.append(candidate[shapely.contains_xy(area, candidate[:, 0], candidate[:, 1])])
    return np.vstack(out)[:n]


# ---------------------------------------------------------------------------------------
# Grids, districts, DMAs


def _grid_cells(rng: Generator, area: Polygon, comm: _Communities, n: int) -> list[Polygon]:
    uniform = _uniform_points(rng, area, max(30 * n, 1200))
    points = np.vstack([comm.xy, uniform])
    # k-means cells shrink only with the square root of density; weighting each community
    # by the customers around it as well evens out the workload per grid. The plain-area
    # share keeps countryside grids to a size a rep can still drive around.
    crowd = np.concatenate([
        np.exp(-((chunk[:, None, :] - comm.xy[None, :, :]) ** 2).sum(axis=2)
               / (2 * 1500.0**2)) @ comm.size
        for chunk in np.array_split(comm.xy, max(1, len(comm.xy) // 500))
    ])
    pull = comm.size * crowd
    pull = pull / pull.sum() * comm.size.sum()
    weights = np.concatenate([pull, np.full(len(uniform), 0.2 * comm.size.sum() / len(uniform))])
    seeds, labels = kmeans(points, n, rng, weights=weights, iters=40)
    for j in range(n):
        members = np.flatnonzero(labels == j)
        inside = shapely.contains_xy(area, seeds[j, 0], seeds[j, 1])
        if members.size and not inside:
            seeds[j] = points[members[np.hypot(*(points[members] - seeds[j]).T).argmin()]]
        elif not members.size:
            gap = np.min(np.hypot(uniform[:, None, 0] - seeds[None, :, 0],
                                  uniform[:, None, 1] - seeds[None, :, 1]), axis=1)
            seeds[j] = uniform[gap.argmax()]
    if len(np.unique(seeds, axis=0)) < n:
        seeds = seeds + rng.normal(0.0, 0.01, seeds.shape)
    frame = shapely.box(*area.buffer(50_000.0).bounds)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame, ordered=True)
    )
    if len(cells) != n:
        raise RuntimeError(f"expected {n} Voronoi cells, got {len(cells)}")
    return _merge_fragments(list(shapely.intersection(cells, area)))


def _merge_fragments(cells: list[Polygon]) -> list[Polygon]:
    """Give stray pieces of a clipped cell to the neighbour sharing most border with them.

    A cell clipped by a concave stretch of the boundary can fall apart; a grid must be
    one polygon, so each smaller piece joins the grid it borders most.
    """
    for _ in range(len(cells)):
        split = [i for i, c in enumerate(cells) if shapely.get_num_geometries(c) > 1]
        if not split:
            break
        i = split[0]
        parts = sorted(shapely.get_parts(cells[i]), key=lambda p: -p.area)
        cells[i] = parts[0]
        for fragment in parts[1:]:
            shared = [0.0 if j == i else
                      shapely.intersection(fragment.boundary, other.boundary).length
                      for j, other in enumerate(cells)]
            j = int(np.argmax(shared))
            cells[j] = shapely.coverage_union(cells[j], fragment)
    if any(c.geom_type != "Polygon" for c in cells):
        raise RuntimeError("could not make every grid a single polygon")
    return cells


def _adjacency(cells: Sequence[Polygon]) -> list[list[int]]:
    geoms = np.empty(len(cells), dtype=object)
    geoms[:] = list(cells)
    left, right = STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(geoms[left]),
                                                 shapely.boundary(geoms[right])))
    neighbours: list[list[int]] = [[] for _ in cells]
    for a, b in zip(left[shared > 1.0].tolist(), right[shared > 1.0].tolist(), strict=True):
        neighbours[a].append(b)
        neighbours[b].append(a)
    return neighbours


def _grow(centroids: FloatArray, neighbours: list[list[int]], seeds: Sequence[int]) -> IntArray:
    """Multi-source Dijkstra over grid adjacency: every region is edge-connected."""
    label = np.full(len(centroids), -1, dtype=np.intp)
    best = np.full(len(centroids), np.inf)
    heap = [(0.0, s, r) for r, s in enumerate(seeds)]
    for _, s, _ in heap:
        best[s] = 0.0
    heapq.heapify(heap)
    while heap:
        d, node, region = heapq.heappop(heap)
        if label[node] >= 0:
            continue
        label[node] = region
        for other in neighbours[node]:
            nd = d + math.dist(centroids[node], centroids[other])
            if label[other] < 0 and nd < best[other]:
                best[other] = nd
                heapq.heappush(heap, (nd, other, region))
    orphans = np.flatnonzero(label < 0)
    if orphans.size:  # cannot happen for a connected area; kept as a safety net
        nearest = np.hypot(*(centroids[orphans][:, None, :]
                             - centroids[list(seeds)][None, :, :]).transpose(2, 0, 1))
        label[orphans] = nearest.argmin(axis=1)
    return label


def _spread_seeds(rng: Generator, centroids: FloatArray, n: int) -> list[int]:
    seeds = [int(rng.integers(len(centroids)))]
    gap = np.hypot(*(centroids - centroids[seeds[0]]).T)
    while len(seeds) < n:
        seeds.append(int(gap.argmax()))
        gap = np.minimum(gap, np.hypot(*(centroids - centroids[seeds[-1]]).T))
    return seeds


def _classify(district: IntArray, density: FloatArray, n_districts: int) -> list[str]:
    """Within each district the busiest grids are urban, the emptiest remote."""
    classes = [""] * len(district)
    for d in range(n_districts):
        members = np.flatnonzero(district == d)
        members = members[np.argsort(-density[members], kind="stable")]
        n = len(members)
        remote = max(1, round(0.15 * n)) if n >= 3 else 0
        rural = max(1, round(0.30 * n)) if n >= 2 else 0
        for rank, g in enumerate(members.tolist()):
            classes[g] = ("urban" if rank < n - rural - remote
                          else "rural" if rank < n - remote else "remote")
    return classes


def _fill_empty_grids(rng: Generator, comm: _Communities, cells: Sequence[Polygon],
                      frame: _Frame) -> None:
    """A grid nobody lives in gets a hamlet; its size is settled by ``_rebalance``."""
    counts = np.bincount(comm.grid, minlength=len(cells))
    for g in np.flatnonzero(counts == 0).tolist():
        xy = _point_in(rng, cells[g])
        for _ in range(20):
            if frame.locate(frame.rounded(xy[None]))[0] == g:
                break
            xy = _point_in(rng, cells[g])
        else:
            raise RuntimeError(f"could not find a point inside grid {g}")
        comm.extend(xy, 1, g)


def _rebalance(comm: _Communities, n_grids: int, customers: int, minimum: int) -> None:
    """Even out the workload between grids while keeping busy grids busier.

    Grid totals become proportional to the square root of what the communities gave
    them (at least ``minimum``); communities keep their relative sizes within a grid,
    and ones that round down to nobody are dropped.
    """
    current = np.bincount(comm.grid, comm.size, minlength=n_grids)
    target = _apportion(customers, np.sqrt(np.maximum(current, minimum)), floor=minimum)
    size = np.zeros_like(comm.size)
    for g, members in groups(comm.grid, np.arange(len(comm.size))):
        floor = 1 if target[g] >= len(members) else 0
        size[members] = _apportion(int(target[g]), comm.size[members].astype(float), floor)
    comm.size = size
    comm.keep(size > 0)


# ---------------------------------------------------------------------------------------
# Premises and accounts


@dataclass(slots=True)
class _Premises:
    community: IntArray
    both: BoolArray
    business: BoolArray
    xy: FloatArray
    ll: FloatArray
    grid: IntArray
    segment: list[str]
    holder: list[str]
    phones: list[tuple[str, ...]]
    address: list[Address]
    major: BoolArray
    tags: list[tuple[str, ...]]


def _disc(rng: Generator, n: int, radius: FloatArray) -> FloatArray:
    r = radius * np.sqrt(rng.random(n))
    angle = rng.uniform(0.0, 2 * math.pi, n)
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)])


def _premises(rng: Generator, name_rng: Generator, comm: _Communities, frame: _Frame,
              meta: _GridMeta, road_names: Sequence[str], phonebook: vocab.PhoneBook
              ) -> _Premises:
    district_of, place_of = meta.district, meta.place
    n_comm = len(comm.size)
    n_both = np.minimum(np.floor(comm.size * _BOTH_UTILITIES_SHARE + rng.random(n_comm)),
                        comm.size // 2).astype(np.intp)
    n_both[meta.e_only[comm.grid]] = 0
    per_comm = comm.size - n_both
    pc = np.repeat(np.arange(n_comm), per_comm)
    n = len(pc)
    start = np.cumsum(per_comm) - per_comm
    order = np.lexsort((rng.random(n), pc))
    rank = np.empty(n, dtype=np.intp)
    rank[order] = np.arange(n) - start[pc[order]]
    both = rank < n_both[pc]
    business = rng.random(n) < _BUSINESS_SHARE

    # Residential slots: each premise gets a distinct flat (estates) or house (villages).
    building = [""] * n
    unit_room = [""] * n
    unit_of = np.zeros(n, dtype=np.intp)
    unit_xy: list[FloatArray] = []
    unit_comm: list[int] = []
    residents = np.flatnonzero(~business)
    for c, members in groups(pc[residents], residents):
        k = len(members)
        if comm.estate[c]:
            units, floors, rooms = (int(v) for v in rng.integers([1, 6, 2], [5, 34, 5]))
            per_building = units * floors * rooms
            count = max(int(rng.integers(3, 19)), math.ceil(k / per_building))
            slot = rng.choice(count * per_building, size=k, replace=False)
            block, rest = np.divmod(slot, per_building)
            unit, rest = np.divmod(rest, floors * rooms)
            floor, room = np.divmod(rest, rooms)
            labels = [f"{b + 1}栋" for b in block.tolist()]
            flats = [f"{u + 1}单元{f + 1}{r + 1:02d}"
                     for u, f, r in zip(unit.tolist(), floor.tolist(), room.tolist(), strict=True)]
        else:
            count = max(int(rng.integers(3, 11)), math.ceil(k / 60))
            block, house = np.divmod(rng.choice(count * 60, size=k, replace=False), 60)
            labels = [f"{b + 1}组" for b in block.tolist()]
            flats = [f"{h + 1}号" for h in house.tolist()]
        for i, label, flat in zip(members.tolist(), labels, flats, strict=True):
            building[i] = label
            unit_room[i] = flat
        unit_of[members] = len(unit_xy) + block
        offsets = _disc(rng, count, np.full(count, comm.radius[c]))
        unit_xy.extend(comm.xy[c] + offsets)
        unit_comm.extend([c] * count)

    u_comm = np.array(unit_comm, dtype=np.intp)
    u_xy, _, _ = frame.place(np.array(unit_xy).reshape(-1, 2), comm.xy[u_comm],
                             comm.grid[u_comm])
    proposed = np.empty((n, 2))
    anchor = np.empty((n, 2))
    jitter = np.where(comm.estate, 5.0, 35.0)
    proposed[residents] = u_xy[unit_of[residents]] + rng.normal(
        0.0, 1.0, (len(residents), 2)) * jitter[pc[residents], None]
    anchor[residents] = u_xy[unit_of[residents]]
    shops = np.flatnonzero(business)
    proposed[shops] = comm.xy[pc[shops]] + _disc(rng, len(shops), comm.radius[pc[shops]])
    anchor[shops] = comm.xy[pc[shops]]
    xy, ll, grid = frame.place(proposed, anchor, comm.grid[pc])

    segment = np.full(n, "residential", dtype=object)
    village = ~comm.estate[pc]
    for mask, p in ((business & ~village, (0.66, 0.06, 0.12, 0.06, 0.10)),
                    (business & village, (0.40, 0.30, 0.12, 0.08, 0.10))):
        segment[mask] = np.array(vocab.BUSINESS_SEGMENTS, dtype=object)[
            rng.choice(len(p), size=int(mask.sum()), p=p)]
    odds = np.array([_MAJOR_ODDS.get(s, 0.0) for s in segment.tolist()])
    major = rng.random(n) < odds
    sensitive = ~business & (rng.random(n) < 0.012)

    holder = np.empty(n, dtype=object)
    holder[residents] = vocab.person_names(name_rng, len(residents))
    holder[shops] = vocab.business_names(
        name_rng, segment[shops].tolist(),
        [comm.name[c] if not comm.estate[c] else place_of[comm.grid[c]] for c in pc[shops]],
        [district_of[comm.grid[c]] for c in pc[shops]], village[shops].tolist())

    phones = _phones(rng, business, phonebook)
    addresses = _addresses(comm, pc, business, rank, building, unit_room, district_of,
                           road_names)
    tags = [tuple(t for t, on in zip(TAGS, flags, strict=True) if on) for flags in zip(
        major.tolist(), [s in vocab.PROTECTED_SEGMENTS for s in segment.tolist()],
        sensitive.tolist(), [False] * n, strict=True)]
    return _Premises(pc, both, business, xy, ll, grid, segment.tolist(), holder.tolist(), phones,
                     addresses, major, tags)


def _phones(rng: Generator, business: BoolArray, book: vocab.PhoneBook) -> list[tuple[str, ...]]:
    """Mostly one mobile; some second numbers; elderly households and firms use landlines."""
    n = len(business)
    roll, second = rng.random(n), rng.random(n)
    plans: list[str] = []
    for b, r, s in zip(business.tolist(), roll.tolist(), second.tolist(), strict=True):
        if b:
            plans.append(("L" + ("M" if s < 0.5 else "")) if r < 0.7 else
                         ("M" + ("L" if s < 0.3 else "")))
        else:
            plans.append("L" if r < 0.05 else ("M" + ("M" if s < 0.5 else "L")) if r < 0.2
                         else "M")
    joined = "".join(plans)
    mobiles = iter(book.mobiles(joined.count("M")))
    landlines = iter(book.landlines(joined.count("L")))
    return [tuple(next(mobiles) if k == "M" else next(landlines) for k in plan) for plan in plans]


def _addresses(comm: _Communities, pc: IntArray, business: BoolArray, rank: IntArray,
               building: list[str], unit_room: list[str], district_of: list[str],
               road_names: Sequence[str]) -> list[Address]:
    roads = [road_names[r] for r in comm.road.tolist()]
    numbers = comm.number.tolist()
    # Businesses front the road a few doors up from their community's gate.
    door = np.where(business, 2 * (rank + 1), 0)
    out: list[Address] = []
    for i, (c, is_shop) in enumerate(zip(pc.tolist(), business.tolist(), strict=True)):
        district = district_of[comm.grid[c]]
        road = roads[c]
        number = f"{numbers[c] + int(door[i])}号"
        community = "" if is_shop else comm.name[c]
        text = f"{vocab.CITY}{district}{road}{number}{community}{building[i]}{unit_room[i]}"
        out.append(Address(vocab.CITY, district, road, number, community, building[i],
                           unit_room[i], text))
    return out


# ---------------------------------------------------------------------------------------
# Build


def build_city(
    *,
    seed: int = 7,
    customers: int = 50_000,
    grids: int = 60,
    progress: Progress | None = None,
) -> City:
    """Generate the demo city; the same arguments always give the same city."""
    if grids < 1:
        raise ValueError("grids must be at least 1")
    if customers < 5 * grids:
        raise ValueError("need at least 5 customers per grid")
    report: Progress = progress or (lambda stage, done, total: None)
    rngs = dict(zip(_STREAMS, (np.random.default_rng(s) for s in
                                np.random.SeedSequence(seed % 2**128).spawn(len(_STREAMS))),
                    strict=True))

    report("layout", 0, 2)
    area = _service_area(rngs["area"])
    density = _Density.create(rngs["area"])
    roads = _roads(rngs["roads"], area, density)
    report("layout", 2, 2)

    report("communities", 0, 1)
    comm = _communities(rngs["communities"], area, roads, density, customers, grids)
    report("communities", 1, 1)

    report("grids", 0, 2)
    cells = _grid_cells(rngs["grids"], area, comm, grids)
    frame = _Frame(cells)
    comm.grid = _locate_communities(comm, cells, frame)
    _fill_empty_grids(rngs["grids"], comm, cells, frame)
    _rebalance(comm, grids, customers, int(np.clip(customers // (grids * 10), 3, 20)))
    comm.set_radius()
    report("grids", 1, 2)

    districts, cells, frame, grid_meta = _organise(rngs["districts"], comm, cells, frame,
                                                   roads)
    report("grids", 2, 2)

    report("premises", 0, 1)
    comm.road, along, side = roads.nearest(comm.xy)
    comm.number = 2 * (along // 30).astype(np.intp) + np.where(side > 0, 1, 2)
    n_est = int(comm.estate.sum())
    comm.name = (vocab.estate_names(rngs["names"], n_est)
                 + vocab.village_names(rngs["names"], len(comm.size) - n_est))
    phonebook = vocab.PhoneBook(rngs["accounts"])
    staff, reps, backups = _staff(rngs["names"], phonebook, cells, grid_meta)
    prem = _premises(rngs["premises"], rngs["names"], comm, frame, grid_meta, roads.names,
                     phonebook)
    report("premises", 1, 1)

    customers_out, assets, nodes, pipes = _accounts(rngs, prem, comm, frame, grid_meta, roads,
                                                    customers, report)

    report("dmas", 0, 1)
    centroids = np.array([c.centroid.coords[0] for c in cells])
    neighbours = _adjacency(cells)
    dma_seeds = _spread_seeds(rngs["dmas"], centroids, min(DMA_COUNT, len(cells)))
    dma_of = _grow(centroids, neighbours, dma_seeds)
    dmas = tuple(
        Dma(f"DMA{k + 1:02d}", f"{grid_meta.place[s]}计量分区",
            shapely.coverage_union_all(frame.grids[dma_of == k]))
        for k, s in enumerate(dma_seeds)
    )
    report("dmas", 1, 1)

    grid_records = tuple(
        Grid(grid_meta.code[g], grid_meta.name[g], grid_meta.district[g],
             grid_meta.area_class[g], reps[g], backups[g],
             ("electric",) if grid_meta.e_only[g] else UTILITIES, frame.grids[g])
        for g in range(len(cells))
    )
    service_area = shapely.coverage_union_all(frame.grids)
    if not isinstance(service_area, Polygon):
        service_area = _to_wgs84(area)
    return City(seed, service_area, districts, grid_records, staff, customers_out, assets,
                nodes, pipes, dmas)


def _locate_communities(comm: _Communities, cells: Sequence[Polygon], frame: _Frame) -> IntArray:
    grid = frame.locate(frame.rounded(comm.xy))
    for i in np.flatnonzero(grid < 0).tolist():
        # Only a centre within rounding distance of an edge ends up here.
        distance = shapely.distance(np.array(cells, dtype=object), shapely.Point(comm.xy[i]))
        target = cells[int(np.argmin(distance))]
        comm.xy[i] = shapely.get_coordinates(shapely.point_on_surface(target))[0]
        grid[i] = frame.locate(frame.rounded(comm.xy[i][None]))[0]
        if grid[i] < 0:
            raise RuntimeError("could not place a community inside a grid")
    return grid


@dataclass(frozen=True, slots=True)
class _GridMeta:
    code: list[str]
    name: list[str]
    place: list[str]
    district: list[str]
    area_class: list[str]
    e_only: BoolArray


_CLASS_RANK = {"urban": 0, "rural": 1, "remote": 2}


def _organise(rng: Generator, comm: _Communities, cells: list[Polygon], frame: _Frame,
              roads: _Roads) -> tuple[tuple[District, ...], list[Polygon], _Frame, _GridMeta]:
    """Districts, classes, codes and names; grids reordered by district and class."""
    n = len(cells)
    vocab_districts = vocab.DISTRICTS[: min(len(vocab.DISTRICTS), n)]
    centroids = np.array([c.centroid.coords[0] for c in cells])
    half = np.array([AREA_WIDTH_M / 2, AREA_HEIGHT_M / 2])
    seeds: list[int] = []
    for d in vocab_districts:
        distance = np.hypot(*(centroids - np.array(d.anchor) * half).T)
        distance[seeds] = np.inf
        seeds.append(int(distance.argmin()))
    district = _grow(centroids, _adjacency(cells), seeds)
    accounts = np.bincount(comm.grid, comm.size, minlength=n)
    density = accounts / (shapely.area(np.array(cells, dtype=object)) / 1e6)
    classes = _classify(district, density, len(vocab_districts))

    order = sorted(range(n), key=lambda g: (district[g], _CLASS_RANK[classes[g]], -density[g], g))
    new_index = np.empty(n, dtype=np.intp)
    new_index[order] = np.arange(n)
    cells = [cells[g] for g in order]
    district = district[order]
    classes = [classes[g] for g in order]
    comm.grid = new_index[comm.grid]
    frame = _Frame(cells)

    codes, names, places = [], [], []
    used: set[str] = set()
    largest = _largest_community(comm, n)
    for d, info in enumerate(vocab_districts):
        members = np.flatnonzero(district == d).tolist()
        urban_pool = iter(info.landmarks)
        town_pool = iter(info.towns)
        for k, g in enumerate(members, start=1):
            pool = urban_pool if classes[g] == "urban" else town_pool
            place = next((p for p in pool if p not in used), "")
            if not place:
                place = _fallback_place(roads, comm, largest[g], used)
            used.add(place)
            codes.append(f"CS-{info.abbr}-{k:03d}")
            names.append(f"{info.name}·{place}网格")
            places.append(place)
    # Remote villages often draw well water, so some remote grids are electric only.
    e_only = np.array([c == "remote" and rng.random() < 0.5 for c in classes], dtype=bool)
    meta = _GridMeta(codes, names, places, [vocab_districts[d].name for d in district.tolist()],
                     classes, e_only)
    districts = tuple(
        District(info.abbr, info.name, shapely.coverage_union_all(frame.grids[district == d]))
        for d, info in enumerate(vocab_districts)
    )
    return districts, cells, frame, meta


def _largest_community(comm: _Communities, n: int) -> list[int]:
    best = [-1] * n
    for i in np.argsort(comm.size, kind="stable").tolist():
        best[int(comm.grid[i])] = i
    return best


def _fallback_place(roads: _Roads, comm: _Communities, community: int, used: set[str]) -> str:
    road = roads.names[int(roads.nearest(comm.xy[community][None])[0][0])] if community >= 0 \
        else roads.names[0]
    base = vocab.line_root(road)
    place, k = base, 2
    while place in used:
        place = f"{base}{vocab.cn_numeral(min(k, 99))}"
        k += 1
    return place


def _staff(rng: Generator, book: vocab.PhoneBook, cells: Sequence[Polygon], meta: _GridMeta
           ) -> tuple[tuple[Staff, ...], list[Staff], list[Staff]]:
    """One rep per grid; the backup is the rep of the nearest grid, same district first."""
    n = len(cells)
    count = n if n > 1 else 2
    people = [Staff(f"rep{i + 1:03d}", name, phone) for i, (name, phone) in enumerate(
        zip(vocab.person_names(rng, count), book.mobiles(count), strict=True))]
    reps = people[:n]
    if n == 1:
        return tuple(people), reps, [people[1]]
    centroids = np.array([c.centroid.coords[0] for c in cells])
    backups = []
    for g in range(n):
        distance = np.hypot(*(centroids - centroids[g]).T)
        other_district = np.array([d != meta.district[g] for d in meta.district])
        distance = distance + other_district * 1e9
        distance[g] = np.inf
        backups.append(reps[int(distance.argmin())])
    return tuple(people), reps, backups


def _accounts(rngs: dict[str, Generator], prem: _Premises, comm: _Communities, frame: _Frame,
              meta: _GridMeta, roads: _Roads, customers: int, report: Progress
              ) -> tuple[tuple[Customer, ...], tuple[Asset, ...], tuple[WaterNode, ...],
                         tuple[Pipe, ...]]:
    rng = rngs["accounts"]
    n_prem = len(prem.community)
    single_electric = (rng.random(n_prem) < _ELECTRIC_SHARE_OF_SINGLE) | meta.e_only[prem.grid]
    first = np.where(prem.both | single_electric, "electric", "water")
    # A household with both utilities gets a second, water, account listed right after.
    second = np.flatnonzero(prem.both)
    premise = np.concatenate([np.arange(n_prem), second])
    utility = np.concatenate([first, np.full(len(second), "water")])
    order = np.argsort(premise, kind="stable")
    premise, utility = premise[order], utility[order]
    if len(premise) != customers:
        raise RuntimeError(f"built {len(premise)} accounts, wanted {customers}")

    site = Site(frame.place, meta.code, meta.place, roads.names_at, comm.name)
    is_e = utility == "electric"
    shop_major = prem.business & prem.major
    dedicated = shop_major[premise] & (rng.random(len(premise)) < 0.5)
    e_idx, w_idx = np.flatnonzero(is_e), np.flatnonzero(~is_e)

    def consumers(idx: IntArray) -> Consumers:
        p = premise[idx]
        return Consumers(prem.xy[p], prem.grid[p], prem.community[p],
                         [prem.holder[i] for i in p.tolist()], dedicated[idx])

    assets, e_supply = build_electric(consumers(e_idx), site, rngs["electric"], report)
    nodes, pipes, w_supply = build_water(consumers(w_idx), site, rngs["water"], report)
    supply = np.empty(len(premise), dtype=object)
    supply[e_idx] = e_supply
    supply[w_idx] = w_supply

    e_accounts = iter(f"E{v + 10**9:010d}" for v in vocab.UniqueDraw(rng, 9 * 10**9).take(
        len(e_idx)))
    w_accounts = iter(f"W{v + 10**9:010d}" for v in vocab.UniqueDraw(rng, 9 * 10**9).take(
        len(w_idx)))
    n_meters = 1 + np.where(prem.business[premise], (rng.random(len(premise)) < 0.35)
                            + np.where(prem.major[premise],
                                       rng.integers(1, 3, len(premise)), 0), 0)
    e_meters = iter(f"DB{v:012d}" for v in vocab.UniqueDraw(rng, 10**12).take(
        int(n_meters[e_idx].sum())))
    w_meters = iter(f"SB{v:010d}" for v in vocab.UniqueDraw(rng, 10**10).take(
        int(n_meters[w_idx].sum())))
    supervised = rng.random(len(premise)) < 0.006

    out: list[Customer] = []
    total = len(premise)
    chunk = max(1, total // 10)
    report("customers", 0, total)
    codes = meta.code
    for i, (p, util, sup, k) in enumerate(zip(premise.tolist(), utility.tolist(),
                                              supervised.tolist(), n_meters.tolist(),
                                              strict=True)):
        electric = util == "electric"
        tags = prem.tags[p] if not sup else tuple(
            t for t in TAGS if t in prem.tags[p] or t == "supervised")
        meters = e_meters if electric else w_meters
        out.append(Customer(
            next(e_accounts) if electric else next(w_accounts), prem.holder[p], prem.phones[p],
            prem.address[p], float(prem.ll[p, 0]), float(prem.ll[p, 1]), util, supply[i], tags,
            tuple(next(meters) for _ in range(k)), codes[prem.grid[p]], prem.segment[p]))
        if (i + 1) % chunk == 0 or i + 1 == total:
            report("customers", i + 1, total)
    return tuple(out), tuple(assets), tuple(nodes), tuple(pipes)


# ---------------------------------------------------------------------------------------
# Exports


def iter_customer_rows(city: City) -> Iterator[dict[str, Any]]:
    """Customers as flat rows with the import columns; lists are ";"-joined."""
    for c in city.customers:
        yield {
            "account": c.account,
            "name": c.name,
            "phones": ";".join(c.phones),
            "address": c.address.text,
            "lon": c.lon,
            "lat": c.lat,
            "utility": c.utility,
            "supply_point": c.supply_point,
            "tags": ";".join(c.tags),
            "meters": ";".join(c.meters),
            "grid_code": c.grid_code,
        }


def _listify(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_listify(v) for v in value]
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    return value


def city_to_geojson_grids(city: City) -> dict[str, Any]:
    """Grids as an RFC 7946 FeatureCollection (WGS84, exterior rings counter-clockwise)."""
    features = []
    for g in city.grids:
        geometry = shapely.geometry.mapping(shapely.orient_polygons(g.polygon))
        features.append({
            "type": "Feature",
            "id": g.code,
            "geometry": _listify(geometry),
            "properties": {
                "code": g.code,
                "name": g.name,
                "rep": g.rep.login,
                "rep_name": g.rep.name,
                "backup": g.backup.login,
                "district": g.district,
                "area_class": g.area_class,
                "utilities": list(g.utilities),
            },
        })
    return {"type": "FeatureCollection", "features": features}


def city_digest(city: City) -> str:
    """SHA-256 of a canonical serialisation: equal digests mean identical cities."""
    h = hashlib.sha256()

    def feed(item: Any) -> None:
        h.update(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode())
        h.update(b"\n")

    def wkb(geometry: Any) -> str:
        return shapely.to_wkb(geometry, hex=True)

    feed([city.seed, wkb(city.service_area)])
    for d in city.districts:
        feed([d.code, d.name, wkb(d.polygon)])
    for s in city.staff:
        feed([s.login, s.name, s.phone])
    for g in city.grids:
        feed([g.code, g.name, g.district, g.area_class, g.rep.login, g.backup.login,
              list(g.utilities), wkb(g.polygon)])
    for c in city.customers:
        a = c.address
        feed([c.account, c.name, list(c.phones), a.city, a.district, a.road, a.number,
              a.community, a.building, a.unit_room, a.text, c.lon, c.lat, c.utility,
              c.supply_point, list(c.tags), list(c.meters), c.grid_code, c.segment])
    for x in city.assets:
        feed([x.code, x.kind, x.parent, x.name, x.lon, x.lat, x.grid_code])
    for n in city.water_nodes:
        feed([n.code, n.kind, n.name, n.lon, n.lat, n.grid_code])
    for p in city.water_pipes:
        feed([p.code, p.from_code, p.to_code, p.material, p.diameter_mm, p.year, p.length_m])
    for m in city.dmas:
        feed([m.code, m.name, m.kind, wkb(m.polygon)])
    return h.hexdigest()
