"""Importing electric assets (CSV, GeoJSON) and water networks (GeoJSON): good files, files
with many bad rows (every one reported where a user will look), and hostile bytes."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Polygon

from gridcare.core.geo import is_gcj02, wgs84_to_gcj02
from gridcare.network.importing import (
    FILE,
    MAX_PROBLEMS,
    ImportProblem,
    parse_electric_assets,
    parse_water_network,
    read_water_network,
)
from gridcare.network.topology import ElectricTree, WaterNetwork
from tests.support.synthetic import junk_asset_csv

GOOD_CSV = """code,kind,parent,name,lon,lat,voltage
S1,substation,,North,114.05,22.55,110kV
F1,feeder,S1,F one,114.06,22.56,
SW1,switch,F1,,114.07,22.57,
T1,transformer,SW1,T one,114.08,22.58,
T2,transformer,SW1,"T two, east",,,
"""


def where(problems: list[ImportProblem]) -> set[tuple[int, str | None, str]]:
    return {(p.line_or_feature, p.code, p.field) for p in problems}


def test_it_reads_a_good_csv() -> None:
    records, problems = parse_electric_assets(GOOD_CSV.encode(), filename="assets.csv")
    assert problems == []
    assert [r.code for r in records] == ["S1", "F1", "SW1", "T1", "T2"]
    s1, _, sw1, _, t2 = records
    assert (s1.kind, s1.parent, s1.name, s1.lon, s1.lat) == (
        "substation",
        None,
        "North",
        114.05,
        22.55,
    )
    assert s1.attributes == {"voltage": "110kV"}
    assert sw1.name == "SW1"  # an empty name falls back to the code
    assert (t2.name, t2.lon, t2.lat) == ("T two, east", None, None)
    assert ElectricTree.build(records).upstream_chain("T2") == ["T2", "SW1", "F1", "S1"]


def test_it_reads_a_gbk_csv_with_chinese_headers_and_kinds() -> None:
    text = (
        "编码,类型,上级,名称,经度,纬度\r\n"
        "BDZ1,变电站,,北站,114.05,22.55\r\n"
        "XL1,线路,BDZ1,一号线,114.06,22.56\r\n"
        "KG1,开关,XL1,开关一,114.07,22.57\r\n"
        "RD1,熔断器,KG1,,114.07,22.57\r\n"
        "TQ1,台区,RD1,幸福台区,114.08,22.58\r\n"
        "PB1,配变,XL1,配变一,,\r\n"
        "BY1,变压器,KG1,变压器一,,\r\n"
        "KX2,馈线,BDZ1,二号线,,\r\n"
    )
    for encoding in ("gbk", "gb18030", "utf-8-sig", "utf-8"):
        records, problems = parse_electric_assets(text.encode(encoding), filename="台账.csv")
        assert problems == [], encoding
        kinds = {r.code: r.kind for r in records}
        assert kinds == {
            "BDZ1": "substation",
            "XL1": "feeder",
            "KG1": "switch",
            "RD1": "fuse",
            "TQ1": "transformer",
            "PB1": "transformer",
            "BY1": "transformer",
            "KX2": "feeder",
        }
        assert {r.code: r.name for r in records}["TQ1"] == "幸福台区"


def test_it_reads_tab_separated_and_utf16_exports() -> None:
    text = "code\tkind\tparent\nS\tsubstation\t\nF\tfeeder\tS\n"
    records, problems = parse_electric_assets(text.encode("utf-16"), filename="export.txt")
    assert problems == [] and [r.parent for r in records] == [None, "S"]


def test_it_reads_geojson_points() -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "S1", "kind": "substation", "name": "N", "owner": "city"},
                "geometry": {"type": "Point", "coordinates": [114.05, 22.55]},
            },
            {
                "type": "Feature",
                "properties": {"code": "F1", "kind": "馈线", "parent": "S1"},
                "geometry": {"type": "Point", "coordinates": [114.06, 22.56, 12.0]},
            },
            {
                "type": "Feature",
                "properties": {"code": 1001, "kind": "transformer", "parent": "F1"},
                "geometry": None,
            },
        ],
    }
    records, problems = parse_electric_assets(json.dumps(doc).encode(), filename="assets.geojson")
    assert problems == []
    assert [(r.code, r.kind, r.parent, r.lon, r.lat) for r in records] == [
        ("S1", "substation", None, 114.05, 22.55),
        ("F1", "feeder", "S1", 114.06, 22.56),
        ("1001", "transformer", "F1", None, None),
    ]
    assert records[0].attributes == {"owner": "city"}


def test_it_converts_gcj02_positions() -> None:
    glon, glat = wgs84_to_gcj02(114.05, 22.55)
    text = f"code,kind,parent,lon,lat\nS1,substation,,{glon!r},{glat!r}\n"
    records, problems = parse_electric_assets(text.encode(), filename="a.csv", crs="GCJ02")
    assert problems == []
    assert math.isclose(records[0].lon, 114.05, abs_tol=1e-7)  # type: ignore[arg-type]
    assert math.isclose(records[0].lat, 22.55, abs_tol=1e-7)  # type: ignore[arg-type]


BAD_CSV = """code,kind,parent,name,lon,lat
S1,substation,,North,114.05,22.55
,feeder,S1,,,
F1,bogus,S1,,,
F2,feeder,S1,,nan,22
F3,feeder,S1,,abc,22
F4,feeder,S1,,114,

S1,substation,,again,,
T1,transformer,NOPE,,,
A,switch,B,"two
lines",,
B,switch,A,,,
T9,transformer,F2,,200,22
SW,switch,T9,,,
F5,feeder,S1,,,,,surplus
"""


def test_it_reports_every_bad_row_on_the_line_a_user_sees() -> None:
    records, problems = parse_electric_assets(BAD_CSV.encode(), filename="bad.csv")
    assert where(problems) == {
        (3, None, "code"),  # missing code
        (4, "F1", "kind"),  # unknown kind
        (5, "F2", "lon"),  # NaN
        (6, "F3", "lon"),  # not a number
        (7, "F4", "lat"),  # longitude without latitude
        (9, "S1", "code"),  # duplicate (line 8 is blank)
        (10, "T1", "parent"),  # unknown parent
        (11, "A", "parent"),  # loop A → B → A; the quoted name spans lines 11-12
        (13, "B", "parent"),
        (14, "T9", "lon"),  # out of range
        (15, "SW", "parent"),  # under a transformer
        (16, "F5", "line"),  # more cells than the header
    }
    assert len(problems) == 12  # one each: no echoes
    reasons = {p.line_or_feature: p.reason for p in problems}
    assert "line 2" in reasons[9]
    assert "transformers are leaves" in reasons[15]
    assert [r.code for r in records] == ["S1"]  # only rows fine on their own and in the tree
    assert len(parse_electric_assets(BAD_CSV.encode("gbk"), filename="bad.csv")[1]) == 12


def test_it_reports_missing_columns_and_empty_files() -> None:
    _, problems = parse_electric_assets(b"code,name\nS1,x\n", filename="a.csv")
    assert [(p.line_or_feature, p.field) for p in problems] == [(1, "header")]
    assert "kind" in problems[0].reason and "parent" in problems[0].reason
    _, problems = parse_electric_assets(b"", filename="a.csv")
    assert [p.line_or_feature for p in problems] == [FILE]
    _, problems = parse_electric_assets(b"code,kind,parent\n", filename="a.csv")
    assert [(p.line_or_feature, p.reason) for p in problems] == [
        (FILE, "the file contains no assets")
    ]


def test_it_reports_bad_geojson_features_by_index() -> None:
    doc: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "S1", "kind": "substation"},
                "geometry": None,
            },
            "junk",
            {"type": "Feature", "properties": {"code": ["x"], "kind": "feeder"}, "geometry": None},
            {
                "type": "Feature",
                "properties": {"code": "F1", "kind": "feeder", "parent": "S1"},
                "geometry": {"type": "Point", "coordinates": [114.0, 95.0]},
            },
            {
                "type": "Feature",
                "properties": {"code": "F2", "kind": "feeder", "parent": "S9"},
                "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]},
            },
            {
                "type": "Feature",
                "properties": {"code": "F3", "kind": "feeder", "parent": "S1"},
                "geometry": {"type": "Point", "coordinates": ["114", 22]},
            },
        ],
    }
    _, problems = parse_electric_assets(json.dumps(doc).encode(), filename="a.json")
    assert where(problems) == {
        (1, None, "feature"),
        (2, None, "properties.code"),
        (3, "F1", "geometry.coordinates"),
        (4, "F2", "geometry.type"),
        (4, "F2", "properties.parent"),
        (5, "F3", "geometry.coordinates"),
    }


POINT_AT = (
    b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
    b'{"code": "S", "kind": "substation"}, "geometry": {"type": "Point", "coordinates": [XY]}}]}'
)


@pytest.mark.parametrize(
    "data",
    [
        POINT_AT.replace(b"XY", b"NaN, 1"),
        POINT_AT.replace(b"XY", b"1e999, 1"),
        POINT_AT.replace(b"XY", b"1" + b"0" * 400 + b", 1"),
        b"[" * 100_000 + b"]" * 100_000,
        b'{"type": "FeatureCollection", "features": [' + b"9" * 5000 + b"]}",
        b"\xff\xfe\x00\xd8",  # a lone UTF-16 surrogate
        b"\x00\x01\x02 binary",
        b"code,kind,parent\n" + b"x" * 200_000 + b",switch,\n",  # beyond the csv field limit
        b'code,kind,parent\n"unterminated,switch,\n',
        b'{"features": null}',
    ],
)
def test_it_survives_hostile_files(data: bytes) -> None:
    for filename in ("x.csv", "x.geojson", "x"):
        _, problems = parse_electric_assets(data, filename=filename)
        assert problems and all(isinstance(p, ImportProblem) for p in problems)
    *_, problems = parse_water_network(data)
    assert problems


def test_it_stops_listing_problems_in_giant_junk_files() -> None:
    records, problems = parse_electric_assets(junk_asset_csv(200_000), filename="junk.csv")
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1].line_or_feature == FILE and "too many" in problems[-1].reason
    assert records == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.sampled_from(["a.csv", "a.geojson", "a.bin"]))
def test_it_never_raises_on_random_bytes(data: bytes, filename: str) -> None:
    _, problems = parse_electric_assets(data, filename=filename)
    assert all(isinstance(p, ImportProblem) for p in problems)
    parse_water_network(data)


_cells = st.lists(
    st.sampled_from(
        [
            *'ab,"\n\r;\t 1.-',
            "nan",
            "S1",
            "F1",
            "1e999",
            "变电站",
            "馈线",
            "开关",
            "台区",
            "feeder",
            "substation",
            "114.05",
            "22.5",
        ]
    ),
    max_size=4,
).map("".join)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(_cells, max_size=8), max_size=8))
def test_it_never_raises_on_csv_like_junk(rows: list[list[str]]) -> None:
    text = "code,kind,parent,name,lon,lat\n" + "\n".join(",".join(r) for r in rows)
    for encoding in ("utf-8", "gbk"):
        records, problems = parse_electric_assets(
            text.encode(encoding, "replace"), filename="a.csv"
        )
        if not problems:
            ElectricTree.build(records)  # a clean import is a valid tree


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "features",
                    "properties",
                    "geometry",
                    "coordinates",
                    "code",
                    "kind",
                    "parent",
                    "from",
                    "to",
                    "diameter_mm",
                    "year",
                    "Point",
                    "LineString",
                    "Polygon",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {"type": st.just("Feature"), "properties": _json_values, "geometry": _json_values}
        ),
        max_size=5,
    )
)
def test_it_never_raises_on_geojson_like_junk(features: list[dict[str, Any]]) -> None:
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    parse_electric_assets(data, filename="a.geojson")
    parse_water_network(data)


# ----------------------------------------------------------------------------- water


def point(code: str, kind: str, lon: float, lat: float, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"code": code, "kind": kind, **props},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def pipe(code: str, coords: list[list[float]], **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"code": code, **props},
        "geometry": {"type": "LineString", "coordinates": coords},
    }


SQUARE = [[[113.99, 22.49], [114.01, 22.49], [114.01, 22.51], [113.99, 22.51], [113.99, 22.49]]]


def water_doc(*features: dict[str, Any]) -> bytes:
    return json.dumps(
        {"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False
    ).encode()


def test_it_reads_a_water_network() -> None:
    data = water_doc(
        point("S1", "水厂", 114.000, 22.5, name="东湖水厂"),
        point("V1", "阀门", 114.001, 22.5),
        point("C1", "service", 114.002, 22.5),
        point("H1", "消火栓", 114.003, 22.5),
        pipe(
            "P1",
            [[114.000, 22.5], [114.001, 22.5]],
            **{"from": "S1", "to": "V1"},
            material="球墨铸铁",
            diameter_mm="DN300",
            year=1998,
        ),
        pipe(
            "P2",
            [[114.001, 22.5], [114.0015, 22.5001], [114.002, 22.5]],
            **{"from": "V1", "to": "C1"},
            diameter_mm=110,
            year="2015",
        ),
        # no from/to: both ends within 0.5 m of C1 and H1 (1e-6 degrees is ~0.1 m)
        pipe("P3", [[114.002000001, 22.500000002], [114.003000003, 22.5]], material="PE"),
        {
            "type": "Feature",
            "properties": {"code": "DMA1", "kind": "dma"},
            "geometry": {"type": "Polygon", "coordinates": SQUARE},
        },
    )
    nodes, pipes, dmas, problems = parse_water_network(data)
    assert problems == []
    assert [(n.code, n.kind) for n in nodes] == [
        ("S1", "source"),
        ("V1", "valve"),
        ("C1", "service"),
        ("H1", "hydrant"),
    ]
    assert nodes[0].attributes == {"name": "东湖水厂"}
    p1, p2, p3 = pipes
    assert (p1.material, p1.diameter_mm, p1.year) == ("球墨铸铁", 300, 1998)
    assert (p2.diameter_mm, p2.year) == (110, 2015)
    assert (p3.from_code, p3.to_code, p3.material, p3.diameter_mm) == ("C1", "H1", "PE", None)
    assert [code for code, _ in dmas] == ["DMA1"] and isinstance(dmas[0][1], Polygon)
    net = WaterNetwork.build(nodes, pipes)
    assert net.cut_off_by({"V1"}) == {"C1", "H1"}
    geoms = read_water_network(data).pipe_geometries
    assert isinstance(geoms["P2"], LineString) and len(geoms["P2"].coords) == 3


def test_it_reports_every_water_problem() -> None:
    data = water_doc(
        point("J1", "junction", 114.0, 22.5),  # 0
        point("J2", "tank", 114.001, 22.5),  # 1: unknown kind
        point("J1", "junction", 114.0, 22.5),  # 2: duplicate
        pipe(
            "P1", [[114.0, 22.5], [114.001, 22.5]], **{"from": "J1", "to": "J9"}
        ),  # 3: unknown node
        pipe("P2", [[114.0, 22.5], [114.0, 22.5001]], **{"from": "J1", "to": "J1"}),  # 4: self-loop
        pipe("P3", [[114.0, 22.5], [114.5, 22.9]], **{"from": "J1"}, diameter_mm="wide"),  # 5
        pipe("P4", [[114.0, 22.5]], **{"from": "J1", "to": "J2"}, year=1492),  # 6
        {
            "type": "Feature",
            "properties": {"code": "D1"},  # 7: polygon without kind dma
            "geometry": {"type": "Polygon", "coordinates": SQUARE},
        },
        {
            "type": "Feature",
            "properties": {"code": "D2", "kind": "dma"},  # 8: self-intersecting
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
            },
        },
        {"type": "Feature", "properties": {"code": "X"}, "geometry": None},  # 9
    )
    nodes, pipes, dmas, problems = parse_water_network(data)
    assert where(problems) == {
        (FILE, None, "kind"),  # no source anywhere
        (1, "J2", "properties.kind"),
        (2, "J1", "properties.code"),
        (3, "P1", "properties.to"),
        (4, "P2", "properties.to"),
        (5, "P3", "properties.to"),  # nothing within 0.5 m of the line's last position
        (5, "P3", "properties.diameter_mm"),
        (6, "P4", "geometry.coordinates"),
        (6, "P4", "properties.year"),
        (7, "D1", "properties.kind"),
        (8, "D2", "geometry"),
        (9, None, "geometry"),
    }
    assert [n.code for n in nodes] == ["J1"] and pipes == [] and dmas == []


def test_it_refuses_to_guess_between_two_close_nodes() -> None:
    data = water_doc(
        point("S", "source", 114.0, 22.5),
        point("A", "junction", 114.001, 22.5),
        point("B", "junction", 114.001000002, 22.5),  # 0.2 m from A
        pipe("P", [[114.0, 22.5], [114.001000001, 22.5]]),
    )
    _, pipes, _, problems = parse_water_network(data)
    assert pipes == []
    assert [(p.line_or_feature, p.field) for p in problems] == [(3, "properties.to")]
    assert "'A', 'B'" in problems[0].reason


def test_it_reports_a_material_too_long_to_store_rather_than_cutting_it() -> None:
    long_name = "球墨铸铁" * 8  # 32 characters; the column holds 30
    data = water_doc(
        point("S", "source", 114.0, 22.5),
        point("A", "junction", 114.001, 22.5),
        pipe("P", [[114.0, 22.5], [114.001, 22.5]], **{"from": "S", "to": "A"}, material=long_name),
    )
    _, pipes, _, problems = parse_water_network(data)
    assert pipes == []
    assert [(p.line_or_feature, p.code, p.field) for p in problems] == [(2, "P", "properties.material")]
    assert "30" in str(problems[0].reason)
    ok = water_doc(
        point("S", "source", 114.0, 22.5),
        point("A", "junction", 114.001, 22.5),
        pipe("P", [[114.0, 22.5], [114.001, 22.5]], **{"from": "S", "to": "A"}, material=long_name[:30]),
    )
    assert parse_water_network(ok)[1][0].material == long_name[:30]


@pytest.mark.parametrize(("crs", "gcj02"), [("WGS84", False), ("wgs-84", False), ("EPSG:4326", False), ("CRS84", False), ("GCJ02", True), ("gcj-02", True), ("GCJ_02", True)])
def test_both_importers_and_the_grid_files_read_a_crs_one_way(crs: str, gcj02: bool) -> None:
    assert is_gcj02(crs) is gcj02


def test_an_unknown_crs_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="crs must be 'WGS84' or 'GCJ02'"):
        is_gcj02("EPSG:3857")
