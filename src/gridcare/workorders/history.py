"""Bulk loading of closed historical orders (the demo's year, a migration from a legacy
system): one insert per table, one audit entry for the batch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.core.principal import Principal
from gridcare.customers.models import Customer
from gridcare.grids.models import Grid
from gridcare.workorders.models import OrderEvent, WorkOrder

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class PastOrder:
    key: str
    account: str
    grid_code: str
    utility: str
    category: str
    channel: str
    description: str
    created_at: datetime
    accepted_at: datetime
    arrived_at: datetime | None
    resolved_at: datetime
    callback_at: datetime | None
    closed_at: datetime
    satisfaction: int | None
    escalations: int
    by_backup: bool


def load_closed_orders(session: Session, *, actor: Principal, now: datetime, orders: Sequence[PastOrder], progress: Progress | None = None, batch: int = 5_000) -> int:
    customers = dict(session.execute(select(Customer.account, Customer.id)).all())
    names = {r.account: (r.name, r.address) for r in session.execute(select(Customer.account, Customer.name, Customer.address))}
    grids = {g.code: g for g in session.scalars(select(Grid))}
    total = len(orders)
    for start in range(0, total, batch):
        chunk = orders[start : start + batch]
        rows = []
        for o in chunk:
            grid = grids.get(o.grid_code)
            handler = (grid.backup_id if o.by_backup and grid.backup_id else grid.rep_id) if grid else None
            name, address = names.get(o.account, ("", ""))
            rows.append(
                {
                    "number": f"LS{o.created_at:%Y%m%d}-{o.key}",
                    "idempotency_key": f"history:{o.key}",
                    "channel": o.channel,
                    "category": o.category,
                    "utility": o.utility,
                    "status": "closed",
                    "description": o.description,
                    "customer_id": customers.get(o.account),
                    "caller_name": name,
                    "caller_phone": "",
                    "address": address,
                    "grid_id": grid.id if grid else None,
                    "area_class": grid.area_class if grid else "urban",
                    "org_path": grid.org_path if grid else "/",
                    "handler_id": handler,
                    "originator": "history",
                    "dispatch_reason": "history",
                    "created_at": o.created_at,
                    "accepted_at": o.accepted_at,
                    "arrived_at": o.arrived_at,
                    "resolved_at": o.resolved_at,
                    "callback_at": o.callback_at,
                    "closed_at": o.closed_at,
                    "satisfaction": o.satisfaction,
                    "resolution_code": "",
                    "resolution_note": "",
                    "reopen_count": 0,
                    "transfer_pending": False,
                    "escalation_level": o.escalations,
                    "attributes": {},
                }
            )
        session.execute(WorkOrder.__table__.insert(), rows)
        ids = dict(session.execute(select(WorkOrder.idempotency_key, WorkOrder.id).where(WorkOrder.idempotency_key.in_([f"history:{o.key}" for o in chunk]))).all())
        events = []
        for o in chunk:
            order_id = ids[f"history:{o.key}"]
            steps = [("order.created", o.created_at, "dispatched"), ("order.accepted", o.accepted_at, "accepted")]
            if o.arrived_at:
                steps.append(("order.arrived", o.arrived_at, "arrived"))
            steps.append(("order.resolved", o.resolved_at, "callback_pending" if o.callback_at else "resolved"))
            if o.callback_at:
                steps.append(("order.callback_done", o.callback_at, "closed"))
            steps.append(("order.closed", o.closed_at, "closed"))
            events.extend({"order_id": order_id, "at": at, "actor": "history", "origin": "import", "kind": kind, "status_from": None, "status_to": status, "note": "", "data": {}} for kind, at, status in steps)
        session.execute(OrderEvent.__table__.insert(), events)
        if progress:
            progress("history", start + len(chunk), total)
    audit.record(session, actor=actor, at=now, action="orders.import_history", entity="order_import", entity_id=now.strftime("%Y%m%dT%H%M%S%f"), after={"orders": total})
    return total
