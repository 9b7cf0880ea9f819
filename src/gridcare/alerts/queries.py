"""Read models of alerts: the list with filters, one alert with its evidence and orders, and
``open_alerts`` for the command-center wall (gridcare.analytics)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gridcare.alerts import counts, service
from gridcare.alerts.models import Alert
from gridcare.auth.rules import Action, can
from gridcare.auth.scoping import scoped
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal

STATUSES = ("open", "acknowledged", "closed", "active", "all")  # active: open or acknowledged


def _visible(actor: Principal) -> Any:
    return scoped(select(Alert), actor, org_path=Alert.org_path, grid_id=Alert.grid_id)


def open_alerts(session: Session, *, actor: Principal, limit: int = 50) -> list[dict[str, Any]]:
    """Open alerts in the actor's scope, critical first, newest first: id, kind, grid_code,
    category, title, severity, raised_at, and evidence (for the title in the reader's
    language: ``titles.alert_title``)."""
    if not can(actor, Action.ORDERS_READ):
        return []
    stmt = _visible(actor).where(Alert.status == "open")
    stmt = stmt.order_by(case((Alert.severity == "critical", 0), else_=1), Alert.raised_at.desc(), Alert.id.desc()).limit(max(1, limit))
    return [
        {"id": a.id, "kind": a.kind, "grid_code": a.grid_code, "category": a.category, "title": a.title, "severity": a.severity, "raised_at": a.raised_at, "evidence": a.evidence}
        for a in session.scalars(stmt)
    ]


def list_alerts(session: Session, *, actor: Principal, status: str = "active", kind: str | None = None, grid: str | None = None, limit: int = 200, offset: int = 0) -> tuple[list[Alert], int]:
    if status not in STATUSES:
        raise InvalidInput.field("status", T_("must be one of %(choices)s", choices=", ".join(STATUSES)))
    if kind and kind not in service.KINDS:
        raise InvalidInput.field("kind", T_("must be one of %(choices)s", choices=", ".join(service.KINDS)))
    if not can(actor, Action.ORDERS_READ):
        return [], 0
    stmt = _visible(actor)
    if status == "active":
        stmt = stmt.where(Alert.status.in_(service.OPEN_STATUSES))
    elif status != "all":
        stmt = stmt.where(Alert.status == status)
    if kind:
        stmt = stmt.where(Alert.kind == kind)
    if grid:
        stmt = stmt.where(Alert.grid_code == grid.strip())
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(max(1, min(limit, 1000))).offset(max(0, offset)))
    return list(rows), total


def counts_by_status(session: Session, *, actor: Principal) -> dict[str, int]:
    stmt = scoped(select(Alert.status, func.count()), actor, org_path=Alert.org_path, grid_id=Alert.grid_id).group_by(Alert.status)
    return dict(session.execute(stmt).all()) if can(actor, Action.ORDERS_READ) else {}


def orders_behind(session: Session, *, actor: Principal, alert: Alert, limit: int = 200) -> list[dict[str, Any]]:
    """The orders the alert is made of: the cell's orders for a spike, the rule's for the rest."""
    from gridcare.workorders import service as orders

    if alert.kind == "spike" and alert.grid_id is not None and alert.window_start and alert.window_end:
        found = counts.orders_in_cell(session, grid_id=alert.grid_id, category=alert.category, start=alert.window_start, end=alert.window_end, limit=limit)
    else:
        found = counts.orders_by_id(session, list(alert.order_ids or [])[:limit])
    return [
        {"id": o.id, "number": o.number, "category": o.category, "status": o.status, "created_at": o.created_at, "description": o.description, "address": o.address}
        for o in found
        if orders.visible_to(session, actor, o)
    ]


def as_dict(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id, "kind": alert.kind, "status": alert.status, "severity": alert.severity, "utility": alert.utility, "grid_id": alert.grid_id, "grid_code": alert.grid_code,
        "category": alert.category, "subject": alert.subject, "title": alert.title, "observed": alert.observed, "expected": alert.expected, "score": alert.score,
        "window_start": alert.window_start, "window_end": alert.window_end, "evidence": alert.evidence, "order_ids": alert.order_ids, "raised_at": alert.raised_at,
        "acknowledged_by": alert.acknowledged_by, "acknowledged_at": alert.acknowledged_at, "note": alert.note, "closed_by": alert.closed_by, "closed_at": alert.closed_at,
        "notified": alert.notified,
    }
