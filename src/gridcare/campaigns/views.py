"""Pages: campaigns (plan with a target, send now, cancel, delivery per state) and the
opt-out list (record a customer's 退订, or the reply they sent)."""

from __future__ import annotations

import json
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridcare.campaigns import rules, service
from gridcare.campaigns.api import view
from gridcare.contractors.permissions import Capability, allowed
from gridcare.contractors.views import local_time
from gridcare.core.bounds import whole_number
from gridcare.core.errors import DomainError, InvalidInput
from gridcare.core.i18n import T_
from gridcare.notify.labels import STATE_LABELS
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.web.nav import mark_available
from gridcare.web.render import explained, render

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])


def _page(request: Request, session: DbSession, principal: CurrentPrincipal, *, error: str = "", form: dict | None = None, status_code: int = 200) -> HTMLResponse:
    from gridcare.grids import service as grids

    return render(
        request, "campaigns/list.html", principal=principal, rows=view(session, service.list_campaigns(session, actor=principal)), error=error, form=form or {},
        grids=grids.list_grids(session, actor=principal), channels=rules.CHANNELS, topics=rules.TOPICS, tags=rules.TAGS, statuses=rules.STATUSES, state_labels=STATE_LABELS, via_labels=rules.VIA_LABELS,
        opt_outs=service.list_opt_outs(session, actor=principal) if allowed(principal, Capability.OPT_OUTS_RECORD) else [], status_code=status_code,
    )


@router.get("/campaigns", response_class=HTMLResponse)
def list_page(request: Request, session: DbSession, principal: CurrentPrincipal, error: str = "") -> HTMLResponse:
    return _page(request, session, principal, error=error)


def _target(form: dict, grid_ids: list[str]) -> dict:
    target: dict = {"grid_ids": [whole_number(g, "target.grid_ids", required=True) for g in grid_ids if g.strip()], "tag": form.get("tag") or None}
    if form.get("polygon", "").strip():
        try:
            target["polygon"] = json.loads(form["polygon"])
        except ValueError:
            raise InvalidInput.field("target.polygon", T_("must be GeoJSON")) from None
    if form.get("node", "").strip():
        target["node"] = {"utility": form.get("node_utility", "electric"), "code": form["node"].strip()}
    return target


@router.post("/campaigns", response_model=None)
async def create_from_form(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    raw = await request.form()
    form = {k: str(v) for k, v in raw.items()}
    try:
        with session.begin_nested():
            service.create_campaign(
                session, actor=principal, now=state.clock.now(), title=form.get("title", ""), text=form.get("text", ""), channel=form.get("channel", "sms"),
                topic=form.get("topic", "policy"), target=_target(form, [str(g) for g in raw.getlist("grid_ids")]), send_at=local_time(form.get("send_at", ""), "send_at"),
            )
    except DomainError as exc:
        return _page(request, session, principal, error=explained(request, principal, exc), form=form, status_code=422)
    return RedirectResponse("/campaigns", status_code=303)


@router.post("/campaigns/do", response_model=None)
async def campaign_action(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    """Send now, cancel, record an opt-out (by account or by a reply), or remove one."""
    from gridcare.core.principal import system_principal
    from gridcare.customers import service as customers

    form = await request.form()
    action, now = str(form.get("action", "")), state.clock.now()
    try:
        with session.begin_nested():
            if action in ("send", "cancel"):
                cid = whole_number(form.get("campaign_id"), "campaign_id", blank=0)
                (service.send if action == "send" else service.cancel)(session, actor=principal, now=now, campaign_id=cid)
            elif action == "opt_out":
                account = str(form.get("account", "")).strip()
                found = customers.find_by_account(session, actor=system_principal("campaigns"), account=account) if account else None
                if found is None:
                    raise InvalidInput.field("account", T_("no customer with account %(account)r", account=account))
                service.opt_out(session, actor=principal, now=now, customer_id=found.id, channel=str(form.get("channel", "sms")), topic=str(form.get("topic", "*")), via="page")
            elif action == "reply":
                if not service.reply(session, actor=principal, now=now, phone=str(form.get("phone", "")), text=str(form.get("text", ""))):
                    raise InvalidInput.field("text", T_("not an opt-out reply (TD / 退订), or no customer has that phone"))
            elif action == "opt_in":
                service.opt_back_in(session, actor=principal, now=now, opt_out_id=whole_number(form.get("opt_out_id"), "opt_out_id", blank=0))
            else:
                raise InvalidInput.field("action", T_("unknown action %(action)r", action=action))
    except DomainError as exc:
        return RedirectResponse(f"/campaigns?error={quote(explained(request, principal, exc))}", status_code=303)
    return RedirectResponse("/campaigns", status_code=303)


mark_available("campaigns")
