"""Merged orders (合并): calls that wait on another order — a duplicate, or a repair call
inside an outage waiting on the outage's master order. They close with their parent or
when supply is restored, move to another parent when outages are re-drawn, and go back to
normal dispatch when a supervisor finds them wrongly merged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.core.errors import DomainError, InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.workorders import states
from gridcare.workorders.models import WorkOrder


@dataclass(frozen=True)
class Child:
    id: int
    number: str
    customer_id: int | None
    supply_point: str | None
    created_at: datetime


def children(session: Session, *, parent_id: int) -> list[Child]:
    """The orders merged into ``parent_id`` and still waiting on it, earliest first."""
    stmt = (
        select(WorkOrder.id, WorkOrder.number, WorkOrder.customer_id, WorkOrder.supply_point, WorkOrder.created_at)
        .where(WorkOrder.parent_id == parent_id, WorkOrder.status == states.Status.MERGED.value)
        .order_by(WorkOrder.created_at, WorkOrder.id)
    )
    return [Child(*row) for row in session.execute(stmt)]


def _waiting(session: Session, parent_id: int, only: set[int] | None = None) -> list[WorkOrder]:
    stmt = select(WorkOrder).where(WorkOrder.parent_id == parent_id, WorkOrder.status == states.Status.MERGED.value).order_by(WorkOrder.id)
    if only is not None:
        stmt = stmt.where(WorkOrder.id.in_(sorted(only)))
    return list(session.scalars(stmt))


def merge_many(session: Session, *, actor: Principal, now: datetime, parent_id: int, order_ids: list[int], note: str) -> list[int]:
    """Merge these orders into ``parent_id`` with one read, one timeline insert and one
    audit append: triage merges a storm's standing calls dozens at a time. An order that
    moved on (on site, resolved …), is the parent itself or lies outside the actor's scope
    stays its own. Returns the ids merged."""
    from gridcare.workorders import service

    parent = service.get_order(session, actor=actor, order_id=parent_id)
    if states.Status(parent.status).group is states.Group.CLOSED:
        raise InvalidInput.field("parent_id", T_("order %(number)s is already closed", number=parent.number))
    wanted = sorted(set(order_ids) - {parent.id})
    stmt = select(WorkOrder).where(WorkOrder.id.in_(wanted)).order_by(WorkOrder.id).with_for_update()
    orders = [o for o in session.scalars(stmt) if service.visible_to(session, actor, o)]
    pauses = service.pauses_of(session, [o.id for o in orders])
    args = {"parent_id": parent.id, "note": note}
    steps, entries = [], []
    for order in orders:
        try:
            step, entry = service.apply(session, actor=actor, now=now, order=order, command=states.Command.MERGE_INTO.value, args=args, pauses=pauses.get(order.id, []))
        except DomainError:
            continue
        steps.append(step)
        entries.append(entry)
    service.record_steps(session, actor, now, steps)
    audit.record_many(session, actor=actor, at=now, entries=entries)
    return [s.order.id for s in steps]


def rehome(session: Session, *, actor: Principal, now: datetime, from_parent: int, to_parent: int, only: set[int] | None = None) -> int:
    """Orders merged into ``from_parent`` (all, or ``only`` these) now wait on ``to_parent``:
    a wider outage took a smaller one over, or a supervisor split one. Returns how many moved."""
    from gridcare.workorders.records import Step, get_order, record_steps

    target = get_order(session, actor=actor, order_id=to_parent)
    steps, entries = [], []
    for child in _waiting(session, from_parent, only):
        if child.id == target.id:
            continue
        child.parent_id = target.id
        steps.append(Step(child, (states.Event("order.rehomed", {"parent_id": target.id, "parent": target.number}),), child.status, target.number))
        entries.append(audit.Append("order.rehome", "order", child.id, {"parent_id": from_parent}, {"parent_id": target.id}, child.org_path))
    record_steps(session, actor, now, steps)
    audit.record_many(session, actor=actor, at=now, entries=entries)
    return len(steps)


def close_with_parent(session: Session, *, actor: Principal, now: datetime, parent: WorkOrder, restored: str | None = None) -> int:
    """Orders merged into ``parent`` close with it — or, with ``restored`` (the outage's
    number), when supply is back: their callers heard that from the restoration notice."""
    from gridcare.workorders.records import Step, audit_view, record_steps

    data = {"with_outage": restored} if restored else {"with_parent": parent.number}
    note = f"supply restored ({restored})" if restored else f"closed with {parent.number}"
    steps, entries = [], []
    for child in _waiting(session, parent.id):
        before = audit_view(child)
        child.status = states.Status.CLOSED.value
        child.closed_at = now
        child.next_check_at = None
        steps.append(Step(child, (states.Event("order.closed", data),), states.Status.MERGED.value, note))
        entries.append(audit.Append("order.close_with_parent", "order", child.id, before, audit_view(child), child.org_path))
    record_steps(session, actor, now, steps)
    audit.record_many(session, actor=actor, at=now, entries=entries)
    return len(steps)


def release(session: Session, *, actor: Principal, now: datetime, order_id: int, reason: str) -> WorkOrder:
    """A wrongly merged order goes back to normal dispatch: to its grid's rep (or the
    backup, by the duty roster), else to the command-center queue."""
    from gridcare.workorders import service

    return service.execute(session, actor=actor, now=now, order_id=order_id, command=states.Command.RELEASE.value, args={"reason": reason})
