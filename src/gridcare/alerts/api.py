"""REST: alerts — list (filters), the open ones for the wall, one with its evidence and
orders, acknowledge with a note, close, take a tag suggestion, and scan."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gridcare.alerts import queries, service
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.core.clock import SHANGHAI
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"], dependencies=[CsrfChecked])


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=2000, description="What was found or done; required to acknowledge.")


class ScanIn(BaseModel):
    since: datetime | None = Field(default=None, description="Judge every complete day and hour from this instant on; default: yesterday and the last hour.")
    hourly: bool = True
    daily: bool = True
    rules: bool = True
    topics: bool = Field(default=False, description="Also look for hot topics (热点诉求) of the last hours, as the hourly job does.")


@router.get("")
def list_alerts(session: DbSession, principal: CurrentPrincipal, status: str = "active", kind: str | None = None, grid: str | None = None, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """Alerts in your scope, newest first. ``status``: open, acknowledged, closed, active
    (open or acknowledged) or all; ``kind``: spike, sensitive, repeat_repairs, repeat_calls, topic."""
    found, total = queries.list_alerts(session, actor=principal, status=status, kind=kind, grid=grid, limit=limit, offset=offset)
    return {"total": total, "alerts": [queries.as_dict(a) for a in found]}


@router.get("/open")
def open_alerts(session: DbSession, principal: CurrentPrincipal, limit: int = 50) -> list[dict[str, Any]]:
    """Open alerts, critical first (the command-center wall)."""
    return queries.open_alerts(session, actor=principal, limit=max(1, min(limit, 500)))


@router.post("/scan")
def scan(body: ScanIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, int]:
    require(principal, Action.ORDERS_SUPERVISE)
    since = body.since.replace(tzinfo=SHANGHAI) if body.since is not None and body.since.tzinfo is None else body.since  # local time, as users write it
    result = service.scan(session, now=state.clock.now(), since=since, hourly=body.hourly, daily=body.daily, with_rules=body.rules, with_topics=body.topics)
    return {"raised": result.raised, "refreshed": result.refreshed, "cells": result.cells}


def _detail(session: Any, principal: Any, alert: Any) -> dict[str, Any]:
    return {**queries.as_dict(alert), "orders": queries.orders_behind(session, actor=principal, alert=alert)}


@router.get("/{alert_id}")
def get(alert_id: int, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """One alert with its evidence (history, expected band, observed) and its orders."""
    return _detail(session, principal, service.get_alert(session, actor=principal, alert_id=alert_id))


@router.post("/{alert_id}/acknowledge")
def acknowledge(alert_id: int, body: NoteIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    return _detail(session, principal, service.acknowledge(session, actor=principal, now=state.clock.now(), alert_id=alert_id, note=body.note))


@router.post("/{alert_id}/close")
def close(alert_id: int, body: NoteIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    return _detail(session, principal, service.close(session, actor=principal, now=state.clock.now(), alert_id=alert_id, note=body.note))


@router.post("/{alert_id}/apply-tag")
def apply_tag(alert_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    """Tag the customer of a ``sensitive`` suggestion and close the alert."""
    return _detail(session, principal, service.apply_sensitive_tag(session, actor=principal, now=state.clock.now(), alert_id=alert_id))
