"""Pages: the alert list (filters: status, kind, grid) and one alert with its evidence chart,
the orders behind it, and the acknowledge / close / tag forms."""

from __future__ import annotations

import json
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridcare.alerts import queries, service, titles
from gridcare.alerts.titles import KIND_LABELS, SEVERITY_LABELS
from gridcare.auth.rules import Action, can
from gridcare.core.clock import to_local
from gridcare.core.errors import DomainError, InvalidInput
from gridcare.core.i18n import N_, T_
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.web.nav import mark_available
from gridcare.web.render import explained, render

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])
# Keys, not words: "Open" is already 在途 for orders and outages, an alert is 待处理.
STATUS_LABELS = {"active": N_("Open or acknowledged"), "open": N_("alert.status.open"), "acknowledged": N_("alert.status.acknowledged"), "closed": N_("alert.status.closed"), "all": N_("All")}
# The facts of rule alerts, shown as "evidence.<key>" in the templates.
EVIDENCE_LABELS = [N_("evidence.complaints"), N_("evidence.days"), N_("evidence.repairs"), N_("evidence.customers"), N_("evidence.rate"), N_("evidence.past_rate"), N_("evidence.repeats"), N_("evidence.orders")]


def _chart(alert) -> str | None:  # noqa: ANN001
    """The evidence chart's data: history by date, the expected band, the observed count."""
    ev = alert.evidence or {}
    if alert.kind != "spike" or "history" not in ev:
        return None
    days = [d[5:] for d in ev.get("history_days", [])] or [str(i + 1) for i in range(len(ev["history"]))]
    data = {
        "labels": days + [to_local(alert.window_start).strftime("%m-%d") if alert.window_start else "—"],
        "history": ev["history"] + [None],
        "observed": [None] * len(ev["history"]) + [ev["observed"]],
        "expected": ev["expected"], "lower": ev["lower"], "upper": ev["upper"],
    }
    # Inside <script type="application/json">: "<" must not close the element.
    return json.dumps(data).replace("<", "\\u003c")


@router.get("/alerts", response_class=HTMLResponse)
def list_page(request: Request, session: DbSession, principal: CurrentPrincipal, status: str = "active", kind: str = "", grid: str = "", page: int = 1) -> HTMLResponse:
    per_page = 50
    found, total = queries.list_alerts(session, actor=principal, status=status, kind=kind or None, grid=grid or None, limit=per_page, offset=(max(1, page) - 1) * per_page)
    return render(
        request, "alerts/list.html", principal=principal, rows=found, total=total, status=status, kind=kind, grid=grid, page=max(1, page), pages=max(1, -(-total // per_page)),
        figures=queries.counts_by_status(session, actor=principal), kind_labels=KIND_LABELS, status_labels=STATUS_LABELS, severity_labels=SEVERITY_LABELS, title_in=titles.alert_title,
    )


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def detail_page(alert_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, error: str = "") -> HTMLResponse:
    alert = service.get_alert(session, actor=principal, alert_id=alert_id)
    return render(
        request, "alerts/detail.html", principal=principal, a=alert, error=error, orders=queries.orders_behind(session, actor=principal, alert=alert), chart_json=_chart(alert),
        kind_labels=KIND_LABELS, status_labels=STATUS_LABELS, severity_labels=SEVERITY_LABELS, title_in=titles.alert_title, can_act=can(principal, Action.ORDERS_SUPERVISE),
    )


@router.post("/alerts/{alert_id}/do", response_model=None)
async def alert_action(alert_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = await request.form()
    action, note, now = str(form.get("action", "")), str(form.get("note", "")), state.clock.now()
    try:
        with session.begin_nested():
            if action == "acknowledge":
                service.acknowledge(session, actor=principal, now=now, alert_id=alert_id, note=note)
            elif action == "close":
                service.close(session, actor=principal, now=now, alert_id=alert_id, note=note)
            elif action == "apply_tag":
                service.apply_sensitive_tag(session, actor=principal, now=now, alert_id=alert_id)
            else:
                raise InvalidInput.field("action", T_("unknown action %(action)r", action=action))
    except DomainError as exc:
        return RedirectResponse(f"/alerts/{alert_id}?error={quote(explained(request, principal, exc))}", status_code=303)
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)


mark_available("alerts")
