"""Pages: sign in, sign out, the user administration page."""

from __future__ import annotations

import secrets
from datetime import timedelta

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridcare.auth import rules, service
from gridcare.auth.scoping import require
from gridcare.core.errors import DomainError
from gridcare.core.i18n import N_, T_
from gridcare.core.principal import Role
from gridcare.web.deps import (
    CsrfChecked,
    CurrentPrincipal,
    DbSession,
    MaybePrincipal,
    State,
    client_address,
)
from gridcare.web.render import render

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse, response_model=None)
def login_page(request: Request, principal: MaybePrincipal, next: str = "/") -> Response:
    if principal is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", principal=None, next=_safe_next(next), error=None, login="")


@router.post("/login", response_class=HTMLResponse, response_model=None)
def login_submit(request: Request, session: DbSession, state: State, login: str = Form(""), password: str = Form(""), next: str = Form("/")) -> Response:
    s = state.settings
    policy = rules.LockoutPolicy(max_failures=s.login_max_failures, lockout=timedelta(minutes=s.login_lockout_minutes))
    client = client_address(request)
    # Before the password is checked: a guesser gets no answer, and no hashing work, past the limit.
    now = state.clock.now()
    for decision in (state.limiter.hit("login", f"{login.strip().lower()}|{client}", now), state.limiter.hit("login_ip", client, now)):
        if not decision.allowed:
            response = render(request, "login.html", principal=None, next=_safe_next(next), error=N_("Too many sign-in attempts from here. Wait a minute and try again."), login=login, status_code=429)
            response.headers["Retry-After"] = str(decision.retry_after)
            return response
    outcome = service.authenticate(session, login=login, password=password, now=state.clock.now(), policy=policy, origin=f"web {client}")
    if outcome.user is None:
        messages = {
            "bad_credentials": N_("Wrong login or password."),
            "locked": N_("Too many failed attempts: this account is locked for a while. Ask an administrator to unlock it."),
            "inactive": N_("This account is deactivated."),
        }
        return render(request, "login.html", principal=None, next=_safe_next(next), error=messages[outcome.reason], login=login, status_code=401 if outcome.reason != "locked" else 423)
    request.session.clear()
    request.session.update(uid=outcome.user.id, sv=outcome.user.session_version, csrf=secrets.token_urlsafe(32))
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _users_page(request: Request, session: DbSession, principal: CurrentPrincipal, *, error: DomainError | None = None, form: dict[str, str] | None = None, status_code: int = 200) -> Response:
    require(principal, rules.Action.USERS_READ)
    users = service.list_users(session, actor=principal, query=request.query_params.get("q", ""))
    units = service.list_org_units(session, actor=principal)
    grantable = [r for r in Role if rules.can_grant(principal, r)]
    return render(
        request,
        "admin/users.html",
        principal=principal,
        users=users,
        units={u.id: u for u in units},
        grantable=grantable,
        can_manage=rules.can(principal, rules.Action.USERS_MANAGE),
        error=error,
        form=form or {},
        q=request.query_params.get("q", ""),
        now=request.app.state.gridcare.clock.now(),
        status_code=status_code,
    )


@router.get("/admin/users", response_class=HTMLResponse, response_model=None)
def users_page(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    return _users_page(request, session, principal)


@router.post("/admin/users", response_class=HTMLResponse, response_model=None)
def users_create(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    state: State,
    login: str = Form(""),
    display_name: str = Form(""),
    role: str = Form(""),
    org_unit_id: int = Form(0),
    password: str = Form(""),
    phone: str = Form(""),
    email: str = Form(""),
) -> Response:
    try:
        # A savepoint: a refused user leaves nothing behind, and the page can still render.
        with session.begin_nested():
            service.create_user(
                session, actor=principal, now=state.clock.now(), login=login, display_name=display_name, role=role, org_unit_id=org_unit_id, password=password, phone=phone, email=email
            )
    except DomainError as exc:
        form = {"login": login, "display_name": display_name, "role": role, "org_unit_id": str(org_unit_id), "phone": phone, "email": email}
        return _users_page(request, session, principal, error=exc, form=form, status_code=exc.status)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/{action}")
def users_action(user_id: int, action: str, session: DbSession, principal: CurrentPrincipal, state: State, password: str = Form("")) -> RedirectResponse:
    now = state.clock.now()
    if action == "unlock":
        service.unlock(session, actor=principal, now=now, user_id=user_id)
    elif action in ("activate", "deactivate"):
        service.set_active(session, actor=principal, now=now, user_id=user_id, active=action == "activate")
    elif action == "password":
        service.set_password(session, actor=principal, now=now, user_id=user_id, password=password)
    else:
        from gridcare.core.errors import NotFound

        raise NotFound(T_("action: unknown user action %(action)r", action=action))
    return RedirectResponse("/admin/users", status_code=303)
