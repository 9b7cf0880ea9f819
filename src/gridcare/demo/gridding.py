"""Grids, districts and their staff: cutting the demo city's plane into grids.

Grids are Voronoi cells of weighted k-means seeds clipped to the service area, so that
busy areas get small grids; districts (and the water DMAs) are grown over the grid
adjacency graph. Each grid gets a class, a code, a name and a rep with a backup.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.random import Generator
from shapely import Polygon, STRtree

from gridcare.demo import names as vocab
from gridcare.demo.network import BoolArray, FloatArray, IntArray, groups, kmeans
from gridcare.demo.records import District, Staff
from gridcare.demo.terrain import (
    AREA_HEIGHT_M,
    AREA_WIDTH_M,
    _apportion,
    _Communities,
    _Frame,
    _point_in,
    _Roads,
    _uniform_points,
)

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
# Districts, names and staff


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
