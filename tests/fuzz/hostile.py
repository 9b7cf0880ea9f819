"""Hostile files for the importer fuzz tests, and the two doors they go through: the HTTP
upload (a refusal must be a clear 4xx problem+json) and the CLI command (one ``gridcare:``
line). Either way a refused import must leave every table as it was."""

from __future__ import annotations

import csv
import io
import json
import traceback
from dataclasses import dataclass

import pytest
from hypothesis import strategies as st
from sqlalchemy import func, select
from typer.testing import CliRunner

from gridcare.cli import app as cli_app
from gridcare.db import Database
from gridcare.models import metadata

# Strings that have broken importers elsewhere: control and bidi characters, spreadsheet
# formulas, numbers no column holds, path tricks, and cells far longer than any column.
HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",
    "\ufeff",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2-2",
    "@SUM(A1:A2)",
    "\t=1",
    '"',
    "'",
    ",",
    ";;;",
    "\r\n",
    "\n\n",
    "../../etc/passwd",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "1e400",
    "-1e400",
    "1e308",
    "9" * 30,
    "-" + "9" * 30,
    "0x1F",
    "１２３",
    "😀" * 3,
    "网格客户经理",
    "x" * 10_000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%s%n",
    "2026-13",
    "2026-00",
]
CELL = st.one_of(
    st.sampled_from(HOSTILE), st.text(max_size=12), st.integers().map(str), st.floats().map(str)
)
ENCODINGS = [
    "utf-8",
    "utf-8-sig",
    "gb18030",
    "gbk",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "latin-1",
    "big5",
]


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = Workbook()
    for row in rows:  # a spreadsheet cannot hold control characters at all
        wb.active.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@st.composite
def mutated_table(draw: st.DrawFn, rows: list[list[str]]) -> list[list[str]]:
    """The valid table with a few cells, rows or columns damaged."""
    table = [list(r) for r in rows]
    for _ in range(draw(st.integers(1, 4))):
        action = draw(
            st.sampled_from(
                ["cell", "cell", "cell", "drop_cell", "extra_cell", "drop_row", "header"]
            )
        )
        r = (
            draw(st.integers(1 if action != "header" else 0, len(table) - 1))
            if len(table) > 1
            else 0
        )
        if action in ("cell", "header") and table[r]:
            table[r][draw(st.integers(0, len(table[r]) - 1))] = draw(CELL)
        elif action == "drop_cell" and table[r]:
            table[r].pop(draw(st.integers(0, len(table[r]) - 1)))
        elif action == "extra_cell":
            table[r].append(draw(CELL))
        elif action == "drop_row" and len(table) > 1:
            table.pop(r)
    return table


@st.composite
def table_file(
    draw: st.DrawFn, rows: list[list[str]], name: str, xlsx: bool = True
) -> tuple[str, bytes]:
    """A CSV (any encoding, maybe tab-separated, maybe cut short) or XLSX of a mutated table,
    or plain junk under the table's name."""
    kind = draw(
        st.sampled_from(
            ["csv", "csv", "csv", "xlsx", "junk", "truncated"]
            if xlsx
            else ["csv", "csv", "csv", "junk", "truncated"]
        )
    )
    table = draw(mutated_table(rows))
    if kind == "xlsx":
        return name + ".xlsx", xlsx_bytes(table)
    if kind == "junk":
        return draw(st.sampled_from([name + ".csv", name + ".xlsx", name, name + ".xls"])), draw(
            st.binary(max_size=600)
        )
    data = encode(
        csv_text(table, draw(st.sampled_from([",", ",", "\t", ";"]))),
        draw(st.sampled_from(ENCODINGS)),
    )
    if kind == "truncated":
        data = data[: draw(st.integers(0, len(data)))]
    return name + ".csv", data


def hostile_json() -> st.SearchStrategy[object]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.sampled_from(HOSTILE),
        st.text(max_size=8),
    )
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=8,
    )


@st.composite
def mutated_geojson(draw: st.DrawFn, document: dict) -> bytes:
    """The valid FeatureCollection with values anywhere in it replaced, or its text damaged."""
    doc = json.loads(json.dumps(document))
    for _ in range(draw(st.integers(1, 3))):
        node: object = doc
        path: list[object] = []
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            key = draw(
                st.sampled_from(sorted(node))
                if isinstance(node, dict)
                else st.integers(0, len(node) - 1)
            )
            path.append(key)
            node = node[key]  # type: ignore[index]
        if not path:
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]  # type: ignore[index]
        parent[path[-1]] = draw(hostile_json())  # type: ignore[index]
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    how = draw(st.sampled_from(["as is", "as is", "encoding", "truncated", "bom"]))
    if how == "encoding":
        return encode(text, draw(st.sampled_from(ENCODINGS)))
    if how == "truncated":
        return text.encode()[: draw(st.integers(0, len(text)))]
    if how == "bom":
        return b"\xef\xbb\xbf" + text.encode()
    return text.encode()


def with_nul(document: dict) -> bytes:
    """The document with a NUL in every feature's first property and in an extra one:
    PostgreSQL stores neither in text or JSON columns."""
    doc = json.loads(json.dumps(document))
    for feature in doc["features"]:
        props = feature["properties"]
        first = next(iter(props))
        props[first] = f"{props[first]}\x00"
        props["note\x00"] = "a\x00b"
    return json.dumps(doc).encode()


def any_json_file(document: dict) -> st.SearchStrategy[bytes]:
    return st.one_of(
        mutated_geojson(document),
        st.binary(max_size=400),
        hostile_json().map(lambda v: json.dumps(v).encode()),
    )


def square(lon: float, lat: float, d: float = 0.01) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
        ],
    }


# --------------------------------------------------------------------------- the two doors


def table_counts(db: Database) -> dict[str, int]:
    """Rows in every table: an import refused must leave all of them as they were."""
    names = [t.name for t in metadata.sorted_tables if t.name != "alembic_version"]
    with db.read() as session:
        counts = session.execute(
            select(
                *(
                    select(func.count()).select_from(t).scalar_subquery().label(t.name)
                    for t in metadata.sorted_tables
                    if t.name in names
                )
            )
        ).one()
    return dict(zip(names, counts, strict=True))


@dataclass
class Http:
    client: object
    token: str
    db: Database
    problem: dict | None = None  # the last refusal

    def upload(self, path: str, name: str, data: bytes, form: dict[str, str] | None = None) -> bool:
        """True when imported; asserts a refusal is a clear 4xx that changed nothing."""
        before = table_counts(self.db)
        response = self.client.post(
            path,
            files={"file": (name, data)},
            data=form or {},
            headers={"Authorization": f"Bearer {self.token}"},
        )  # type: ignore[attr-defined]
        assert response.status_code < 500, (
            f"{response.status_code} for {name!r}: {response.text[:500]}"
        )
        if response.status_code < 300:
            return True
        assert response.headers["content-type"] == "application/problem+json", response.text[:300]
        problem = self.problem = response.json()
        assert problem["detail"].strip(), problem
        for e in problem.get("errors", []):
            assert e["field"].strip() and e["reason"].strip(), problem
        assert table_counts(self.db) == before, f"a refused import of {name!r} changed the database"
        return False


@dataclass
class Cli:
    db: Database
    tmp: object

    def run(self, args: list[str], name: str, data: bytes) -> bool:
        """True when imported; asserts a refusal ends in one ``gridcare:`` line, changing nothing."""
        path = self.tmp / ("in-" + name)  # type: ignore[operator]
        path.write_bytes(data)
        before = table_counts(self.db)
        result = CliRunner().invoke(cli_app, [*args, str(path)])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            pytest.fail("".join(traceback.format_exception(result.exception)) + f"\nfor {name!r}")
        if result.exit_code == 0:
            return True
        assert "gridcare: " in result.output, result.output[-500:]
        assert table_counts(self.db) == before, f"a refused import of {name!r} changed the database"
        return False
