"""Pages: the management dashboard (KPIs with definitions, comparisons, charts, choropleth,
drill-down), the command-center wall, scorecards, the orders behind a figure, table
exports and the monthly report."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from gridcare.analytics import (
    hot,
    kpis,
    periods,
    queries,
    reports,
    scorecards,
    scoring,
    tables,
    topics,
    wall,
)
from gridcare.analytics.importing import COLUMNS, REQUIRED
from gridcare.analytics.permissions import MANAGE, READ, require_read, require_topics
from gridcare.analytics.reports import _label
from gridcare.core.bounds import whole_number
from gridcare.core.errors import DomainError, InvalidInput
from gridcare.core.i18n import T_, translator
from gridcare.core.principal import Principal
from gridcare.core.uploads import MAX_IMPORT_BYTES, read_limited
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.web.nav import mark_available
from gridcare.web.render import explained, locale_for, render
from gridcare.workorders.service import CATEGORIES, CHANNELS

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])
SHOWN_ORDERS = 8  # a topic's newest orders linked on its row
TABLES = ("kpis", "category", "channel", "grid", "rep", "durations", "trend", "orders", "scorecards", "snapshots", "topics")


class Filters:
    """The filters every analytics page shares, read from the query string."""

    def __init__(self, request: Request, now: Any) -> None:
        q = request.query_params
        self.kind = q.get("period", "month") or "month"
        self.at = q.get("at", "")
        self.utility, self.grid, self.rep, self.team = q.get("utility", ""), q.get("grid", ""), q.get("rep", ""), q.get("team", "")
        self.category, self.channel, self.flag = q.get("category", ""), q.get("channel", ""), q.get("flag", "")
        self.kpi = q.get("kpi", "orders")
        self.period = periods.chosen(self.kind, self.at, now)
        self.scope = queries.scope_from(self.utility, self.grid, self.rep, self.team, self.category, self.channel)

    def params(self, **extra: Any) -> dict[str, str]:
        base = {"period": self.kind, "at": self.period.label, "utility": self.utility, "grid": self.grid, "rep": self.rep, "team": self.team, "category": self.category, "channel": self.channel}
        base.update({k: v for k, v in extra.items()})
        return {k: str(v) for k, v in base.items() if v not in (None, "")}

    def url(self, path: str, **extra: Any) -> str:
        return f"{path}?{urlencode(self.params(**extra))}"


def _names(session: DbSession, principal: Any) -> dict[str, Any]:
    from gridcare.auth import service as auth
    from gridcare.grids import queries as grid_queries
    from gridcare.grids import service as grids

    visible = grids.list_grids(session, actor=principal)
    staff = grid_queries.staff_names(session, {g.rep_id for g in visible if g.rep_id})
    teams = [u for u in auth.list_org_units(session, actor=principal) if u.kind in ("branch", "station", "team", "company")]
    return {
        "grids": visible,
        "grid_names": {g.id: f"{g.code} {g.name}" for g in visible},
        "reps": sorted({(g.rep_id, staff.get(g.rep_id, ("—",))[0]) for g in visible if g.rep_id}, key=lambda r: r[1]),
        "rep_names": {rid: v[0] for rid, v in staff.items()},
        "teams": teams,
    }


def _dashboard(session: DbSession, principal: Any, f: Filters) -> dict[str, Any]:
    board = queries.kpi_board(session, actor=principal, scope=f.scope, period=f.period)
    last_month = periods.containing("month", f.period.start)
    return {
        "board": board,
        "categories": queries.breakdown(session, actor=principal, scope=f.scope, period=f.period, by="category"),
        "channels": queries.breakdown(session, actor=principal, scope=f.scope, period=f.period, by="channel"),
        "by_grid": queries.breakdown(session, actor=principal, scope=f.scope, period=f.period, by="grid_id"),
        "by_rep": queries.breakdown(session, actor=principal, scope=f.scope, period=f.period, by="handler_id"),
        "durations": queries.duration_stats(session, actor=principal, scope=f.scope, period=f.period),
        "histogram_from": queries.HISTOGRAM_FROM,
        "trend": queries.trend(session, actor=principal, scope=f.scope, last=last_month, months=12),
    }


@router.get("/analytics", response_class=HTMLResponse)
def dashboard(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> HTMLResponse:
    require_read(principal)
    f = Filters(request, state.clock.now())
    data = _dashboard(session, principal, f)
    names = _names(session, principal)
    _ = translator(locale_for(request, principal))
    chart = {
        "categories": [_label(_, "category", r["key"]) for r in data["categories"]],
        "category_keys": [r["key"] for r in data["categories"]],
        "category_orders": [r["orders"] for r in data["categories"]],
        "channels": [_label(_, "channel", r["key"]) for r in data["channels"]],
        "channel_keys": [r["key"] for r in data["channels"]],
        "channel_orders": [r["orders"] for r in data["channels"]],
        "months": [r["month"] for r in data["trend"]],
        "month_orders": [r["orders"] for r in data["trend"]],
        "month_sla": [None if r["sla_compliance"] is None else round(r["sla_compliance"] * 100, 1) for r in data["trend"]],
        "month_satisfaction": [None if r["satisfaction"] is None else round(r["satisfaction"], 2) for r in data["trend"]],
        "drill": f.url("/analytics/orders"),
    }
    return render(
        request, "analytics/dashboard.html", principal=principal, f=f, kinds=periods.KINDS, map_kpis=[kpis.BY_KEY[k] for k in kpis.MAP_KPIS],
        chart_json=json.dumps(chart, ensure_ascii=False), fmt=kpis.format_value, step_labels=kpis.DURATION_STEPS, **data, **names,
    )  # fmt: skip


@router.get("/analytics/orders", response_class=HTMLResponse)
def orders_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> HTMLResponse:
    """The orders behind a figure: the filters of the figure it came from."""
    require_read(principal)
    f = Filters(request, state.clock.now())
    start, end = f.period.utc_bounds()
    found, total = queries.drill(session, actor=principal, scope=f.scope, start=start, end=end, flag=f.flag or None, period=f.period, now=state.clock.now())
    names = _names(session, principal)
    from gridcare.workorders.states import Status

    status_labels = {s.value: s.label for s in Status}
    return render(request, "analytics/orders.html", principal=principal, f=f, orders=found, total=total, flags=queries.FLAGS, categories=CATEGORIES, channels=CHANNELS, status_labels=status_labels, **names)


@router.get("/analytics/map-values")
def map_values(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    """Choropleth values for the page's filters (the JSON API has the same at /api/v1/analytics/map)."""
    f = Filters(request, state.clock.now())
    values = queries.by_grid(session, actor=principal, scope=queries.scope_from(f.utility, "", "", "", f.category, f.channel), period=f.period, kpi=f.kpi)
    return {"kpi": f.kpi, "unit": kpis.BY_KEY[f.kpi].unit, "better": kpis.BY_KEY[f.kpi].better, "values": {str(g): v for g, v in values.items()}, "drill": f.url("/analytics/orders")}


@router.get("/analytics/wall", response_class=HTMLResponse)
def wall_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> HTMLResponse:
    return render(request, "analytics/wall.html", **_wall_context(session, principal, state))


@router.get("/analytics/wall/tiles", response_class=HTMLResponse)
def wall_tiles(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> HTMLResponse:
    """The wall's figures alone: the page polls this every 15 seconds (HTMX)."""
    return render(request, "analytics/_wall_tiles.html", **_wall_context(session, principal, state))


def _wall_context(session: Session, principal: Principal, state: Any) -> dict[str, Any]:
    """The wall's figures, with what its reader may open: an agent sees the wall but not the
    analytics pages beside it; alerts read in the reader's language (alerts/_title.html's
    macros take ``title_in`` and ``severity_labels``)."""
    from gridcare.alerts.titles import SEVERITY_LABELS, alert_title

    now = state.clock.now()
    return {
        "principal": principal, "w": wall.wall(session, actor=principal, now=now), "today": periods.current("day", now).label,
        "reads_analytics": principal.role in READ, "title_in": alert_title, "severity_labels": SEVERITY_LABELS,
    }


def _hot_topics(request: Request, session: Session, principal: Principal, state: Any) -> tuple[dict[str, Any], hot.HotTopics]:
    """The page's windows and filters, read from the query string, and what they find."""
    q = request.query_params
    chosen = {"hours": whole_number(q.get("hours", ""), "hours", blank=24), "days": whole_number(q.get("days", ""), "days", blank=7), "utility": q.get("utility", ""), "category": q.get("category", "")}
    scope = queries.scope_from(chosen["utility"], category=chosen["category"])
    return chosen, hot.hot_topics(session, actor=principal, scope=scope, now=state.clock.now(), hours=chosen["hours"], days=chosen["days"])


@router.get("/analytics/topics", response_class=HTMLResponse)
def topics_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> HTMLResponse:
    """Hot topics (热点诉求): what the last hours' orders raise far more than the days before
    (``hours``, ``days``, ``utility``, ``category``: see ``_hot_topics``)."""
    from gridcare.knowledge import rules as knowledge_rules
    from gridcare.workorders import queries as orders

    require_topics(principal)
    chosen, found = _hot_topics(request, session, principal, state)
    shown = {t.phrase: t.order_ids[:SHOWN_ORDERS] for t in found.topics}
    numbers = orders.numbers(session, actor=principal, ids=[i for ids in shown.values() for i in ids])
    export = urlencode({k: v for k, v in chosen.items() if v not in ("", None)})
    return render(request, "analytics/topics.html", principal=principal, found=found, chosen=chosen, shown=shown, numbers=numbers, categories=CATEGORIES, export=export,
                  reads_analytics=principal.role in READ, reads_knowledge=knowledge_rules.may_read(principal), min_orders=topics.MIN_ORDERS, lift=f"{topics.LIFT:g}")


def _month(request: Request, now: Any) -> str:
    value = request.query_params.get("month", "")
    return periods.month(value).label if value else periods.last_closed_month(now).label


@router.get("/analytics/scorecards", response_class=HTMLResponse)
def scorecards_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, error: str = "", done: str = "") -> HTMLResponse:
    require_read(principal)
    month = _month(request, state.clock.now())
    kind = request.query_params.get("kind", "grid")
    utility = request.query_params.get("utility", "")
    cards = scorecards.compute(session, actor=principal, month=month, kind=kind, utility=utility or None)
    closed = scorecards.snapshots(session, actor=principal, month=month, kind=kind)
    return render(
        request, "analytics/scorecards.html", principal=principal, month=month, kind=kind, utility=utility, cards=cards, closed=closed,
        months=scorecards.closed_months(session), measures=scoring.MEASURES, weights=scorecards.weights(session), raters=scoring.RATERS,
        can_manage=principal.role in MANAGE, error=error, done=done, columns=COLUMNS, required=REQUIRED,
    )  # fmt: skip


def _back(month: str, kind: str, **extra: str) -> RedirectResponse:
    return RedirectResponse(f"/analytics/scorecards?{urlencode({'month': month, 'kind': kind, **extra})}", status_code=303)


@router.post("/analytics/scorecards/aggregates", response_model=None)
def import_form(session: DbSession, request: Request, principal: CurrentPrincipal, state: State, file: UploadFile = File(...), month: str = Form(""), kind: str = Form("grid")) -> Response:
    try:
        rows = scorecards.import_aggregates(session, actor=principal, now=state.clock.now(), data=read_limited(file.file, MAX_IMPORT_BYTES), filename=file.filename or "aggregates.csv")
    except DomainError as exc:
        session.rollback()
        return _back(month, kind, error=explained(request, principal, exc)[:1500])
    return _back(month, kind, done=f"{rows}")


@router.post("/analytics/scorecards/ratings", response_model=None)
def rating_form(session: DbSession, request: Request, principal: CurrentPrincipal, state: State, month: str = Form(...), kind: str = Form("grid"), subject_id: int = Form(...), rater: str = Form(...), score: str = Form(...), note: str = Form("")) -> Response:
    try:
        scorecards.set_rating(session, actor=principal, now=state.clock.now(), month=month, subject_kind=kind, subject_id=subject_id, rater=rater, score=score, note=note)
    except DomainError as exc:
        session.rollback()
        return _back(month, kind, error=explained(request, principal, exc))
    return _back(month, kind)


@router.post("/analytics/scorecards/weights", response_model=None)
async def weights_form(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = await request.form()
    month, kind = str(form.get("month", "")), str(form.get("kind", "grid"))
    try:
        scorecards.save_weights(session, actor=principal, now=state.clock.now(), values={m.key: str(form.get(m.key, "0")) for m in scoring.MEASURES})
    except DomainError as exc:
        session.rollback()
        return _back(month, kind, error=explained(request, principal, exc))
    return _back(month, kind)


@router.post("/analytics/scorecards/snapshot", response_model=None)
def snapshot_form(session: DbSession, request: Request, principal: CurrentPrincipal, state: State, month: str = Form(...), kind: str = Form("grid")) -> Response:
    from gridcare.analytics import rollup

    try:
        rollup.refresh(session, now=state.clock.now())
        scorecards.snapshot(session, actor=principal, now=state.clock.now(), month=month)
    except DomainError as exc:
        session.rollback()
        return _back(month, kind, error=explained(request, principal, exc))
    return _back(month, kind)


@router.get("/analytics/export/{table}.{fmt}")
def export(table: str, fmt: str, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    """Any table view as CSV or Excel, with the page's filters."""
    require_read(principal)
    if table not in TABLES:
        raise InvalidInput.field("table", T_("must be one of %(choices)s", choices=", ".join(TABLES)))
    _ = translator(locale_for(request, principal))
    t = _table(table, request, session, principal, state, _)
    body, media, ext = tables.export(t, fmt)
    return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="{table}.{ext}"'})


def _table(table: str, request: Request, session: DbSession, principal: Any, state: State, _: Any) -> tables.Table:
    if table in ("scorecards", "snapshots"):
        month = _month(request, state.clock.now())
        kind = request.query_params.get("kind", "grid")
        if table == "scorecards":
            return reports.scorecard_table(scorecards.compute(session, actor=principal, month=month, kind=kind), kind, _)
        return reports.scorecard_table(scorecards.snapshots(session, actor=principal, month=month, kind=kind), kind, _)
    if table == "topics":
        from gridcare.workorders import queries as orders

        found = _hot_topics(request, session, principal, state)[1].topics
        return reports.topics_table(found, orders.numbers(session, actor=principal, ids=[i for t in found for i in t.order_ids]), _)
    f = Filters(request, state.clock.now())
    if table == "orders":
        start, end = f.period.utc_bounds()
        return reports.orders_table(queries.drill(session, actor=principal, scope=f.scope, start=start, end=end, flag=f.flag or None, now=state.clock.now())[0], _)
    if table == "kpis":
        return reports.kpi_table(queries.kpi_board(session, actor=principal, scope=f.scope, period=f.period), _)
    if table == "durations":
        return reports.durations_table(queries.duration_stats(session, actor=principal, scope=f.scope, period=f.period), _)
    if table == "trend":
        return reports.trend_table(queries.trend(session, actor=principal, scope=f.scope, last=periods.containing("month", f.period.start)), _)
    by = {"category": "category", "channel": "channel", "grid": "grid_id", "rep": "handler_id"}[table]
    names = _names(session, principal)
    labels = names["grid_names"] if by == "grid_id" else names["rep_names"] if by == "handler_id" else None
    return reports.breakdown_table(queries.breakdown(session, actor=principal, scope=f.scope, period=f.period, by=by), by, _, labels)


@router.get("/analytics/report.{fmt}")
def report(fmt: str, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    from gridcare.analytics.api import render_report

    require_read(principal)
    if fmt not in ("xlsx", "pdf"):
        raise InvalidInput.field("format", T_("must be %(a)s or %(b)s", a="xlsx", b="pdf"))
    month = _month(request, state.clock.now())
    locale = locale_for(request, principal)
    body, media = render_report(session, principal, month, fmt, request.query_params.get("utility", ""), translator(locale), state.clock.now())
    return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="service-quality-{month}.{fmt}"'})


mark_available("analytics")
mark_available("wall")
mark_available("scorecards")
mark_available("topics")
