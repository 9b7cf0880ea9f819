"""Water network: one GeoJSON FeatureCollection holding nodes (Points), pipes
(LineStrings) and DMAs (Polygons with ``kind: "dma"``). A pipe without ``from``/``to`` is
snapped to the one node within :data:`SNAP_TOLERANCE_M` of that end of its line."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon

from gridcare.core.geo import is_gcj02
from gridcare.core.i18n import T_
from gridcare.grids.geometry import GeometryImportError, parse_grid_features
from gridcare.network.reading import (
    FILE,
    GEOJSON_FIELDS,
    Full,
    ImportProblem,
    Problems,
    Reject,
    code_text,
    json_number,
    load_json,
    map_topology,
    read_feature,
    read_position,
    reject,
    show,
    to_wgs84,
    type_name,
)
from gridcare.network.topology import TopologyError, TopologyProblem
from gridcare.network.water import WATER_NODE_KINDS, WaterNetwork, WaterNode, WaterPipe

__all__ = ["SNAP_TOLERANCE_M", "WaterImport", "parse_water_network", "read_water_network"]

SNAP_TOLERANCE_M = 0.5
MAX_MATERIAL_LEN = 30  # the pipes table's column

_WATER_KINDS: dict[str, str] = {k: k for k in WATER_NODE_KINDS} | {
    "水源": "source",
    "水厂": "source",
    "节点": "junction",
    "三通": "junction",
    "阀门": "valve",
    "消火栓": "hydrant",
    "消防栓": "hydrant",
    "用户": "service",
    "水表": "service",
    "用水点": "service",
}
_DMA_KINDS = frozenset({"dma", "分区", "计量分区"})


@dataclass
class WaterImport:
    """Everything :func:`read_water_network` found. ``pipe_geometries`` maps pipe codes to
    their WGS84 lines, for storage alongside the pipes."""

    nodes: list[WaterNode] = field(default_factory=list)
    pipes: list[WaterPipe] = field(default_factory=list)
    dmas: list[tuple[str, Polygon | MultiPolygon]] = field(default_factory=list)
    pipe_geometries: dict[str, LineString | MultiLineString] = field(default_factory=dict)
    problems: list[ImportProblem] = field(default_factory=list)


def parse_water_network(
    data: bytes, *, crs: str = "WGS84"
) -> tuple[
    list[WaterNode], list[WaterPipe], list[tuple[str, Polygon | MultiPolygon]], list[ImportProblem]
]:
    """Read a water network GeoJSON: ``(nodes, pipes, dmas, problems)``.

    See :func:`read_water_network`, which also returns the pipes' geometries."""
    got = read_water_network(data, crs=crs)
    return got.nodes, got.pipes, got.dmas, got.problems


def read_water_network(data: bytes, *, crs: str = "WGS84") -> WaterImport:
    """Read a water network from one GeoJSON FeatureCollection.

    * Points are nodes: ``code``, ``kind`` (source, junction, valve, hydrant, service, or
      水源/水厂, 节点/三通, 阀门, 消火栓/消防栓, 用户/水表/用水点); other properties,
      ``name`` included, go into ``attributes``.
    * LineStrings (or MultiLineStrings) are pipes: ``code``, ``from``, ``to``, and
      optionally ``material``, ``diameter_mm`` (a number or "DN150"), ``year``. A missing
      ``from``/``to`` is filled with the one node within 0.5 m of the line's first/last
      position.
    * Polygons (or MultiPolygons) with ``kind: "dma"`` are DMAs, returned as
      ``(code, geometry)``.

    Only pipes and nodes fine on their own are returned; the problems list names the rest
    and every topology problem (unknown nodes, self-loops, no source).
    """
    gcj02 = is_gcj02(crs)
    out = WaterImport()
    sink = Problems()
    try:
        _water(data, gcj02, sink, out)
    except Full:
        out.nodes, out.pipes, out.dmas, out.pipe_geometries = [], [], [], {}
    out.problems = sink.result()
    return out


@dataclass
class _PipeDraft:
    where: int
    code: str
    ends: list[str | None]  # from, to; None while missing, "" when unreadable (reported)
    material: str | None
    diameter_mm: int | None
    year: int | None
    line: list[list[tuple[float, float]]]  # parts of WGS84 positions
    attributes: dict[str, Any]
    ok: bool


_DN = re.compile(r"^(?:dn|de|φ|Φ)?\s*(\d+(?:\.\d+)?)\s*(?:mm)?$", re.IGNORECASE)


def _diameter(value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        match = _DN.match(value.strip())
        if not match:
            reject("properties.diameter_mm", T_("not a diameter: %(value)s", value=show(value)))
        number = float(match.group(1))
    else:
        number = json_number(value, "properties.diameter_mm")
    if not 1 <= number <= 10_000:
        reject("properties.diameter_mm", T_("%(value)s mm is not a plausible diameter", value=show(value)))
    return round(number)


def _year(value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        if not value.strip().isdecimal() or len(value.strip()) != 4:
            reject("properties.year", T_("not a year: %(value)s", value=show(value)))
        number = float(value.strip())
    else:
        number = json_number(value, "properties.year")
    if not number.is_integer() or not 1800 <= number <= 2100:
        reject("properties.year", T_("%(value)s is not a plausible year", value=show(value)))
    return int(number)


def _line_parts(geometry: dict[str, Any]) -> list[list[tuple[float, float]]]:
    coords = geometry.get("coordinates")
    if geometry.get("type") == "LineString":
        raw_parts: list[Any] = [coords]
        names = ["geometry.coordinates"]
    else:
        if not isinstance(coords, list) or not coords:
            reject("geometry.coordinates", T_("a MultiLineString needs a non-empty array of lines"))
        raw_parts = coords
        names = [f"geometry.coordinates[{i}]" for i in range(len(coords))]
    parts = []
    for raw, name in zip(raw_parts, names):
        if not isinstance(raw, list) or len(raw) < 2:
            reject(name, T_("a line needs an array of at least 2 positions"))
        parts.append([read_position(pos, f"{name}[{i}]") for i, pos in enumerate(raw)])
    return parts


def _water(data: bytes, gcj02: bool, sink: Problems, out: WaterImport) -> None:
    doc = load_json(data, sink)
    if doc is None:
        return
    node_where: dict[str, int] = {}
    pipe_where: dict[str, int] = {}
    dma_where: dict[str, int] = {}
    nodes: list[tuple[WaterNode, bool]] = []
    pipes: list[_PipeDraft] = []
    for index, raw in enumerate(doc["features"]):
        got = read_feature(raw, index, sink)
        if got is None:
            continue
        props, geometry = got
        gtype = geometry.get("type") if isinstance(geometry, dict) else None
        if gtype == "Point":
            node = _water_node(index, props, geometry, node_where, sink)
            if node is not None:
                nodes.append(node)
        elif gtype in ("LineString", "MultiLineString"):
            pipe = _water_pipe(index, props, geometry, pipe_where, sink)
            if pipe is not None:
                pipes.append(pipe)
        elif gtype in ("Polygon", "MultiPolygon"):
            _dma(index, props, geometry, dma_where, gcj02, sink, out)
        else:
            if geometry is None:
                shown = T_("no geometry")
            else:
                shown = T_("geometry type %(type)s", type=show(gtype))
            sink.add(
                index,
                None,
                "geometry",
                T_("%(found)s; expected a Point (node), LineString (pipe) or Polygon (DMA)", found=shown),
            )

    # Positions go to WGS84 before snapping, so nodes and line ends are compared alike.
    if gcj02:
        located = [(n.lon, n.lat) for n, _ in nodes if n.lon is not None and n.lat is not None]
        moved = iter(to_wgs84(located, True))  # type: ignore[arg-type]
        nodes = [
            (WaterNode(n.code, n.kind, *next(moved), n.attributes), ok)
            if n.lon is not None and n.lat is not None
            else (n, ok)
            for n, ok in nodes
        ]
        # one conversion for every vertex: it iterates, so per-pipe calls would add up
        flat = to_wgs84([xy for p in pipes for part in p.line for xy in part], True)
        k = 0
        for p in pipes:
            for j, part in enumerate(p.line):
                p.line[j] = flat[k : k + len(part)]
                k += len(part)
    _snap(pipes, [n for n, _ in nodes], sink)

    try:
        WaterNetwork.build(
            [n for n, _ in nodes],
            [
                WaterPipe(p.code, p.ends[0] or "", p.ends[1] or "")
                for p in pipes
                if p.ends[0] and p.ends[1]
            ],
        )
    except TopologyError as error:

        def where(p: TopologyProblem) -> int:
            if p.field in ("from_code", "to_code") and p.code in pipe_where:
                return pipe_where[p.code]
            return node_where.get(p.code or "", FILE)

        map_topology(error, sink, where, GEOJSON_FIELDS)
        refused = {p.code for p in error.problems}
        for p in pipes:
            p.ok = p.ok and p.code not in refused

    out.nodes = [n for n, ok in nodes if ok]
    out.pipes = [
        WaterPipe(
            p.code,
            p.ends[0] or "",
            p.ends[1] or "",
            p.material,
            p.diameter_mm,
            p.year,
            p.attributes,
        )
        for p in pipes
        if p.ok and p.ends[0] and p.ends[1]
    ]
    kept = {p.code for p in out.pipes}
    out.pipe_geometries = {
        p.code: LineString(p.line[0]) if len(p.line) == 1 else MultiLineString(p.line)
        for p in pipes
        if p.code in kept
    }


def _unique_code(index: int, props: dict[str, Any], seen: dict[str, int], sink: Problems, what: str) -> str | None:
    """The feature's code, or None (with the problem recorded) when missing or already used."""
    try:
        code = code_text(props.get("code"), "properties.code")
    except Reject as rej:
        sink.add(index, None, rej.field, rej.reason)
        return None
    if code in seen:
        if what == "node":
            why = T_("duplicate node code, first used by feature #%(n)s", n=seen[code])
        else:
            why = T_("duplicate pipe code, first used by feature #%(n)s", n=seen[code])
        sink.add(index, code, "properties.code", why)
        return None
    seen[code] = index
    return code


def _water_node(
    index: int,
    props: dict[str, Any],
    geometry: dict[str, Any],
    seen: dict[str, int],
    sink: Problems,
) -> tuple[WaterNode, bool] | None:
    before = len(sink)
    code = _unique_code(index, props, seen, sink, "node")
    if code is None:
        return None
    raw_kind = props.get("kind")
    kind = ""
    if not isinstance(raw_kind, str) or not raw_kind.strip():
        sink.add(index, code, "properties.kind", T_("missing"))
    else:
        kind = _WATER_KINDS.get(raw_kind.strip().lower(), raw_kind.strip())
        if kind not in WATER_NODE_KINDS:
            sink.add(
                index,
                code,
                "properties.kind",
                T_(
                    "unknown kind %(kind)s; expected one of %(choices)s",
                    kind=show(raw_kind.strip()),
                    choices=", ".join(WATER_NODE_KINDS),
                ),
            )
    lon: float | None = None
    lat: float | None = None
    try:
        lon, lat = read_position(geometry.get("coordinates"), "geometry.coordinates")
    except Reject as rej:
        sink.add(index, code, rej.field, rej.reason)
    attributes = {k: v for k, v in props.items() if k not in ("code", "kind")}
    return WaterNode(code, kind, lon, lat, attributes), len(sink) == before


def _water_pipe(
    index: int,
    props: dict[str, Any],
    geometry: dict[str, Any],
    seen: dict[str, int],
    sink: Problems,
) -> _PipeDraft | None:
    before = len(sink)
    code = _unique_code(index, props, seen, sink, "pipe")
    if code is None:
        return None
    ends: list[str | None] = []
    for key in ("from", "to"):
        raw = props.get(key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            ends.append(None)  # to be snapped
            continue
        try:
            ends.append(code_text(raw, f"properties.{key}"))
        except Reject as rej:
            sink.add(index, code, rej.field, rej.reason)
            ends.append("")  # reported; not one to snap
    material = props.get("material")
    if material is not None and not isinstance(material, str):
        sink.add(
            index, code, "properties.material", T_("must be a string, got %(type)s", type=type_name(material))
        )
        material = None
    material = (material or "").strip() or None
    if material is not None and len(material) > MAX_MATERIAL_LEN:
        sink.add(index, code, "properties.material", T_("must be at most %(n)s characters", n=MAX_MATERIAL_LEN))
        material = None
    diameter = year = None
    for key, parse in (("diameter_mm", _diameter), ("year", _year)):
        try:
            value = parse(props.get(key))
        except Reject as rej:
            sink.add(index, code, rej.field, rej.reason)
            continue
        if key == "year":
            year = value
        else:
            diameter = value
    line: list[list[tuple[float, float]]] = []
    try:
        line = _line_parts(geometry)
    except Reject as rej:
        sink.add(index, code, rej.field, rej.reason)
    reserved = ("code", "from", "to", "material", "diameter_mm", "year")
    attributes = {k: v for k, v in props.items() if k not in reserved}
    return _PipeDraft(
        index, code, ends, material, diameter, year, line, attributes, ok=len(sink) == before
    )


def _dma(
    index: int,
    props: dict[str, Any],
    geometry: dict[str, Any],
    seen: dict[str, int],
    gcj02: bool,
    sink: Problems,
    out: WaterImport,
) -> None:
    try:
        code = code_text(props.get("code"), "properties.code")
    except Reject as rej:
        sink.add(index, None, rej.field, rej.reason)
        return
    kind = props.get("kind")
    if not isinstance(kind, str) or kind.strip().lower() not in _DMA_KINDS:
        sink.add(index, code, "properties.kind", T_("a polygon must have kind 'dma'"))
        return
    if code in seen:
        sink.add(
            index,
            code,
            "properties.code",
            T_("duplicate DMA code, first used by feature #%(n)s", n=seen[code]),
        )
        return
    seen[code] = index
    # The grids importer already validates polygons thoroughly; reuse it one DMA at a time.
    single = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": code, "name": code}, "geometry": geometry}
        ],
    }
    try:
        shape = parse_grid_features(single, crs="GCJ02" if gcj02 else "WGS84")[0]
    except GeometryImportError as error:
        for p in error.problems:
            sink.add(index, code, p.field, p.reason)
        return
    except (ValueError, TypeError, RecursionError) as exc:  # GEOS and numpy on odd input
        sink.add(index, code, "geometry", T_("cannot build geometry: %(error)s", error=show(str(exc), 120)))
        return
    out.dmas.append((code, shape.geometry))


def _snap(pipes: list[_PipeDraft], nodes: list[WaterNode], sink: Problems) -> None:
    """Fill missing pipe ends with the one node within SNAP_TOLERANCE_M of the line's end."""
    if not any(p.ends[0] is None or p.ends[1] is None for p in pipes):
        return
    located = [(n.code, n.lon, n.lat) for n in nodes if n.lon is not None and n.lat is not None]
    lat0 = math.radians(sum(lat for _, _, lat in located) / len(located)) if located else 0.0
    metres = 6_371_008.8 * math.pi / 180.0  # per degree of latitude
    kx = metres * max(math.cos(lat0), 0.01)
    # 1 m cells, twice the tolerance, so a point's 3x3 block holds every candidate even where
    # the network's latitude spread distorts the east-west scale a little.
    buckets: dict[tuple[int, int], list[tuple[str, float, float]]] = {}
    for item in located:
        buckets.setdefault((math.floor(item[1] * kx), math.floor(item[2] * metres)), []).append(
            item
        )

    def near(lon: float, lat: float) -> list[str]:
        cx, cy = math.floor(lon * kx), math.floor(lat * metres)
        found = []
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for code, nlon, nlat in buckets.get((cx + dx, cy + dy), ()):
                    # equirectangular at the pair's own latitude: exact to far below 0.5 m
                    ex = (nlon - lon) * metres * math.cos(math.radians((nlat + lat) / 2))
                    ey = (nlat - lat) * metres
                    if math.hypot(ex, ey) <= SNAP_TOLERANCE_M:
                        found.append(code)
        return found

    for p in pipes:
        for end, key in ((0, "from"), (1, "to")):
            if p.ends[end] is not None:
                continue
            hits = near(*(p.line[0][0] if end == 0 else p.line[-1][-1])) if p.line else []
            if len(hits) == 1:
                p.ends[end] = hits[0]
                continue
            p.ok = False
            if not p.line:
                sink.add(
                    p.where, p.code, f"properties.{key}", T_("missing, and no usable line to snap")
                )
            elif not hits:
                if end == 0:
                    why = T_(
                        "missing, and no node lies within %(m)s m of the line's first position",
                        m=SNAP_TOLERANCE_M,
                    )
                else:
                    why = T_(
                        "missing, and no node lies within %(m)s m of the line's last position",
                        m=SNAP_TOLERANCE_M,
                    )
                sink.add(p.where, p.code, f"properties.{key}", why)
            else:
                shown = ", ".join(show(h) for h in sorted(hits)[:5])
                if end == 0:
                    why = T_(
                        "missing, and several nodes lie within %(m)s m of the line's first position: %(codes)s",
                        m=SNAP_TOLERANCE_M,
                        codes=shown,
                    )
                else:
                    why = T_(
                        "missing, and several nodes lie within %(m)s m of the line's last position: %(codes)s",
                        m=SNAP_TOLERANCE_M,
                        codes=shown,
                    )
                sink.add(p.where, p.code, f"properties.{key}", why)
