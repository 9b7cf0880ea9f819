"""Work-order use cases: intake from every channel, commands through the state machine,
deadline sweeps. Every change writes its timeline event, audit entry and notifications
(outbox rows) in the caller's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.core import phone
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.workorders import escalation, notifying, sla, states
from gridcare.workorders.intake import (
    REPEAT_WINDOW,
    Created,
    Intake,
    IntakePlan,
    commit_order,
    create_order,
    find_replay,
    plan_order,
    rate_answered,
    read_intake_ahead,
)
from gridcare.workorders.models import OrderEvent, OrderPause, WorkOrder
from gridcare.workorders.records import (
    CATEGORIES,
    CHANNELS,
    RESOLUTION_RECEIVED,
    Pauses,
    Step,
    audit_view,
    calendar,
    dispatch_choice,
    get_order,
    order_deadlines,
    pauses_of,
    record_events,
    record_steps,
    refresh_deadlines,
    visible_to,
)

# The work-order service is read as one: intake and the shared reads are re-exported here.
__all__ = [
    "CATEGORIES", "CHANNELS", "REPEAT_WINDOW", "Created", "Intake", "IntakePlan", "Pauses", "Step", "anything_due", "apply", "audit_view", "calendar",
    "commit_order", "create_order", "dispatch_choice", "execute", "facts_of", "find_replay", "get_order", "is_handler", "order_deadlines", "pauses_of",
    "plan_order", "rate_answered", "read_intake_ahead", "record_events", "record_steps", "refresh_deadlines", "sweep", "timeline", "visible_to",
    "withdraw_needless_escalation",
]  # fmt: skip


def execute(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    order_id: int,
    command: str,
    args: dict[str, Any] | None = None,
    made: phone.Made | None = None,
    locked: WorkOrder | None = None,
) -> WorkOrder:
    """Apply one command (accept, arrive, resolve, callback …) through the state machine.
    ``made``: when a command the handler's phone kept without signal was made (see
    ``from_phone``); ``locked``: the order, when the caller has read and locked it already."""
    args = dict(args or {})
    if command not in {c.value for c in states.Command}:
        raise InvalidInput.field("command", T_("unknown command %(command)r", command=command))
    order = locked if locked is not None and locked.id == order_id else get_order(session, actor=actor, order_id=order_id, lock=True)
    if command == states.Command.MERGE_INTO.value:
        parent = get_order(session, actor=actor, order_id=_parent_id(args))
        if parent.id == order.id:
            raise InvalidInput.field("parent_id", T_("an order cannot be merged into itself"))
        if states.Status(parent.status).group is states.Group.CLOSED:
            raise InvalidInput.field("parent_id", T_("order %(number)s is already closed", number=parent.number))
        args["parent_id"] = parent.id
    released_to = None
    if command == states.Command.RELEASE.value and not args.get("handler_id"):
        # Back to dispatch goes where the order would go if it came in now.
        released_to = dispatch_choice(session, now=now, order=order)
        if released_to.handler_id is not None:
            args["handler_id"] = released_to.handler_id
    step, entry = apply(session, actor=actor, now=now, order=order, command=command, args=args, released_to=released_to, made=made)
    record_steps(session, actor, now, [step])
    audit.record_many(session, actor=actor, at=now, entries=[entry])
    if order.status == states.Status.CLOSED.value:
        from gridcare.workorders import merging

        merging.close_with_parent(session, actor=actor, now=now, parent=order)
    return order


def apply(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    order: WorkOrder,
    command: str,
    args: dict[str, Any],
    released_to: Any = None,
    pauses: Pauses | None = None,
    made: phone.Made | None = None,
) -> tuple[Step, audit.Append]:
    """Decide a command on a loaded (locked) order and change the order; the caller
    records the step and its audit entry, alone or with others'. Raises what the state
    machine refuses, before anything changed. ``made``: when the command was given, for one
    a phone sent later (the stamps and the timeline say then; deadlines and audit, now)."""
    decision = states.decide(facts_of(order), command, actor_role=actor.role.value, actor_is_handler=is_handler(actor, order), args=args)
    before = audit_view(order)
    status_from = order.status
    order.status = decision.status.value
    for key, value in decision.changes.items():
        setattr(order, "parent_id" if key == "merged_into" else key, value.value if hasattr(value, "value") else value)
    if released_to is not None:
        order.dispatch_reason = released_to.reason
    at = made.at if made is not None else now
    _stamp(session, order, states.Command(command), at, args, received=now)
    refresh_deadlines(session, order, now, pauses=pauses)
    note = str(args.get("note") or args.get("reason") or args.get("text") or "")
    kept = phone.for_audit(made) if made is not None else {}
    events = tuple(states.Event(e.name, {**e.data, **kept}) for e in decision.events) if kept else decision.events
    after = {**audit_view(order), **kept}
    return Step(order, events, status_from, note, at=at if kept else None), audit.Append(f"order.{command}", "order", order.id, before, after, order.org_path)


def facts_of(order: WorkOrder) -> states.OrderFacts:
    """What the state machine needs to know of a stored order."""
    return states.OrderFacts.for_category(
        order.category,
        states.Status(order.status),
        handler_id=order.handler_id,
        transfer_pending=order.transfer_pending,
        reopen_count=order.reopen_count,
        merged_into=order.parent_id,
        paused_from=states.Status(order.paused_from) if order.paused_from else None,
        order_id=order.id,
    )


def is_handler(actor: Principal, order: WorkOrder) -> bool:
    return actor.user_id is not None and actor.user_id == order.handler_id


def _parent_id(args: dict[str, Any]) -> int:
    try:
        return int(args.get("parent_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidInput.field("parent_id", T_("must be the id of the order to merge into")) from None


def _stamp(session: Session, order: WorkOrder, command: states.Command, now: datetime, args: dict[str, Any], *, received: datetime) -> None:
    """The order's own record of the step, at ``now``: when it was done (``received``, when
    it reached us, differs for one a phone sent later)."""
    C = states.Command
    if command is C.ACCEPT and order.accepted_at is None:
        order.accepted_at = now
    elif command is C.ARRIVE:
        order.arrived_at = now
        order.arrived_lon, order.arrived_lat = args.get("lon"), args.get("lat")
    elif command is C.RESOLVE:
        order.resolved_at = now
        order.resolution_code = str(args.get("resolution", ""))[:40]
        order.resolution_note = str(args.get("note", ""))
        # The callback is somebody else's step: it counts from when the resolution reached us.
        _keep_attribute(order, RESOLUTION_RECEIVED, received.isoformat() if received != now else None)
    elif command is C.CALLBACK:
        order.callback_at = now
        order.satisfaction = int(args["satisfaction"])
        if order.status != states.Status.CLOSED.value:  # dissatisfied: the work starts again
            order.resolved_at = None
            _keep_attribute(order, RESOLUTION_RECEIVED, None)
    elif command is C.REOPEN:
        order.resolved_at = None
        _keep_attribute(order, RESOLUTION_RECEIVED, None)
    elif command is C.WAIT_CUSTOMER:
        session.add(OrderPause(order_id=order.id, started_at=now))
    elif command is C.RESUME:
        pause = session.scalar(select(OrderPause).where(OrderPause.order_id == order.id, OrderPause.ended_at.is_(None)))
        if pause is not None:
            pause.ended_at = now
    if order.status == states.Status.CLOSED.value and order.closed_at is None:
        order.closed_at = now


def _keep_attribute(order: WorkOrder, key: str, value: Any) -> None:
    held = order.attributes or {}
    if held.get(key) == value or (value is None and key not in held):
        return
    kept = {k: v for k, v in held.items() if k != key}
    order.attributes = kept if value is None else {**kept, key: value}  # a new dict: JSON columns see reassignment only


def timeline(session: Session, *, actor: Principal, order_id: int) -> list[OrderEvent]:
    get_order(session, actor=actor, order_id=order_id)
    return list(session.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.at, OrderEvent.id)))


def anything_due(session: Session, *, now: datetime) -> bool:
    """Whether ``sweep`` has an order to look at."""
    return session.scalar(select(WorkOrder.id).where(WorkOrder.next_check_at.is_not(None), WorkOrder.next_check_at <= now).limit(1)) is not None


def sweep(session: Session, *, now: datetime, limit: int = 500) -> int:
    """Escalate orders whose deadline passed, once per rung of the ladder; returns how many
    escalated. Rows are locked so concurrent workers never double-escalate."""
    from gridcare.core.principal import system_principal

    stmt = select(WorkOrder).where(WorkOrder.next_check_at.is_not(None), WorkOrder.next_check_at <= now).order_by(WorkOrder.next_check_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    worker = system_principal("worker")
    escalated = 0
    for order in session.scalars(stmt):
        found = order_deadlines(session, order)
        ladder = escalation.ladder_for(session, order.utility)
        offsets = [r.after for r in ladder]
        level = max((sla.escalation_level(d.due_at, now, offsets) for d in found.values() if d.met_at is None and d.paused_since is None), default=0)
        if level > order.escalation_level:
            late = sorted(step for step, d in found.items() if d.met_at is None and d.due_at <= now)
            for rung in range(order.escalation_level + 1, level + 1):
                audience = ladder[rung - 1].audience
                event = states.Event("order.escalated", {"level": rung, "steps": late, "audience": audience})
                record_events(session, worker, now, order, (event,), status_from=order.status, note=f"level {rung}: {', '.join(late)} overdue")
                notifying.tell_escalation(session, now, order, rung, audience)
            audit.record(session, actor=worker, at=now, action="order.escalate", entity="order", entity_id=order.id, before={"escalation_level": order.escalation_level}, after={"escalation_level": level}, org_path=order.org_path)
            order.escalation_level = level
            escalated += 1
        refresh_deadlines(session, order, now)
        if order.next_check_at is not None and order.next_check_at <= now:
            order.next_check_at = now + timedelta(minutes=1)  # never spin on one order
    return escalated


def withdraw_needless_escalation(session: Session, *, actor: Principal, now: datetime, order: WorkOrder) -> int:
    """After a step the handler's phone kept: if it was done in time after all, the rungs its
    lateness called come down (超时升级撤回), with a timeline entry saying so; a step done late,
    or one still late, keeps its rung. Who was told stays told. Returns the order's rung."""
    offsets = [r.after for r in escalation.ladder_for(session, order.utility)]
    deserved = sla.deserved_level(order_deadlines(session, order).values(), now, offsets)
    if deserved >= order.escalation_level:
        return order.escalation_level
    event = states.Event("order.escalation_withdrawn", {"from": order.escalation_level, "to": deserved})
    record_events(session, actor, now, order, (event,), status_from=order.status, note=f"level {order.escalation_level} to {deserved}: done in time, sent later from the phone")
    audit.record(session, actor=actor, at=now, action="order.withdraw_escalation", entity="order", entity_id=order.id, before={"escalation_level": order.escalation_level}, after={"escalation_level": deserved}, org_path=order.org_path)
    order.escalation_level = deserved
    notifying.escalation_withdrawn(session, now, order)
    return deserved
