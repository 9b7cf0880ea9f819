"""Pages: hard arrears cases (overdue follow-ups flagged), opening one, and a case with its
follow-ups and the close form."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridcare.arrears import rules, service
from gridcare.arrears.api import detail, fen
from gridcare.contractors.permissions import Capability, allowed
from gridcare.contractors.views import local_time
from gridcare.core.bounds import whole_number
from gridcare.core.errors import DomainError, InvalidInput
from gridcare.core.i18n import T_
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.web.nav import mark_available
from gridcare.web.render import explained, render

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])


@router.get("/arrears", response_class=HTMLResponse)
def list_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, status: str = "open", overdue: bool = False, error: str = "") -> HTMLResponse:
    now = state.clock.now()
    rows = service.list_cases(session, actor=principal, now=now, status=status or None, overdue=overdue)
    return render(request, "arrears/list.html", principal=principal, rows=rows, status=status, overdue=overdue, error=error, outcomes=rules.OUTCOMES,
                  can_open=allowed(principal, Capability.ARREARS_MANAGE), totals={"cases": len(rows), "overdue": sum(r["overdue"] for r in rows), "owed": sum(r["amount"] - r["paid"] for r in rows)})


@router.post("/arrears", response_model=None)
async def open_from_form(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    from gridcare.core.principal import system_principal
    from gridcare.customers import service as customers

    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        with session.begin_nested():
            account = form.get("account", "").strip()
            found = customers.find_by_account(session, actor=system_principal("arrears"), account=account) if account else None
            if found is None:
                raise InvalidInput.field("account", T_("no customer with account %(account)r", account=account))
            case = service.open_case(session, actor=principal, now=state.clock.now(), customer_id=found.id, amount_fen=fen(form.get("amount", ""), "amount"),
                                     months=whole_number(form.get("months"), "months", blank=0), reason=form.get("reason", ""))
    except DomainError as exc:
        return RedirectResponse(f"/arrears?error={quote(explained(request, principal, exc))}", status_code=303)
    return RedirectResponse(f"/arrears/{case.id}", status_code=303)


@router.get("/arrears/{case_id}", response_class=HTMLResponse)
def detail_page(case_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State, error: str = "") -> HTMLResponse:
    return render(request, "arrears/detail.html", principal=principal, c=detail(session, principal, case_id, state.clock.now()), error=error, outcomes=rules.OUTCOMES, methods=rules.METHODS)


@router.post("/arrears/{case_id}/do", response_model=None)
async def case_action(case_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    action, now = form.get("action", ""), state.clock.now()
    try:
        with session.begin_nested():
            if action == "follow_up":
                service.follow_up(session, actor=principal, now=now, case_id=case_id, method=form.get("method", ""), note=form.get("note", ""), paid_fen=fen(form.get("paid", "0"), "paid"),
                                  next_follow_up_at=local_time(form.get("next_follow_up_at", ""), "next_follow_up_at"))
            elif action == "close":
                service.close(session, actor=principal, now=now, case_id=case_id, outcome=form.get("outcome", ""), note=form.get("note", ""))
            else:
                raise InvalidInput.field("action", T_("unknown action %(action)r", action=action))
    except DomainError as exc:
        return RedirectResponse(f"/arrears/{case_id}?error={quote(explained(request, principal, exc))}", status_code=303)
    return RedirectResponse(f"/arrears/{case_id}", status_code=303)


mark_available("arrears")
