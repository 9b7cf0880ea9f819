"""The daily order rollup, maintained incrementally.

Every change to a work order writes an order event. The job reads the events after its
watermark, finds the local days on which the touched orders were created, and rebuilds
those days' rows from the raw orders with one grouped INSERT … SELECT each. A day is
always rebuilt whole, so the rollup equals a fresh computation over the raw orders
(``kpis.fold``); tests/analytics/test_rollup.py holds it to that.

Event ids are handed out before their transactions commit, so an event may appear below
the watermark after the job has passed it; each round therefore looks again at the last
``RESCAN`` ids under the watermark (rebuilding a day twice is harmless)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from gridcare.analytics import histogram, kpis, periods
from gridcare.analytics.models import (
    DailyDurations,
    DailyOrders,
    MonthlyDurations,
    MonthlyOrders,
    RollupWatermark,
)
from gridcare.workorders import states
from gridcare.workorders.models import OrderEvent, WorkOrder

WATERMARK = "orders"
RESCAN = 200
Progress = Callable[[str, int, int], None]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def local_day(session: Session, column: Any) -> Any:
    if _dialect(session) == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column, "+8 hours")


def _seconds(session: Session, start: Any, end: Any) -> Any:
    if _dialect(session) == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _window_start(session: Session, column: Any) -> Any:
    days = kpis.REPEAT_WINDOW.days
    if _dialect(session) == "postgresql":
        return column - literal_column(f"interval '{days} days'")
    return func.strftime("%Y-%m-%d %H:%M:%f", column, f"-{days} days")


# The latest earlier order of the same customer and category (ties in time excluded, as in
# ``kpis.repeat_ids``): one sort instead of a lookup per order.
_PREVIOUS = (
    "max(work_orders.created_at) OVER (PARTITION BY work_orders.customer_id, work_orders.category "
    "ORDER BY work_orders.created_at RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP)"
)
_SOURCE_COLUMNS = (
    "created_at", "utility", "grid_id", "handler_id", "category", "channel", "org_path", "customer_id", "status", "accepted_at", "arrived_at",
    "resolved_at", "accept_due", "arrive_due", "resolve_due", "escalation_level", "reopen_count", "parent_id", "satisfaction", "dispatch_reason",
)  # fmt: skip


def _source(session: Session, start: datetime | None, end: datetime | None) -> Any:
    """The orders with the instant of their customer's previous order of the same category;
    a day's rebuild reads the repeat window before it too."""
    stmt = select(*(getattr(WorkOrder, c) for c in _SOURCE_COLUMNS), literal_column(_PREVIOUS).label("previous_at"))
    if start is not None and end is not None:
        stmt = stmt.where(WorkOrder.created_at >= start - kpis.REPEAT_WINDOW, WorkOrder.created_at < end)
    return stmt.subquery("o")


def handled(o: Any) -> Any:
    """Not answered at intake: the orders the handling figures count (``kpis.order_totals``)."""
    return or_(o.dispatch_reason.is_(None), o.dispatch_reason != states.ANSWERED_AT_INTAKE)


def on_time(o: Any) -> Any:
    """``kpis.on_time`` in SQL, over any selectable with the order's columns."""

    def ok(done: Any, due: Any) -> Any:
        return or_(due.is_(None), and_(done.is_not(None), done <= due))

    no_due = and_(o.accept_due.is_(None), o.arrive_due.is_(None), o.resolve_due.is_(None))
    return or_(and_(no_due, o.escalation_level == 0), and_(~no_due, ok(o.accepted_at, o.accept_due), ok(o.arrived_at, o.arrive_due), ok(o.resolved_at, o.resolve_due)))


def _grouped(session: Session, *, start: datetime | None = None, end: datetime | None = None, day: str | None = None) -> Any:
    """The rollup's rows, grouped from the raw orders (the SQL twin of ``kpis.order_totals``)."""
    o = _source(session, start, end).c
    is_repeat = and_(o.customer_id.is_not(None), o.previous_at.is_not(None), o.previous_at >= _window_start(session, o.created_at))

    worked = handled(o)
    met = and_(worked, o.resolved_at.is_not(None), on_time(o))

    def count(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    def secs(done: Any) -> Any:
        return func.coalesce(func.sum(case((and_(worked, done.is_not(None)), _seconds(session, o.created_at, done)), else_=null())), 0.0)

    rest = (o.utility, func.coalesce(o.grid_id, 0), func.coalesce(o.handler_id, 0), o.category, o.channel, o.org_path)
    day_column = literal(day, String(10)) if day else local_day(session, o.created_at)
    stmt = select(
        day_column,
        *rest,
        func.count(),
        count(and_(worked, o.accepted_at.is_not(None))),
        secs(o.accepted_at),
        count(and_(worked, o.arrived_at.is_not(None))),
        secs(o.arrived_at),
        count(and_(worked, o.resolved_at.is_not(None))),
        secs(o.resolved_at),
        count(met),
        count(and_(worked, o.escalation_level > 0)),
        count(and_(worked, o.reopen_count > 0)),
        count(o.parent_id.is_not(None)),
        count(is_repeat),
        count(and_(worked, o.resolved_at.is_not(None), o.reopen_count == 0, ~is_repeat)),
        count(o.satisfaction.is_not(None)),
        func.coalesce(func.sum(o.satisfaction), 0),
        count(o.satisfaction >= kpis.SATISFIED_FROM),
        count(o.status.in_(sorted(kpis.OPEN_STATUSES))),
        count(o.dispatch_reason == states.ANSWERED_AT_INTAKE),
    )
    if start is not None:
        stmt = stmt.where(o.created_at >= start)
    return stmt.group_by(*rest) if day else stmt.group_by(day_column, *rest)


KEYS = ["utility", "grid_id", "handler_id", "category", "channel", "org_path"]
COLUMNS = ["day", *KEYS, *kpis.TOTAL_FIELDS]
DURATION_KEYS = ["utility", "org_path", "category", "step", "bucket"]
STEPS = (("accept", WorkOrder.accepted_at), ("arrive", WorkOrder.arrived_at), ("resolve", WorkOrder.resolved_at))


def _bucket(seconds: Any) -> Any:
    """``histogram.bucket`` in SQL (ln and ceil exist in PostgreSQL and SQLite ≥ 3.35)."""
    scaled = func.ln(seconds) / histogram.LN_GAMMA - 1e-9
    return cast(case((seconds < 1, 0), (seconds <= histogram.GAMMA, 1), else_=func.ceil(scaled)), Integer)


def _durations(session: Session, *, start: datetime | None = None, end: datetime | None = None, day: str | None = None) -> Any:
    """Orders per duration bucket of each step, grouped like the histogram tables."""
    day_column = literal(day, String(10)) if day else local_day(session, WorkOrder.created_at)
    parts = []
    for step, done in STEPS:
        b = _bucket(_seconds(session, WorkOrder.created_at, done))
        stmt = select(day_column.label("day"), WorkOrder.utility, WorkOrder.org_path, WorkOrder.category, literal(step, String(8)), b.label("bucket"), func.count())
        stmt = stmt.where(done.is_not(None), handled(WorkOrder))
        if start is not None and end is not None:
            stmt = stmt.where(WorkOrder.created_at >= start, WorkOrder.created_at < end)
        keys = (WorkOrder.utility, WorkOrder.org_path, WorkOrder.category, b)
        parts.append(stmt.group_by(*keys) if day else stmt.group_by(day_column, *keys))
    return union_all(*parts)


def _rebuild_duration_months(session: Session, months: list[str]) -> None:
    keys = [getattr(DailyDurations, k) for k in DURATION_KEYS]
    for month in months:
        p = periods.month(month)
        session.execute(delete(MonthlyDurations).where(MonthlyDurations.month == month))
        stmt = select(literal(month, String(7)), *keys, func.sum(DailyDurations.orders))
        stmt = stmt.where(DailyDurations.day >= p.start.isoformat(), DailyDurations.day < p.end.isoformat()).group_by(*keys)
        session.execute(insert(MonthlyDurations).from_select(["month", *DURATION_KEYS, "orders"], stmt))


def rebuild_months(session: Session, months: Iterable[str]) -> int:
    """Sum the daily rows of these months (2026-10) into the monthly rollup."""
    todo = sorted(set(months))
    keys = [getattr(DailyOrders, k) for k in KEYS]
    sums = [func.sum(getattr(DailyOrders, f)) for f in kpis.TOTAL_FIELDS]
    for month in todo:
        p = periods.month(month)
        session.execute(delete(MonthlyOrders).where(MonthlyOrders.month == month))
        stmt = select(literal(month, String(7)), *keys, *sums).where(DailyOrders.day >= p.start.isoformat(), DailyOrders.day < p.end.isoformat()).group_by(*keys)
        session.execute(insert(MonthlyOrders).from_select(["month", *KEYS, *kpis.TOTAL_FIELDS], stmt))
    _rebuild_duration_months(session, todo)
    return len(todo)


def rebuild_days(session: Session, days: Iterable[str], progress: Progress | None = None) -> int:
    todo = sorted(set(days))
    for i, day in enumerate(todo, start=1):
        start, end = periods.containing("day", date.fromisoformat(day)).utc_bounds()
        session.execute(delete(DailyOrders).where(DailyOrders.day == day))
        day = date.fromisoformat(day).isoformat()
        session.execute(insert(DailyOrders).from_select(COLUMNS, _grouped(session, start=start, end=end, day=day)))
        session.execute(delete(DailyDurations).where(DailyDurations.day == day))
        session.execute(insert(DailyDurations).from_select(["day", *DURATION_KEYS, "orders"], _durations(session, start=start, end=end, day=day)))
        if progress:
            progress("rollup", i, len(todo))
    rebuild_months(session, {d[:7] for d in todo})
    return len(todo)


def _watermark(session: Session, now: datetime) -> RollupWatermark:
    mark = session.get(RollupWatermark, WATERMARK)
    if mark is None:
        mark = RollupWatermark(name=WATERMARK, last_event_id=0, updated_at=now)
        session.add(mark)
        session.flush()
    return mark


def rebuild_all(session: Session, *, now: datetime, progress: Progress | None = None) -> int:
    """Every day from scratch (after an import, or to repair); one grouped statement."""
    last = session.scalar(select(func.max(OrderEvent.id))) or 0
    session.execute(delete(DailyOrders))
    if progress:
        progress("rollup", 0, 1)
    session.execute(insert(DailyOrders).from_select(COLUMNS, _grouped(session)))
    session.execute(delete(DailyDurations))
    session.execute(insert(DailyDurations).from_select(["day", *DURATION_KEYS, "orders"], _durations(session)))
    session.execute(delete(MonthlyOrders))
    session.execute(delete(MonthlyDurations))
    rebuild_months(session, session.scalars(select(func.substr(DailyOrders.day, 1, 7)).distinct()).all())
    mark = _watermark(session, now)
    mark.last_event_id, mark.updated_at = last, now
    if progress:
        progress("rollup", 1, 1)
    return session.scalar(select(func.count()).select_from(DailyOrders)) or 0


@dataclass(frozen=True)
class Pending:
    """What a refresh will write: the days to rebuild, computed in a read transaction."""

    last_event_id: int
    days: list[str]
    orders: list[dict[str, Any]]
    durations: list[dict[str, Any]]


def pending(session: Session, *, rescan: int = RESCAN) -> Pending | None:
    """Compute the rebuilt rows of the days touched since the watermark (reads only: the
    worker looks in a read transaction and takes SQLite's one writer only to store them)."""
    mark = session.get(RollupWatermark, WATERMARK)
    done = mark.last_event_id if mark is not None else 0
    last = session.scalar(select(func.max(OrderEvent.id))) or 0
    if last == done:
        return None
    touched = select(OrderEvent.order_id).where(OrderEvent.id > max(0, done - rescan), OrderEvent.id <= last)
    days = sorted({date.fromisoformat(d).isoformat() for d in session.scalars(select(local_day(session, WorkOrder.created_at)).where(WorkOrder.id.in_(touched)).distinct())})
    orders: list[dict[str, Any]] = []
    durations: list[dict[str, Any]] = []
    for day in days:
        start, end = periods.containing("day", date.fromisoformat(day)).utc_bounds()
        orders += [dict(zip(COLUMNS, r, strict=True)) for r in session.execute(_grouped(session, start=start, end=end, day=day))]
        durations += [dict(zip(["day", *DURATION_KEYS, "orders"], r, strict=True)) for r in session.execute(_durations(session, start=start, end=end, day=day))]
    return Pending(last, days, orders, durations)


def store(session: Session, found: Pending | None, *, now: datetime) -> int:
    """Write what ``pending`` computed; returns days rebuilt."""
    if found is None:
        return 0
    for day in found.days:
        session.execute(delete(DailyOrders).where(DailyOrders.day == day))
        session.execute(delete(DailyDurations).where(DailyDurations.day == day))
    if found.orders:
        session.execute(insert(DailyOrders), found.orders)
    if found.durations:
        session.execute(insert(DailyDurations), found.durations)
    rebuild_months(session, {d[:7] for d in found.days})
    mark = _watermark(session, now)
    mark.last_event_id, mark.updated_at = max(mark.last_event_id, found.last_event_id), now
    return len(found.days)


def refresh(session: Session, *, now: datetime, progress: Progress | None = None, rescan: int = RESCAN) -> int:
    """Fold the order events after the watermark into the rollup; returns days rebuilt."""
    found = pending(session, rescan=rescan)
    if progress:
        progress("rollup", 0, 1)
    rebuilt = store(session, found, now=now)
    if progress:
        progress("rollup", 1, 1)
    return rebuilt
