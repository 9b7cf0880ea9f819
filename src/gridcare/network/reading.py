"""What the network file readers share: the problem record and the sink that collects
problems (stopping at :data:`MAX_PROBLEMS`), text decoding, the coordinate systems, codes,
and the GeoJSON plumbing (document, features, positions).

Positions: CSV rows are numbered as a spreadsheet shows them (the header is line 1);
GeoJSON features by their 0-based index in ``features``; -1 means the file as a whole.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from gridcare.core.geo import gcj02_to_wgs84_xy
from gridcare.core.i18n import T_
from gridcare.core.uploads import decode_text
from gridcare.network.topology import TopologyError, TopologyProblem

FILE = -1  # line_or_feature of a problem with the file as a whole
MAX_PROBLEMS = 1000  # a user fixes the first thousand before wanting the next
MAX_CODE_LEN = 60  # the assets / pipes tables' column widths
MAX_NAME_LEN = 200


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


# ----------------------------------------------------------------------------- plumbing


class Full(Exception):
    """Internal: MAX_PROBLEMS reached; stop reading."""


class Problems:
    """Collects problems and stops the reader once there are too many."""

    def __init__(self) -> None:
        self.items: list[ImportProblem] = []
        self.full = False

    def add(self, where: int, code: str | None, field_: str, reason: str) -> None:
        if len(self.items) >= MAX_PROBLEMS:
            self.full = True
            raise Full
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


class Reject(Exception):
    def __init__(self, field_: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_
        self.reason = reason


def reject(field_: str, reason: str) -> NoReturn:
    raise Reject(field_, reason)


def show(value: object, limit: int = 40) -> str:
    """A value quoted for a message, cut short: hostile files carry megabyte-long cells."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def type_name(value: object) -> str:
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


def check_lon_lat(lon: float, lat: float, lon_field: str, lat_field: str) -> None:
    if not -180.0 <= lon <= 180.0:
        reject(lon_field, T_("longitude %(lon)s outside [-180, 180]", lon=lon))
    if not -90.0 <= lat <= 90.0:
        reject(lat_field, T_("latitude %(lat)s outside [-90, 90]", lat=lat))


def to_wgs84(xy: list[tuple[float, float]], gcj02: bool) -> list[tuple[float, float]]:
    if not gcj02 or not xy:
        return xy
    arr = np.asarray(xy, dtype=np.float64)
    lon, lat = gcj02_to_wgs84_xy(arr[:, 0], arr[:, 1])
    return list(zip(lon.tolist(), lat.tolist()))


def code_text(value: object, field_: str) -> str:
    """A code: a non-empty string (GIS tools export numeric codes as numbers; fine too)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        reject(field_, T_("must be a string, got %(type)s", type=type_name(value)))
    text = value.strip()
    if not text:
        reject(field_, T_("missing"))
    if len(text) > MAX_CODE_LEN:
        reject(field_, T_("longer than %(n)s characters", n=MAX_CODE_LEN))
    return text


def map_topology(
    error: TopologyError,
    sink: Problems,
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


# ----------------------------------------------------------------------------- GeoJSON


GEOJSON_FIELDS = {
    "code": "properties.code",
    "kind": "properties.kind",
    "parent": "properties.parent",
    "from_code": "properties.from",
    "to_code": "properties.to",
}


def load_json(data: bytes, sink: Problems) -> dict[str, Any] | None:
    """The FeatureCollection (with a ``features`` array), or None after reporting why not."""
    text = decode_text(data)
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
        sink.add(FILE, None, "file", T_("not valid JSON: %(error)s", error=show(str(exc), 120)))
        return None
    if not isinstance(doc, dict):
        sink.add(FILE, None, "type", T_("expected a GeoJSON object, got %(type)s", type=type_name(doc)))
        return None
    if doc.get("type") != "FeatureCollection":
        sink.add(FILE, None, "type", T_("must be 'FeatureCollection'"))
    if not isinstance(doc.get("features"), list):
        why = T_("must be an array, got %(type)s", type=type_name(doc.get("features")))
        sink.add(FILE, None, "features", why)
        return None
    return doc


def json_number(value: object, field_: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        reject(field_, T_("expected a number, got %(type)s", type=type_name(value)))
    try:
        number = float(value)
    except OverflowError:
        reject(field_, T_("number is out of range"))
    if not math.isfinite(number):
        reject(field_, T_("number %(value)s is not finite", value=show(value)))
    return number


def read_position(raw: object, field_: str) -> tuple[float, float]:
    if not isinstance(raw, list) or not 2 <= len(raw) <= 3:
        reject(field_, T_("a position must be an array of 2 or 3 numbers"))
    lon, lat = json_number(raw[0], field_), json_number(raw[1], field_)
    if len(raw) == 3:
        json_number(raw[2], field_)  # altitude: checked, then dropped
    check_lon_lat(lon, lat, field_, field_)
    return lon, lat


def read_feature(raw: object, index: int, sink: Problems) -> tuple[dict[str, Any], Any] | None:
    """(properties, geometry) of a feature, or None after reporting why not."""
    if not isinstance(raw, dict):
        sink.add(index, None, "feature", T_("expected an object, got %(type)s", type=type_name(raw)))
        return None
    if raw.get("type") != "Feature":
        sink.add(index, None, "type", T_("must be 'Feature'"))
    props = raw.get("properties")
    if props is None:
        props = {}
    if not isinstance(props, dict):
        sink.add(index, None, "properties", T_("must be an object, got %(type)s", type=type_name(props)))
        return None
    return props, raw.get("geometry")
