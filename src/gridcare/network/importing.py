"""Read the network files users export from their GIS.

* Electric assets: CSV (English or Chinese headers; UTF-8 with or without BOM, UTF-16 with
  BOM, or GBK/GB18030) or a GeoJSON FeatureCollection of Points.
* Water network: one GeoJSON FeatureCollection holding nodes (Points), pipes (LineStrings)
  and DMAs (Polygons with ``kind: "dma"``).

Every function takes the raw bytes and returns what it could read plus a list of
:class:`ImportProblem`; the network is only fit to store when that list is empty. Every
bad row is reported (up to :data:`MAX_PROBLEMS`), and so are the topology problems found by
building the network, mapped back to the row or feature they come from. Hostile input
(binary junk, NaN, nesting bombs) yields problems, never an exception.

Positions: CSV rows are numbered as a spreadsheet shows them (the header is line 1);
GeoJSON features by their 0-based index in ``features``; -1 means the file as a whole.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon

from gridcare.core.geo import gcj02_to_wgs84_xy
from gridcare.core.i18n import T_
from gridcare.grids.geometry import GeometryImportError, parse_grid_features
from gridcare.network.electric import ASSET_KINDS, AssetRecord, ElectricTree
from gridcare.network.topology import TopologyError, TopologyProblem
from gridcare.network.water import WATER_NODE_KINDS, WaterNetwork, WaterNode, WaterPipe

__all__ = [
    "FILE",
    "MAX_PROBLEMS",
    "SNAP_TOLERANCE_M",
    "ImportProblem",
    "WaterImport",
    "parse_electric_assets",
    "parse_water_network",
    "read_water_network",
]

FILE = -1  # line_or_feature of a problem with the file as a whole
MAX_PROBLEMS = 1000  # a user fixes the first thousand before wanting the next
SNAP_TOLERANCE_M = 0.5
MAX_CODE_LEN = 60  # the assets / pipes tables' column widths
MAX_NAME_LEN = 200

_CSV_COLUMNS: dict[str, str] = {
    "code": "code",
    "编码": "code",
    "kind": "kind",
    "type": "kind",
    "类型": "kind",
    "parent": "parent",
    "上级": "parent",
    "name": "name",
    "名称": "name",
    "lon": "lon",
    "lng": "lon",
    "longitude": "lon",
    "经度": "lon",
    "lat": "lat",
    "latitude": "lat",
    "纬度": "lat",
}
_REQUIRED_COLUMNS = ("code", "kind", "parent")

_ELECTRIC_KINDS: dict[str, str] = {k: k for k in ASSET_KINDS} | {
    "变电站": "substation",
    "馈线": "feeder",
    "线路": "feeder",
    "开关": "switch",
    "熔断器": "fuse",
    "配变": "transformer",
    "变压器": "transformer",
    "台区": "transformer",
}
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


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an imported file: where (CSV line, GeoJSON feature index, or
    :data:`FILE`), which record, which field, and why."""

    line_or_feature: int
    code: str | None
    field: str
    reason: str  # a core.i18n.Text, shown in the reader's language

    def __str__(self) -> str:
        where = "file" if self.line_or_feature == FILE else f"#{self.line_or_feature}"
        if self.code is not None:
            where += f" ({self.code!r})"
        return f"{where} {self.field}: {self.reason}"


@dataclass
class WaterImport:
    """Everything :func:`read_water_network` found. ``pipe_geometries`` maps pipe codes to
    their WGS84 lines, for storage alongside the pipes."""

    nodes: list[WaterNode] = field(default_factory=list)
    pipes: list[WaterPipe] = field(default_factory=list)
    dmas: list[tuple[str, Polygon | MultiPolygon]] = field(default_factory=list)
    pipe_geometries: dict[str, LineString | MultiLineString] = field(default_factory=dict)
    problems: list[ImportProblem] = field(default_factory=list)


# ----------------------------------------------------------------------------- plumbing


class _Full(Exception):
    """Internal: MAX_PROBLEMS reached; stop reading."""


class _Problems:
    """Collects problems and stops the reader once there are too many."""

    def __init__(self) -> None:
        self.items: list[ImportProblem] = []
        self.full = False

    def add(self, where: int, code: str | None, field_: str, reason: str) -> None:
        if len(self.items) >= MAX_PROBLEMS:
            self.full = True
            raise _Full
        self.items.append(ImportProblem(where, code, field_, reason))

    def __len__(self) -> int:
        return len(self.items)

    def result(self) -> list[ImportProblem]:
        out = sorted(self.items, key=lambda p: p.line_or_feature)  # stable within a row
        if self.full:
            out.append(
                ImportProblem(
                    FILE,
                    None,
                    "file",
                    T_("too many problems; only the first %(n)s are listed", n=MAX_PROBLEMS),
                )
            )
        return out


class _Reject(Exception):
    def __init__(self, field_: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_
        self.reason = reason


def _reject(field_: str, reason: str) -> NoReturn:
    raise _Reject(field_, reason)


def _show(value: object, limit: int = 40) -> str:
    """A value quoted for a message, cut short: hostile files carry megabyte-long cells."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_name(value: object) -> str:
    return (
        "null"
        if value is None
        else {
            str: "string",
            int: "number",
            float: "number",
            bool: "boolean",
            list: "array",
            dict: "object",
        }.get(type(value), type(value).__name__)
    )


def _is_gcj02(crs: str) -> bool:
    key = crs.upper().replace("-", "").replace("_", "")
    if key in ("WGS84", "EPSG4326", "CRS84"):
        return False
    if key == "GCJ02":
        return True
    raise ValueError(f"crs must be 'WGS84' or 'GCJ02', got {crs!r}")


def _decode(data: bytes) -> str | None:
    """Text of a file in any encoding our users' tools write, or None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")  # GB18030 reads everything GBK wrote
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _check_lon_lat(lon: float, lat: float, lon_field: str, lat_field: str) -> None:
    if not -180.0 <= lon <= 180.0:
        _reject(lon_field, T_("longitude %(lon)s outside [-180, 180]", lon=lon))
    if not -90.0 <= lat <= 90.0:
        _reject(lat_field, T_("latitude %(lat)s outside [-90, 90]", lat=lat))


def _to_wgs84(xy: list[tuple[float, float]], gcj02: bool) -> list[tuple[float, float]]:
    if not gcj02 or not xy:
        return xy
    arr = np.asarray(xy, dtype=np.float64)
    lon, lat = gcj02_to_wgs84_xy(arr[:, 0], arr[:, 1])
    return list(zip(lon.tolist(), lat.tolist()))


def _code_text(value: object, field_: str) -> str:
    """A code: a non-empty string (GIS tools export numeric codes as numbers; fine too)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        _reject(field_, T_("must be a string, got %(type)s", type=_type_name(value)))
    text = value.strip()
    if not text:
        _reject(field_, T_("missing"))
    if len(text) > MAX_CODE_LEN:
        _reject(field_, T_("longer than %(n)s characters", n=MAX_CODE_LEN))
    return text


def _map_topology(
    error: TopologyError,
    sink: _Problems,
    where: Callable[[TopologyProblem], int],
    fields: Mapping[str, str],
) -> None:
    """Add a network's topology problems to the row problems. Kinds are checked per row
    already, so the network's "unknown kind" reports are not repeated."""
    for p in error.problems:
        if p.field == "kind" and p.code is not None:
            continue
        field_ = p.field if p.code is None else fields.get(p.field, p.field)  # about the file
        sink.add(where(p), p.code, field_, p.reason)


# ----------------------------------------------------------------------------- electric


@dataclass
class _AssetRow:
    where: int
    code: str
    kind: str  # canonical when known; as written otherwise (the tree then skips it)
    parent: str | None
    name: str
    lon: float | None
    lat: float | None
    attributes: dict[str, Any]
    ok: bool


def parse_electric_assets(
    data: bytes, *, filename: str, crs: str = "WGS84"
) -> tuple[list[AssetRecord], list[ImportProblem]]:
    """Read electric assets from a CSV or GeoJSON file (chosen by ``filename``'s extension,
    else by content) and check they form a tree.

    Returns the records of the rows that are fine on their own, and every problem. Columns
    other than the known ones go into ``attributes``. ``crs="GCJ02"`` converts positions
    from GCJ-02 (AMap/Gaode, Tencent) to WGS84.
    """
    gcj02 = _is_gcj02(crs)
    sink = _Problems()
    rows: list[_AssetRow] = []
    geojson = _looks_like_geojson(data, filename)
    try:
        if geojson:
            _electric_geojson(data, sink, rows)
        else:
            _electric_csv(data, sink, rows)
    except _Full:
        return [], sink.result()  # the topology of a half-read file would only add noise

    field_names = _GEOJSON_FIELDS if geojson else {}
    if not rows and not len(sink):
        sink.add(FILE, None, "file", T_("the file contains no assets"))
    try:
        _check_tree(rows, sink, field_names)
    except _Full:
        pass

    good = [r for r in rows if r.ok]
    located = [(r.lon, r.lat) for r in good if r.lon is not None and r.lat is not None]
    moved = iter(_to_wgs84(located, gcj02))  # type: ignore[arg-type]
    records = []
    for r in good:
        lon, lat = next(moved) if r.lon is not None and r.lat is not None else (None, None)
        records.append(AssetRecord(r.code, r.kind, r.parent, r.name, lon, lat, r.attributes))
    return records, sink.result()


_GEOJSON_FIELDS = {
    "code": "properties.code",
    "kind": "properties.kind",
    "parent": "properties.parent",
    "from_code": "properties.from",
    "to_code": "properties.to",
}


def _looks_like_geojson(data: bytes, filename: str) -> bool:
    ext = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if ext in ("geojson", "json"):
        return True
    if ext in ("csv", "txt", "tsv"):
        return False
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _check_tree(rows: list[_AssetRow], sink: _Problems, fields: Mapping[str, str]) -> None:
    """Build the tree from every row with a usable code and map its complaints back.

    Rows with problems elsewhere (a bad longitude, say) still take part, so their children
    are not reported as orphans."""
    where: dict[str, int] = {}
    candidates: list[AssetRecord] = []
    for r in rows:
        if r.code not in where:
            where[r.code] = r.where
            candidates.append(AssetRecord(r.code, r.kind, r.parent))
    try:
        ElectricTree.build(candidates)
    except TopologyError as error:
        _map_topology(error, sink, lambda p: where.get(p.code or "", FILE), fields)
        refused = {p.code for p in error.problems}
        for r in rows:  # a row the tree refused is not fine after all
            if r.code in refused:
                r.ok = False


def _electric_row(
    sink: _Problems,
    where: int,
    values: Mapping[str, Any],
    seen: dict[str, int],
    attributes: dict[str, Any],
    field_names: Mapping[str, str],
    noun: str,
) -> _AssetRow | None:
    """Validate one asset from column values (strings from CSV, JSON values from GeoJSON)."""
    before = len(sink)

    def fname(key: str) -> str:
        return field_names.get(key, key)

    try:
        code = _code_text(values.get("code"), fname("code"))
    except _Reject as rej:
        sink.add(where, None, rej.field, rej.reason)
        return None
    if code in seen:
        if noun == "line":
            why = T_("duplicate code, first used by line %(n)s", n=seen[code])
        else:
            why = T_("duplicate code, first used by feature # %(n)s", n=seen[code])
        sink.add(where, code, fname("code"), why)
        return None
    seen[code] = where

    raw_kind = values.get("kind")
    kind = ""
    if not isinstance(raw_kind, str) or not raw_kind.strip():
        sink.add(where, code, fname("kind"), T_("missing"))
    else:
        kind = _ELECTRIC_KINDS.get(raw_kind.strip().lower(), raw_kind.strip())
        if kind not in ASSET_KINDS:
            sink.add(
                where,
                code,
                fname("kind"),
                T_(
                    "unknown kind %(kind)s; expected one of %(choices)s or 变电站, 馈线, 线路, 开关, 熔断器, 配变, 变压器, 台区",
                    kind=_show(raw_kind.strip()),
                    choices=", ".join(ASSET_KINDS),
                ),
            )

    parent: str | None = None
    raw_parent = values.get("parent")
    if raw_parent is not None and not (isinstance(raw_parent, str) and not raw_parent.strip()):
        try:
            parent = _code_text(raw_parent, fname("parent"))
        except _Reject as rej:
            sink.add(where, code, rej.field, rej.reason)

    raw_name = values.get("name")
    name = code
    if raw_name is not None:
        if not isinstance(raw_name, str | int) or isinstance(raw_name, bool):
            sink.add(where, code, fname("name"), T_("must be a string, got %(type)s", type=_type_name(raw_name)))
        elif str(raw_name).strip():
            name = str(raw_name).strip()
            if len(name) > MAX_NAME_LEN:
                sink.add(where, code, fname("name"), T_("longer than %(n)s characters", n=MAX_NAME_LEN))

    lon, lat = values.get("lon"), values.get("lat")
    if lon is not None and lat is None:
        sink.add(where, code, fname("lat"), T_("missing while the longitude is given"))
    elif lat is not None and lon is None:
        sink.add(where, code, fname("lon"), T_("missing while the latitude is given"))
    elif lon is not None and lat is not None:
        try:
            _check_lon_lat(lon, lat, fname("lon"), fname("lat"))
        except _Reject as rej:
            sink.add(where, code, rej.field, rej.reason)
    return _AssetRow(where, code, kind, parent, name, lon, lat, attributes, len(sink) == before)


def _csv_number(text: str, column: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except (ValueError, OverflowError):
        _reject(column, T_("not a number: %(value)s", value=_show(text)))
    if not math.isfinite(value):
        _reject(column, T_("number %(value)s is not finite", value=_show(text)))
    return value


def _electric_csv(data: bytes, sink: _Problems, rows: list[_AssetRow]) -> None:
    text = _decode(data)
    if text is None:
        sink.add(FILE, None, "encoding", T_("not UTF-8, UTF-16 or GBK/GB18030 text"))
        return
    if "\x00" in text:
        sink.add(FILE, None, "file", T_("binary data (NUL bytes), not a CSV file"))
        return
    first_line = re.match(r"[^\r\n]*", text).group()  # type: ignore[union-attr]
    # Excel in a Chinese locale writes commas, sometimes tabs; some tools use semicolons.
    delimiter = max((",", "\t", ";"), key=lambda d: (first_line.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    try:
        header = next(reader)
    except StopIteration:
        sink.add(FILE, None, "file", T_("the file is empty"))
        return
    except csv.Error as exc:
        sink.add(1, None, "header", T_("cannot read the header: %(error)s", error=str(exc)))
        return
    columns: dict[str, int] = {}
    extra: dict[int, str] = {}
    for i, raw in enumerate(header):
        label = raw.strip().lstrip("\ufeff").strip()
        key = _CSV_COLUMNS.get(label.lower())
        if key is None:
            if label:
                extra[i] = label[:100]
        elif key in columns:
            why = T_("column %(column)r appears twice (%(label)s)", column=key, label=_show(label))
            sink.add(1, None, "header", why)
        else:
            columns[key] = i
    missing = [k for k in _REQUIRED_COLUMNS if k not in columns]
    if missing:
        sink.add(
            1,
            None,
            "header",
            T_(
                "missing column(s) %(columns)s; expected code/编码, kind/类型, parent/上级 and optionally name/名称, lon/经度, lat/纬度",
                columns=", ".join(missing),
            ),
        )
        return

    seen: dict[str, int] = {}
    width = len(header)
    last_line = reader.line_num
    while True:
        start = last_line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            sink.add(start, None, "line", T_("cannot read this line as CSV: %(error)s", error=str(exc)))
            if reader.line_num <= last_line:
                break  # the reader is stuck; nothing more can be read
            last_line = reader.line_num
            continue
        last_line = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank lines are layout, not data
        values: dict[str, Any] = {
            k: (cells[i] if i < len(cells) else "") for k, i in columns.items()
        }
        before = len(sink)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            # reported, but the row still takes part in the tree so its children stay put
            sink.add(
                start,
                values["code"].strip() or None,
                "line",
                T_("%(n)s cells but the header has %(width)s", n=len(cells), width=width),
            )
        for key in ("lon", "lat"):
            try:
                values[key] = _csv_number(values[key], key) if key in values else None
            except _Reject as rej:
                sink.add(start, values["code"].strip() or None, rej.field, rej.reason)
        if len(sink) != before:  # drop the position, or its other half is reported as lonely
            values["lon"] = values["lat"] = None
        attributes = {
            label: cells[i].strip()
            for i, label in extra.items()
            if i < len(cells) and cells[i].strip()
        }
        row = _electric_row(sink, start, values, seen, attributes, {}, "line")
        if row is not None:
            row.ok = len(sink) == before
            rows.append(row)


def _load_json(data: bytes, sink: _Problems) -> dict[str, Any] | None:
    """The FeatureCollection (with a ``features`` array), or None after reporting why not."""
    text = _decode(data)
    if text is None:
        sink.add(FILE, None, "encoding", T_("not UTF-8, UTF-16 or GBK/GB18030 text"))
        return None

    def no_constants(name: str) -> NoReturn:
        raise ValueError(f"{name} is not valid JSON")

    try:
        doc = json.loads(text, parse_constant=no_constants)
    except RecursionError:
        sink.add(FILE, None, "file", T_("JSON nested too deeply"))
        return None
    except ValueError as exc:  # JSONDecodeError, NaN, over-long integers
        sink.add(FILE, None, "file", T_("not valid JSON: %(error)s", error=_show(str(exc), 120)))
        return None
    if not isinstance(doc, dict):
        sink.add(FILE, None, "type", T_("expected a GeoJSON object, got %(type)s", type=_type_name(doc)))
        return None
    if doc.get("type") != "FeatureCollection":
        sink.add(FILE, None, "type", T_("must be 'FeatureCollection'"))
    if not isinstance(doc.get("features"), list):
        why = T_("must be an array, got %(type)s", type=_type_name(doc.get("features")))
        sink.add(FILE, None, "features", why)
        return None
    return doc


def _json_number(value: object, field_: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _reject(field_, T_("expected a number, got %(type)s", type=_type_name(value)))
    try:
        number = float(value)
    except OverflowError:
        _reject(field_, T_("number is out of range"))
    if not math.isfinite(number):
        _reject(field_, T_("number %(value)s is not finite", value=_show(value)))
    return number


def _position(raw: object, field_: str) -> tuple[float, float]:
    if not isinstance(raw, list) or not 2 <= len(raw) <= 3:
        _reject(field_, T_("a position must be an array of 2 or 3 numbers"))
    lon, lat = _json_number(raw[0], field_), _json_number(raw[1], field_)
    if len(raw) == 3:
        _json_number(raw[2], field_)  # altitude: checked, then dropped
    _check_lon_lat(lon, lat, field_, field_)
    return lon, lat


def _feature(raw: object, index: int, sink: _Problems) -> tuple[dict[str, Any], Any] | None:
    """(properties, geometry) of a feature, or None after reporting why not."""
    if not isinstance(raw, dict):
        sink.add(index, None, "feature", T_("expected an object, got %(type)s", type=_type_name(raw)))
        return None
    if raw.get("type") != "Feature":
        sink.add(index, None, "type", T_("must be 'Feature'"))
    props = raw.get("properties")
    if props is None:
        props = {}
    if not isinstance(props, dict):
        sink.add(index, None, "properties", T_("must be an object, got %(type)s", type=_type_name(props)))
        return None
    return props, raw.get("geometry")


def _electric_geojson(data: bytes, sink: _Problems, rows: list[_AssetRow]) -> None:
    doc = _load_json(data, sink)
    if doc is None:
        return
    seen: dict[str, int] = {}
    reserved = {"code", "kind", "parent", "name", *_CSV_COLUMNS}
    for index, raw in enumerate(doc["features"]):
        got = _feature(raw, index, sink)
        if got is None:
            continue
        props, geometry = got
        before = len(sink)
        values: dict[str, Any] = {k: props.get(k) for k in ("code", "kind", "parent", "name")}
        values["lon"] = values["lat"] = None
        if geometry is not None:
            try:
                if not isinstance(geometry, dict) or geometry.get("type") != "Point":
                    _reject("geometry.type", T_("an asset must be a Point (or have no geometry)"))
                values["lon"], values["lat"] = _position(
                    geometry.get("coordinates"), "geometry.coordinates"
                )
            except _Reject as rej:
                code = props.get("code") if isinstance(props.get("code"), str) else None
                sink.add(index, code, rej.field, rej.reason)
        attributes = {k: v for k, v in props.items() if k not in reserved}
        row = _electric_row(sink, index, values, seen, attributes, _GEOJSON_FIELDS, "feature #")
        if row is not None:
            row.ok = len(sink) == before
            rows.append(row)


# ----------------------------------------------------------------------------- water


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
    gcj02 = _is_gcj02(crs)
    out = WaterImport()
    sink = _Problems()
    try:
        _water(data, gcj02, sink, out)
    except _Full:
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
            _reject("properties.diameter_mm", T_("not a diameter: %(value)s", value=_show(value)))
        number = float(match.group(1))
    else:
        number = _json_number(value, "properties.diameter_mm")
    if not 1 <= number <= 10_000:
        _reject("properties.diameter_mm", T_("%(value)s mm is not a plausible diameter", value=_show(value)))
    return round(number)


def _year(value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        if not value.strip().isdecimal() or len(value.strip()) != 4:
            _reject("properties.year", T_("not a year: %(value)s", value=_show(value)))
        number = float(value.strip())
    else:
        number = _json_number(value, "properties.year")
    if not number.is_integer() or not 1800 <= number <= 2100:
        _reject("properties.year", T_("%(value)s is not a plausible year", value=_show(value)))
    return int(number)


def _line_parts(geometry: dict[str, Any]) -> list[list[tuple[float, float]]]:
    coords = geometry.get("coordinates")
    if geometry.get("type") == "LineString":
        raw_parts: list[Any] = [coords]
        names = ["geometry.coordinates"]
    else:
        if not isinstance(coords, list) or not coords:
            _reject("geometry.coordinates", T_("a MultiLineString needs a non-empty array of lines"))
        raw_parts = coords
        names = [f"geometry.coordinates[{i}]" for i in range(len(coords))]
    parts = []
    for raw, name in zip(raw_parts, names):
        if not isinstance(raw, list) or len(raw) < 2:
            _reject(name, T_("a line needs an array of at least 2 positions"))
        parts.append([_position(pos, f"{name}[{i}]") for i, pos in enumerate(raw)])
    return parts


def _water(data: bytes, gcj02: bool, sink: _Problems, out: WaterImport) -> None:
    doc = _load_json(data, sink)
    if doc is None:
        return
    node_where: dict[str, int] = {}
    pipe_where: dict[str, int] = {}
    dma_where: dict[str, int] = {}
    nodes: list[tuple[WaterNode, bool]] = []
    pipes: list[_PipeDraft] = []
    for index, raw in enumerate(doc["features"]):
        got = _feature(raw, index, sink)
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
                shown = T_("geometry type %(type)s", type=_show(gtype))
            sink.add(
                index,
                None,
                "geometry",
                T_("%(found)s; expected a Point (node), LineString (pipe) or Polygon (DMA)", found=shown),
            )

    # Positions go to WGS84 before snapping, so nodes and line ends are compared alike.
    if gcj02:
        located = [(n.lon, n.lat) for n, _ in nodes if n.lon is not None and n.lat is not None]
        moved = iter(_to_wgs84(located, True))  # type: ignore[arg-type]
        nodes = [
            (WaterNode(n.code, n.kind, *next(moved), n.attributes), ok)
            if n.lon is not None and n.lat is not None
            else (n, ok)
            for n, ok in nodes
        ]
        # one conversion for every vertex: it iterates, so per-pipe calls would add up
        flat = _to_wgs84([xy for p in pipes for part in p.line for xy in part], True)
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

        _map_topology(error, sink, where, _GEOJSON_FIELDS)
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


def _unique_code(index: int, props: dict[str, Any], seen: dict[str, int], sink: _Problems, what: str) -> str | None:
    """The feature's code, or None (with the problem recorded) when missing or already used."""
    try:
        code = _code_text(props.get("code"), "properties.code")
    except _Reject as rej:
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
    sink: _Problems,
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
                    kind=_show(raw_kind.strip()),
                    choices=", ".join(WATER_NODE_KINDS),
                ),
            )
    lon: float | None = None
    lat: float | None = None
    try:
        lon, lat = _position(geometry.get("coordinates"), "geometry.coordinates")
    except _Reject as rej:
        sink.add(index, code, rej.field, rej.reason)
    attributes = {k: v for k, v in props.items() if k not in ("code", "kind")}
    return WaterNode(code, kind, lon, lat, attributes), len(sink) == before


def _water_pipe(
    index: int,
    props: dict[str, Any],
    geometry: dict[str, Any],
    seen: dict[str, int],
    sink: _Problems,
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
            ends.append(_code_text(raw, f"properties.{key}"))
        except _Reject as rej:
            sink.add(index, code, rej.field, rej.reason)
            ends.append("")  # reported; not one to snap
    material = props.get("material")
    if material is not None and not isinstance(material, str):
        sink.add(
            index, code, "properties.material", T_("must be a string, got %(type)s", type=_type_name(material))
        )
        material = None
    material = (material or "").strip()[:30] or None
    diameter = year = None
    for key, parse in (("diameter_mm", _diameter), ("year", _year)):
        try:
            value = parse(props.get(key))
        except _Reject as rej:
            sink.add(index, code, rej.field, rej.reason)
            continue
        if key == "year":
            year = value
        else:
            diameter = value
    line: list[list[tuple[float, float]]] = []
    try:
        line = _line_parts(geometry)
    except _Reject as rej:
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
    sink: _Problems,
    out: WaterImport,
) -> None:
    try:
        code = _code_text(props.get("code"), "properties.code")
    except _Reject as rej:
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
        sink.add(index, code, "geometry", T_("cannot build geometry: %(error)s", error=_show(str(exc), 120)))
        return
    out.dmas.append((code, shape.geometry))


def _snap(pipes: list[_PipeDraft], nodes: list[WaterNode], sink: _Problems) -> None:
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
                shown = ", ".join(_show(h) for h in sorted(hits)[:5])
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
