"""The command-center wall: what is open, late and escalated right now, outages, calls in
progress and today's, and open alerts. Live figures read the raw orders through the
indexed status and deadline columns (open orders are few next to the history)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from gridcare.analytics import kpis, periods
from gridcare.analytics.permissions import require_wall
from gridcare.auth.scoping import scoped
from gridcare.core.principal import Principal
from gridcare.workorders.models import WorkOrder

LIVE = sorted(kpis.OPEN_STATUSES | {"review_pending", "callback_pending"})


def late_condition(now: datetime) -> Any:
    o = WorkOrder
    return or_(
        and_(o.accepted_at.is_(None), o.accept_due < now),
        and_(o.arrived_at.is_(None), o.arrive_due < now),
        and_(o.resolved_at.is_(None), o.resolve_due < now),
    )


def _orders(actor: Principal, *cols: Any) -> Any:
    return scoped(select(*cols), actor, org_path=WorkOrder.org_path, grid_id=WorkOrder.grid_id)


def order_tiles(session: Session, *, actor: Principal, now: datetime) -> dict[str, Any]:
    o = WorkOrder
    live = _orders(actor, func.count()).where(o.status.in_(sorted(kpis.OPEN_STATUSES)))
    today = periods.current("day", now)
    start, end = today.utc_bounds()
    by_cat = dict(session.execute(_orders(actor, o.category, func.count()).where(o.created_at >= start, o.created_at < end).group_by(o.category)).all())
    late_rows = session.scalars(_orders(actor, o).where(o.status.in_(sorted(kpis.OPEN_STATUSES)), late_condition(now)).order_by(o.escalation_level.desc(), o.created_at).limit(10)).all()
    return {
        "open": session.scalar(live) or 0,
        "unassigned": session.scalar(live.where(o.status == "unassigned")) or 0,
        "late": session.scalar(live.where(late_condition(now))) or 0,
        "escalated": session.scalar(live.where(o.escalation_level > 0)) or 0,
        "today": sum(by_cat.values()),
        "today_by_category": sorted(by_cat.items(), key=lambda kv: -kv[1]),
        "late_orders": late_rows,
    }


def outage_tiles(session: Session, *, actor: Principal) -> dict[str, Any]:
    from gridcare.outages import queries as outages
    from gridcare.outages.states import Status

    found = outages.list_outages(session, actor=actor, status="open", limit=50)
    return {
        "open": len(found),
        "by_status": {s: sum(1 for x in found if x.status == s) for s in ("predicted", "scheduled", "active")},
        "list": found[:6],
        "labels": {st.value: st.label for st in Status},
    }


def call_tiles(session: Session, *, actor: Principal, now: datetime) -> dict[str, Any] | None:
    from gridcare.auth.rules import Action, can

    if not can(actor, Action.CALLS_READ):
        return None
    from gridcare.calls import reports, service, stats

    recent = service.list_calls(session, actor=actor, start=now - timedelta(hours=1), limit=500)
    start, end = periods.current("day", now).utc_bounds()
    today = stats.total(reports.buckets(session, actor=actor, start=start, end=end))
    return {
        "ringing": sum(1 for c in recent if c.state == "ringing"),
        "talking": sum(1 for c in recent if c.state in ("answered", "transferred")),
        "offered": today.offered,
        "answer_rate": today.answer_rate,
        "asa": today.asa_seconds,
    }


def alert_tiles(session: Session, *, actor: Principal) -> list[dict[str, Any]]:
    """Open characteristic-value alerts, when the alerts domain offers them; none otherwise."""
    try:
        from gridcare.alerts.queries import open_alerts  # type: ignore[import-not-found]
    except ImportError:
        return []
    return list(open_alerts(session, actor=actor, limit=8))


def wall(session: Session, *, actor: Principal, now: datetime) -> dict[str, Any]:
    require_wall(actor)
    return {
        "now": now,
        "orders": order_tiles(session, actor=actor, now=now),
        "outages": outage_tiles(session, actor=actor),
        "calls": call_tiles(session, actor=actor, now=now),
        "alerts": alert_tiles(session, actor=actor),
    }
