"""Read models: the queue sorted by urgency, an order with countdowns and timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, String, bindparam, case, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from gridcare.auth.scoping import ScopedStatement, scoped
from gridcare.core.principal import Principal
from gridcare.together import Reads, read
from gridcare.workorders import service, sla, states
from gridcare.workorders.models import OrderPause, WorkOrder, queue_due

OPEN = [s.value for s in states.Status if s.group is states.Group.OPEN]
# Written into the statement, not bound: PostgreSQL uses the queue's partial index
# (ix_work_orders_queue) only when it can see the statuses are the index's.
_IN_QUEUE = WorkOrder.status.in_(bindparam("queue_statuses", list(states.QUEUE_STATUSES), expanding=True, literal_execute=True))


def queue(session: Session, *, actor: Principal, status: str | None = None, mine: bool = False, late_only: bool = False, unassigned: bool = False, now: datetime, limit: int = 200) -> list[WorkOrder]:
    stmt = scoped(select(WorkOrder), actor, org_path=WorkOrder.org_path, grid_id=WorkOrder.grid_id)
    if mine:
        stmt = select(WorkOrder).where(WorkOrder.handler_id == actor.user_id)
    if status:
        stmt = stmt.where(WorkOrder.status == status)
    else:
        stmt = stmt.where(_IN_QUEUE)
    if unassigned:
        stmt = stmt.where(WorkOrder.status == states.Status.UNASSIGNED.value)
    if late_only:
        stmt = stmt.where(WorkOrder.escalation_level > 0)
    return list(session.scalars(stmt.order_by(WorkOrder.escalation_level.desc(), queue_due().asc().nulls_last(), WorkOrder.id).limit(limit)))


@dataclass(frozen=True)
class QueueCounts:
    """How the actor's queue stands now: what a workbench counts before it lists."""

    open: int
    late: int  # escalated at least once
    due_soon: int  # the next deadline within ``soon``, not yet escalated
    unassigned: int  # the command center's to dispatch
    callbacks: int  # resolved, waiting for the customer to be called back
    mine: int  # the actor's own as handler
    to_accept: int  # the actor's own, dispatched and not yet accepted


def queue_counts(session: Session, *, actor: Principal, now: datetime, soon: timedelta = timedelta(hours=1)) -> QueueCounts:
    """Counted in two statements over the queue's statuses (its partial index on PostgreSQL):
    the actor's scope, then the actor's own orders, which a handler may hold outside it."""
    due = queue_due()
    late = WorkOrder.escalation_level > 0

    def n(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    scope = scoped(select(func.count(), n(late), n(~late & (due < now + soon)), n(WorkOrder.status == states.Status.UNASSIGNED.value), n(WorkOrder.status == states.Status.CALLBACK_PENDING.value)), actor, org_path=WorkOrder.org_path, grid_id=WorkOrder.grid_id)
    total, late_n, soon_n, unassigned, callbacks = session.execute(scope.where(_IN_QUEUE)).one()
    mine = to_accept = 0
    if actor.user_id is not None:
        own = select(func.count(), n(WorkOrder.status == states.Status.DISPATCHED.value)).where(WorkOrder.handler_id == actor.user_id, _IN_QUEUE)
        mine, to_accept = session.execute(own).one()
    return QueueCounts(int(total), int(late_n), int(soon_n), int(unassigned), int(callbacks), int(mine), int(to_accept))


def queue_rows(session: Session, orders: Sequence[WorkOrder], now: datetime) -> list[dict[str, Any]]:
    """A list's rows: each order with its handler's and grid's names and its next open step."""
    from gridcare.grids import queries as grid_queries
    from gridcare.grids import service as grids

    staff = grid_queries.staff_names(session, {o.handler_id for o in orders})
    names = grids.grid_names(session, ids=[o.grid_id for o in orders if o.grid_id])
    pauses = service.pauses_of(session, [o.id for o in orders])
    rows = []
    for o in orders:
        open_steps = [c for c in countdowns(session, o, now, pauses=pauses) if c["met_at"] is None]
        rows.append({"o": o, "handler": staff.get(o.handler_id, ("", "", ""))[0], "grid": names.get(o.grid_id, ("", ""))[1], "next": open_steps[0] if open_steps else None})
    return rows


def countdowns(session: Session, order: WorkOrder, now: datetime, *, pauses: dict[int, service.Pauses] | None = None) -> list[dict[str, Any]]:
    """Each step's deadline and how it stands. ``pauses``: the orders' waiting spans read at
    once (``service.pauses_of``) when a list shows many orders; else read for this one."""
    out = []
    for step, deadline in service.order_deadlines(session, order, pauses=None if pauses is None else pauses.get(order.id, [])).items():
        c = sla.countdown(deadline, now)
        out.append({"step": step, "due_at": deadline.due_at, "remaining_seconds": int(c.remaining.total_seconds()), "state": c.state, "met_at": deadline.met_at})
    return out


def detail(session: Session, *, actor: Principal, order_id: int, now: datetime) -> dict[str, Any]:
    order = service.get_order(session, actor=actor, order_id=order_id)
    commands = [c.value for c in states.available_commands(service.facts_of(order), actor.role.value, service.is_handler(actor, order))]
    return {
        "order": order,
        "countdowns": countdowns(session, order, now),
        "timeline": service.timeline(session, actor=actor, order_id=order_id),
        "commands": commands,
    }


def of_customers(session: Session, *, actor: Principal, customer_ids: list[int], now: datetime, last: int = 5) -> dict[int, dict[str, list[Any]]]:
    """Per customer: open orders with their next countdown, and the ``last`` few orders
    (the screen pop's card). The orders are rows with the card's columns, not ``WorkOrder``s."""
    return read(session, of_customers_reads(session, actor=actor, customer_ids=customer_ids, now=now, last=last))


def of_customers_reads(session: Session, *, actor: Principal, customer_ids: list[int], now: datetime, last: int = 5) -> Reads[dict[int, dict[str, list[Any]]]]:
    """``of_customers`` as ``Reads``, to run with the card's other reads: the orders and their
    pauses both go by the customers, so neither waits for the other."""
    if not customer_ids:
        return Reads((), lambda _: {})
    ids = list(customer_ids)
    orders = _OF_CUSTOMERS.bound(actor, customer_ids=ids, limit=20 * len(ids))

    def answer(rows: list[Sequence[Row[Any]]]) -> dict[int, dict[str, list[Any]]]:
        found, pause_rows = rows
        pauses: dict[int, service.Pauses] = {}
        for order_id, started, ended in pause_rows:
            pauses.setdefault(order_id, []).append((started, ended))
        out: dict[int, dict[str, list[Any]]] = {cid: {"open": [], "last": []} for cid in ids}
        for order in found:
            slot = out[order.customer_id]
            if order.status in _QUEUE_STATUSES:
                pending = [c for c in countdowns(session, order, now, pauses=pauses) if c["met_at"] is None]
                slot["open"].append({"order": order, "next": pending[0] if pending else None})
            if len(slot["last"]) < last:
                slot["last"].append(order)
        return out

    return Reads((orders, (_PAUSES_OF_CUSTOMERS, {"customer_ids": ids})), answer)


_QUEUE_STATUSES = frozenset(states.QUEUE_STATUSES)
_OF_CUSTOMERS = ScopedStatement(
    # The card's fields and what the countdowns are computed from: 14 of 45 columns.
    lambda scope: select(
        WorkOrder.id, WorkOrder.number, WorkOrder.customer_id, WorkOrder.category, WorkOrder.status, WorkOrder.description,
        WorkOrder.utility, WorkOrder.area_class, WorkOrder.attributes,
        WorkOrder.created_at, WorkOrder.accepted_at, WorkOrder.arrived_at, WorkOrder.resolved_at, WorkOrder.paid_at,
    )
    .where(WorkOrder.customer_id.in_(bindparam("customer_ids", expanding=True)), *scope)
    .order_by(WorkOrder.created_at.desc())
    .limit(bindparam("limit")),
    org_path=WorkOrder.org_path,
    grid_id=WorkOrder.grid_id,
)
# Waiting spans of the customers' open orders (the scope is the orders' statement's: a
# pause of an order the actor cannot see is never looked up).
_PAUSES_OF_CUSTOMERS = (
    select(OrderPause.order_id, OrderPause.started_at, OrderPause.ended_at)
    .join(WorkOrder, WorkOrder.id == OrderPause.order_id)
    .where(WorkOrder.customer_id.in_(bindparam("customer_ids", expanding=True)), _IN_QUEUE)
    .order_by(OrderPause.started_at)
)


def numbers(session: Session, *, actor: Principal, ids: Sequence[int | None]) -> dict[int, str]:
    """The numbers (GD…) of the orders among ``ids`` that the actor may see: other domains'
    pages name an order by the number its people know it by."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    stmt = scoped(select(WorkOrder.id, WorkOrder.number).where(WorkOrder.id.in_(wanted)), actor, org_path=WorkOrder.org_path, grid_id=WorkOrder.grid_id)
    return {order_id: number for order_id, number in session.execute(stmt)}


@dataclass(frozen=True)
class Demand:
    number: str
    description: str


def demands(session: Session, *, actor: Principal, ids: Sequence[int | None]) -> dict[int, Demand]:
    """What the orders among ``ids`` that the actor may see asked for, by number: the
    knowledge base shows the demands an article answered."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    stmt = scoped(select(WorkOrder.id, WorkOrder.number, WorkOrder.description).where(WorkOrder.id.in_(wanted)), actor, org_path=WorkOrder.org_path, grid_id=WorkOrder.grid_id)
    return {order_id: Demand(number, description) for order_id, number, description in session.execute(stmt)}


@dataclass(frozen=True)
class AnsweredDemand:
    """A demand answered as it was taken (当场解答): what was asked and what the customer was told."""

    id: int
    number: str
    utility: str
    question: str
    answer: str
    answered_by: str
    answered_at: datetime
    answerer_id: int | None = None
    category: str = ""
    caller_name: str = ""
    address: str = ""
    grid_id: int | None = None
    satisfaction: int | None = None  # the caller's rating in the survey after the call


def _answered(actor: Principal, since: datetime | None) -> Any:
    answerable = [c.value for c in states.Category if states.answerable(c)]  # the indexed column narrows the read
    stmt = scoped(select(), actor, org_path=WorkOrder.org_path, grid_id=WorkOrder.grid_id).where(
        WorkOrder.category.in_(answerable), WorkOrder.dispatch_reason == states.ANSWERED_AT_INTAKE
    )
    return stmt if since is None else stmt.where(WorkOrder.created_at >= since)


def answered_at_intake(session: Session, *, actor: Principal, since: datetime | None = None, ids: Sequence[int] | None = None, limit: int = 100) -> list[AnsweredDemand]:
    """Demands answered at intake that the actor may see, newest first: since a moment, or
    among ``ids``."""
    o = WorkOrder
    stmt = _answered(actor, since).add_columns(
        o.id, o.number, o.utility, o.description, o.resolution_note, o.originator, o.created_at, o.originator_id, o.category, o.caller_name, o.address, o.grid_id, o.satisfaction
    )
    if ids is not None:
        stmt = stmt.where(WorkOrder.id.in_(list(ids)))
    return [AnsweredDemand(*row) for row in session.execute(stmt.order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()).limit(limit))]


ANSWERED_DAYS = 7  # the answered list a rep reads: a week of what the hotline settled for them


def answered_rows(session: Session, *, actor: Principal, now: datetime, days: int = ANSWERED_DAYS, limit: int = 200) -> list[dict[str, Any]]:
    """The demands answered at intake in the actor's scope over the last ``days``, with the
    answerer's and the grid's names: the rep hears of what was settled in their grids."""
    from gridcare.grids import queries as grid_queries
    from gridcare.grids import service as grids

    found = answered_at_intake(session, actor=actor, since=now - timedelta(days=days), limit=limit)
    staff = grid_queries.staff_names(session, {d.answerer_id for d in found if d.answerer_id is not None})
    names = grids.grid_names(session, ids=[d.grid_id for d in found if d.grid_id])
    return [{"d": d, "answerer": staff.get(d.answerer_id, (d.answered_by,))[0] if d.answerer_id else d.answered_by, "grid": names.get(d.grid_id, ("", ""))[1]} for d in found]


def count_answered_at_intake(session: Session, *, actor: Principal, since: datetime) -> int:
    """How many demands the actor may see were answered at intake since a moment (a rep's
    workbench: the hotline answered these in their grids without them)."""
    return int(session.scalar(_answered(actor, since).add_columns(func.count())) or 0)


def open_counts_by_grid(session: Session) -> dict[int, int]:
    """Open work orders per grid, for the grid map and workload measures."""
    stmt = select(WorkOrder.grid_id, func.count()).where(WorkOrder.grid_id.is_not(None), WorkOrder.closed_at.is_(None), WorkOrder.status.in_(states.QUEUE_STATUSES))
    return dict(session.execute(stmt.group_by(WorkOrder.grid_id)).all())


def recent_complainers(session: Session, *, customer_ids: list[int], since: datetime) -> set[int]:
    """Which of these customers filed a complaint since ``since`` (outages call them first)."""
    found: set[int] = set()
    ids = sorted(set(customer_ids))
    for i in range(0, len(ids), 500):
        stmt = select(WorkOrder.customer_id).where(WorkOrder.customer_id.in_(ids[i : i + 500]), WorkOrder.category == states.Category.COMPLAINT.value, WorkOrder.created_at >= since)
        found.update(session.scalars(stmt.distinct()))
    return found


def recent_repairs(session: Session, *, utility: str, since: datetime, supply_points: list[str]) -> list[tuple[int, int | None, datetime, str, str]]:
    """(id, customer, created, supply point, status) of the repair orders under these supply points
    taken since ``since`` that are still open or merged into one that is: the calls fault
    triage groups (a call merged into a small outage is still evidence for a wider one)."""
    if not supply_points:
        return []
    connection = session.connection()
    params = {"points": sorted(set(supply_points)), "since": since, "utility": utility, "limit": RECENT_LIMIT}
    stmt = _RECENT_REPAIRS_BY_POINT if connection.dialect.name == "postgresql" else _RECENT_REPAIRS
    rows = connection.execute(stmt, params).all()
    return [(r[0], r[1], r[2], r[3], r[4]) for r in reversed(rows) if r[4] in _LIVE]


# The latest RECENT_LIMIT are evidence enough: a feeder with more calls than that in one
# window is out as a whole, and reading them all would slow every call of the storm. It
# must stay well above what several faults under one feeder bring: at 300, a storm's
# busiest feeders (up to ~360 calls for two or three faults) lost their earliest calls,
# with the master orders of their first predictions, which then could not be narrowed.
RECENT_LIMIT = 2000
_LIVE = frozenset(OPEN + [states.Status.MERGED.value])
_RECENT_COLUMNS = (WorkOrder.id, WorkOrder.customer_id, WorkOrder.created_at, WorkOrder.supply_point, WorkOrder.status)


def _latest_repairs(on_points: ColumnElement[bool]) -> Select[Any]:
    return (
        select(*_RECENT_COLUMNS)
        .where(on_points, WorkOrder.created_at >= bindparam("since"), WorkOrder.utility == bindparam("utility"), WorkOrder.category == states.Category.REPAIR.value)
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
        .limit(bindparam("limit"))
    )


_RECENT_REPAIRS = _latest_repairs(WorkOrder.supply_point.in_(bindparam("points", expanding=True)))
# PostgreSQL: one index descent per supply point, and the status sieved in Python. With the
# points as an IN list and the status in the query, the planner, whose statistics cannot
# know that a storm crowds the last minutes, read the window through the time index (or that
# ANDed with the status index) and filtered: every call of the whole storm's window for each
# analysis (~10,000 rows read for ~400 kept in bench/load.py), a cost growing with the storm.
_POINT = func.unnest(bindparam("points", type_=postgresql.ARRAY(String))).table_valued("point").render_derived(name="p")
_BY_POINT = _latest_repairs(WorkOrder.supply_point == _POINT.c.point).lateral("recent")
_RECENT_REPAIRS_BY_POINT = select(_BY_POINT).select_from(_POINT).order_by(_BY_POINT.c.created_at.desc(), _BY_POINT.c.id.desc()).limit(bindparam("limit"))



@dataclass(frozen=True)
class Watched:
    """An order as a handover lists it: enough to tell how it stands now."""

    id: int
    number: str
    category: str
    status: str
    escalation_level: int
    due_at: datetime | None
    caller_name: str
    address: str

    @property
    def done(self) -> bool:
        return self.status not in states.QUEUE_STATUSES


def _watched(stmt: Select[Any]) -> Select[Any]:
    return stmt.with_only_columns(
        WorkOrder.id, WorkOrder.number, WorkOrder.category, WorkOrder.status, WorkOrder.escalation_level, queue_due(), WorkOrder.caller_name, WorkOrder.address,
    )


def by_numbers(session: Session, *, actor: Principal, numbers: Sequence[str]) -> dict[str, Watched]:
    """The orders of these numbers that the actor may see, by number."""
    if not numbers:
        return {}
    stmt = _watched(scoped(select(WorkOrder).where(WorkOrder.number.in_(set(numbers))), actor, org_path=WorkOrder.org_path, grid_id=WorkOrder.grid_id))
    return {row[1]: Watched(*row) for row in session.execute(stmt)}


def waiting_on_the_desk(session: Session, *, actor: Principal, user_id: int, since: datetime, limit: int = 10) -> list[Watched]:
    """The orders ``user_id`` took since ``since`` that wait on the command center: still to
    dispatch, to call back, or escalated; in the queue's order. What an outgoing agent hands
    over (an order a rep is working on is the rep's)."""
    desk = WorkOrder.status.in_([states.Status.UNASSIGNED.value, states.Status.CALLBACK_PENDING.value]) | (WorkOrder.escalation_level > 0)
    stmt = scoped(select(WorkOrder), actor, org_path=WorkOrder.org_path, grid_id=WorkOrder.grid_id).where(WorkOrder.originator_id == user_id, WorkOrder.created_at >= since, _IN_QUEUE, desk)
    stmt = _watched(stmt.order_by(WorkOrder.escalation_level.desc(), queue_due().asc().nulls_last(), WorkOrder.id).limit(limit))
    return [Watched(*row) for row in session.execute(stmt)]
