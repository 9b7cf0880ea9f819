"""Hypothesis against every importer, through the door a user takes (the HTTP upload or the
CLI command): random bytes, valid files with mutated cells, wrong encodings, hostile strings
and a huge file. Each import must end in success or the importer's clear error (a 4xx
problem+json naming the field, or the CLI's one ``gridcare: error`` line), never an
unexpected exception, and a refused import must leave every table as it was."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridcare.db import Database
from tests.fuzz.hostile import (
    any_json_file,
    csv_text,
    encode,
    square,
    table_file,
    with_nul,
    xlsx_bytes,
)

EXAMPLES = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def populated(request: pytest.FixtureRequest) -> Database:
    return request.getfixturevalue(f"populated_{request.param}")


# --------------------------------------------------------------------------- grids

GRIDS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": "F-1", "name": "甲网格", "rep": "rep"},
            "geometry": square(113.01, 28.10),
        },
        {
            "type": "Feature",
            "properties": {"code": "F-2", "name": "乙网格"},
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": [square(113.03, 28.10)["coordinates"]],
            },
        },
    ],
}


def _ogr_files() -> dict[str, bytes]:
    """The valid grids as a GeoPackage and a zipped Shapefile, written once by GDAL."""
    import tempfile
    import zipfile
    from pathlib import Path

    import geopandas

    frame = geopandas.GeoDataFrame.from_features(GRIDS["features"], crs="EPSG:4326")
    out: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        frame.to_file(Path(tmp) / "g.gpkg", driver="GPKG", engine="pyogrio")
        out["g.gpkg"] = (Path(tmp) / "g.gpkg").read_bytes()
        (Path(tmp) / "shp").mkdir()
        frame.to_file(Path(tmp) / "shp" / "g.shp", engine="pyogrio")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for f in sorted((Path(tmp) / "shp").iterdir()):
                z.write(f, f.name)
        out["g.zip"] = buf.getvalue()
    return out


OGR = _ogr_files()


@st.composite
def damaged_binary(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(OGR)))
    data = bytearray(OGR[name])
    how = draw(st.sampled_from(["flip", "truncate", "junk"]))
    if how == "flip":
        for _ in range(draw(st.integers(1, 20))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    elif how == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    else:
        data = bytearray(draw(st.binary(max_size=400)))
    return name, bytes(data)


def test_grid_files_import_or_refuse_cleanly(http, org):
    form = {"org_unit_id": str(org.units["XC-E"])}
    assert http.upload("/api/v1/grids/import", "g.geojson", json.dumps(GRIDS).encode(), form)
    assert http.upload("/api/v1/grids/import", "g.gpkg", OGR["g.gpkg"], form)
    assert http.upload("/api/v1/grids/import", "g.zip", OGR["g.zip"], form)
    assert not http.upload("/api/v1/grids/import", "nul.geojson", with_nul(GRIDS), form)

    @EXAMPLES
    @given(
        st.one_of(any_json_file(GRIDS).map(lambda d: ("g.geojson", d)), damaged_binary()),
        st.sampled_from(["WGS84", "GCJ02"]),
        st.booleans(),
    )
    def run(file: tuple[str, bytes], crs: str, repair: bool) -> None:
        http.upload(
            "/api/v1/grids/import",
            file[0],
            file[1],
            {**form, "crs": crs, "repair": str(repair).lower()},
        )

    run()


# --------------------------------------------------------------------------- customers

CUSTOMERS = [
    [
        "account",
        "name",
        "phones",
        "address",
        "lon",
        "lat",
        "utility",
        "supply_point",
        "tags",
        "meters",
        "notes",
    ],
    [
        "F001",
        "张三",
        "13812345670",
        "芙蓉区五一大道9号",
        "112.92",
        "28.12",
        "electric",
        "T1",
        "major",
        "FM001",
        "",
    ],
    [
        "F002",
        "李四",
        "0731-88881234;13900001112",
        "芙蓉区五一大道10号",
        "112.97",
        "28.12",
        "water",
        "S1",
        "",
        "",
        "备注",
    ],
]


def test_customer_files_import_or_refuse_cleanly(http, org):
    form = {"org_unit_id": str(org.units["XC"])}
    assert http.upload(
        "/api/v1/customers/import", "c.csv", encode(csv_text(CUSTOMERS), "gbk"), form
    )
    assert http.upload("/api/v1/customers/import", "c.xlsx", xlsx_bytes(CUSTOMERS), form)

    @EXAMPLES
    @given(table_file(CUSTOMERS, "customers"), st.booleans())
    def run(file: tuple[str, bytes], skip_bad_rows: bool) -> None:
        http.upload(
            "/api/v1/customers/import",
            file[0],
            file[1],
            {**form, "skip_bad_rows": str(skip_bad_rows).lower()},
        )

    run()


# --------------------------------------------------------------------------- network (CLI)

ELECTRIC = [
    ["code", "kind", "parent", "name", "lon", "lat"],
    ["SUB", "substation", "", "测试变电站", "112.95", "28.14"],
    ["F1", "feeder", "SUB", "10kV 测试线", "112.95", "28.13"],
    ["SW1", "switch", "F1", "1号开关", "112.96", "28.13"],
    ["T1", "transformer", "F1", "西配变", "112.92", "28.121"],
    ["T2", "transformer", "SW1", "东配变", "112.97", "28.121"],
]
ELECTRIC_GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": r[0], "kind": r[1], "parent": r[2] or None, "name": r[3]},
            "geometry": {"type": "Point", "coordinates": [float(r[4]), float(r[5])]},
        }
        for r in ELECTRIC[1:]
    ],
}
WATER = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": "SRC", "kind": "source"},
            "geometry": {"type": "Point", "coordinates": [112.99, 28.14]},
        },
        {
            "type": "Feature",
            "properties": {"code": "V1", "kind": "valve"},
            "geometry": {"type": "Point", "coordinates": [112.96, 28.13]},
        },
        {
            "type": "Feature",
            "properties": {"code": "S1", "kind": "service"},
            "geometry": {"type": "Point", "coordinates": [112.92, 28.12]},
        },
        {
            "type": "Feature",
            "properties": {
                "code": "P1",
                "from": "SRC",
                "to": "V1",
                "material": "PE",
                "diameter_mm": "DN150",
                "year": 2010,
            },
            "geometry": {"type": "LineString", "coordinates": [[112.99, 28.14], [112.96, 28.13]]},
        },
        {
            "type": "Feature",
            "properties": {"code": "P2", "from": "V1", "to": "S1", "diameter_mm": 100},
            "geometry": {"type": "LineString", "coordinates": [[112.96, 28.13], [112.92, 28.12]]},
        },
        {
            "type": "Feature",
            "properties": {"code": "DMA-T", "kind": "dma"},
            "geometry": square(112.90, 28.10, 0.1),
        },
    ],
}


def test_electric_asset_files_import_or_refuse_cleanly(cli):
    assert cli.run(
        ["import", "assets", "--utility", "electric"], "a.csv", encode(csv_text(ELECTRIC), "utf-16")
    )
    assert cli.run(
        ["import", "assets", "--utility", "electric"],
        "a.geojson",
        json.dumps(ELECTRIC_GEOJSON).encode(),
    )
    assert not cli.run(
        ["import", "assets", "--utility", "electric"], "nul.geojson", with_nul(ELECTRIC_GEOJSON)
    )

    @EXAMPLES
    @given(
        st.one_of(
            table_file(ELECTRIC, "assets", xlsx=False),
            any_json_file(ELECTRIC_GEOJSON).map(lambda d: ("assets.geojson", d)),
        )
    )
    def run(file: tuple[str, bytes]) -> None:
        cli.run(["import", "assets", "--utility", "electric"], *file)

    run()


def test_water_network_files_import_or_refuse_cleanly(cli):
    assert cli.run(
        ["import", "assets", "--utility", "water"], "w.geojson", json.dumps(WATER).encode()
    )
    assert not cli.run(["import", "assets", "--utility", "water"], "nul.geojson", with_nul(WATER))

    @EXAMPLES
    @given(any_json_file(WATER))
    def run(data: bytes) -> None:
        cli.run(["import", "assets", "--utility", "water"], "water.geojson", data)

    run()


# --------------------------------------------------------------------------- analytics aggregates

AGGREGATES = [
    [
        "month",
        "grid",
        "supplied_m3",
        "billed_m3",
        "meters_due",
        "meters_read",
        "billed_amount",
        "collected_amount",
    ],
    ["2026-10", "W-ALL", "12000", "10200", "4000", "3900", "350,000.50", "340000"],
    ["2026-10", "E-WEST", "", "", "3000", "2950", "800000", "790000"],
]


def test_aggregate_files_import_or_refuse_cleanly(http):
    assert http.upload("/api/v1/analytics/aggregates", "a.csv", encode(csv_text(AGGREGATES), "gbk"))
    assert http.upload("/api/v1/analytics/aggregates", "a.xlsx", xlsx_bytes(AGGREGATES))

    @EXAMPLES
    @given(table_file(AGGREGATES, "aggregates"))
    def run(file: tuple[str, bytes]) -> None:
        http.upload("/api/v1/analytics/aggregates", *file)

    run()


# --------------------------------------------------------------------------- arrears (CLI)

ARREARS = [
    ["account", "amount", "months", "reason"],
    ["E001", "1234.50", "3", "长期欠费"],
    ["E002", "88", "", ""],
]


def test_arrears_files_import_or_refuse_cleanly(cli):
    @EXAMPLES
    @given(table_file(ARREARS, "arrears", xlsx=False))
    def run(file: tuple[str, bytes]) -> None:
        cli.run(["arrears", "import"], *file)

    run()
    assert cli.run(["arrears", "import"], "a.csv", encode(csv_text(ARREARS), "gbk")) in (
        True,
        False,
    )


# --------------------------------------------------------------------------- planning layers

UNITS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {
                "code": "U1",
                "name": "一号小区",
                "kind": "community",
                "customers": 120,
                "orders_repair": 4,
            },
            "geometry": square(112.90, 28.10),
        },
        {
            "type": "Feature",
            "properties": {"code": "U2", "kind": "block", "meters": "80", "line_km": 1.5},
            "geometry": square(112.92, 28.10),
        },
    ],
}
BARRIERS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "浏阳河", "kind": "river"},
            "geometry": {"type": "LineString", "coordinates": [[112.90, 28.11], [113.0, 28.12]]},
        },
        {"type": "Feature", "properties": {"kind": "dma"}, "geometry": square(112.95, 28.12)},
    ],
}


def test_planning_layers_import_or_refuse_cleanly(http):
    assert http.upload("/api/v1/planning/units", "u.geojson", json.dumps(UNITS).encode())
    assert http.upload("/api/v1/planning/barriers", "b.geojson", json.dumps(BARRIERS).encode())
    assert not http.upload("/api/v1/planning/units", "nul.geojson", with_nul(UNITS))
    assert not http.upload("/api/v1/planning/barriers", "nul.geojson", with_nul(BARRIERS))

    @EXAMPLES
    @given(
        st.sampled_from(
            [("/api/v1/planning/units", UNITS), ("/api/v1/planning/barriers", BARRIERS)]
        ).flatmap(lambda pd: st.tuples(st.just(pd[0]), any_json_file(pd[1])))
    )
    def run(target: tuple[str, bytes]) -> None:
        http.upload(target[0], "layer.geojson", target[1], {"utility": "electric"})

    run()


# --------------------------------------------------------------------------- huge files


def huge(size: int, line: bytes) -> bytes:
    return line * (size // len(line) + 1)


@pytest.mark.parametrize(
    ("path", "name", "form"),
    [
        ("/api/v1/grids/import", "g.geojson", {"org_unit_id": "1"}),
        ("/api/v1/customers/import", "c.csv", {"org_unit_id": "1"}),
        ("/api/v1/analytics/aggregates", "a.csv", {}),
        ("/api/v1/planning/units", "u.geojson", {}),
        ("/api/v1/planning/barriers", "b.geojson", {}),
    ],
)
def test_a_file_over_the_limit_is_refused_without_reading_it_all(http, path, name, form):
    from gridcare.customers.api import MAX_UPLOAD as CUSTOMERS_MAX

    size = CUSTOMERS_MAX + 1 if path.startswith("/api/v1/customers") else 50 * 1024 * 1024 + 1
    assert not http.upload(path, name, huge(size, b"x" * 1023 + b"\n"), form)
    assert http.problem["errors"] == [
        {"field": "file", "reason": http.problem["errors"][0]["reason"]}
    ]
    assert http.problem["errors"][0]["reason"].startswith("larger than")


def test_a_large_file_within_the_limit_is_read_and_refused_by_line(cli):
    # 20 MB of rows that each fail on their own: every one is checked, the report stays short.
    data = huge(20 * 1024 * 1024, b"A1,transformer,NOPE,=cmd|' /C calc'!A0,999,999\n")
    assert not cli.run(
        ["import", "assets", "--utility", "electric"],
        "big.csv",
        b"code,kind,parent,name,lon,lat\n" + data,
    )
