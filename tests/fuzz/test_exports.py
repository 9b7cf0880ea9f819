"""Exports escape formula injection: a cell starting with = + - @ (or a tab, a carriage
return, or control characters in front of them) is quoted in CSV and XLSX, and control
characters a worksheet cannot hold never make an export fail."""

from __future__ import annotations

import csv
import io
import json

import pytest

from gridcare.db import Database
from tests.fuzz.hostile import square


@pytest.fixture(params=["sqlite", "postgresql"])
def populated(request: pytest.FixtureRequest) -> Database:
    return request.getfixturevalue(f"populated_{request.param}")


FORMULAS = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\x00=cmd|' /C calc'!A0"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def exported_cells(fmt: str, body: bytes) -> list[object]:
    from openpyxl import load_workbook

    if fmt == "csv":
        return [
            cell
            for row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""))
            for cell in row
        ]
    return [
        c.value
        for sheet in load_workbook(io.BytesIO(body)).worksheets
        for row in sheet.iter_rows()
        for c in row
    ]


def is_formula(value: object) -> bool:
    return (
        isinstance(value, str)
        and value.lstrip("\x00").startswith(FORMULA_START)
        and not value.lstrip("-").replace(".", "").isdigit()
    )


def test_exports_quote_formulas_and_survive_control_characters():
    from gridcare.analytics.tables import Table, to_csv, to_xlsx
    from gridcare.customers.importing import RowProblem, problems_to_csv

    table = Table(
        "网格\x00评分",
        ["name", "=header"],
        [[f, f] for f in FORMULAS] + [["a\x00b\x1f", 1], [-5, 2.5]],
    )
    for fmt, body in (("csv", to_csv(table)), ("xlsx", to_xlsx([table]))):
        cells = exported_cells(fmt, body)
        assert not [c for c in cells if is_formula(c)], fmt
        assert "'=1+1" in cells and "'=header" in cells, fmt
    assert -5 in exported_cells("xlsx", to_xlsx([table]))  # numbers stay numbers
    problems = list(
        csv.reader(
            io.StringIO(problems_to_csv([RowProblem(2, "=name", "+1"), RowProblem(3, "@x", "-1")]))
        )
    )
    assert problems[1][1:] == ["'=name", "'+1"] and problems[2][1:] == ["'@x", "'-1"]


def test_imported_hostile_names_come_out_of_exports_quoted(http, org, admin_token):
    formula = '=HYPERLINK("http://x","y")'
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "H-1", "name": formula + "\u202e"},
                "geometry": square(113.05, 28.10),
            }
        ],
    }
    assert http.upload(
        "/api/v1/grids/import",
        "g.geojson",
        json.dumps(doc).encode(),
        {"org_unit_id": str(org.units["XC-E"])},
    )
    for fmt in ("csv", "xlsx"):
        response = http.client.get(
            f"/analytics/export/scorecards.{fmt}",
            headers={"Authorization": f"Bearer {admin_token}"},
        )  # type: ignore[attr-defined]
        assert response.status_code == 200, response.text[:300]
        cells = exported_cells(fmt, response.content)
        assert any(isinstance(c, str) and c.startswith("'" + formula) for c in cells), cells[:40]
        assert not [c for c in cells if is_formula(c)]
