"""Reading unit and barrier layers from GeoJSON (RFC 7946, WGS84). Pure: text in,
validated rows out, every problem naming its feature and field."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import shape

from gridcare.core.errors import FieldProblem, InvalidInput
from gridcare.core.i18n import T_
from gridcare.planning.workload import CATEGORIES

UNIT_KINDS = ("community", "block", "station", "lattice")
BARRIER_KINDS = ("river", "road", "dma", "feeder", "other")


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: str
    geometry: Any
    customers: int | None = None  # None: measure from the customers on file
    meters: int | None = None
    line_km: float | None = None
    orders: dict[str, float] | None = None
    monthly: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class BarrierRow:
    name: str
    kind: str
    geometry: Any


def _features(text: str | bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput.field("file", T_("not GeoJSON: %(error)s", error=str(exc))) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise InvalidInput.field("file", T_("must be a GeoJSON FeatureCollection"))
    if not data["features"]:
        raise InvalidInput.field("file", T_("has no features"))
    return data["features"]


def _properties(feature: Any, where: str, problems: list[FieldProblem]) -> dict[str, Any] | None:
    props = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(feature, dict) or not isinstance(props or {}, dict):
        problems.append(FieldProblem(where, T_("must be a GeoJSON Feature with an object of properties")))
        return None
    return props or {}


def _text(props: dict[str, Any], key: str, where: str, problems: list[FieldProblem]) -> str | None:
    """The property as text; None, with the problem noted, when it holds control characters."""
    value = str(props.get(key) or "").strip()
    if any(ch < " " or ch == "\x7f" for ch in value):
        problems.append(FieldProblem(f"{where}.{key}", T_("must not contain control characters")))
        return None
    return value


def _geometry(where: str, feature: dict[str, Any], kinds: tuple[str, ...]) -> Any:
    try:
        geom = shape(feature.get("geometry") or {})
    except Exception:  # shapely's errors for bad GeoJSON are many
        raise InvalidInput.field(f"{where}.geometry", T_("is not a valid GeoJSON geometry")) from None
    if geom.is_empty or geom.geom_type not in kinds:
        raise InvalidInput.field(f"{where}.geometry", T_("must be a %(kinds)s", kinds=" or ".join(kinds)))
    if not geom.is_valid:
        geom = geom.buffer(0)
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput.field(f"{where}.geometry", T_("coordinates must be WGS84 longitude, latitude"))
    return geom


def _number(problems: list[FieldProblem], where: str, value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        problems.append(FieldProblem(where, T_("must be a number")))
        return None
    if not math.isfinite(number):
        problems.append(FieldProblem(where, T_("must be a number")))
        return None
    if number > 1e12:  # stored as integers: no unit holds more customers or meters than that
        problems.append(FieldProblem(where, T_("is too large")))
        return None
    if number < 0:
        problems.append(FieldProblem(where, T_("must not be negative")))
    return number


def parse_units(text: str | bytes) -> list[UnitRow]:
    """Polygons with ``code`` (unique), optional ``name``, ``kind``, ``customers``, ``meters``,
    ``line_km`` and ``orders_<category>`` (counts over the history). Measures left out are
    taken from the customers, orders and network on file."""
    rows: list[UnitRow] = []
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for i, feature in enumerate(_features(text)):
        where = f"features[{i}]"
        props = _properties(feature, where, problems)
        if props is None:
            continue
        code = _text(props, "code", where, problems)
        if code is None:
            continue
        if not code:
            problems.append(FieldProblem(f"{where}.code", T_("must not be empty")))
            continue
        if code in seen:
            problems.append(FieldProblem(f"{where}.code", T_("%(code)r appears twice", code=code)))
            continue
        seen.add(code)
        kind = str(props.get("kind") or "block")
        if kind not in UNIT_KINDS:
            problems.append(FieldProblem(f"{where}.kind", T_("must be one of %(choices)s", choices=", ".join(UNIT_KINDS))))
            continue
        try:
            geom = _geometry(where, feature, ("Polygon", "MultiPolygon"))
        except InvalidInput as exc:
            problems.extend(exc.problems)
            continue
        if geom.geom_type == "MultiPolygon":
            geom = max(geom.geoms, key=lambda g: g.area)
        orders = {c: _number(problems, f"{where}.orders_{c}", props.get(f"orders_{c}")) for c in CATEGORIES}
        given = {c: n for c, n in orders.items() if n is not None}
        customers = _number(problems, f"{where}.customers", props.get("customers"))
        meters = _number(problems, f"{where}.meters", props.get("meters"))
        rows.append(UnitRow(
            code=code, name=_text(props, "name", where, problems) or code, kind=kind, geometry=geom,
            customers=None if customers is None else int(customers), meters=None if meters is None else int(meters),
            line_km=_number(problems, f"{where}.line_km", props.get("line_km")), orders=given or None,
        ))
    if problems:
        raise InvalidInput.many(problems)
    return rows


def parse_barriers(text: str | bytes, *, default_kind: str = "other") -> list[BarrierRow]:
    """Lines (rivers, roads) or polygons (DMAs, feeder areas) with optional ``name`` and ``kind``."""
    rows: list[BarrierRow] = []
    problems: list[FieldProblem] = []
    for i, feature in enumerate(_features(text)):
        where = f"features[{i}]"
        props = _properties(feature, where, problems)
        if props is None:
            continue
        kind = str(props.get("kind") or default_kind)
        if kind not in BARRIER_KINDS:
            problems.append(FieldProblem(f"{where}.kind", T_("must be one of %(choices)s", choices=", ".join(BARRIER_KINDS))))
            continue
        try:
            geom = _geometry(where, feature, ("LineString", "MultiLineString", "Polygon", "MultiPolygon"))
        except InvalidInput as exc:
            problems.extend(exc.problems)
            continue
        rows.append(BarrierRow(name=_text(props, "name", where, problems) or _text(props, "code", where, problems) or f"{kind} {i + 1}", kind=kind, geometry=geom))
    if problems:
        raise InvalidInput.many(problems)
    return rows
