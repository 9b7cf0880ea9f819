"""Pages: contractor projects with the contractor scorecards, a new-project form, and one
project with its items, spot checks, supervision logs, feedback and scorecard."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridcare.contractors import queries, rules, service, supervision
from gridcare.contractors.permissions import Capability, allowed
from gridcare.core.bounds import whole_number
from gridcare.core.clock import SHANGHAI
from gridcare.core.errors import DomainError, InvalidInput
from gridcare.core.i18n import T_
from gridcare.customers import service as customers
from gridcare.grids import service as grids
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.web.nav import mark_available
from gridcare.web.render import explained, render

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])


def local_time(value: str, field: str) -> datetime | None:
    """A browser's datetime-local value, read as Shanghai time."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise InvalidInput.field(field, T_("expected a date and time, e.g. 2026-11-24T09:00")) from None


@router.get("/contractors", response_class=HTMLResponse)
def list_page(request: Request, session: DbSession, principal: CurrentPrincipal, status: str = "open") -> HTMLResponse:
    return render(
        request, "contractors/list.html", principal=principal, rows=queries.list_projects(session, actor=principal, status=status or None), status=status,
        statuses=rules.STATUSES, kinds=rules.KINDS, scorecards=supervision.contractor_scorecards(session, actor=principal), labels=rules.COMPONENT_LABELS,
        can_manage=allowed(principal, Capability.PROJECTS_MANAGE),
    )


def _new_form(request: Request, session: DbSession, principal: CurrentPrincipal, *, error: str = "", form: dict | None = None, status_code: int = 200) -> HTMLResponse:
    return render(request, "contractors/new.html", principal=principal, error=error, form=form or {}, kinds=rules.KINDS, contractors=queries.contractors(session),
                  grids=grids.list_grids(session, actor=principal), status_code=status_code)


@router.get("/contractors/new", response_class=HTMLResponse)
def new_page(request: Request, session: DbSession, principal: CurrentPrincipal) -> HTMLResponse:
    return _new_form(request, session, principal)


@router.post("/contractors/new", response_model=None)
async def create_from_form(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    raw = await request.form()
    form = {k: str(v) for k, v in raw.items()}
    form["grid_ids"] = [str(g) for g in raw.getlist("grid_ids")]  # type: ignore[assignment]
    try:
        with session.begin_nested():
            project = service.create_project(
                session, actor=principal, now=state.clock.now(), name=form.get("name", ""), kind=form.get("kind", ""), contractor_id=whole_number(form.get("contractor_id", "0") or 0, "contractor_id", required=True),
                grid_ids=[whole_number(g, "grid_ids", required=True) for g in raw.getlist("grid_ids")], starts_at=local_time(form.get("starts_at", ""), "starts_at"), due_at=local_time(form.get("due_at", ""), "due_at"),
                notice_text=form.get("notice_text", ""), items=form.get("items", "").splitlines(), customers_as_items=form.get("customers_as_items") == "on",
                sample_min=whole_number(form.get("sample_min", "3") or 3, "sample_min", required=True), sample_share=whole_number(form.get("sample_percent", "10") or 10, "sample_percent", required=True) / 100,
            )
    except DomainError as exc:
        return _new_form(request, session, principal, error=explained(request, principal, exc), form=form, status_code=422)
    return RedirectResponse(f"/contractors/{project.id}", status_code=303)


@router.get("/contractors/{project_id}", response_class=HTMLResponse)
def detail_page(project_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, error: str = "") -> HTMLResponse:
    project = service.get_project(session, actor=principal, project_id=project_id)
    detail = queries.detail(session, project=project)
    return render(
        request, "contractors/detail.html", principal=principal, p=detail, error=error, openable_grids=grids.openable(session, actor=principal, ids=[g["id"] for g in detail["grids"]]),
        openable_customers=customers.openable(session, actor=principal, ids=[i["customer_id"] for i in detail["item_list"]]), statuses=rules.STATUSES, kinds=rules.KINDS,
        labels=rules.COMPONENT_LABELS, command_labels=rules.COMMAND_LABELS, can_manage=allowed(principal, Capability.PROJECTS_MANAGE), can_supervise=allowed(principal, Capability.PROJECTS_SUPERVISE),
        can_work=allowed(principal, Capability.PROJECTS_WORK),
    )


@router.post("/contractors/{project_id}/do", response_model=None)
async def project_action(project_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    """The detail page's forms: commands, notify, items done, sample, a check, a log, feedback, rating."""
    form = await request.form()
    action, now = str(form.get("action", "")), state.clock.now()
    try:
        with session.begin_nested():
            if action in rules.COMMANDS:
                service.execute(session, actor=principal, now=now, project_id=project_id, command=action)
            elif action == "notify":
                service.notify_customers(session, actor=principal, now=now, project_id=project_id)
            elif action == "done":
                service.complete_items(session, actor=principal, now=now, project_id=project_id, item_ids=[whole_number(i, "item_ids", required=True) for i in form.getlist("item_ids")], note=str(form.get("note", "")))
            elif action == "sample":
                supervision.draw_spot_checks(session, actor=principal, now=now, project_id=project_id)
            elif action in ("pass", "fail"):
                supervision.record_check(session, actor=principal, now=now, project_id=project_id, check_id=whole_number(form.get("check_id", ""), "check_id", required=True), result=action, evidence=str(form.get("evidence", "")))
            elif action == "log":
                upload = form.get("photo")
                data = await upload.read() if upload is not None and not isinstance(upload, str) else None
                supervision.add_log(session, actor=principal, now=now, project_id=project_id, note=str(form.get("note", "")), photo=data or None, data_dir=state.settings.data_dir)
            elif action == "feedback":
                supervision.add_feedback(session, actor=principal, now=now, project_id=project_id, score=whole_number(form.get("score", ""), "score", required=True), comment=str(form.get("comment", "")))
            elif action == "rate":
                supervision.rate(session, actor=principal, now=now, project_id=project_id, rating=whole_number(form.get("rating", ""), "rating", required=True))
            else:
                raise InvalidInput.field("action", T_("unknown action %(action)r", action=action))
    except DomainError as exc:
        return RedirectResponse(f"/contractors/{project_id}?error={quote(explained(request, principal, exc))}", status_code=303)
    return RedirectResponse(f"/contractors/{project_id}", status_code=303)


mark_available("contractors")
