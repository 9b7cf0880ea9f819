"""The monthly aggregates file: every bad row reported with line, field and reason; nothing
imported unless the whole file is good; XLSX and GBK read like CSV; the CLI shows progress."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from gridcare.analytics import scorecards
from gridcare.analytics.importing import parse_aggregates
from gridcare.analytics.models import MeterAggregate
from gridcare.core.errors import Forbidden, InvalidInput
from gridcare.core.principal import system_principal

GOOD = """month,grid,supplied_m3,billed_m3,meters_due,meters_read,billed_amount,collected_amount
2026-10,W-ALL,12000,10200,4000,3900,"350,000.50",340000
2026-10,E-WEST,,,3000,2950,800000,790000
"""


def test_it_parses_a_good_file_with_chinese_headers_in_gbk():
    text = "月份,网格编码,供水量,售水量,应抄户数,实抄户数,应收金额,实收金额\n2026-10,W-ALL,100,80,10,9,1000,900\n"
    parsed = parse_aggregates(text.encode("gbk"), filename="a.csv", grid_codes=["W-ALL"])
    assert parsed.ok and parsed.rows[0].supplied_m3 == 100 and parsed.rows[0].meters_read == 9


def test_it_reports_every_bad_row_with_line_field_and_reason():
    text = GOOD + "\n".join([
        "2026-13,W-ALL,1,1,1,1,1,1",
        "2026-10,NOPE,1,1,1,1,1,1",
        "2026-10,W-ALL,1,1,1,1,1,1",
        "2026-09,E-EAST,100,,10,12,abc,-5",
        "2026-09,E-EAST,,,10.5,1,1,1",
    ]) + "\n"  # fmt: skip
    parsed = parse_aggregates(text.encode(), filename="a.csv", grid_codes=["W-ALL", "E-WEST", "E-EAST"])
    got = [(p.line, p.field) for p in parsed.problems]
    assert got == [
        (4, "month"), (5, "grid"), (6, "grid"), (7, "billed_m3"), (7, "meters_read"), (7, "billed_amount"), (7, "collected_amount"), (8, "grid"), (8, "meters_due"),
    ]  # fmt: skip
    assert "already on line 2" in parsed.problems[2].reason and "more than meters_due" in parsed.problems[4].reason
    assert not parsed.ok


def test_it_names_missing_columns_and_empty_files():
    assert parse_aggregates(b"month,grid\n2026-10,W-ALL\n", filename="a.csv", grid_codes=["W-ALL"]).problems[0].field == "header"
    assert parse_aggregates(b"", filename="a.csv", grid_codes=[]).problems[0].reason == "the file is empty"


def xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def count(db) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(MeterAggregate)) or 0


def test_it_imports_all_rows_or_none_and_replaces_a_month_imported_again(database, clock, world):
    admin = system_principal("test")
    bad = GOOD + "2026-10,E-EAST,,,10,11,1,1\n"
    with pytest.raises(InvalidInput) as info, database.write() as session:
        scorecards.import_aggregates(session, actor=admin, now=clock.now(), data=bad.encode(), filename="a.csv")
    assert info.value.problems[0].field == "line 4, meters_read"
    assert count(database) == 0
    with database.write() as session:
        assert scorecards.import_aggregates(session, actor=admin, now=clock.now(), data=GOOD.encode(), filename="a.csv") == 2
    data = xlsx([["month", "grid", "meters_due", "meters_read", "billed_amount", "collected_amount"], ["2026-10", "E-WEST", 3000, 3000, 800000, 800000]])
    with database.write() as session:
        assert scorecards.import_aggregates(session, actor=admin, now=clock.now(), data=data, filename="a.xlsx") == 1
        rows = {(a.month, a.grid_id): a for a in session.scalars(select(MeterAggregate))}
        values = scorecards.aggregate_measures(session, month="2026-10")
    assert len(rows) == 2 and rows[("2026-10", world.grids["west"])].meters_read == 3000
    assert values[world.grids["water"]]["nrw"] == pytest.approx(0.15) and values[world.grids["water"]]["collection_rate"] == pytest.approx(340000 / 350000.5)
    with pytest.raises(Forbidden), database.write() as session:
        scorecards.import_aggregates(session, actor=world.principal("viewer"), now=clock.now(), data=GOOD.encode(), filename="a.csv")


def test_it_imports_from_the_cli_with_progress_and_refuses_bad_files(database, clock, world, tmp_path, cli):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(GOOD + "2026-10,NOPE,,,1,1,1,1\n", encoding="utf-8")
    refused = cli("analytics", "import-aggregates", str(bad))
    assert refused.exit_code == 1 and "line 4, grid: no grid with code 'NOPE'" in refused.output and count(database) == 0
    done = cli("analytics", "import-aggregates", str(good))
    assert done.exit_code == 0, done.output
    assert "2 rows imported" in done.output and count(database) == 2
