"""Basic units as geometry: lattices over a service area, adjacency, barriers, dissolving.

Pure over shapely: geometries in, arrays out. Coordinates are whatever the caller gives;
the service projects WGS84 to metres (``gridcare.core.geo.local_projection``) first so
that edge lengths and distances mean metres.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon, box
from shapely.strtree import STRtree

LATTICES = ("square", "hex")


def lattice(area: Any, *, cell_m: float, kind: str = "hex", clip: bool = True) -> list[Any]:
    """Cells of a square or hexagonal lattice covering ``area`` (metric), clipped to it
    unless ``clip`` is false (then whole cells that touch it: the caller clips them after
    reprojecting, so the clipped edges follow the area's own edges exactly)."""
    if kind not in LATTICES:
        raise ValueError(f"kind: must be one of {', '.join(LATTICES)}")
    if cell_m <= 0:
        raise ValueError("cell_m: must be more than 0")
    minx, miny, maxx, maxy = area.bounds
    cells: list[Any] = []
    if kind == "square":
        xs = np.arange(minx, maxx, cell_m)
        ys = np.arange(miny, maxy, cell_m)
        raw = [box(x, y, x + cell_m, y + cell_m) for y in ys for x in xs]
    else:
        r = cell_m / math.sqrt(3)  # flat-to-flat = cell_m
        w, h = 2 * r, cell_m
        raw = []
        col = 0
        x = minx
        while x - r < maxx:
            y0 = miny + (h / 2 if col % 2 else 0)
            y = y0 - h
            while y - h / 2 < maxy:
                raw.append(Polygon([(x + r * math.cos(a), y + r * math.sin(a)) for a in (math.pi / 3 * i for i in range(6))]))
                y += h
            x += 1.5 * r
            col += 1
        del w
    shapely.prepare(area)
    for cell in raw:
        if not area.intersects(cell):
            continue
        if not clip:
            cells.append(cell)
            continue
        part = cell if area.contains(cell) else cell.intersection(area)
        if part.is_empty or part.area < 1e-6 * cell.area:
            continue
        if part.geom_type == "MultiPolygon":  # keep the biggest piece; a grid is one polygon
            part = max(part.geoms, key=lambda g: g.area)
        if part.geom_type == "Polygon":
            cells.append(part)
    return cells


def clip_cells(cells: Sequence[Any], area: Any) -> list[Any]:
    """Each cell cut to ``area``, keeping its biggest piece (a unit is one polygon)."""
    shapely.prepare(area)
    kept: list[Any] = []
    for cell in cells:
        part = cell if area.contains(cell) else cell.intersection(area)
        if part.geom_type == "MultiPolygon" or part.geom_type == "GeometryCollection":
            polygons = [g for g in getattr(part, "geoms", []) if g.geom_type == "Polygon"]
            part = max(polygons, key=lambda g: g.area) if polygons else part
        if part.geom_type == "Polygon" and not part.is_empty and part.area > 0:
            kept.append(part)
    return kept


def split_crowded(cells: list[Any], points: np.ndarray, *, most: int, levels: int = 3) -> list[Any]:
    """Cut every cell holding more than ``most`` points into the four quarters of its
    bounding box, again up to ``levels`` times: a dense centre gets small units, so no unit
    is a large share of one grid's work."""
    if most < 1 or not len(points):
        return cells
    pts = shapely.points(points)
    for _ in range(levels):
        tree = STRtree(np.array(cells, dtype=object))
        _, cell_idx = tree.query(pts, predicate="intersects")
        counts = np.bincount(cell_idx, minlength=len(cells))
        if counts.max(initial=0) <= most:
            break
        next_cells: list[Any] = []
        for cell, count in zip(cells, counts.tolist(), strict=True):
            if count <= most:
                next_cells.append(cell)
                continue
            minx, miny, maxx, maxy = cell.bounds
            mx, my = (minx + maxx) / 2, (miny + maxy) / 2
            for quarter in (box(minx, miny, mx, my), box(mx, miny, maxx, my), box(minx, my, mx, maxy), box(mx, my, maxx, maxy)):
                part = cell.intersection(quarter)
                if part.geom_type == "MultiPolygon":
                    part = max(part.geoms, key=lambda g: g.area)
                if part.geom_type == "Polygon" and not part.is_empty and part.area > 0:
                    next_cells.append(part)
        cells = next_cells
    return cells


def adjacency(polygons: Sequence[Any], *, rook: bool = True, min_shared_m: float = 1.0, tolerance_m: float = 0.5) -> list[list[int]]:
    """Neighbours of each polygon: sharing an edge (``rook``, at least ``min_shared_m``
    long) or any boundary point (queen). Edges count as shared within ``tolerance_m``:
    stored coordinates are rounded and a split cell's edge has vertices its neighbour's
    lacks, so exact intersection would miss them."""
    geoms = np.array(polygons, dtype=object)
    tree = STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=tolerance_m)
    keep = left < right
    left, right = left[keep], right[keep]
    if rook and len(left):
        near = shapely.buffer(shapely.boundary(geoms[right]), tolerance_m, quad_segs=1)
        shared = shapely.length(shapely.intersection(shapely.boundary(geoms[left]), near))
        ok = shared >= min_shared_m + 2 * tolerance_m
        left, right = left[ok], right[ok]
    found: list[list[int]] = [[] for _ in polygons]
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        found[a].append(b)
        found[b].append(a)
    return found


def cut_by_barriers(neighbours: list[list[int]], centroids: np.ndarray, barriers: Sequence[Any]) -> list[list[int]]:
    """Remove the edges a barrier crosses. Lines (rivers, major roads) cut an edge when they
    cross the segment between the two centroids; polygons (DMAs, feeder areas) cut every
    edge between units whose centroids lie in different polygons (or one in, one out)."""
    lines = [b for b in barriers if b.geom_type in ("LineString", "MultiLineString")]
    zones = [b for b in barriers if b.geom_type in ("Polygon", "MultiPolygon")]
    pairs = [(a, b) for a, nbs in enumerate(neighbours) for b in nbs if a < b]
    if not pairs:
        return [list(n) for n in neighbours]
    cut = np.zeros(len(pairs), dtype=bool)
    arr = np.array(pairs)
    if lines:
        segments = shapely.linestrings(np.stack([centroids[arr[:, 0]], centroids[arr[:, 1]]], axis=1))
        tree = STRtree(np.array(lines, dtype=object))
        hit_seg, _ = tree.query(segments, predicate="intersects")
        cut[np.unique(hit_seg)] = True
    if zones:
        zone_of = np.full(len(centroids), -1, dtype=np.int64)
        points = shapely.points(centroids)
        tree = STRtree(np.array(zones, dtype=object))
        p, z = tree.query(points, predicate="within")
        zone_of[p] = z
        cut |= zone_of[arr[:, 0]] != zone_of[arr[:, 1]]
    found: list[list[int]] = [[] for _ in neighbours]
    for (a, b), gone in zip(pairs, cut.tolist(), strict=True):
        if not gone:
            found[a].append(b)
            found[b].append(a)
    return found


def dissolve(polygons: Sequence[Any], labels: np.ndarray, k: int) -> list[Any]:
    """One geometry per grid: the union of its units."""
    geoms = np.array(polygons, dtype=object)
    return [shapely.union_all(geoms[labels == r]) for r in range(k)]
