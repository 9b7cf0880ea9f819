"""Read models of analytics: KPI figures for a scope and period (from the rollup), duration
statistics and drill-down lists (from the raw orders, read-only), per-grid values for
the choropleth, monthly trends.

The work-order domain has no query for "orders created in a period with these filters",
so this module reads ``WorkOrder`` (and ``ExpertQuestion``) read-only, scoped like its own
queue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gridcare.analytics import histogram, kpis, periods
from gridcare.analytics.models import DailyDurations, DailyOrders, MonthlyDurations, MonthlyOrders
from gridcare.analytics.permissions import require_read
from gridcare.auth.scoping import scoped
from gridcare.core.bounds import whole_number
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal, Role
from gridcare.workorders import states
from gridcare.workorders.models import ExpertQuestion, WorkOrder

GROUPS = ("category", "channel", "grid_id", "handler_id", "utility", "day")
FLAGS = ("escalated", "open", "overdue", "reopened", "merged", "resolved", "late", "rated", "unsatisfied", "repeat", "answered")
MAX_DRILL = 500
# Above this many orders in a period, medians and p90s are read from the duration
# histograms (a month of a large utility) instead of sorting the raw orders.
HISTOGRAM_FROM = 50_000


@dataclass(frozen=True)
class Scope:
    """Whose figures: a utility, one grid, one rep (as handler) or a team (an org subtree)."""

    utility: str | None = None
    grid_id: int | None = None
    handler_id: int | None = None
    org_path: str | None = None
    category: str | None = None
    channel: str | None = None

    def query(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def scope_from(utility: str = "", grid: str = "", rep: str = "", team: str = "", category: str = "", channel: str = "") -> Scope:
    if utility and utility not in ("electric", "water", "gas"):
        raise InvalidInput.field("utility", T_("must be %(a)s, %(b)s or %(c)s", a="electric", b="water", c="gas"))
    return Scope(utility or None, whole_number(grid, "grid"), whole_number(rep, "rep"), team.strip() or None, category or None, channel or None)


def _table(period: periods.Period, *, daily: bool = False) -> Any:
    """The monthly rollup for whole months (months, years, trends), the daily one otherwise."""
    whole_months = period.start.day == 1 and period.end.day == 1
    return MonthlyOrders if whole_months and not daily else DailyOrders


def _sums(table: Any) -> tuple[Any, ...]:
    return tuple(func.coalesce(func.sum(getattr(table, f)), 0) for f in kpis.TOTAL_FIELDS)


def _rollup(actor: Principal, scope: Scope, period: periods.Period, table: Any, *cols: Any) -> Any:
    stmt = scoped(select(*cols), actor, org_path=table.org_path, grid_id=table.grid_id)
    if table is MonthlyOrders:
        stmt = stmt.where(table.month >= f"{period.start:%Y-%m}", table.month < f"{period.end:%Y-%m}")
    else:
        stmt = stmt.where(table.day >= period.start.isoformat(), table.day < period.end.isoformat())
    if scope.utility:
        stmt = stmt.where(table.utility == scope.utility)
    if scope.grid_id is not None:
        stmt = stmt.where(table.grid_id == scope.grid_id)
    if scope.handler_id is not None:
        stmt = stmt.where(table.handler_id == scope.handler_id)
    if scope.org_path:
        stmt = stmt.where(table.org_path.startswith(scope.org_path, autoescape=True))
    if scope.category:
        stmt = stmt.where(table.category == scope.category)
    if scope.channel:
        stmt = stmt.where(table.channel == scope.channel)
    return stmt


def _totals(row: Iterable[Any]) -> kpis.Totals:
    return kpis.Totals(**{f: (float(v) if f.endswith("_seconds") else int(v)) for f, v in zip(kpis.TOTAL_FIELDS, row, strict=True)})


def totals(session: Session, *, actor: Principal, scope: Scope, period: periods.Period) -> kpis.Totals:
    require_read(actor)
    table = _table(period)
    return _totals(session.execute(_rollup(actor, scope, period, table, *_sums(table))).one())


def totals_by(session: Session, *, actor: Principal, scope: Scope, period: periods.Period, by: str) -> dict[Any, kpis.Totals]:
    require_read(actor)
    if by not in GROUPS:
        raise InvalidInput.field("by", T_("must be one of %(choices)s", choices=", ".join(GROUPS)))
    table = _table(period, daily=by == "day")
    col = getattr(table, by)
    rows = session.execute(_rollup(actor, scope, period, table, col, *_sums(table)).group_by(col))
    return {r[0]: _totals(r[1:]) for r in rows}


def customers_in(session: Session, *, actor: Principal, scope: Scope) -> int:
    """Customers of the grids in scope (for complaints per 10,000 customers)."""
    from gridcare.customers import service as customers
    from gridcare.grids import service as grids

    counts = customers.counts_by_grid(session)
    total = 0
    for g in grids.list_grids(session, actor=actor):
        if scope.utility and g.utility != scope.utility:
            continue
        if scope.grid_id is not None and g.id != scope.grid_id:
            continue
        if scope.org_path and not g.org_path.startswith(scope.org_path):
            continue
        if scope.handler_id is not None and g.rep_id != scope.handler_id:
            continue
        total += counts.get(g.id, 0)
    return total


def order_figures(session: Session, *, actor: Principal, scope: Scope, period: periods.Period, customers: int | None = None) -> dict[str, float | None]:
    t = totals(session, actor=actor, scope=scope, period=period)
    complaints = totals(session, actor=actor, scope=replace(scope, category="complaint"), period=period).orders if scope.category in (None, "complaint") else 0
    return kpis.figures(t, complaints=complaints, customers=customers)


def _raw(actor: Principal, scope: Scope, start: datetime, end: datetime, *cols: Any) -> Any:
    stmt = scoped(select(*cols), actor, org_path=WorkOrder.org_path, grid_id=WorkOrder.grid_id)
    stmt = stmt.where(WorkOrder.created_at >= start, WorkOrder.created_at < end)
    if scope.utility:
        stmt = stmt.where(WorkOrder.utility == scope.utility)
    if scope.grid_id is not None:
        stmt = stmt.where(WorkOrder.grid_id == scope.grid_id)
    if scope.handler_id is not None:
        stmt = stmt.where(WorkOrder.handler_id == scope.handler_id)
    if scope.org_path:
        stmt = stmt.where(WorkOrder.org_path.startswith(scope.org_path, autoescape=True))
    if scope.category:
        stmt = stmt.where(WorkOrder.category == scope.category)
    if scope.channel:
        stmt = stmt.where(WorkOrder.channel == scope.channel)
    return stmt


def texts(session: Session, *, actor: Principal, scope: Scope, start: datetime, end: datetime, limit: int) -> list[tuple[int, str, datetime]]:
    """(id, description, created_at) of the orders created in [start, end) in scope, the
    newest ``limit`` of them, newest first; an order merged into another is its parent's (a
    storm of calls merged into one fault is one demand). The caller checks who may read them."""
    stmt = _raw(actor, scope, start, end, WorkOrder.id, WorkOrder.description, WorkOrder.created_at).where(WorkOrder.parent_id.is_(None))
    return [(i, d or "", c) for i, d, c in session.execute(stmt.order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()).limit(limit))]


ROW_COLUMNS = (
    WorkOrder.id, WorkOrder.category, WorkOrder.channel, WorkOrder.status, WorkOrder.created_at, WorkOrder.customer_id,
    WorkOrder.accepted_at, WorkOrder.arrived_at, WorkOrder.resolved_at, WorkOrder.accept_due, WorkOrder.arrive_due, WorkOrder.resolve_due,
    WorkOrder.escalation_level, WorkOrder.reopen_count, WorkOrder.satisfaction, WorkOrder.parent_id, WorkOrder.dispatch_reason,
)  # fmt: skip


def order_rows(session: Session, *, actor: Principal, scope: Scope, start: datetime, end: datetime) -> list[kpis.OrderRow]:
    """Raw orders created in [start, end) as KPI rows."""
    from gridcare.core.clock import as_utc

    def utc(v: datetime | None) -> datetime | None:
        return None if v is None else as_utc(v)

    out = []
    for r in session.execute(_raw(actor, scope, start, end, *ROW_COLUMNS)):
        out.append(kpis.OrderRow(r[0], r[1], r[2], r[3], utc(r[4]), r[5], utc(r[6]), utc(r[7]), utc(r[8]), utc(r[9]), utc(r[10]), utc(r[11]), r[12] or 0, r[13] or 0, r[14], r[15], states.answered_at_intake(r[16])))
    return out


def duration_stats(
    session: Session, *, actor: Principal, scope: Scope, period: periods.Period, histogram_from: int = HISTOGRAM_FROM
) -> dict[str, dict[str, dict[str, float | None]]]:
    """Per step (accept, arrive, resolve) and category: n, mean, median, p90. Exact from the
    raw orders up to ``histogram_from`` orders; beyond, n and mean stay exact (rollup sums)
    and median and p90 come from the duration histograms, within 1 %."""
    require_read(actor)
    if _histogram_answers(actor, scope) and totals(session, actor=actor, scope=scope, period=period).orders > histogram_from:
        return _duration_stats_histogram(session, actor=actor, scope=scope, period=period)
    start, end = period.utc_bounds()
    if session.get_bind().dialect.name == "postgresql":
        return _duration_stats_sql(session, actor=actor, scope=scope, start=start, end=end)
    found = kpis.durations(order_rows(session, actor=actor, scope=scope, start=start, end=end))
    return {step: {cat: kpis.summary(values) for cat, values in sorted(by_cat.items())} for step, by_cat in found.items()}


def _duration_stats_sql(session: Session, *, actor: Principal, scope: Scope, start: datetime, end: datetime) -> dict[str, dict[str, dict[str, float | None]]]:
    """The same figures computed in PostgreSQL in one pass over the period's orders
    (``percentile_cont`` interpolates linearly, as ``kpis.percentile`` does, and skips the
    NULLs of steps not yet done), so a month of a large utility is not read into Python."""
    steps = (("accept", WorkOrder.accepted_at), ("arrive", WorkOrder.arrived_at), ("resolve", WorkOrder.resolved_at))
    cols: list[Any] = [WorkOrder.category]
    for step, done in steps:
        value = func.extract("epoch", done - WorkOrder.created_at) / kpis.STEP_UNIT_SECONDS[step]
        cols += [func.count(value), func.avg(value), func.percentile_cont(0.5).within_group(value), func.percentile_cont(0.9).within_group(value)]
    out: dict[str, dict[str, dict[str, float | None]]] = {step: {} for step, _ in steps}
    from gridcare.analytics.rollup import handled

    for r in session.execute(_raw(actor, scope, start, end, *cols).where(handled(WorkOrder)).group_by(WorkOrder.category).order_by(WorkOrder.category)):
        for i, (step, _) in enumerate(steps):
            n, mean, median, p90 = r[1 + 4 * i : 5 + 4 * i]
            if n:
                out[step][r[0]] = {"n": int(n), "mean": float(mean), "median": float(median), "p90": float(p90)}
    return out


def _histogram_answers(actor: Principal, scope: Scope) -> bool:
    """The histograms are kept per utility, org path and category only; a narrower question
    (one grid, rep or channel, or a rep's own grids) is small enough for the raw orders."""
    narrower = scope.grid_id is not None or scope.handler_id is not None or scope.channel is not None
    return not narrower and actor.role not in (Role.REP, Role.CONTRACTOR)


def _duration_stats_histogram(session: Session, *, actor: Principal, scope: Scope, period: periods.Period) -> dict[str, dict[str, dict[str, float | None]]]:
    whole_months = period.start.day == 1 and period.end.day == 1
    table = MonthlyDurations if whole_months else DailyDurations
    stmt = scoped(select(table.step, table.category, table.bucket, func.sum(table.orders)), actor, org_path=table.org_path)
    if table is MonthlyDurations:
        stmt = stmt.where(table.month >= f"{period.start:%Y-%m}", table.month < f"{period.end:%Y-%m}")
    else:
        stmt = stmt.where(table.day >= period.start.isoformat(), table.day < period.end.isoformat())
    if scope.utility:
        stmt = stmt.where(table.utility == scope.utility)
    if scope.org_path:
        stmt = stmt.where(table.org_path.startswith(scope.org_path, autoescape=True))
    if scope.category:
        stmt = stmt.where(table.category == scope.category)
    counts: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for step, category, b, n in session.execute(stmt.group_by(table.step, table.category, table.bucket)):
        counts.setdefault((step, category), []).append((int(b), int(n)))
    sums = totals_by(session, actor=actor, scope=scope, period=period, by="category")
    out: dict[str, dict[str, dict[str, float | None]]] = {step: {} for step in kpis.DURATION_STEPS}
    for (step, category), found in sorted(counts.items()):
        t = sums.get(category)
        done = {"accept": "accepted", "arrive": "arrived", "resolve": "resolved"}[step]
        n, seconds = (getattr(t, done), getattr(t, f"{step}_seconds")) if t else (0, 0.0)
        if not n:
            continue
        unit = kpis.STEP_UNIT_SECONDS[step]
        median, p90 = histogram.percentile(found, 50), histogram.percentile(found, 90)
        out[step][category] = {"n": n, "mean": seconds / n / unit, "median": (median or 0) / unit, "p90": (p90 or 0) / unit}
    return out


def expert_share(session: Session, *, actor: Principal, scope: Scope, period: periods.Period, orders: int) -> float | None:
    """Orders with an expert question ÷ ``orders`` (the period's count, from the rollup);
    the join starts from the few questions, not the many orders."""
    start, end = period.utc_bounds()
    stmt = _raw(actor, scope, start, end, func.count(func.distinct(WorkOrder.id))).select_from(ExpertQuestion).join(WorkOrder, WorkOrder.id == ExpertQuestion.order_id)
    return kpis.ratio(int(session.scalar(stmt) or 0), orders)


def call_figures(session: Session, *, actor: Principal, period: periods.Period) -> dict[str, float | None]:
    """Call volume, answer rate and AHT (calls domain), QA average when the actor may see QA."""
    from gridcare.auth.rules import Action, can
    from gridcare.calls import periods as call_periods
    from gridcare.calls import reports, stats

    out: dict[str, float | None] = {"calls_offered": None, "answer_rate": None, "aht_seconds": None, "qa_average": None}
    start, end = period.utc_bounds()
    if call_periods.too_long(start, end, max_days=reports.MAX_DAYS):
        return out
    if can(actor, Action.CALLS_READ):
        figures = stats.total(reports.buckets(session, actor=actor, start=start, end=end))
        out.update(calls_offered=figures.offered, answer_rate=figures.answer_rate, aht_seconds=figures.aht_seconds)
    if can(actor, Action.CALLS_QA):
        from gridcare.calls import quality

        rows = quality.results(session, actor=actor, start=start, end=end)
        scored = sum(int(r["scored"]) for r in rows)
        if scored:
            # QA averages are points out of 100; the KPI is a share, like every "pct" figure.
            out["qa_average"] = sum(float(r["average"]) * int(r["scored"]) for r in rows) / scored / 100
    return out


def _in_scope(stmt: Any, actor: Principal, scope: Scope, model: Any) -> Any:
    stmt = scoped(stmt, actor, org_path=model.org_path, grid_id=model.grid_id)
    if scope.grid_id is not None:
        stmt = stmt.where(model.grid_id == scope.grid_id)
    if scope.org_path:
        stmt = stmt.where(model.org_path.startswith(scope.org_path, autoescape=True))
    return stmt


def field_figures(session: Session, *, actor: Principal, period: periods.Period, scope: Scope | None = None) -> dict[str, float | None]:
    """Patrol and key-customer visit completion, and contractor scores (from the contractors
    domain). Field work offers no period figures, so patrols and visits are counted here
    over its tables, read-only."""
    from gridcare.field.models import PatrolTask, Visit, VisitPlan

    scope = scope or Scope()
    t = PatrolTask
    stmt = _in_scope(select(func.count(), func.coalesce(func.sum(case((t.status == "done", 1), else_=0)), 0)), actor, scope, t)
    stmt = stmt.where(t.due_on >= period.start, t.due_on < period.end)
    if scope.utility:
        stmt = stmt.where(t.utility == scope.utility)
    planned, done = session.execute(stmt).one()
    visits = _in_scope(select(func.count()).select_from(Visit).join(VisitPlan, VisitPlan.id == Visit.plan_id), actor, scope, VisitPlan)
    visited = session.scalar(visits.where(Visit.due_on >= period.start, Visit.due_on < period.end)) or 0
    waiting = _in_scope(select(func.count()).select_from(VisitPlan), actor, scope, VisitPlan)
    outstanding = session.scalar(waiting.where(VisitPlan.active.is_(True), VisitPlan.next_due >= period.start, VisitPlan.next_due < period.end)) or 0
    from gridcare.contractors import queries as contractors

    start, end = period.utc_bounds()
    return {
        "patrol_completion": kpis.ratio(int(done or 0), int(planned or 0)),
        "visit_completion": kpis.ratio(visited, visited + outstanding),
        "contractor_score": contractors.mean_score(session, actor=actor, start=start, end=end),
    }


def kpi_board(session: Session, *, actor: Principal, scope: Scope, period: periods.Period) -> dict[str, Any]:
    """Every KPI of the period with month-on-month and year-on-year comparisons."""
    require_read(actor)
    customers = customers_in(session, actor=actor, scope=scope)
    before, year_ago = periods.previous(period), periods.year_ago(period)
    values: dict[str, dict[str, float | None]] = {}
    for name, p in (("now", period), ("previous", before), ("year_ago", year_ago)):
        v = order_figures(session, actor=actor, scope=scope, period=p, customers=customers)
        v["expert_share"] = expert_share(session, actor=actor, scope=scope, period=p, orders=int(v["orders"] or 0))
        v.update(call_figures(session, actor=actor, period=p))
        v.update(field_figures(session, actor=actor, period=p, scope=scope))
        values[name] = v
    rows = []
    for k in kpis.KPIS:
        now = values["now"].get(k.key)
        rows.append(
            {
                "kpi": k,
                "value": now,
                "previous": values["previous"].get(k.key),
                "year_ago": values["year_ago"].get(k.key),
                "mom": periods.change(now, values["previous"].get(k.key)),
                "yoy": periods.change(now, values["year_ago"].get(k.key)),
            }
        )
    return {"period": period, "previous": before, "year_ago": year_ago, "rows": rows, "customers": customers}


def breakdown(session: Session, *, actor: Principal, scope: Scope, period: periods.Period, by: str) -> list[dict[str, Any]]:
    found = totals_by(session, actor=actor, scope=scope, period=period, by=by)
    rows = [{"key": key, "totals": t, **kpis.figures(t)} for key, t in found.items()]
    return sorted(rows, key=lambda r: -int(r["orders"] or 0))


def trend(session: Session, *, actor: Principal, scope: Scope, last: periods.Period, months: int = 12) -> list[dict[str, Any]]:
    """Monthly figures for the ``months`` months up to ``last``, one query."""
    require_read(actor)
    span = periods.months_back(last, months)
    whole = periods.Period("range", span[0].start, span[-1].end)
    m = MonthlyOrders
    rows = {r[0]: _totals(r[1:]) for r in session.execute(_rollup(actor, scope, whole, m, m.month, *_sums(m)).group_by(m.month))}
    return [{"month": p.label, **kpis.figures(rows.get(p.label, kpis.Totals()))} for p in span]


def by_grid(session: Session, *, actor: Principal, scope: Scope, period: periods.Period, kpi: str) -> dict[int, float | None]:
    """One order KPI per grid, for the choropleth."""
    if kpi not in kpis.MAP_KPIS:
        raise InvalidInput.field("kpi", T_("must be one of %(choices)s", choices=", ".join(kpis.MAP_KPIS)))
    found = totals_by(session, actor=actor, scope=scope, period=period, by="grid_id")
    out: dict[int, float | None] = {}
    counts: dict[int, int] = {}
    if kpi == "complaints_per_10k":
        from gridcare.customers import service as customers

        counts = customers.counts_by_grid(session)
        complaints = totals_by(session, actor=actor, scope=replace(scope, category="complaint"), period=period, by="grid_id")
    for grid_id, t in found.items():
        if not grid_id:
            continue
        if kpi == "complaints_per_10k":
            out[grid_id] = kpis.figures(t, complaints=complaints.get(grid_id, kpis.Totals()).orders, customers=counts.get(grid_id))[kpi]
        else:
            out[grid_id] = kpis.figures(t)[kpi]
    return out


# The rollup's count of the orders each flag selects: a drill-down's total without a scan.
FLAG_TOTALS = {
    "": lambda t: t.orders, "escalated": lambda t: t.escalated, "open": lambda t: t.open_now, "reopened": lambda t: t.reopened,
    "merged": lambda t: t.merged, "resolved": lambda t: t.resolved, "rated": lambda t: t.rated, "repeat": lambda t: t.repeats,
    "late": lambda t: t.resolved - t.sla_met, "unsatisfied": lambda t: t.rated - t.satisfied, "answered": lambda t: t.answered,
}  # fmt: skip


def drill(session: Session, *, actor: Principal, scope: Scope, start: datetime, end: datetime, flag: str | None = None, limit: int = MAX_DRILL, period: periods.Period | None = None, now: datetime | None = None) -> tuple[list[WorkOrder], int]:
    """The orders behind a figure: created in [start, end) in scope, with an optional flag,
    newest first. With the ``period`` the total comes from the rollup (it equals the raw count)."""
    from gridcare.analytics.rollup import handled, on_time

    require_read(actor)
    if flag and flag not in FLAGS:
        raise InvalidInput.field("flag", T_("must be one of %(choices)s", choices=", ".join(FLAGS)))
    stmt = _raw(actor, scope, start, end, WorkOrder)
    o = WorkOrder
    if flag == "escalated":
        stmt = stmt.where(o.escalation_level > 0, handled(o))
    elif flag == "open":
        stmt = stmt.where(o.status.in_(sorted(kpis.OPEN_STATUSES)))
    elif flag == "overdue":
        from gridcare.analytics.wall import late_condition

        if now is None:
            raise InvalidInput.field("flag", T_("overdue needs the current time"))
        stmt = stmt.where(o.status.in_(sorted(kpis.OPEN_STATUSES)), late_condition(now))
    elif flag == "reopened":
        stmt = stmt.where(o.reopen_count > 0, handled(o))
    elif flag == "merged":
        stmt = stmt.where(o.parent_id.is_not(None))
    elif flag == "resolved":
        stmt = stmt.where(o.resolved_at.is_not(None), handled(o))
    elif flag == "rated":
        stmt = stmt.where(o.satisfaction.is_not(None))
    elif flag == "unsatisfied":
        stmt = stmt.where(o.satisfaction < kpis.SATISFIED_FROM)
    elif flag == "answered":
        stmt = stmt.where(o.dispatch_reason == states.ANSWERED_AT_INTAKE)
    elif flag == "late":
        stmt = stmt.where(o.resolved_at.is_not(None), handled(o), ~on_time(o))
    elif flag == "repeat":
        # Judged by the same pure rule as the KPI, over the period and the window before it.
        rows = order_rows(session, actor=actor, scope=scope, start=start - kpis.REPEAT_WINDOW, end=end)
        repeats = kpis.repeat_ids(rows)
        stmt = stmt.where(o.id.in_([r.id for r in rows if r.id in repeats and r.created_at >= start][:5000]))
    if period is not None and flag not in ("repeat", "overdue"):
        total = int(FLAG_TOTALS[flag or ""](totals(session, actor=actor, scope=scope, period=period)))
    else:
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    orders = list(session.scalars(stmt.order_by(o.created_at.desc(), o.id.desc()).limit(limit)))
    return orders, total
