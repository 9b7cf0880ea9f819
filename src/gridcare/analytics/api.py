"""REST: analytics — KPIs with comparisons, breakdowns, durations, trends, per-grid values,
the orders behind a figure, the wall, scorecards (aggregates import, ratings, weights,
snapshots), the rollup refresh and the monthly report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, UploadFile, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from gridcare.analytics import hot, kpis, periods, queries, reports, rollup, scorecards, wall
from gridcare.analytics.permissions import require_manage
from gridcare.core.clock import to_local
from gridcare.core.uploads import MAX_IMPORT_BYTES, read_limited
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State

SHOWN = 100  # a topic's orders listed by id and number (its count is all of them)
router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"], dependencies=[CsrfChecked])


def _scope(utility: str, grid: str, rep: str, team: str, category: str = "", channel: str = "") -> queries.Scope:
    return queries.scope_from(utility, grid, rep, team, category, channel)


@router.get("/kpis")
def kpi_board(session: DbSession, principal: CurrentPrincipal, state: State, period: str = "month", at: str = "", utility: str = "", grid: str = "", rep: str = "", team: str = "") -> Any:
    """Every KPI of a period (``period``: day, week, month, year; ``at``: 2026-10-05, 2026-W40,
    2026-10, 2026 — the current one by default) with month-on-month and year-on-year."""
    p = periods.chosen(period, at, state.clock.now())
    board = queries.kpi_board(session, actor=principal, scope=_scope(utility, grid, rep, team), period=p)
    return {
        "period": p.label, "previous": board["previous"].label, "year_ago": board["year_ago"].label, "customers": board["customers"],
        "kpis": [{"key": r["kpi"].key, "label": r["kpi"].label, "definition": r["kpi"].definition, "unit": r["kpi"].unit, "value": r["value"], "previous": r["previous"], "year_ago": r["year_ago"], "mom": r["mom"], "yoy": r["yoy"]} for r in board["rows"]],
    }  # fmt: skip


@router.get("/breakdown")
def breakdown(session: DbSession, principal: CurrentPrincipal, state: State, by: str = "category", period: str = "month", at: str = "", utility: str = "", grid: str = "", rep: str = "", team: str = "") -> Any:
    """Order KPIs grouped by category, channel, grid_id, handler_id, utility or day."""
    p = periods.chosen(period, at, state.clock.now())
    rows = queries.breakdown(session, actor=principal, scope=_scope(utility, grid, rep, team), period=p, by=by)
    return [{k: v for k, v in r.items() if k != "totals"} for r in rows]


@router.get("/durations")
def durations(session: DbSession, principal: CurrentPrincipal, state: State, period: str = "month", at: str = "", utility: str = "", grid: str = "", rep: str = "", team: str = "") -> Any:
    """Accept, arrive and resolve times per category: n, mean, median, p90."""
    p = periods.chosen(period, at, state.clock.now())
    return queries.duration_stats(session, actor=principal, scope=_scope(utility, grid, rep, team), period=p)


@router.get("/trend")
def trend(session: DbSession, principal: CurrentPrincipal, state: State, at: str = "", months: int = 12, utility: str = "", grid: str = "", rep: str = "", team: str = "") -> Any:
    p = periods.chosen("month", at, state.clock.now())
    return queries.trend(session, actor=principal, scope=_scope(utility, grid, rep, team), last=p, months=max(1, min(months, 36)))


@router.get("/map")
def grid_values(session: DbSession, principal: CurrentPrincipal, state: State, kpi: str = "orders", period: str = "month", at: str = "", utility: str = "", category: str = "", channel: str = "") -> Any:
    """One order KPI per grid id (the choropleth); grid shapes come from /api/v1/grids/geojson."""
    p = periods.chosen(period, at, state.clock.now())
    values = queries.by_grid(session, actor=principal, scope=queries.scope_from(utility, "", "", "", category, channel), period=p, kpi=kpi)
    k = kpis.BY_KEY[kpi]
    return {"kpi": kpi, "label": k.label, "unit": k.unit, "better": k.better, "period": p.label, "values": {str(g): v for g, v in values.items()}}


@router.get("/orders")
def orders_behind(session: DbSession, principal: CurrentPrincipal, state: State, period: str = "month", at: str = "", utility: str = "", grid: str = "", rep: str = "", team: str = "", category: str = "", channel: str = "", flag: str = "", limit: int = 100) -> Any:
    """The orders behind a figure: same filters as the figure, plus ``flag`` (escalated,
    open, reopened, merged, resolved, late, rated, unsatisfied, repeat, answered)."""
    p = periods.chosen(period, at, state.clock.now())
    start, end = p.utc_bounds()
    found, total = queries.drill(session, actor=principal, scope=_scope(utility, grid, rep, team, category, channel), start=start, end=end, flag=flag or None, limit=max(1, min(limit, queries.MAX_DRILL)), period=p, now=state.clock.now())
    return {"total": total, "orders": [{"id": o.id, "number": o.number, "category": o.category, "channel": o.channel, "status": o.status, "created_at": o.created_at, "grid_id": o.grid_id, "handler_id": o.handler_id, "escalation_level": o.escalation_level, "reopen_count": o.reopen_count, "satisfaction": o.satisfaction} for o in found]}


@router.get("/topics")
def hot_topics(session: DbSession, principal: CurrentPrincipal, state: State, hours: int = 24, days: int = 7, utility: str = "", team: str = "", category: str = "", channel: str = "", limit: int = 20) -> Any:
    """Hot topics (热点诉求): phrases the orders of the last ``hours`` hold far more often than
    those of the ``days`` before did, best first; each with its orders (newest first), how many
    its earlier share would give (``expected``) and ``score``, how unlikely its count is by
    chance (-log10 of the Poisson chance: 4 is one in 10,000)."""
    from gridcare.workorders import queries as orders

    found = hot.hot_topics(session, actor=principal, scope=queries.scope_from(utility, "", "", team, category, channel), now=state.clock.now(), hours=hours, days=days, limit=limit)
    numbers = orders.numbers(session, actor=principal, ids=[i for t in found.topics for i in t.order_ids[:SHOWN]])
    return {
        "since": found.since, "until": found.until, "compared_from": found.compared_from, "recent_orders": found.recent_orders, "earlier_orders": found.earlier_orders, "capped": found.capped,
        "topics": [{"phrase": t.phrase, "orders": t.orders, "expected": t.expected, "lift": t.lift, "score": t.score,
                    "order_ids": list(t.order_ids[:SHOWN]), "numbers": [numbers[i] for i in t.order_ids[:SHOWN] if i in numbers]} for t in found.topics],
    }  # fmt: skip


@router.get("/wall")
def wall_figures(session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    w = wall.wall(session, actor=principal, now=state.clock.now())
    o = w["orders"]
    return {
        "at": w["now"],
        "orders": {k: o[k] for k in ("open", "unassigned", "late", "escalated", "today")} | {"today_by_category": dict(o["today_by_category"]), "late_orders": [{"id": x.id, "number": x.number, "category": x.category, "escalation_level": x.escalation_level} for x in o["late_orders"]]},
        "outages": {"open": w["outages"]["open"], "by_status": w["outages"]["by_status"]},
        "calls": w["calls"],
        "alerts": w["alerts"],
    }


@router.get("/scorecards")
def scorecard_list(session: DbSession, principal: CurrentPrincipal, state: State, month: str = "", kind: str = "grid", utility: str = "") -> Any:
    """The month's scorecards as the data stands now, ranked (see /snapshots for closed months)."""
    m = month or periods.last_closed_month(state.clock.now()).label
    cards = scorecards.compute(session, actor=principal, month=m, kind=kind, utility=utility or None)
    return {"month": m, "kind": kind, "weights": scorecards.weights(session), "cards": [{"rank": c.rank, "subject": {k: v for k, v in c.subject.items()}, "total": c.total, "values": c.values, "scores": c.scores} for c in cards]}


@router.post("/aggregates", status_code=status.HTTP_201_CREATED)
def import_aggregates(session: DbSession, principal: CurrentPrincipal, state: State, file: UploadFile = File(..., description="CSV (UTF-8 or GBK) or XLSX: month, grid, supplied_m3, billed_m3, meters_due, meters_read, billed_amount, collected_amount")) -> Any:
    """All rows or none: a bad row gets a 422 listing every problem with line, field and reason."""
    rows = scorecards.import_aggregates(session, actor=principal, now=state.clock.now(), data=read_limited(file.file, MAX_IMPORT_BYTES), filename=file.filename or "aggregates.csv")
    return {"imported": rows}


class RatingIn(BaseModel):
    month: str = Field(examples=["2026-10"])
    subject_kind: str = Field(examples=["grid"])
    subject_id: int
    rater: str = Field(examples=["key_customers"])
    score: float
    note: str = ""


@router.put("/ratings")
def put_rating(body: RatingIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    row = scorecards.set_rating(session, actor=principal, now=state.clock.now(), **body.model_dump())
    return {"month": row.month, "subject_kind": row.subject_kind, "subject_id": row.subject_id, "rater": row.rater, "score": row.score}


@router.get("/weights")
def get_weights(session: DbSession, principal: CurrentPrincipal) -> Any:
    return scorecards.weights(session)


@router.put("/weights")
def put_weights(body: dict[str, Any], session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """Weights of the scorecard measures, 0–100 each, keyed by measure (see GET)."""
    return scorecards.save_weights(session, actor=principal, now=state.clock.now(), values=body)


class SnapshotIn(BaseModel):
    month: str = Field(examples=["2026-10"])
    kind: str = "both"


@router.post("/snapshots", status_code=status.HTTP_201_CREATED)
def take_snapshot(body: SnapshotIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """Close a month into snapshots; a month already closed is left as it was (0 written)."""
    return {"month": body.month, "written": scorecards.snapshot(session, actor=principal, now=state.clock.now(), month=body.month, kind=body.kind)}


@router.get("/snapshots")
def list_snapshots(session: DbSession, principal: CurrentPrincipal, month: str, kind: str = "grid") -> Any:
    periods.month(month)
    return [{"rank": s.rank, "subject_id": s.subject_id, "code": s.subject_code, "name": s.subject_name, "total": s.total, "measures": s.measures, "taken_at": s.taken_at} for s in scorecards.snapshots(session, actor=principal, month=month, kind=kind)]


@router.post("/rollup/refresh")
def refresh_rollup(session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """Fold new order events into the daily rollup now (the worker does it every minute)."""
    require_manage(principal)
    return {"days_rebuilt": rollup.refresh(session, now=state.clock.now())}


@router.get("/report")
def month_report(session: DbSession, principal: CurrentPrincipal, state: State, month: str = "", format: str = "xlsx", utility: str = "", lang: str = "zh_CN") -> Response:
    """The monthly service-quality report, ``format`` xlsx or pdf."""
    from gridcare.core.errors import InvalidInput
    from gridcare.core.i18n import T_, translator

    m = month or periods.last_closed_month(state.clock.now()).label
    if format not in ("xlsx", "pdf"):
        raise InvalidInput.field("format", T_("must be %(a)s or %(b)s", a="xlsx", b="pdf"))
    body, media = render_report(session, principal, m, format, utility, translator(lang if lang in ("zh_CN", "en") else "zh_CN"), state.clock.now())
    return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="service-quality-{m}.{format}"'})


def render_report(session: Any, principal: Any, month: str, fmt: str, utility: str, _: Any, now: Any) -> tuple[bytes, str]:
    data = reports.month_data(session, actor=principal, month=month, utility=utility or None)
    if fmt == "pdf":
        title = _("Service quality report %(month)s") % {"month": month} + f" · {to_local(now):%Y-%m-%d %H:%M}"
        return reports.month_pdf(data, _, title=title), "application/pdf"
    return reports.month_xlsx(data, _), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
