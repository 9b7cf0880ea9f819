"""What every work-order use case shares: reading an order in the actor's scope, its
deadlines, its timeline rows and whom a demand goes to. Intake (``intake``) and the
commands (``service``) both write through these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gridcare.auth.rules import Action, RecordScope, can_see
from gridcare.auth.scoping import require
from gridcare.core.errors import NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal, Role
from gridcare.core.workdays import china_calendar
from gridcare.prepared import Prepared
from gridcare.workorders import duty, escalation, notifying, sla, states
from gridcare.workorders.dispatch import choose_handler
from gridcare.workorders.models import OrderEvent, OrderPause, WorkOrder

CHANNELS = ("hotline", "letter", "visit", "web", "onsite", "patrol", "open311")
CATEGORIES = tuple(c.value for c in states.Category)
calendar = china_calendar


def _scope(order: WorkOrder) -> RecordScope:
    return RecordScope(org_path=order.org_path, grid_id=order.grid_id, gridded=True)


def get_order(session: Session, *, actor: Principal, order_id: int, lock: bool = False) -> WorkOrder:
    require(actor, Action.ORDERS_READ)
    stmt = select(WorkOrder).where(WorkOrder.id == order_id)
    if lock:
        stmt = stmt.with_for_update()
    order = session.scalar(stmt)
    if order is None or not visible_to(session, actor, order):
        raise NotFound(T_("order_id: no work order %(id)s in your scope", id=order_id))
    return order


def visible_to(session: Session, actor: Principal, order: WorkOrder) -> bool:
    """Scope, or the order is theirs to handle, or their unit was pulled in to help."""
    return can_see(actor, _scope(order)) or order.handler_id == actor.user_id or _assisting(session, actor, order)


def _assisting(session: Session, actor: Principal, order: WorkOrder) -> bool:
    """Departments and contractors see the orders they were pulled into, and only those."""
    from gridcare.workorders.models import SupportTask

    if actor.role not in (Role.DEPARTMENT, Role.CONTRACTOR) or actor.org_unit_id is None:
        return False
    return session.scalar(select(SupportTask.id).where(SupportTask.order_id == order.id, SupportTask.unit_id == actor.org_unit_id).limit(1)) is not None


_EVENT_COLUMNS = ["order_id", "at", "actor_id", "actor", "origin", "kind", "status_from", "status_to", "note", "data"]
_INSERT_EVENTS = Prepared(OrderEvent.__table__.insert(), keys=_EVENT_COLUMNS, deferrable=True)


def audit_view(order: WorkOrder) -> dict[str, Any]:
    return {
        "number": order.number,
        "status": order.status,
        "category": order.category,
        "channel": order.channel,
        "grid_id": order.grid_id,
        "handler_id": order.handler_id,
        "customer_id": order.customer_id,
        "satisfaction": order.satisfaction,
        "escalation_level": order.escalation_level,
    }


Pauses = list[tuple[datetime, datetime | None]]


def _pauses(session: Session, order: WorkOrder) -> Pauses:
    if order.id is None:
        return []
    return pauses_of(session, [order.id]).get(order.id, [])


def pauses_of(session: Session, order_ids: list[int]) -> dict[int, Pauses]:
    """The waiting-on-customer spans of these orders, in order, read at once."""
    found: dict[int, Pauses] = {}
    if order_ids:
        stmt = select(OrderPause.order_id, OrderPause.started_at, OrderPause.ended_at).where(OrderPause.order_id.in_(order_ids)).order_by(OrderPause.started_at)
        for order_id, started, ended in session.execute(stmt):
            found.setdefault(order_id, []).append((started, ended))
    return found


# In an order's attributes: when a resolution its handler's phone sent later reached us.
RESOLUTION_RECEIVED = "resolution_received_at"


def order_deadlines(session: Session, order: WorkOrder, *, pauses: Pauses | None = None) -> dict[str, sla.Deadline]:
    from gridcare.workorders import policies

    received = (order.attributes or {}).get(RESOLUTION_RECEIVED)
    kept = (order.attributes or {}).get("sla")
    if kept is not None:
        policy = sla.from_snapshot(order.utility, order.category, order.area_class, kept)
    else:  # orders taken before policies were kept on the order
        policy = sla.policy_for(order.utility, order.category, order.area_class, policies.effective(session))
    return sla.deadlines(
        policy,
        created_at=order.created_at,
        accepted_at=order.accepted_at,
        arrived_at=order.arrived_at,
        resolved_at=order.resolved_at,
        resolution_received_at=datetime.fromisoformat(received) if received else None,
        paid_at=order.paid_at,
        paused=_pauses(session, order) if pauses is None else pauses,
        calendar=calendar(),
    )


def refresh_deadlines(session: Session, order: WorkOrder, now: datetime, *, pauses: Pauses | None = None) -> None:
    found = order_deadlines(session, order, pauses=pauses)
    order.accept_due = found["accept"].due_at if "accept" in found else None
    order.arrive_due = found["arrive"].due_at if "arrive" in found else None
    order.resolve_due = found["resolve"].due_at if "resolve" in found else None
    order.callback_due = found["callback"].due_at if "callback" in found else None
    if states.Status(order.status).group is not states.Group.OPEN and order.status != states.Status.CALLBACK_PENDING.value:
        order.next_check_at = None
        return
    offsets = [r.after for r in escalation.ladder_for(session, order.utility)]
    checks = [sla.next_check_at(d, now, offsets) for d in found.values() if d.met_at is None]
    pending = [c for c in checks if c is not None]
    order.next_check_at = min(pending) if pending else None


def status_since(session: Session, order: WorkOrder) -> datetime | None:
    """When the order came to its present status: its timeline's last move into it."""
    return session.scalar(
        select(func.max(OrderEvent.at)).where(
            OrderEvent.order_id == order.id, OrderEvent.status_to == order.status, or_(OrderEvent.status_from.is_(None), OrderEvent.status_from != OrderEvent.status_to)
        )
    )


@dataclass(frozen=True)
class Step:
    """What one command did to one order, for its timeline."""

    order: WorkOrder
    events: tuple[states.Event, ...]
    status_from: str | None
    note: str = ""
    at: datetime | None = None  # when it was done, if not as it was recorded (on a phone without signal)


def record_events(session: Session, actor: Principal, now: datetime, order: WorkOrder, events: tuple[states.Event, ...], *, status_from: str | None, note: str = "") -> None:
    record_steps(session, actor, now, [Step(order, events, status_from, note)])


def record_steps(session: Session, actor: Principal, now: datetime, steps: list[Step]) -> None:
    """The timeline rows of these steps in one insert, then whom each concerns."""
    rows = [
        {"order_id": s.order.id, "at": s.at or now, "actor_id": actor.user_id, "actor": actor.login, "origin": actor.origin, "kind": event.name, "status_from": s.status_from, "status_to": s.order.status, "note": s.note, "data": dict(event.data)}
        for s in steps
        for event in s.events
    ]
    _INSERT_EVENTS.execute_many(session.connection(), rows)
    notifying.tell(session, now, steps)


def choose_for(session: Session, *, now: datetime, grid: Any, utility: str, category: str, first_contact: int | None) -> Any:
    route = escalation.routes(session).get((utility, category))
    department = (route.unit_name, escalation.department_handler(session, now=now, org_unit_id=route.org_unit_id)) if route is not None and first_contact is None else None
    return choose_handler(
        grid_code=grid.code if grid else None,
        rep_id=grid.rep_id if grid else None,
        backup_id=grid.backup_id if grid else None,
        off_duty=duty.away(session, now=now, user_ids=[grid.rep_id, grid.backup_id] if grid else []),
        first_contact_rep=first_contact,
        department=department,
    )


def dispatch_choice(session: Session, *, now: datetime, order: WorkOrder) -> Any:
    """Who a stored order would go to if it came in now (an order released from a merge)."""
    from gridcare.grids import service as grids

    grid = grids.summary(session, grid_id=order.grid_id, utility=order.utility) if order.grid_id is not None else None
    return choose_for(session, now=now, grid=grid, utility=order.utility, category=order.category, first_contact=None)
