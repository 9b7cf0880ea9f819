"""Whom a work order's events concern: the handler's forced pop-up, the command center's
notices, the customer's SMS. A storm's merges tell their callers together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import groupby
from typing import Any, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from gridcare import outbox
from gridcare.prepared import Prepared
from gridcare.workorders import states
from gridcare.workorders.models import WorkOrder


class Stepped(Protocol):
    """What a command did to one order (workorders.records.Step)."""

    order: WorkOrder
    events: tuple[states.Event, ...]
    status_from: str | None


_NUMBER_OF = Prepared(select(WorkOrder.number).where(WorkOrder.id == bindparam("id")))


def tell(session: Session, now: datetime, steps: Sequence[Stepped]) -> None:
    """Everyone these steps concern. Calls merged after dispatch stop their pop-ups in one
    statement; their callers' SMS are recorded together (notify.notify_customers), in the
    order the steps came."""
    from gridcare.notify import service as notify

    merged_later = [s.order.id for s in steps if s.status_from is not None and any(e.name == "order.merged" for e in s.events)]
    if len(merged_later) > 1:
        notify.stop_ladders_of(session, now=now, kind="order", ids=merged_later, reason="merged")
    parents = _parent_numbers(session, steps)
    to_customers: list[tuple[str, bool, notify.CustomerMessage]] = []
    for s in steps:
        to_customers += _tell_staff(session, now, s.order, s.events, created=s.status_from is None, ladders_stopped=len(merged_later) > 1, parents=parents)
    for (event, created), run in groupby(to_customers, key=lambda m: (m[0], m[1])):
        notify.notify_customers(session, now=now, event=event, messages=[m for _e, _c, m in run], new_source=created)


def _parent_numbers(session: Session, steps: Sequence[Stepped]) -> dict[int, str]:
    """The numbers of the orders merged calls now wait on: one read for a storm's batch."""
    wanted = {s.order.parent_id for s in steps if s.order.parent_id is not None and any(e.name == "order.merged" for e in s.events)}
    if len(wanted) == 1:
        (only,) = wanted
        return {only: _NUMBER_OF.scalar(session.connection(), {"id": only}) or ""}
    return dict(session.execute(select(WorkOrder.id, WorkOrder.number).where(WorkOrder.id.in_(sorted(wanted)))).all()) if wanted else {}


def _tell_staff(session: Session, now: datetime, order: WorkOrder, events: tuple[states.Event, ...], *, created: bool, ladders_stopped: bool, parents: dict[int, str]) -> list[tuple[str, bool, Any]]:
    """The handler of a dispatched order gets a forced pop-up that turns into an SMS, then a
    voice call, while the order is not accepted (notify's ladder); the command center hears
    of orders with nobody to take them. Returns the customer's messages, (event, created,
    message): an SMS when the order is accepted, merged and resolved."""
    from gridcare.notify import service as notify

    source = ("order", order.id)
    customer: list[tuple[str, bool, Any]] = []

    def to_customer(event: str, context: dict[str, Any], *, new: bool = False) -> None:
        if order.customer_id is not None:
            customer.append((event, new, notify.CustomerMessage(order.customer_id, context, source)))

    for event in events:
        if event.name in ("order.dispatched", "order.redispatched") and order.handler_id is not None:
            if event.name == "order.redispatched":
                notify.stop_ladders(session, now=now, source=source, reason="redispatched")
            notify.notify_user(
                session, now=now, user_id=order.handler_id, event="order.dispatched", source=source, ladder=True,
                context={"number": order.number, "address": order.address, "description": order.description, "customer": order.caller_name, "accept_due": order.accept_due},
                dedupe=f"{event.name}:{now.isoformat()}" if event.name == "order.redispatched" else None,
                new_source=created,
            )
        elif event.name == "order.unassigned":
            outbox.enqueue(
                session,
                topic="push",
                key="role:agent",
                now=now,
                payload={"channel": "role:agent", "event": "notice", "data": {"kind": "order.unassigned", "org_path": order.org_path, "order_id": order.id, "number": order.number, "text": f"待派工单 {order.number}"}},
            )
        elif event.name == "order.accepted":
            # Accepting is the answer the new-order pop-up asks for: it does not stay up after.
            if order.handler_id is not None:
                notify.answered(session, now=now, source=source, event="order.dispatched", user_id=order.handler_id, reason="accepted")
            notify.stop_ladders(session, now=now, source=source, reason="accepted")
            if order.customer_id is not None:
                to_customer("order.accepted", {"number": order.number, "handler": handler_name(session, order)})
        elif event.name == "order.resolved":
            to_customer("order.resolved", {"number": order.number, "note": order.resolution_note})
        elif event.name == "order.merged":
            if not created and not ladders_stopped:  # a call merged at intake was never dispatched: no pop-up to stop
                notify.stop_ladders(session, now=now, source=source, reason="merged")
            to_customer("order.merged", {"number": order.number, "parent": parents.get(order.parent_id, "") if order.parent_id else ""}, new=created)
        elif event.name == "order.closed" and event.data.get("with_parent"):
            # A merged caller hears the outcome of the order that carried their demand.
            to_customer("order.resolved", {"number": order.number, "note": f"{event.data['with_parent']}"})
    return customer


def handler_name(session: Session, order: WorkOrder) -> str:
    from gridcare.auth import service as auth

    user = auth.find_user(session, user_id=order.handler_id) if order.handler_id else None
    return user.display_name if user else ""


def escalation_withdrawn(session: Session, now: datetime, order: WorkOrder) -> None:
    """The handler's pop-ups telling them the order was late close: it was not."""
    if order.handler_id is not None:
        from gridcare.notify import service as notify

        notify.answered(session, now=now, source=("order", order.id), event="order.escalated", user_id=order.handler_id, reason="withdrawn")


def tell_escalation(session: Session, now: datetime, order: WorkOrder, rung: int, audience: str) -> None:
    """The handler rung is a forced pop-up to the handler; higher rungs reach every signed-in
    member of the role called in (the supervision board lists the order for them too)."""
    if audience == "handler" and order.handler_id is not None:
        from gridcare.notify import service as notify

        notify.notify_user(
            session, now=now, user_id=order.handler_id, event="order.escalated", source=("order", order.id), dedupe=f"rung:{rung}",
            context={"number": order.number, "level": rung, "handler": handler_name(session, order)},
        )
        return
    channel = audience if audience != "handler" else "role:agent"
    outbox.enqueue(
        session,
        topic="push",
        key=channel,
        now=now,
        payload={"channel": channel, "event": "notice", "data": {"kind": "order.escalated", "org_path": order.org_path, "order_id": order.id, "number": order.number, "level": rung, "text": f"工单 {order.number} 超时督办（{rung} 级）"}},
    )
