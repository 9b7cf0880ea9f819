"""The monthly service-quality report: the workbook reads back with its sheets and charts,
the PDF has its pages and embeds the CJK font; the CLI writes both; the page serves them."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from gridcare.analytics import reports, rollup
from gridcare.core.i18n import translator
from gridcare.core.principal import system_principal
from tests.analytics.conftest import load_history, local, past


@pytest.fixture
def month(database, clock, world):
    load_history(database, clock, [
        past("r1", created=local(2026, 10, 3, 10), category="complaint", satisfaction=2, escalations=1),
        past("r2", created=local(2026, 10, 4, 10), account="E002", grid="E-EAST", channel="web"),
        past("r3", created=local(2026, 9, 4, 10)),
    ])  # fmt: skip
    with database.write() as session:
        rollup.rebuild_all(session, now=clock.now())
    return "2026-10"


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_it_writes_an_excel_report_with_charts_and_a_pdf_with_pages(database, clock, month):
    _ = translator("zh_CN")
    with database.read() as session:
        data = reports.month_data(session, actor=system_principal("test"), month=month)
    wb = load_workbook(io.BytesIO(reports.month_xlsx(data, _)))
    assert len(wb.sheetnames) == 6
    kpi = wb.worksheets[0]
    row = {kpi.cell(r, 1).value: [kpi.cell(r, c).value for c in range(2, 8)] for r in range(2, kpi.max_row + 1)}
    orders = row[_("Work orders")]
    assert orders[1:4] == [2, 1, 0]  # October, September, a year earlier
    assert len(wb.worksheets[1]._charts) == 1 and len(wb.worksheets[4]._charts) == 1
    trend = wb.worksheets[4]
    assert [trend.cell(r, 1).value for r in (2, trend.max_row)] == ["2025-11", "2026-10"] and trend.cell(trend.max_row, 2).value == 2
    pdf = reports.month_pdf(data, _, title="供电服务质量月报 2026-10")
    assert pdf.startswith(b"%PDF") and pages(pdf) == 4 and b"STSong-Light" in pdf


def test_it_writes_both_files_from_the_cli_and_serves_them_on_the_page(database, clock, month, tmp_path, cli, settings):
    from tests.support import org as demo_org
    from tests.support.web import client_for, sign_in

    result = cli("report", "--month", month, "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["service-quality-2026-10.pdf", "service-quality-2026-10.xlsx"]
    load_workbook(tmp_path / "out" / "service-quality-2026-10.xlsx")
    bad = cli("report", "--month", "2026-13")
    assert bad.exit_code == 1 and "month" in bad.output
    with client_for(settings, database, clock) as client:
        sign_in(client, "supervisor", demo_org.PASSWORD)
        got = client.get("/analytics/report.pdf", params={"month": month})
        assert got.status_code == 200 and got.headers["content-type"] == "application/pdf" and pages(got.content) == 4
        xlsx = client.get("/api/v1/analytics/report", params={"month": month, "format": "xlsx"})
        assert len(load_workbook(io.BytesIO(xlsx.content)).sheetnames) == 6
