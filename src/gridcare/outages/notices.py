"""Proactive notice (主动服务): what affected customers, their grid reps and the grids'
WeCom groups are told, and the call list of priority customers.

Every message carries a dedupe key made of what it tells (``rules.fingerprint``): telling
the same thing twice — an edit that changes nothing for this customer — records nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.notify import service as notify
from gridcare.outages import rules
from gridcare.outages.models import Outage, OutageCallTask, OutageCustomer


def context(outage: Outage, event: str) -> dict[str, Any]:
    """The template context of ``outage.notice``, ``outage.eta``, ``outage.restored`` or ``outage.cancelled``."""
    ctx: dict[str, Any] = {"area": outage.area or outage.number, "utility": outage.utility}
    if event == "outage.notice":
        ctx.update(starts_at=outage.starts_at, planned=outage.kind == "planned", ends_at=outage.ends_at if outage.kind == "planned" else outage.eta)
        said = outage.reason if outage.kind == "planned" else outage.cause
        if said:
            ctx["reason"] = said
    elif event == "outage.eta":
        ctx["eta"] = outage.eta
    elif event == "outage.restored":
        ctx["restored_at"] = outage.restored_at
    elif event == "outage.cancelled":
        ctx["starts_at"] = outage.starts_at
    return ctx


def _source(outage: Outage) -> tuple[str, int]:
    return ("outage", outage.id)


def tell_customers(session: Session, *, now: datetime, outage: Outage, rows: Sequence[OutageCustomer], event: str, phase: str, restored_at: datetime | None = None) -> int:
    """One message per customer; priority customers first, and they get a call task."""
    ctx = context(outage, event)
    if restored_at is not None:
        ctx["restored_at"] = restored_at
    key = f"outage:{outage.id}:{phase}:" + rules.fingerprint(ctx)
    urgent = outage.kind != "planned"  # an unplanned outage is news now, quiet hours or not
    ordered = sorted(rows, key=lambda r: (not r.priority, r.customer_id))
    notify.notify_customers(session, now=now, event=event, messages=[notify.CustomerMessage(r.customer_id, ctx, _source(outage), key) for r in ordered], urgent=urgent)
    for row in ordered:
        if row.first_notified_version is None:
            row.first_notified_version = outage.version
        row.last_notified_version = outage.version
    sent = len(ordered)
    if event == "outage.notice":
        add_call_tasks(session, now=now, outage=outage, rows=[r for r in rows if r.priority])
    return sent


def tell_grids(session: Session, *, now: datetime, outage: Outage, grid_ids: Sequence[int], event: str, phase: str) -> None:
    """The rep of every grid touched gets a pop-up (no ladder), the grid's group a post."""
    from gridcare.grids import service as grids

    ctx = context(outage, event)
    key = f"outage:{outage.id}:{phase}:" + rules.fingerprint(ctx)
    for grid_id in sorted(set(grid_ids)):
        summary = grids.summary(session, grid_id=grid_id, utility=outage.utility)
        if summary is not None and summary.rep_id is not None:
            notify.notify_user(session, now=now, user_id=summary.rep_id, event=event, context=ctx, urgent=True, source=_source(outage), ladder=False, dedupe=key)
        notify.notify_grid_group(session, now=now, grid_id=grid_id, event=event, context=ctx, source=_source(outage), dedupe=key)


def add_call_tasks(session: Session, *, now: datetime, outage: Outage, rows: Sequence[OutageCustomer]) -> int:
    from gridcare.grids import service as grids

    if not rows:
        return 0
    have = set(session.scalars(select(OutageCallTask.customer_id).where(OutageCallTask.outage_id == outage.id)))
    made = 0
    for row in rows:
        if row.customer_id in have:
            continue
        summary = grids.summary(session, grid_id=row.grid_id, utility=outage.utility) if row.grid_id is not None else None
        rep = summary.rep_id if summary is not None else None
        session.add(OutageCallTask(outage_id=outage.id, customer_id=row.customer_id, assignee_id=rep, queue="rep" if rep else "agents", state="pending", note="", created_at=now))
        made += 1
    session.flush()
    return made
