"""The monthly service-quality report (Excel with charts, PDF with charts and CJK text), and
the tables the pages export. ``_`` is the reader's translator: reports are zh-CN unless
asked otherwise."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from gridcare.analytics import kpis, periods, queries, scorecards, scoring
from gridcare.analytics.tables import Table
from gridcare.core.principal import Principal

Translate = Callable[[str], str]
CJK_FONT = "STSong-Light"


def _label(translate: Translate, prefix: str, key: object) -> str:
    """A coded value's label ("category.repair"): the ids are listed for extraction elsewhere."""
    return translate(f"{prefix}.{key}")


def _v(value: float | None, unit: str) -> Any:
    """A figure as a spreadsheet value: shares as percentages with one decimal."""
    if value is None:
        return None
    if unit == "pct":
        return round(value * 100, 1)
    if unit == "count":
        return int(value)
    return round(value, 2)


def _unit(unit: str, _: Translate) -> str:
    return {"pct": "%", "minutes": _("min"), "hours": _("h"), "seconds": _("s"), "per10k": "‱", "score": "", "count": ""}.get(unit, "")


def kpi_table(board: dict[str, Any], _: Translate) -> Table:
    t = Table(_("KPIs"), [_("KPI"), _("Unit"), board["period"].label, board["previous"].label, board["year_ago"].label, _("Month-on-month %"), _("Year-on-year %"), _("Definition")])
    for r in board["rows"]:
        k = r["kpi"]
        t.rows.append([_(k.label), _unit(k.unit, _), _v(r["value"], k.unit), _v(r["previous"], k.unit), _v(r["year_ago"], k.unit), _v(r["mom"], "pct"), _v(r["yoy"], "pct"), _(k.definition)])
    return t


def breakdown_table(rows: list[dict[str, Any]], by: str, _: Translate, labels: dict[Any, str] | None = None) -> Table:
    heads = {"category": _("Category"), "channel": _("Channel"), "grid_id": _("Grid"), "handler_id": _("Rep"), "utility": _("Utility"), "day": _("Day")}
    t = Table(_("By %(what)s") % {"what": heads.get(by, by)}, [heads.get(by, by), _("Work orders"), _("Mean time to accept"), _("Mean time to arrive"), _("Mean time to resolve"), _("SLA compliance"), _("Escalation rate"), _("Callback satisfaction")])
    for r in rows:
        key = r["key"]
        name = labels.get(key, str(key)) if labels else (_label(_, by, key) if by in ("category", "channel", "utility") else str(key))
        t.rows.append([name, r["orders"], _v(r["accept_minutes"], "minutes"), _v(r["arrive_minutes"], "minutes"), _v(r["resolve_hours"], "hours"), _v(r["sla_compliance"], "pct"), _v(r["escalation_rate"], "pct"), _v(r["satisfaction"], "score")])
    return t


def durations_table(stats: dict[str, dict[str, dict[str, float | None]]], _: Translate) -> Table:
    t = Table(_("Durations"), [_("Step"), _("Category"), _("Orders"), _("Mean"), _("Median"), _("P90")])
    for step, by_cat in stats.items():
        for cat, s in by_cat.items():
            t.rows.append([_(kpis.DURATION_STEPS[step]), _label(_, "category", cat), s["n"], _v(s["mean"], "x"), _v(s["median"], "x"), _v(s["p90"], "x")])
    return t


def trend_table(trend: list[dict[str, Any]], _: Translate) -> Table:
    t = Table(_("Monthly trend"), [_("Month"), _("Work orders"), _("SLA compliance"), _("Callback satisfaction"), _("Repeat-call rate"), _("Mean time to resolve")])
    for r in trend:
        t.rows.append([r["month"], r["orders"], _v(r["sla_compliance"], "pct"), _v(r["satisfaction"], "score"), _v(r["repeat_rate"], "pct"), _v(r["resolve_hours"], "hours")])
    return t


def scorecard_table(cards: list[Any], kind: str, _: Translate, title: str | None = None) -> Table:
    t = Table(title or (_("Grid ranking") if kind == "grid" else _("Rep ranking")), [_("Rank"), _("Code"), _("Name"), _("Total"), *[_(m.label) for m in scoring.MEASURES]])
    for c in cards:
        subject = c.subject if hasattr(c, "subject") else {"code": c.subject_code, "name": c.subject_name}
        scores = c.scores if hasattr(c, "scores") else c.measures.get("scores", {})
        t.rows.append([c.rank, subject["code"], subject["name"], c.total, *[None if scores.get(m.key) is None else round(scores[m.key], 1) for m in scoring.MEASURES]])
    return t


def orders_table(orders: list[Any], _: Translate) -> Table:
    from gridcare.core.clock import to_local

    t = Table(_("Work orders"), [_("Number"), _("Created"), _("Category"), _("Channel"), _("Status"), _("Escalation level"), _("Reopened"), _("Satisfaction"), _("Address")])
    for o in orders:
        t.rows.append([o.number, to_local(o.created_at).strftime("%Y-%m-%d %H:%M"), _label(_, "category", o.category), _label(_, "channel", o.channel), o.status, o.escalation_level, o.reopen_count, o.satisfaction, o.address])
    return t


def topics_table(topics: list[Any], numbers: dict[int, str], _: Translate) -> Table:
    """Hot topics with every order of each by number (the page links the newest few)."""
    t = Table(_("Hot topics"), [_("Phrase"), _("Orders"), _("At the earlier rate"), _("Times as many"), _("Score"), _("Orders behind it")])
    for topic in topics:
        t.rows.append([topic.phrase, topic.orders, topic.expected, topic.lift, topic.score, " ".join(numbers[i] for i in topic.order_ids if i in numbers)])
    return t


def month_data(session: Session, *, actor: Principal, month: str, utility: str | None = None) -> dict[str, Any]:
    p = periods.month(month)
    scope = queries.Scope(utility=utility or None)
    return {
        "period": p,
        "utility": utility,
        "board": queries.kpi_board(session, actor=actor, scope=scope, period=p),
        "categories": queries.breakdown(session, actor=actor, scope=scope, period=p, by="category"),
        "channels": queries.breakdown(session, actor=actor, scope=scope, period=p, by="channel"),
        "durations": queries.duration_stats(session, actor=actor, scope=scope, period=p),
        "trend": queries.trend(session, actor=actor, scope=scope, last=p, months=12),
        "grids": scorecards.compute(session, actor=actor, month=month, kind="grid", utility=utility),
    }


def month_tables(data: dict[str, Any], _: Translate) -> list[Table]:
    return [
        kpi_table(data["board"], _),
        breakdown_table(data["categories"], "category", _),
        breakdown_table(data["channels"], "channel", _),
        durations_table(data["durations"], _),
        trend_table(data["trend"], _),
        scorecard_table(data["grids"], "grid", _),
    ]


def month_xlsx(data: dict[str, Any], _: Translate) -> bytes:
    """The report workbook: one sheet per table, a bar chart of orders by category and a
    line chart of the monthly trend."""
    from openpyxl import load_workbook
    from openpyxl.chart import BarChart, LineChart, Reference

    from gridcare.analytics.tables import to_xlsx

    tables = month_tables(data, _)
    wb = load_workbook(io.BytesIO(to_xlsx(tables)))
    cats = wb.worksheets[1]
    if cats.max_row > 1:
        chart = BarChart()
        chart.title = _("Work orders by category")
        chart.add_data(Reference(cats, min_col=2, min_row=1, max_row=cats.max_row), titles_from_data=True)
        chart.set_categories(Reference(cats, min_col=1, min_row=2, max_row=cats.max_row))
        cats.add_chart(chart, "J2")
    trend = wb.worksheets[4]
    line = LineChart()
    line.title = _("Monthly trend")
    line.add_data(Reference(trend, min_col=2, min_row=1, max_row=trend.max_row), titles_from_data=True)
    line.set_categories(Reference(trend, min_col=1, min_row=2, max_row=trend.max_row))
    trend.add_chart(line, "H2")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _pdf_table(t: Table, width: float, max_cols: int | None = None) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle

    cols = max_cols or len(t.headers)
    data = [[str(h) for h in t.headers[:cols]]] + [["—" if v is None else str(v) for v in row[:cols]] for row in t.rows]
    table = PdfTable(data, repeatRows=1, colWidths=[width / cols] * cols)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), CJK_FONT, 7.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#0b5aa6")),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa8b8")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f6fb")]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))  # fmt: skip
    return table


def _bar_chart(labels: list[str], values: list[float], width: float) -> Any:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    d = Drawing(width, 170)
    c = VerticalBarChart()
    c.x, c.y, c.width, c.height = 40, 30, width - 60, 120
    c.data = [values or [0]]
    c.categoryAxis.categoryNames = labels or [""]
    c.categoryAxis.labels.fontName = CJK_FONT
    c.categoryAxis.labels.fontSize = 7
    c.valueAxis.valueMin = 0
    c.bars[0].fillColor = colors.HexColor("#2f78c4")
    d.add(c)
    return d


def _line_chart(labels: list[str], values: list[float], width: float) -> Any:
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    d = Drawing(width, 170)
    c = HorizontalLineChart()
    c.x, c.y, c.width, c.height = 40, 30, width - 60, 120
    c.data = [values or [0]]
    c.categoryAxis.categoryNames = labels or [""]
    c.categoryAxis.labels.fontSize = 6
    c.valueAxis.valueMin = 0
    c.lines[0].strokeColor = colors.HexColor("#c77700")
    c.lines[0].strokeWidth = 1.5
    d.add(c)
    return d


def month_pdf(data: dict[str, Any], _: Translate, *, title: str) -> bytes:
    """A4 report: KPIs, orders by category (chart), trend (chart), durations, ranking."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    _fonts()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm, bottomMargin=14 * mm, title=title)
    h1 = ParagraphStyle("h1", fontName=CJK_FONT, fontSize=16, leading=22, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=CJK_FONT, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=8, leading=11)
    width = doc.width
    tables = month_tables(data, _)
    story: list[Any] = [Paragraph(title, h1), Paragraph(_("Customers in scope") + f": {data['board']['customers']:,}", body), Spacer(1, 4)]
    story += [Paragraph(tables[0].title, h2), _pdf_table(tables[0], width, max_cols=7)]
    story += [PageBreak(), Paragraph(_("Work orders by category"), h2)]
    story.append(_bar_chart([str(r[0]) for r in tables[1].rows], [float(r[1] or 0) for r in tables[1].rows], width))
    story += [_pdf_table(tables[1], width), Paragraph(tables[2].title, h2), _pdf_table(tables[2], width)]
    story += [PageBreak(), Paragraph(_("Monthly trend"), h2)]
    story.append(_line_chart([r["month"][2:] for r in data["trend"]], [float(r["orders"] or 0) for r in data["trend"]], width))
    story += [_pdf_table(tables[4], width), Paragraph(tables[3].title, h2), _pdf_table(tables[3], width)]
    story += [PageBreak(), Paragraph(tables[5].title, h2), _pdf_table(Table(tables[5].title, tables[5].headers[:4], [r[:4] for r in tables[5].rows]), width)]
    story += [Spacer(1, 6), Paragraph(_("Definitions"), h2)]
    story += [Paragraph(f"<b>{_(k.label)}</b>: {_(k.definition)}", body) for k in kpis.KPIS]
    doc.build(story)
    return buf.getvalue()
