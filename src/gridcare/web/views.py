"""The shell: home page, language switch, health and readiness, and the push stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, StreamingResponse
from sqlalchemy import text

from gridcare.auth import service as auth
from gridcare.auth.rules import in_subtree
from gridcare.core import i18n
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.migrations_runner import current_revision, head_revision
from gridcare.pubsub import PushEvent
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, MaybePrincipal, State
from gridcare.web.nav import pages_of
from gridcare.web.render import render
from gridcare.workbench import service as workbench

router = APIRouter(include_in_schema=False)
HEARTBEAT_SECONDS = 15.0


@router.get("/", response_class=HTMLResponse, response_model=None)
def home(request: Request, session: DbSession, state: State, principal: MaybePrincipal) -> HTMLResponse | RedirectResponse:
    """The workbench (工作台): what waits on the reader now, counted for their role."""
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return render(request, "home.html", principal=principal, **_workbench(session, principal, state.clock.now()))


@router.get("/workbench/body", response_class=HTMLResponse)
def workbench_body(request: Request, session: DbSession, state: State, principal: CurrentPrincipal) -> HTMLResponse:
    """The workbench without the page around it, for the home page to count again."""
    return render(request, "workbench/_body.html", principal=principal, **_workbench(session, principal, state.clock.now()))


def _workbench(session: DbSession, principal: Principal, now: datetime) -> dict[str, Any]:
    from gridcare.workorders import queries as order_queries

    found = workbench.workbench(session, actor=principal, now=now, pages=pages_of(principal.role))
    return {"bench": found, "rows": order_queries.queue_rows(session, found.next_orders or [], now), "handles": found.handles, "unit_tasks": found.unit_tasks, "now": now}


@router.post("/settings/locale", dependencies=[CsrfChecked])
def switch_locale(request: Request, session: DbSession, state: State, principal: MaybePrincipal, locale: str = Form(...), next: str = Form("/")) -> RedirectResponse:
    if locale not in i18n.SUPPORTED:
        raise InvalidInput.field("locale", T_("must be one of %(choices)s", choices=", ".join(i18n.SUPPORTED)))
    request.session["locale"] = locale
    if principal is not None and principal.user_id is not None:
        auth.set_locale(session, actor=principal, now=state.clock.now(), locale=locale)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)


@router.get("/favicon.ico")
def favicon() -> RedirectResponse:
    """Browsers and bookmark tools ask here whatever the page links to."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/healthz")
def healthz() -> JSONResponse:
    """Liveness: the process answers. A load balancer restarts it when this fails."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
def readyz(state: State) -> JSONResponse:
    """Readiness: the database answers and is migrated; Redis answers when configured; the
    embedded worker child runs (both reported, neither fails readiness: orders are still taken)."""
    checks: dict[str, str] = {}
    try:
        with state.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current, head = current_revision(state.db.engine), head_revision()
        checks["database"] = "ok" if current == head else f"schema at {current}, expected {head}: run gridcare db upgrade"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"unavailable: {type(exc).__name__}"
    if state.settings.redis_url:
        checks["redis"] = "ok" if state.broadcaster.healthy() else "unavailable (push degraded)"
    if state.worker_child is not None:
        checks["worker"] = "ok" if state.worker_child.running() else "starting (notifications and timers wait)"
    ready = checks["database"] == "ok"
    # Redis down degrades push but orders are still taken: report it without failing readiness.
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503)


def delivered_to(principal: Principal, event: PushEvent) -> bool:
    """A role-wide push about a record (it names the record's ``org_path``) reaches only those
    of that role above or below the record: the water company's agents are not told of the
    electric company's unassigned orders."""
    org_path = event.data.get("org_path")
    return not isinstance(org_path, str) or in_subtree(principal.org_path, org_path) or in_subtree(org_path, principal.org_path)


@router.get("/events")
async def events(request: Request, principal: CurrentPrincipal, state: State) -> StreamingResponse:
    """Server-sent events for this user: their own channel, their unit's, their role's and everyone's."""
    channels = [f"user:{principal.user_id}", f"unit:{principal.org_unit_id}", f"role:{principal.role.value}", "all"]

    async def stream() -> AsyncIterator[str]:
        async with state.broadcaster.subscribe(channels) as queue:
            yield "retry: 3000\n: connected\n\n"
            while not await request.is_disconnected():
                try:
                    event: PushEvent = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                if not delivered_to(principal, event):
                    continue
                yield f"event: {event.event}\ndata: {json.dumps(event.data, ensure_ascii=False)}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
