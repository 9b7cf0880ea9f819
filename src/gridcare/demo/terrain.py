"""The demo city's plane and what lies on it before there are grids.

Everything works in a local metric plane, metres east and north of the city centre;
``_Frame`` converts to WGS84 lon/lat and decides point-in-grid. Here are the service area,
the urban density, the roads and the communities placed along them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.random import Generator
from shapely import Polygon, STRtree

from gridcare.demo import names as vocab
from gridcare.demo.network import BoolArray, FloatArray, IntArray

CENTRE_LON = 112.98
CENTRE_LAT = 28.20
_M_PER_DEG_LAT = 111_195.0
_M_PER_DEG_LON = _M_PER_DEG_LAT * math.cos(math.radians(CENTRE_LAT))
AREA_WIDTH_M = 25_000.0
AREA_HEIGHT_M = 20_000.0
COORD_DECIMALS = 6  # ~0.1 m; containment is checked on the rounded values
_SETTLE_STEPS = 40


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

