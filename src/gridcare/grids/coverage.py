"""Coverage check for a set of grids: where do grids overlap, where are holes?

Overlaps mean two reps answer for the same address; gaps mean nobody does. Both are
reported per piece (one finding per connected area), with an area in m2 and a point
inside the piece, so a planner can find it on a map.

Set operations run in WGS84 (the grids' own coordinates, so shared borders stay
bit-identical and cancel out exactly); only the resulting pieces are projected, to a
Lambert equal-area projection centred on the data, to measure their areas.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from gridcare.core.geo import local_projection
from gridcare.core.i18n import T_, in_language

__all__ = ["CoverageReport", "Gap", "Overlap", "check_coverage"]


@dataclass(frozen=True)
class Overlap:
    """A piece of land claimed by two grids."""

    grid_a: str
    grid_b: str
    area_m2: float
    lon: float  # a point guaranteed to lie inside the piece
    lat: float
    geometry: Polygon = field(repr=False)

    @property
    def grids(self) -> tuple[str, str]:
        return (self.grid_a, self.grid_b)


@dataclass(frozen=True)
class Gap:
    """A piece of the service area that no grid covers."""

    area_m2: float
    lon: float
    lat: float
    geometry: Polygon = field(repr=False)

    @property
    def grids(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class CoverageReport:
    overlaps: list[Overlap]
    gaps: list[Gap]

    @property
    def ok(self) -> bool:
        return not self.overlaps and not self.gaps

    def lines(self) -> list[str]:
        """One T_ text per finding, overlaps first; a single line when all is well."""
        if self.ok:
            return [T_("coverage ok: no overlaps, no gaps")]
        lines = [
            T_("overlap %(a)s / %(b)s: %(area)s m2 at %(lon)s,%(lat)s", a=o.grid_a, b=o.grid_b, area=f"{o.area_m2:,.1f}", lon=f"{o.lon:.6f}", lat=f"{o.lat:.6f}")
            for o in self.overlaps
        ]
        lines += [T_("gap: %(area)s m2 at %(lon)s,%(lat)s", area=f"{g.area_m2:,.1f}", lon=f"{g.lon:.6f}", lat=f"{g.lat:.6f}") for g in self.gaps]
        return lines

    def to_text(self, locale: str | None = None) -> str:
        """The lines, one a line: in ``locale`` when given, else in English."""
        lines = self.lines()
        return "\n".join(lines if locale is None else (in_language(line, locale) for line in lines))

    def to_geojson(self) -> dict[str, Any]:
        """A FeatureCollection with ``kind`` (overlap|gap), ``grids`` and ``area_m2``."""
        features: list[dict[str, Any]] = []
        for finding in [*self.overlaps, *self.gaps]:
            features.append(
                {
                    "type": "Feature",
                    "geometry": json.loads(shapely.to_geojson(finding.geometry)),
                    "properties": {
                        "kind": "overlap" if isinstance(finding, Overlap) else "gap",
                        "grids": list(finding.grids),
                        "area_m2": round(finding.area_m2, 2),
                        "lon": finding.lon,
                        "lat": finding.lat,
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features}


def _polygons(geoms: NDArray[np.object_]) -> tuple[NDArray[np.intp], NDArray[np.object_]]:
    """Explode geometries into their polygons, dropping lines/points; returns (source index, polygon)."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    # a GeometryCollection from an intersection can nest polygons one level deeper
    nested = shapely.get_type_id(parts) == shapely.GeometryType.GEOMETRYCOLLECTION.value
    if nested.any():
        sub, sub_index = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        index = np.concatenate([index[~nested], index[nested][sub_index]])
    keep = (shapely.get_type_id(parts) == shapely.GeometryType.POLYGON.value) & ~shapely.is_empty(
        parts
    )
    return index[keep], parts[keep]


def check_coverage(
    grids: Sequence[tuple[str, BaseGeometry]],
    *,
    boundary: BaseGeometry | None = None,
    overlap_tolerance_m2: float = 1.0,
    gap_tolerance_m2: float = 1.0,
) -> CoverageReport:
    """Report overlaps between grids and gaps in coverage.

    ``grids`` are ``(code, geometry)`` pairs in WGS84. Gaps are measured inside
    ``boundary`` (the service area) when given; otherwise inside the grids' own
    outline, i.e. the holes of their union (a hole partly filled by an island grid
    reports only the uncovered remainder). Pieces smaller than the tolerances are
    ignored, which absorbs the slivers digitising always leaves between neighbours.
    """
    codes = [code for code, _ in grids]
    geoms = np.empty(len(grids), dtype=object)
    geoms[:] = [geom for _, geom in grids]
    live = np.flatnonzero(~shapely.is_empty(geoms)) if len(geoms) else np.empty(0, dtype=np.intp)
    geoms_live = geoms[live]
    extent = (
        geoms_live if boundary is None or boundary.is_empty else np.append(geoms_live, boundary)
    )
    proj = local_projection(extent)

    def measure(pieces: NDArray[np.object_]) -> NDArray[np.float64]:
        return shapely.area(proj.to_metric(pieces)) if len(pieces) else np.empty(0)

    # --- overlaps: only pairs whose envelopes meet can overlap; STRtree finds them
    overlaps: list[Overlap] = []
    if len(geoms_live) > 1:
        tree = shapely.STRtree(geoms_live)
        a, b = tree.query(geoms_live, predicate="intersects")
        keep = a < b
        a, b = a[keep], b[keep]
        # neighbours that merely share an edge intersect too; skip them cheaply
        interiors_meet = shapely.relate_pattern(geoms_live[a], geoms_live[b], "T********")
        a, b = a[interiors_meet], b[interiors_meet]
        src, pieces = _polygons(shapely.intersection(geoms_live[a], geoms_live[b]))
        areas = measure(pieces)
        big = areas >= overlap_tolerance_m2
        for i, piece, area in zip(src[big], pieces[big], areas[big], strict=True):
            p = shapely.point_on_surface(piece)
            overlaps.append(
                Overlap(
                    codes[live[a[i]]], codes[live[b[i]]], float(area), float(p.x), float(p.y), piece
                )
            )
    overlaps.sort(key=lambda o: (o.grid_a, o.grid_b, -o.area_m2))

    # --- gaps
    gaps: list[Gap] = []
    covered = shapely.union_all(geoms_live) if len(geoms_live) else Polygon()
    if boundary is not None:
        area_of_interest = boundary
    else:
        # the outline of the union with its holes filled in
        shells = [Polygon(p.exterior) for p in _polygons(np.array([covered], dtype=object))[1]]
        area_of_interest = shapely.union_all(shells) if shells else Polygon()
    if not area_of_interest.is_empty:
        _, pieces = _polygons(
            np.array([shapely.difference(area_of_interest, covered)], dtype=object)
        )
        areas = measure(pieces)
        big = areas >= gap_tolerance_m2
        for piece, area in zip(pieces[big], areas[big], strict=True):
            p = shapely.point_on_surface(piece)
            gaps.append(Gap(float(area), float(p.x), float(p.y), piece))
    gaps.sort(key=lambda g: -g.area_m2)
    return CoverageReport(overlaps=overlaps, gaps=gaps)
