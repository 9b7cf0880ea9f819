"""Electric assets: a CSV file (English or Chinese headers; UTF-8 with or without BOM,
UTF-16 with BOM, or GBK/GB18030) or a GeoJSON FeatureCollection of Points, checked to form
a tree."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gridcare.core.geo import is_gcj02
from gridcare.core.i18n import T_
from gridcare.core.uploads import decode_text
from gridcare.network.electric import ASSET_KINDS, AssetRecord, ElectricTree
from gridcare.network.reading import (
    FILE,
    GEOJSON_FIELDS,
    MAX_NAME_LEN,
    Full,
    ImportProblem,
    Problems,
    Reject,
    check_lon_lat,
    code_text,
    load_json,
    map_topology,
    read_feature,
    read_position,
    reject,
    show,
    to_wgs84,
    type_name,
)
from gridcare.network.topology import TopologyError

__all__ = ["parse_electric_assets"]

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
    gcj02 = is_gcj02(crs)
    sink = Problems()
    rows: list[_AssetRow] = []
    geojson = _looks_like_geojson(data, filename)
    try:
        if geojson:
            _electric_geojson(data, sink, rows)
        else:
            _electric_csv(data, sink, rows)
    except Full:
        return [], sink.result()  # the topology of a half-read file would only add noise

    field_names = GEOJSON_FIELDS if geojson else {}
    if not rows and not len(sink):
        sink.add(FILE, None, "file", T_("the file contains no assets"))
    try:
        _check_tree(rows, sink, field_names)
    except Full:
        pass

    good = [r for r in rows if r.ok]
    located = [(r.lon, r.lat) for r in good if r.lon is not None and r.lat is not None]
    moved = iter(to_wgs84(located, gcj02))  # type: ignore[arg-type]
    records = []
    for r in good:
        lon, lat = next(moved) if r.lon is not None and r.lat is not None else (None, None)
        records.append(AssetRecord(r.code, r.kind, r.parent, r.name, lon, lat, r.attributes))
    return records, sink.result()


def _looks_like_geojson(data: bytes, filename: str) -> bool:
    ext = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if ext in ("geojson", "json"):
        return True
    if ext in ("csv", "txt", "tsv"):
        return False
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _check_tree(rows: list[_AssetRow], sink: Problems, fields: Mapping[str, str]) -> None:
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
        map_topology(error, sink, lambda p: where.get(p.code or "", FILE), fields)
        refused = {p.code for p in error.problems}
        for r in rows:  # a row the tree refused is not fine after all
            if r.code in refused:
                r.ok = False


def _electric_row(
    sink: Problems,
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
        code = code_text(values.get("code"), fname("code"))
    except Reject as rej:
        sink.add(where, None, rej.field, rej.reason)
        return None
    if code in seen:
        if noun == "line":
            why = T_("duplicate code, first used by line %(n)s", n=seen[code])
        else:
            why = T_("duplicate code, first used by feature #%(n)s", n=seen[code])
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
                    kind=show(raw_kind.strip()),
                    choices=", ".join(ASSET_KINDS),
                ),
            )

    parent: str | None = None
    raw_parent = values.get("parent")
    if raw_parent is not None and not (isinstance(raw_parent, str) and not raw_parent.strip()):
        try:
            parent = code_text(raw_parent, fname("parent"))
        except Reject as rej:
            sink.add(where, code, rej.field, rej.reason)

    raw_name = values.get("name")
    name = code
    if raw_name is not None:
        if not isinstance(raw_name, str | int) or isinstance(raw_name, bool):
            sink.add(where, code, fname("name"), T_("must be a string, got %(type)s", type=type_name(raw_name)))
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
            check_lon_lat(lon, lat, fname("lon"), fname("lat"))
        except Reject as rej:
            sink.add(where, code, rej.field, rej.reason)
    return _AssetRow(where, code, kind, parent, name, lon, lat, attributes, len(sink) == before)


def _csv_number(text: str, column: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except (ValueError, OverflowError):
        reject(column, T_("not a number: %(value)s", value=show(text)))
    if not math.isfinite(value):
        reject(column, T_("number %(value)s is not finite", value=show(text)))
    return value


def _electric_csv(data: bytes, sink: Problems, rows: list[_AssetRow]) -> None:
    text = decode_text(data)
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
            why = T_("column %(column)r appears twice (%(label)s)", column=key, label=show(label))
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
            except Reject as rej:
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


def _electric_geojson(data: bytes, sink: Problems, rows: list[_AssetRow]) -> None:
    doc = load_json(data, sink)
    if doc is None:
        return
    seen: dict[str, int] = {}
    reserved = {"code", "kind", "parent", "name", *_CSV_COLUMNS}
    for index, raw in enumerate(doc["features"]):
        got = read_feature(raw, index, sink)
        if got is None:
            continue
        props, geometry = got
        before = len(sink)
        values: dict[str, Any] = {k: props.get(k) for k in ("code", "kind", "parent", "name")}
        values["lon"] = values["lat"] = None
        if geometry is not None:
            try:
                if not isinstance(geometry, dict) or geometry.get("type") != "Point":
                    reject("geometry.type", T_("an asset must be a Point (or have no geometry)"))
                values["lon"], values["lat"] = read_position(
                    geometry.get("coordinates"), "geometry.coordinates"
                )
            except Reject as rej:
                code = props.get("code") if isinstance(props.get("code"), str) else None
                sink.add(index, code, rej.field, rej.reason)
        attributes = {k: v for k, v in props.items() if k not in reserved}
        row = _electric_row(sink, index, values, seen, attributes, GEOJSON_FIELDS, "feature #")
        if row is not None:
            row.ok = len(sink) == before
            rows.append(row)
