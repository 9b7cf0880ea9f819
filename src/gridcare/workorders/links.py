"""Related orders (关联工单): two demands that belong together without being duplicates
(a complaint about a repair, a repeat fault at a neighbour's). Both orders show the link
and its timeline event; merging duplicates is a state-machine command instead."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.core.bounds import whole_number
from gridcare.core.errors import InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.workorders import service, states
from gridcare.workorders.models import WorkOrder

MAX_LINKS = 50


def _find(session: Session, *, actor: Principal, other: str) -> WorkOrder:
    text = other.strip()
    if not text:
        raise InvalidInput.field("other", T_("give the number (GD…) or id of the related order"))
    found_id = whole_number(text, "other") if text.isascii() and text.isdigit() else session.scalar(select(WorkOrder.id).where(WorkOrder.number == text))
    if found_id is None:
        raise NotFound(T_("other: no work order %(order)s", order=text))
    try:
        return service.get_order(session, actor=actor, order_id=found_id, lock=True)
    except NotFound:
        raise NotFound(T_("other: no work order %(order)s in your scope", order=text)) from None


def link(session: Session, *, actor: Principal, now: datetime, order_id: int, other: str, note: str = "") -> WorkOrder:
    """Link two orders both ways; linking them again changes nothing. Whoever takes orders
    (agents, reps, supervisors) may link them."""
    require(actor, Action.ORDERS_CREATE)
    order = service.get_order(session, actor=actor, order_id=order_id, lock=True)
    related = _find(session, actor=actor, other=other)
    if related.id == order.id:
        raise InvalidInput.field("other", T_("an order cannot be linked to itself"))
    if related.number in order.attributes.get("links", []):
        return order
    if len(order.attributes.get("links", [])) >= MAX_LINKS:
        raise InvalidInput.field("other", T_("an order keeps at most %(n)s links", n=MAX_LINKS))
    for one, two in ((order, related), (related, order)):
        before = list(one.attributes.get("links", []))
        one.attributes = {**one.attributes, "links": [*before, two.number]}  # a new dict: JSON columns see reassignment only
        event = states.Event("order.linked", {"other": two.number, "other_id": two.id})
        service.record_events(session, actor, now, one, (event,), status_from=one.status, note=note.strip()[:200])
        audit.record(session, actor=actor, at=now, action="order.link", entity="order", entity_id=one.id, before={"links": before}, after={"links": one.attributes["links"]}, org_path=one.org_path)
    return order


def linked(session: Session, *, actor: Principal, order: WorkOrder) -> list[WorkOrder]:
    """The linked orders this actor may see, in link order."""
    numbers = order.attributes.get("links", [])
    if not numbers:
        return []
    rows = {o.number: o for o in session.scalars(select(WorkOrder).where(WorkOrder.number.in_(numbers)))}
    visible = []
    for number in numbers:
        row = rows.get(number)
        if row is not None and service.visible_to(session, actor, row):
            visible.append(row)
    return visible
