"""Grid (网格) geometry: GeoJSON import, point location and coverage checks.

Pure functions over plain data: no database, no clock, no network. Geometries are
shapely objects in WGS84 lon/lat. Point location lives in :mod:`gridcare.grids.locate`
and coverage checks in :mod:`gridcare.grids.coverage`; both are re-exported here so
callers need a single import.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon

from gridcare.core.geo import gcj02_to_wgs84_xy, is_gcj02
from gridcare.core.i18n import T_
from gridcare.grids.coverage import CoverageReport, Gap, Overlap, check_coverage
from gridcare.grids.locate import GridLocator

__all__ = [
    "CoverageReport",
    "Gap",
    "GeometryImportError",
    "GridLocator",
    "GridShape",
    "Overlap",
    "Problem",
    "check_coverage",
    "parse_grid_features",
]

Polygonal = Polygon | MultiPolygon

_REP_KEYS = ("rep_login", "rep")
_RESERVED_KEYS = frozenset(("code", "name", *_REP_KEYS))


@dataclass(frozen=True)
class GridShape:
    """One imported grid: identity, WGS84 outline and the remaining properties."""

    code: str
    name: str
    geometry: Polygonal
    # Excluded from hashing: dicts are unhashable, and code + geometry identify a shape.
    properties: dict[str, Any] = field(default_factory=dict, hash=False)
    rep_login: str | None = None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an imported file. ``feature_index`` is -1 for the file itself."""

    feature_index: int
    code: str | None
    field: str
    reason: str  # a core.i18n.Text, shown in the reader's language

    def __str__(self) -> str:
        if self.feature_index < 0:
            return f"file {self.field}: {self.reason}"
        who = f"feature #{self.feature_index}"
        if self.code is not None:
            who += f" (code {self.code!r})"
        return f"{who} {self.field}: {self.reason}"


class GeometryImportError(ValueError):
    """A GeoJSON import was rejected; ``problems`` lists every reason, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        lines = [f"GeoJSON import rejected with {len(self.problems)} problem(s):"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


# ----------------------------------------------------------------------------- parsing


class _Reject(Exception):
    """Internal: one structural problem with a geometry; the caller records it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _number(value: object, where: str) -> float:
    # bool is an int subclass, but `true` is never a coordinate
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Reject(where, T_("expected a number, got %(type)s", type=_type_name(value)))
    if isinstance(value, int):
        if abs(value) > 1_000_000:  # float() of a huge int raises OverflowError
            raise _Reject(where, T_("number is out of range"))
        return float(value)
    if not math.isfinite(value):
        raise _Reject(where, T_("number %(value)s is not finite", value=value))
    return value


def _ring(raw: object, where: str, *, repair: bool) -> np.ndarray:
    """Validate one linear ring and return it as an (n, 2) array."""
    if not isinstance(raw, list):
        raise _Reject(
            where, T_("a linear ring must be an array of positions, got %(type)s", type=_type_name(raw))
        )
    xy = np.empty((len(raw), 2), dtype=np.float64)
    for i, pos in enumerate(raw):
        pwhere = f"{where}[{i}]"
        if not isinstance(pos, list) or not 2 <= len(pos) <= 3:
            raise _Reject(pwhere, T_("a position must be an array of 2 or 3 numbers"))
        lon = _number(pos[0], pwhere)
        lat = _number(pos[1], pwhere)
        if len(pos) == 3:
            _number_any(pos[2], pwhere)
        if not -180.0 <= lon <= 180.0:
            raise _Reject(pwhere, T_("longitude %(lon)s outside [-180, 180]", lon=lon))
        if not -90.0 <= lat <= 90.0:
            raise _Reject(pwhere, T_("latitude %(lat)s outside [-90, 90]", lat=lat))
        xy[i] = (lon, lat)
    if len(xy) and not np.array_equal(xy[0], xy[-1]):
        if not repair:
            raise _Reject(where, T_("linear ring is not closed (first and last positions differ)"))
        xy = np.vstack((xy, xy[:1]))
    if len(xy) < 4:
        raise _Reject(where, T_("a linear ring needs at least 4 positions, got %(n)s", n=len(xy)))
    return xy


def _number_any(value: object, where: str) -> None:
    """Altitude: any finite number is fine (we drop it), anything else is not."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Reject(where, T_("expected a number, got %(type)s", type=_type_name(value)))
    if isinstance(value, float) and not math.isfinite(value):
        raise _Reject(where, T_("number %(value)s is not finite", value=value))


def _polygon_rings(raw: object, where: str, *, repair: bool) -> list[np.ndarray]:
    if not isinstance(raw, list):
        raise _Reject(
            where, T_("polygon coordinates must be an array of rings, got %(type)s", type=_type_name(raw))
        )
    if not raw:
        raise _Reject(where, T_("polygon has no rings"))
    return [_ring(r, f"{where}[{i}]", repair=repair) for i, r in enumerate(raw)]


def _geometry(raw: object, *, gcj02: bool, repair: bool) -> Polygonal:
    """Turn a GeoJSON geometry object into a valid WGS84 (Multi)Polygon or raise _Reject."""
    if not isinstance(raw, dict):
        raise _Reject(
            "geometry", T_("expected a GeoJSON geometry object, got %(type)s", type=_type_name(raw))
        )
    gtype = raw.get("type")
    coords = raw.get("coordinates")
    if gtype == "Polygon":
        polys = [_polygon_rings(coords, "geometry.coordinates", repair=repair)]
    elif gtype == "MultiPolygon":
        if not isinstance(coords, list) or not coords:
            raise _Reject(
                "geometry.coordinates", T_("a MultiPolygon needs a non-empty array of polygons")
            )
        polys = [
            _polygon_rings(p, f"geometry.coordinates[{i}]", repair=repair)
            for i, p in enumerate(coords)
        ]
    else:
        shown = gtype if isinstance(gtype, str) else _type_name(gtype)
        raise _Reject(
            "geometry.type", T_("must be Polygon or MultiPolygon, got %(type)r", type=shown[:40])
        )

    if gcj02:
        # one vectorised conversion for all vertices of the feature
        flat = np.vstack([ring for rings in polys for ring in rings])
        wx, wy = gcj02_to_wgs84_xy(flat[:, 0], flat[:, 1])
        flat = np.column_stack((wx, wy))
        start = 0
        for rings in polys:
            for j, ring in enumerate(rings):
                rings[j] = flat[start : start + len(ring)]
                start += len(ring)

    try:
        parts = [Polygon(rings[0], rings[1:]) for rings in polys]
        geom: Polygonal = parts[0] if len(parts) == 1 else MultiPolygon(parts)
        reason = shapely.is_valid_reason(geom)
        if reason != "Valid Geometry":
            if not repair:
                raise _Reject("geometry", T_("invalid geometry: %(reason)s", reason=reason))
            geom = _polygonal_part(shapely.make_valid(geom))
    except (GEOSException, ValueError) as exc:  # GEOS refusing odd input is a data problem
        raise _Reject("geometry", T_("cannot build geometry: %(error)s", error=str(exc))) from None
    if geom.is_empty or geom.area <= 0.0:
        raise _Reject(
            "geometry", T_("geometry has no area after repair") if repair else T_("geometry has no area")
        )
    return geom


def _polygonal_part(geom: shapely.Geometry) -> Polygonal:
    """Keep only the areal pieces of make_valid's output (it may add lines/points)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    polys = [
        g
        for g in shapely.get_parts(geom)
        if isinstance(g, Polygon | MultiPolygon) and not g.is_empty
    ]
    if not polys:
        return Polygon()
    merged = shapely.union_all(polys)
    return merged if isinstance(merged, Polygon | MultiPolygon) else _polygonal_part(merged)


def _text(props: Mapping[str, Any], key: str) -> tuple[str | None, str | None]:
    """(value, problem) for a required non-empty string property."""
    value = props.get(key)
    if not isinstance(value, str):
        return None, T_("missing or not a string (got %(type)s)", type=_type_name(value))
    value = value.strip()
    if not value:
        return None, T_("must not be empty")
    if any(ch < " " or ch == "\x7f" for ch in value):
        return None, T_("must not contain control characters")
    return value, None


def _nul_keys(value: Any, path: str) -> list[str]:
    """Where a NUL hides in a property (key or text, at any depth): PostgreSQL stores none."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in ([f"{path}.{k!r}"] if "\x00" in str(k) else _nul_keys(v, f"{path}.{k}"))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nul_keys(v, f"{path}[{i}]")]
    return []


def parse_grid_features(
    geojson: Any, *, crs: str = "WGS84", repair: bool = False
) -> list[GridShape]:
    """Validate an RFC 7946 FeatureCollection of grids and return them in WGS84.

    Each feature needs properties ``code`` (non-empty string, unique in the file) and
    ``name``; ``rep_login`` (or ``rep``) optionally names the responsible rep. Geometry
    must be a Polygon or MultiPolygon (holes allowed) with closed rings and lon/lat in
    range. Invalid geometry is rejected with GEOS's reason, unless ``repair`` is set:
    then it is fixed with ``shapely.make_valid`` (keeping only the areal parts) and
    unclosed rings are closed.

    ``crs="GCJ02"`` converts vertices from GCJ-02 (AMap/Gaode, Tencent) to WGS84 first.

    Every problem in the file is collected before one :class:`GeometryImportError`
    is raised, so a user can fix the whole file in one go.
    """
    gcj02 = is_gcj02(crs)
    problems: list[Problem] = []

    if not isinstance(geojson, dict):
        raise GeometryImportError(
            [Problem(-1, None, "type", T_("expected a JSON object, got %(type)s", type=_type_name(geojson)))]
        )
    if geojson.get("type") != "FeatureCollection":
        problems.append(Problem(-1, None, "type", T_("must be 'FeatureCollection'")))
    features = geojson.get("features")
    if not isinstance(features, list):
        problems.append(
            Problem(-1, None, "features", T_("must be an array, got %(type)s", type=_type_name(features)))
        )
        raise GeometryImportError(problems)
    if not features and not problems:
        problems.append(Problem(-1, None, "features", T_("the file contains no features")))

    shapes: list[GridShape] = []
    first_index_of: dict[str, int] = {}
    for index, feature in enumerate(features):
        if not isinstance(feature, dict):
            problems.append(
                Problem(
                    index, None, "feature", T_("expected an object, got %(type)s", type=_type_name(feature))
                )
            )
            continue
        before = len(problems)
        if feature.get("type") != "Feature":
            problems.append(Problem(index, None, "type", T_("must be 'Feature'")))
        props = feature.get("properties")
        if not isinstance(props, dict):
            problems.append(
                Problem(
                    index, None, "properties", T_("must be an object, got %(type)s", type=_type_name(props))
                )
            )
            props = {}

        code, why = _text(props, "code")
        if why:
            problems.append(Problem(index, None, "properties.code", why))
        elif code in first_index_of:
            problems.append(
                Problem(
                    index,
                    code,
                    "properties.code",
                    T_("duplicate code, first used by feature #%(n)s", n=first_index_of[code]),
                )
            )
        else:
            first_index_of[code] = index  # type: ignore[index]
        name, why = _text(props, "name")
        if why:
            problems.append(Problem(index, code, "properties.name", why))

        rep_login: str | None = None
        reps = {k: props[k] for k in _REP_KEYS if props.get(k) is not None}
        for key, value in reps.items():
            if not isinstance(value, str):
                problems.append(
                    Problem(
                        index,
                        code,
                        f"properties.{key}",
                        T_("must be a string, got %(type)s", type=_type_name(value)),
                    )
                )
        texts = {v.strip() for v in reps.values() if isinstance(v, str) and v.strip()}
        if len(texts) > 1:
            problems.append(
                Problem(index, code, "properties.rep_login", T_("'rep' and 'rep_login' disagree"))
            )
        elif texts:
            rep_login = texts.pop()

        try:
            geom: Polygonal | None = _geometry(feature.get("geometry"), gcj02=gcj02, repair=repair)
        except _Reject as rej:
            problems.append(Problem(index, code, rej.field, rej.reason))
            geom = None

        for where in _nul_keys({k: v for k, v in props.items() if k not in ("code", "name")}, "properties"):
            problems.append(Problem(index, code, where.replace("\x00", "\\0"), T_("must not contain NUL characters")))

        if len(problems) == before and geom is not None and code and name:
            other = {k: v for k, v in props.items() if k not in _RESERVED_KEYS}
            shapes.append(
                GridShape(
                    code=code, name=name, geometry=geom, properties=other, rep_login=rep_login
                )
            )

    if problems:
        raise GeometryImportError(problems)
    return shapes
