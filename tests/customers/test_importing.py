"""Customer import files: every good row parsed, every bad row reported, nothing ever raises."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from gridcare.core.geo import wgs84_to_gcj02
from gridcare.customers.importing import (
    CustomerImport,
    RowProblem,
    parse_customers,
    problems_to_csv,
    problems_to_text,
)

HEADER = "account,name,phones,address,lon,lat,utility,supply_point,tags,meters,notes"


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def assert_consistent(result: CustomerImport) -> None:
    bad_lines = {p.line for p in result.problems}
    assert not bad_lines & {r.line for r in result.rows}
    assert len(result.rows) <= result.total_rows
    assert all(p.line >= 0 and p.field and p.reason for p in result.problems)


def test_it_parses_a_good_utf8_csv() -> None:
    data = b"\xef\xbb\xbf" + csv_bytes(
        HEADER + ",district",
        "A001,Zhang San,138 1234 5678; 0731-88881234 转 806,1 Furong Rd,112.98,28.19,electric,TX-01,major;sensitive,M1;M2,call first,Yuhua",
        'A002,"Li, Si",13912345678/13912345678,,,,water,,,,"two\nlines",',
        "",
        "A003,Wang Wu,,,,,gas,,,,,",
    )
    result = parse_customers(data)
    assert result.problems == ()
    assert result.total_rows == 3
    first, second, third = result.rows
    assert (first.line, first.account, first.name) == (2, "A001", "Zhang San")
    assert first.phones == ("+8613812345678", "+8673188881234")
    assert (first.lon, first.lat) == (112.98, 28.19)
    assert first.utility == "electric" and first.supply_point == "TX-01"
    assert first.tags == frozenset({"major", "sensitive"})
    assert first.meters == ("M1", "M2")
    assert first.attributes == {"district": "Yuhua"}
    assert second.name == "Li, Si" and second.phones == ("+8613912345678",)
    assert second.notes == "two\nlines" and second.lon is None and second.supply_point is None
    assert third.line == 6  # the quoted newline and the blank line both count, as in an editor


def test_it_reads_a_gbk_csv_with_chinese_headers_and_values() -> None:
    data = csv_bytes(
        "户号,户名,电话,地址,经度,纬度,专业,台区,标签,表号,备注,片区",
        "B001,张三,13812345678,长沙市雨花区,112.98,28.19,电力,雨花1号台区,大客户;重要保障,9001,无,东片",
        "B002,李四,0731-88881234,岳麓区,,,供水,,用水大户；敏感；重点监管,,,",
        encoding="gbk",
    )
    result = parse_customers(data)
    assert result.problems == ()
    a, b = result.rows
    assert a.name == "张三" and a.address == "长沙市雨花区" and a.utility == "electric"
    assert a.supply_point == "雨花1号台区" and a.tags == {"major", "protected"}
    assert a.attributes == {"片区": "东片"}
    assert b.utility == "water" and b.tags == {"major", "sensitive", "supervised"}


def test_it_reads_an_xlsx_workbook() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Account", "NAME", "Phones", "Lon", "Lat", "Utility", "Connected"])
    sheet.append([10012345, "张三", 13812345678.0, 112.98, 28.19, "electric", date(2020, 5, 1)])
    sheet.append([])
    sheet.append(
        ["A-2", "=cmd|' /C calc'!A0", "0731-88881234", None, None, "水", datetime(2021, 1, 2, 3, 4)]
    )
    sheet.append(["A-3", None, "12345", None, None, "gas", None])
    sheet["B4"].data_type = "s"  # text that looks like a formula, as a billing export writes it
    buf = io.BytesIO()
    book.save(buf)
    result = parse_customers(buf.getvalue(), filename="customers.xlsx")
    assert [(r.line, r.account) for r in result.rows] == [(2, "10012345"), (4, "A-2")]
    first, second = result.rows
    assert first.phones == ("+8613812345678",) and first.attributes == {"Connected": "2020-05-01"}
    assert second.attributes == {"Connected": "2021-01-02T03:04:00"}
    assert second.name == "=cmd|' /C calc'!A0"  # kept as text; exports must escape it
    assert {(p.line, p.field) for p in result.problems} == {(5, "name"), (5, "phones")}


def test_it_reports_every_bad_row_and_keeps_none_of_them() -> None:
    data = csv_bytes(
        HEADER,
        "G001,Good,13812345678,,,,electric,,,,",
        "bad account!,Name,,,,,electric,,,,",  # 3
        ",No account,,,,,electric,,,,",  # 4
        "G004,,,,,,electric,,,,",  # 5
        "G005,Bad phone,12345;13812345678,,,,electric,,,,",  # 6
        "G006,Half coordinate,,,112.9,,electric,,,,",  # 7
        "G007,Outside China,,,2.35,48.85,electric,,,,",  # 8
        "G008,Not a number,,,abc,nan,electric,,,,",  # 9
        "G009,Bad utility,,,,,steam,,,,",  # 10
        "G010,Bad tag,,,,,electric,,vip,,",  # 11
        "G011,Too many,,,,,electric,,,,,extra",  # 12
        "G012,Good too,,,,,gas,,,,",
        "G013,Infinite,,,inf,28,electric,,,,",  # 14
    )
    result = parse_customers(data)
    assert [r.account for r in result.rows] == ["G001", "G012"]
    by_line = {(p.line, p.field) for p in result.problems}
    assert by_line == {
        (3, "account"),
        (4, "account"),
        (5, "name"),
        (6, "phones"),
        (7, "lat"),
        (8, "lon"),
        (9, "lon"),
        (9, "lat"),
        (10, "utility"),
        (11, "tags"),
        (12, "row"),
        (14, "lon"),
    }
    assert "line 6, phones: '12345' is not a valid phone number" in problems_to_text(
        result.problems
    )
    assert result.total_rows == 13
    assert_consistent(result)


def test_it_reports_every_duplicate_account_against_the_first_line() -> None:
    data = csv_bytes(
        "account,name,utility", "D1,a,electric", "D2,b,electric", "D1,c,electric", "D1,d,electric"
    )
    result = parse_customers(data)
    assert [r.line for r in result.rows] == [2, 3]
    assert [(p.line, p.field) for p in result.problems] == [(4, "account"), (5, "account")]
    assert all("line 2" in p.reason for p in result.problems)


def test_it_reports_a_meter_listed_for_two_customers() -> None:
    result = parse_customers(
        csv_bytes("account,name,utility,meters", "a,a,gas,M1;M1", "b,b,gas,M2 M1")
    )
    assert result.rows[0].meters == ("M1",)
    assert [(p.line, p.field) for p in result.problems] == [(3, "meters")]


def test_it_converts_gcj02_to_wgs84() -> None:
    wgs = (112.9388, 28.2282)
    gcj = wgs84_to_gcj02(*wgs)
    data = csv_bytes("account,name,lon,lat,utility", f"C1,x,{gcj[0]!r},{gcj[1]!r},electric")
    (row,) = parse_customers(data, crs="GCJ02").rows
    assert row.lon == pytest.approx(wgs[0], abs=1e-7) and row.lat == pytest.approx(wgs[1], abs=1e-7)
    (raw,) = parse_customers(data).rows
    assert (raw.lon, raw.lat) == gcj
    with pytest.raises(ValueError):
        parse_customers(data, crs="BD09")  # type: ignore[arg-type]


def test_it_names_every_missing_required_column_at_line_1() -> None:
    result = parse_customers(csv_bytes("phones,address", "13812345678,x"))
    assert result.rows == () and len(result.problems) == 1
    problem = result.problems[0]
    assert (problem.line, problem.field) == (1, "header")
    assert "account" in problem.reason and "name" in problem.reason


def test_it_uses_the_default_utility_for_blank_cells() -> None:
    data = csv_bytes("account,name", "E1,x")
    assert [p.field for p in parse_customers(data).problems] == ["utility"]
    assert parse_customers(data, default_utility="water").rows[0].utility == "water"


def test_it_stops_at_max_rows_with_a_problem() -> None:
    data = csv_bytes("account,name,utility", *(f"R{i},n,gas" for i in range(5)))
    result = parse_customers(data, max_rows=3)
    assert len(result.rows) == 3 and result.total_rows == 3
    assert [(p.line, p.field) for p in result.problems] == [(5, "file")]


@pytest.mark.parametrize(
    ("data", "rows", "fields"),
    [
        (b"", 0, ["header"]),
        (b"account,name,utility\r\n", 0, []),
        (b"account,name,utility\rM1,a,gas\r\nM2,b,gas\nM3,c,gas", 3, []),  # mixed newlines
        (b"account,name,utility\nN1,a\x00b,gas\nN2,b,gas\n", 1, ["name"]),
        (b"account,name,notes,utility\nF1,a," + b"x" * 10_001 + b",gas\n", 0, ["notes"]),
        (b"account,name,notes,utility\nF1,a," + b"x" * 200_000 + b",gas\nF2,b,,gas\n", 1, ["file"]),
        (b"\xff\xfe\x00\xd8garbage\x81", 0, ["file"]),
        (b"\xd0\xcf\x11\xe0legacy xls", 0, ["file"]),
        (b"PK\x03\x04not really a zip", 0, ["file"]),
        (b"account\tname\tutility\nT1\tTab\twater\n", 1, []),
        (b"account,name," + b",".join(b"c%d" % i for i in range(300)) + b"\nA,b\n", 0, ["header"]),
        (b"account,name,utility,Name,x,x\nA,b,gas,c,d,e\n", 1, ["header", "header"]),
        ("account,name,utility\nU1,Ünï,gas\n".encode("utf-16"), 1, []),
    ],
)
def test_it_handles_hostile_and_odd_files_cleanly(
    data: bytes, rows: int, fields: list[str]
) -> None:
    result = parse_customers(data)
    assert len(result.rows) == rows
    assert [p.field for p in result.problems] == fields
    assert_consistent(result)


def test_it_honours_an_explicit_encoding() -> None:
    data = csv_bytes("account,name,utility", "K1,张三,gas", encoding="gbk")
    assert parse_customers(data, encoding="gbk").rows[0].name == "张三"
    assert [p.line for p in parse_customers(data, encoding="ascii").problems] == [0]
    assert [p.line for p in parse_customers(data, encoding="no-such-codec").problems] == [0]


def test_it_writes_problems_as_csv_safe_for_spreadsheets() -> None:
    problems = [
        RowProblem(12, "phones", "'12345' is not a valid phone number"),
        RowProblem(3, "name", "=1+1"),
    ]
    rows = list(csv.reader(io.StringIO(problems_to_csv(problems))))
    assert rows == [
        ["line", "field", "reason"],
        ["12", "phones", "'12345' is not a valid phone number"],
        ["3", "name", "'=1+1"],
    ]
    assert (
        problems_to_text(problems).splitlines()[0]
        == "line 12, phones: '12345' is not a valid phone number"
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000), st.sampled_from(("", "x.csv", "x.xlsx")))
def test_it_survives_random_bytes(data: bytes, filename: str) -> None:
    assert_consistent(parse_customers(data, filename=filename))
    assert_consistent(parse_customers(b"PK\x03\x04" + data))


CELLS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "13812345678",
            "0731-88881234 转 806",
            "112.9",
            "28.1",
            "nan",
            "电",
            "大客户;vip",
            "A1",
            "=1+1",
            "",
        ]
    ),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            ["account", "户名", "phones", "lon", "lat", "utility", "tags", "meters", "x"]
        ),
        max_size=8,
    ),
    st.lists(st.lists(CELLS, max_size=10), max_size=12),
    st.sampled_from(["utf-8", "gb18030"]),
)
def test_it_survives_random_text_csvs(
    header: list[str], rows: list[list[str]], encoding: str
) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    result = parse_customers(
        out.getvalue().encode(encoding, errors="replace"), default_utility="gas"
    )
    assert isinstance(result, CustomerImport)
    assert_consistent(result)
