"""Pages: the notification log with delivery states, grids' WeCom groups, campaigns."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridcare.auth.rules import Action, can
from gridcare.core.clock import SHANGHAI
from gridcare.core.errors import DomainError, InvalidInput
from gridcare.core.i18n import T_
from gridcare.notify import groups, labels, queries, rules, service
from gridcare.outages import queries as outages
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.web.render import explained, render
from gridcare.workorders import queries as orders

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])
PAGE = 100


def _back(target: str, fallback: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else fallback


def _since(text: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise InvalidInput.field("since", T_("expected a date, e.g. %(example)s", example="2026-11-24")) from None


@router.get("/notifications", response_class=HTMLResponse)
def log_page(
    request: Request, session: DbSession, principal: CurrentPrincipal, state: str = "", channel: str = "", recipient: str = "", source: str = "", since: str = "", offset: int = 0, error: str = ""
) -> HTMLResponse:
    # A bad filter is dropped by the app's error handler, which names it above the page.
    filters = queries.LogFilter(state=state or None, channel=channel or None, recipient=recipient or None, source=source or None, since=_since(since))
    rows, total = queries.list_notifications(session, actor=principal, filters=filters, limit=PAGE, offset=max(0, offset))
    counts = queries.counts(session, actor=principal, filters=filters)
    present = sorted({c for _s, c in counts}, key=rules.CHANNELS.index)
    query = {"state": state, "channel": channel, "recipient": recipient, "source": source, "since": since}
    return render(
        request,
        "notify/log.html",
        principal=principal,
        rows=rows,
        order_numbers=orders.numbers(session, actor=principal, ids=[n.source_id for n in rows if n.source_kind == "order"]),
        outage_numbers=outages.numbers(session, actor=principal, ids=[n.source_id for n in rows if n.source_kind == "outage"]),
        total=total,
        offset=max(0, offset),
        page=PAGE,
        counts=counts,
        count_channels=present,
        filters=query,
        query=urlencode({k: v for k, v in query.items() if v}),
        states=rules.STATES,
        channels=rules.CHANNELS,
        labels=labels,
        can_manage=can(principal, Action.NOTIFY_MANAGE),
        error=error,
    )


@router.post("/notifications/{notification_id}/retry", response_model=None)
def retry_form(notification_id: int, session: DbSession, request: Request, principal: CurrentPrincipal, state: State, back: str = Form("/notifications")) -> Response:
    try:
        with session.begin_nested():
            service.retry(session, actor=principal, now=state.clock.now(), notification_id=notification_id)
    except DomainError as exc:
        return RedirectResponse(f"/notifications?error={quote(explained(request, principal, exc))}", status_code=303)
    return RedirectResponse(_back(back, "/notifications"), status_code=303)


@router.post("/notifications/{notification_id}/ack", response_model=None)
def ack_form(notification_id: int, session: DbSession, request: Request, principal: CurrentPrincipal, state: State, back: str = Form("/notifications")) -> Response:
    try:
        with session.begin_nested():
            service.acknowledge(session, actor=principal, now=state.clock.now(), notification_id=notification_id)
    except DomainError as exc:
        return RedirectResponse(f"/notifications?error={quote(explained(request, principal, exc))}", status_code=303)
    return RedirectResponse(_back(back, "/notifications"), status_code=303)


@router.get("/notifications/groups", response_class=HTMLResponse)
def groups_page(request: Request, session: DbSession, principal: CurrentPrincipal, edit: int | None = None, error: str = "", notice: str = "") -> HTMLResponse:
    from gridcare.grids import service as grids

    visible = grids.list_grids(session, actor=principal)
    rows = groups.list_groups(session, actor=principal)
    editing = next((g for g in rows if g.id == edit), None)
    return render(
        request,
        "notify/groups.html",
        principal=principal,
        rows=rows,
        grids={g.id: g for g in visible},
        editing=editing,
        audiences=groups.AUDIENCES,
        masked=groups.masked,
        can_manage=can(principal, Action.NOTIFY_MANAGE),
        error=error,
        notice=notice,
    )


@router.post("/notifications/groups", response_model=None)
def groups_save(
    session: DbSession,
    request: Request,
    principal: CurrentPrincipal,
    state: State,
    action: str = Form("save"),
    group_id: int | None = Form(None),
    grid_id: int | None = Form(None),
    name: str = Form(""),
    audience: str = Form("mixed"),
    webhook_url: str = Form(""),
    enabled: bool = Form(False),
) -> Response:
    now = state.clock.now()
    try:
        with session.begin_nested():
            if action == "delete" and group_id is not None:
                groups.delete_group(session, actor=principal, now=now, group_id=group_id)
            elif action == "test" and group_id is not None:
                note_id = groups.test_group(session, actor=principal, now=now, group_id=group_id, config=service.config_from(state.settings))
                return RedirectResponse(f"/notifications?recipient=grid_group:{group_id}#n{note_id}", status_code=303)
            elif action == "save":
                if grid_id is None:
                    raise InvalidInput.field("grid_id", T_("choose a grid"))
                groups.save_group(session, actor=principal, now=now, grid_id=grid_id, name=name, webhook_url=webhook_url or None, audience=audience, enabled=enabled, group_id=group_id)
            else:
                raise InvalidInput.field("action", T_("unknown action %(action)r", action=action))
    except DomainError as exc:
        target = f"/notifications/groups?error={quote(explained(request, principal, exc))}" + (f"&edit={group_id}" if group_id else "")
        return RedirectResponse(target, status_code=303)
    return RedirectResponse("/notifications/groups", status_code=303)


@router.get("/notifications/campaigns", response_class=HTMLResponse)
def campaigns_page(request: Request, session: DbSession, principal: CurrentPrincipal, error: str = "", sent: int | None = None) -> HTMLResponse:
    from gridcare.customers import service as customers
    from gridcare.grids import service as grids

    visible = grids.list_grids(session, actor=principal)
    recent = groups.list_campaigns(session, actor=principal)
    return render(
        request,
        "notify/campaigns.html",
        principal=principal,
        grids=visible,
        grid_names={g.id: g for g in visible},
        recent=recent,
        tags=customers.TAGS,
        max_chars=groups.MAX_CAMPAIGN_CHARS,
        error=error,
        sent=next((c for c in recent if c.id == sent), None),
    )


@router.post("/notifications/campaigns", response_model=None)
def campaigns_send(
    session: DbSession,
    request: Request,
    principal: CurrentPrincipal,
    state: State,
    grid_id: int | None = Form(None),
    text: str = Form(""),
    to_customers: bool = Form(False),
    to_groups: bool = Form(False),
    tag: str = Form(""),
) -> Response:
    try:
        with session.begin_nested():
            if grid_id is None:
                raise InvalidInput.field("grid_id", T_("choose a grid"))
            campaign = groups.send_campaign(
                session, actor=principal, now=state.clock.now(), grid_id=grid_id, text=text, to_customers=to_customers, to_groups=to_groups, tag=tag or None, config=service.config_from(state.settings)
            )
    except DomainError as exc:
        return RedirectResponse(f"/notifications/campaigns?error={quote(explained(request, principal, exc))}", status_code=303)
    return RedirectResponse(f"/notifications/campaigns?sent={campaign.id}", status_code=303)
