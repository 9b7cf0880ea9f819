"""Pages: the supervisor's overview (/field), the plan editor, the rep's phone page for
today's patrol (/field/today), visits and stakeholders, data changes and their review."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from gridcare.core.bounds import real_number, whole_number
from gridcare.core.clock import to_local
from gridcare.core.errors import DomainError, InvalidInput
from gridcare.core.i18n import T_
from gridcare.field import changes, checkins, patrols, queries, rules, visits
from gridcare.field.permissions import can_manage, can_work, require_read
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.web.nav import mark_available
from gridcare.web.phone import SERVICE_WORKER, from_form
from gridcare.web.render import explained, render

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])
SENT_LATER_DAYS = timedelta(days=30)  # the overview's look at who sends records late
LABELS = {
    "findings": {f.code: f.label for f in rules.FINDINGS.values()},
    "changes": rules.CHANGE_LABELS,
    "stakeholders": rules.STAKEHOLDER_LABELS,
}


def _back(path: str, *, msg: str = "", error: str = "") -> RedirectResponse:
    query = f"?msg={quote(msg)}" if msg else (f"?error={quote(error)}" if error else "")
    return RedirectResponse(path + query, status_code=303)


def _attempt(session: Any, principal: Any, back: str, action: Callable[[], str]) -> RedirectResponse:
    """Run one change in a savepoint and go back with its message, or its error."""
    try:
        with session.begin_nested():
            msg = action()
    except DomainError as exc:
        return _back(back, error=exc.explained(principal.locale))
    return _back(back, msg=msg)


def _grids(session: Any, principal: Any) -> list[Any]:
    from gridcare.grids import service as grids

    return grids.list_grids(session, actor=principal)


# --- overview -----------------------------------------------------------------------------


@router.get("/field", response_class=HTMLResponse)
def overview(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, msg: str = "", error: str = "") -> HTMLResponse:
    require_read(principal)
    today = to_local(state.clock.now()).date()
    data = queries.overview(session, actor=principal, today=today)
    from gridcare.auth import service as auth
    from gridcare.grids import service as grids

    grid_ids = {p.grid_id for p in data["plans"]} | {d["task"].grid_id for d in data["todays"] + data["flagged"]}
    habits, team = queries.sent_later(session, actor=principal, since=state.clock.now() - SENT_LATER_DAYS) if can_manage(principal) else ([], None)
    return render(
        request, "field/overview.html", principal=principal, today=today, msg=msg, error=error, labels=LABELS, grid_names=grids.grid_names(session, ids=[g for g in grid_ids if g]),
        can_manage=can_manage(principal), can_work=can_work(principal), troubled={p.id for p in data["plans"] if patrols.why_no_tasks(p, today=today)}, habits=habits, team=team,
        sent_later_days=SENT_LATER_DAYS.days, names=auth.display_names(session, logins=[h.who for h in habits]), **data,
    )


@router.post("/field/generate", response_model=None)
async def generate(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = await request.form()

    def run() -> str:
        from gridcare.field.permissions import require_manage

        require_manage(principal)
        created = patrols.generate(session, now=state.clock.now(), days=whole_number(form.get("days"), "days", blank=7))
        return f"{created}"

    return _attempt(session, principal, "/field", run)


# --- plans --------------------------------------------------------------------------------


def _plan_form(form: Any) -> dict[str, Any]:
    kinds = [str(k) for k in form.getlist("kinds")]
    codes = [c for c in str(form.get("codes", "")).replace("，", ",").replace("\n", ",").replace(" ", ",").split(",") if c.strip()]
    distances = {k: whole_number(form.get(f"distance_{k}"), f"distances.{k}") for k in rules.PATROL_KINDS if str(form.get(f"distance_{k}", "")).strip()}
    starts = str(form.get("starts_on", "")).strip()
    try:
        starts_on = date.fromisoformat(starts) if starts else None
    except ValueError:
        raise InvalidInput.field("starts_on", T_("expected a date, e.g. %(example)s", example="2026-12-01")) from None
    rrule = str(form.get("rrule_custom", "")).strip() or str(form.get("rrule", "")).strip()
    return dict(
        name=str(form.get("name", "")), rrule=rrule, starts_on=starts_on, holidays=str(form.get("holidays", "next_workday")), kinds=kinds, codes=codes,
        max_distance_m=whole_number(form.get("max_distance_m"), "max_distance_m", blank=100), distances=distances, far_policy=str(form.get("far_policy", "flag")),
        grace_days=whole_number(form.get("grace_days"), "grace_days", blank=0),
    )


PRESETS = [
    ("FREQ=DAILY", "Every working day"),
    ("FREQ=WEEKLY;BYDAY=MO", "Weekly on Monday"),
    ("FREQ=WEEKLY;BYDAY=MO,TH", "Monday and Thursday"),
    ("FREQ=MONTHLY;BYMONTHDAY=1", "Monthly on the 1st"),
    ("FREQ=MONTHLY;BYDAY=1MO", "First Monday of the month"),
]


def _plan_page(request: Request, session: Any, principal: Any, *, plan: Any, form: dict[str, Any], error: str = "", msg: str = "", trouble: str | None = None, status_code: int = 200) -> HTMLResponse:
    """The plan form, new or existing, with what every showing of it needs (who may manage it among them)."""
    return render(
        request, "field/plan.html", principal=principal, plan=plan, form=form, grids=_grids(session, principal), presets=PRESETS, kinds=rules.PATROL_KINDS, error=error, msg=msg,
        can_manage=can_manage(principal), trouble=trouble, status_code=status_code,
    )


@router.get("/field/plans/new", response_class=HTMLResponse)
def new_plan_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> HTMLResponse:
    form = {"starts_on": to_local(state.clock.now()).date().isoformat(), "holidays": "next_workday", "far_policy": "flag", "max_distance_m": 100, "grace_days": 2, "rrule": "FREQ=WEEKLY;BYDAY=MO"}
    return _plan_page(request, session, principal, plan=None, form=form)


@router.post("/field/plans/new", response_model=None)
async def create_plan(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = await request.form()
    try:
        with session.begin_nested():
            plan = patrols.create_plan(session, actor=principal, now=state.clock.now(), grid_id=whole_number(form.get("grid_id"), "grid_id", blank=0), **_plan_form(form))
    except DomainError as exc:
        shown = {k: str(v) for k, v in form.items()} | {"kinds": form.getlist("kinds")}
        return _plan_page(request, session, principal, plan=None, form=shown, error=explained(request, principal, exc), status_code=422)
    return _back(f"/field/plans/{plan.id}", msg="saved")


@router.get("/field/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(plan_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State, msg: str = "", error: str = "") -> HTMLResponse:
    plan = patrols.get_plan(session, actor=principal, plan_id=plan_id)
    form = {
        "name": plan.name, "rrule": plan.rrule, "starts_on": plan.starts_on.isoformat(), "holidays": plan.holidays, "far_policy": plan.far_policy, "max_distance_m": plan.max_distance_m,
        "grace_days": plan.grace_days, "codes": ", ".join(s["code"] for s in plan.stops), **{f"distance_{k}": v for k, v in (plan.distances or {}).items()},
    }
    trouble = patrols.why_no_tasks(plan, today=to_local(state.clock.now()).date())
    return _plan_page(request, session, principal, plan=plan, form=form, error=error, msg=msg, trouble=trouble)


@router.post("/field/plans/{plan_id}", response_model=None)
async def update_plan(plan_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = await request.form()

    def run() -> str:
        values = _plan_form(form)
        if values["kinds"]:
            values["codes"] = []
        patrols.update_plan(session, actor=principal, now=state.clock.now(), plan_id=plan_id, active=form.get("active") == "on", **values)
        return "saved"

    return _attempt(session, principal, f"/field/plans/{plan_id}", run)


@router.get("/field/tasks/{task_id}", response_class=HTMLResponse)
def task_page(task_id: int, request: Request, session: DbSession, principal: CurrentPrincipal) -> HTMLResponse:
    """One patrol as it was done: each stop's check-in, distance, checklist, photos, findings."""
    task = patrols.get_task(session, actor=principal, task_id=task_id)
    details = queries.task_details(session, [task])[0]
    return render(request, "field/task.html", principal=principal, d=details, points=json.dumps(queries.map_points([details]), ensure_ascii=False), labels=LABELS)


# --- the rep's phone page -----------------------------------------------------------------


@router.get("/field/today", response_class=HTMLResponse)
def today_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, msg: str = "", error: str = "") -> HTMLResponse:
    """Today's stops on a map, each with its check-in and finding forms; due visits below."""
    require_read(principal)
    today = to_local(state.clock.now()).date()
    details = queries.task_details(session, patrols.tasks(session, actor=principal, day=today, mine=True))
    due_visits = queries.visit_rows(visits.plans(session, actor=principal, mine=True, due_by=today + timedelta(days=7)), today)
    return render(
        request, "field/today.html", principal=principal, today=today, tasks=details, points=json.dumps(queries.map_points(details), ensure_ascii=False), visits=due_visits,
        findings={u: rules.findings_for(u) for u in ("electric", "water", "gas")}, labels=LABELS, msg=msg, error=error, rendered=state.clock.now(),
    )


@router.get("/field/sw.js", response_model=None)
def service_worker() -> Response:
    """The rep's phone keeps the /field/ pages and the work-order page /m for when there is
    no signal. Its scope is the site's (the header allows it), but it answers for those pages
    and their files alone."""
    return Response(SERVICE_WORKER, media_type="text/javascript", headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})


async def _photos(form: Any, name: str) -> list[tuple[str, bytes]]:
    return [(f.filename or "photo", await f.read()) for f in form.getlist(name) if isinstance(f, UploadFile) and f.filename]


@router.post("/field/stops/{stop_id}/check-in", response_model=None)
async def check_in(stop_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = await request.form()
    files = await _photos(form, "photos")

    def run() -> str:
        items = {str(i): True for i in form.getlist("item")}
        stop = checkins.check_in(
            session, actor=principal, now=state.clock.now(), stop_id=stop_id, lon=real_number(form.get("lon"), "lon"), lat=real_number(form.get("lat"), "lat"), checklist=items,
            note=str(form.get("note", "")), photo_files=files, data_dir=Path(state.settings.data_dir), **from_form(form),
        )
        return f"checked:{stop.asset_code or stop.name}" + (f":far:{stop.distance_m:.0f}" if stop.far and stop.distance_m is not None else "")

    return _attempt(session, principal, "/field/today", run)


@router.post("/field/stops/{stop_id}/finding", response_model=None)
async def finding(stop_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = await request.form()
    files = await _photos(form, "photo")

    def run() -> str:
        row = checkins.report_finding(
            session, actor=principal, now=state.clock.now(), stop_id=stop_id, kind=str(form.get("kind", "")), note=str(form.get("note", "")),
            lon=real_number(form.get("lon"), "lon"), lat=real_number(form.get("lat"), "lat"), photo=files[0] if files else None, data_dir=Path(state.settings.data_dir), **from_form(form),
        )
        return f"order:{row.order_number}"

    return _attempt(session, principal, "/field/today", run)


# --- visits and stakeholders ----------------------------------------------------------------


@router.get("/field/visits", response_class=HTMLResponse)
def visits_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, mine: bool = False, msg: str = "", error: str = "") -> HTMLResponse:
    today = to_local(state.clock.now()).date()
    rows = queries.visit_rows(visits.plans(session, actor=principal, mine=mine, limit=300), today)
    rhythms = visits.visit_rules(session)
    return render(request, "field/visits.html", principal=principal, rows=rows, mine=mine, rhythms=rhythms, can_manage=can_manage(principal), labels=LABELS, msg=msg, error=error)


@router.post("/field/visits/rules", response_model=None)
async def save_rule(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = await request.form()

    def run() -> str:
        visits.set_visit_rule(session, actor=principal, now=state.clock.now(), subject=str(form.get("subject", "")), every_months=whole_number(form.get("every_months"), "every_months", blank=0), unannounced=form.get("unannounced") == "on")
        visits.sync_plans(session, now=state.clock.now())
        return "saved"

    return _attempt(session, principal, "/field/visits", run)


@router.get("/field/visits/{plan_id}", response_class=HTMLResponse)
def visit_page(plan_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State, msg: str = "", error: str = "") -> HTMLResponse:
    plan = visits.get_plan(session, actor=principal, plan_id=plan_id)
    today = to_local(state.clock.now()).date()
    return render(
        request, "field/visit.html", principal=principal, plan=plan, row=queries.visit_rows([plan], today)[0], history=visits.visits_of(session, actor=principal, plan_id=plan_id),
        msg=msg, error=error, can_record=visits.may_record(principal, plan), rendered=state.clock.now(),
    )


@router.post("/field/visits/{plan_id}", response_model=None)
async def record_visit(plan_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = await request.form()

    def run() -> str:
        visits.record_visit(
            session, actor=principal, now=state.clock.now(), plan_id=plan_id, contact_met=str(form.get("contact_met", "")), satisfaction=whole_number(form.get("satisfaction"), "satisfaction", blank=0),
            notes=str(form.get("notes", "")), issues=str(form.get("issues", "")), **from_form(form),
        )
        return "recorded"

    return _attempt(session, principal, f"/field/visits/{plan_id}", run)


@router.get("/field/stakeholders", response_class=HTMLResponse)
def stakeholders_page(request: Request, session: DbSession, principal: CurrentPrincipal, msg: str = "", error: str = "") -> HTMLResponse:
    from gridcare.grids import service as grids

    rows = visits.stakeholders(session, actor=principal)
    return render(request, "field/stakeholders.html", principal=principal, rows=rows, grids=_grids(session, principal), grid_names=grids.grid_names(session, ids=[r.grid_id for r in rows]), kinds=rules.STAKEHOLDER_KINDS, labels=LABELS, can_work=can_work(principal), msg=msg, error=error)


@router.post("/field/stakeholders", response_model=None)
async def add_stakeholder(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = await request.form()

    def run() -> str:
        visits.add_stakeholder(
            session, actor=principal, now=state.clock.now(), grid_id=whole_number(form.get("grid_id"), "grid_id", blank=0), kind=str(form.get("kind", "")), name=str(form.get("name", "")),
            contact=str(form.get("contact", "")), phone=str(form.get("phone", "")), address=str(form.get("address", "")),
        )
        return "saved"

    return _attempt(session, principal, "/field/stakeholders", run)


# --- data changes -------------------------------------------------------------------------


@router.get("/field/changes", response_class=HTMLResponse)
def changes_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, status: str = "pending", msg: str = "", error: str = "") -> HTMLResponse:
    mine = not can_manage(principal)
    rows = changes.changes(session, actor=principal, status=status or None, mine=mine)
    return render(
        request, "field/changes.html", principal=principal, rows=rows, status=status, can_manage=can_manage(principal), can_work=can_work(principal), labels=LABELS, kinds=rules.CHANGE_KINDS,
        watches=changes.watches(session, actor=principal), msg=msg, error=error, rendered=state.clock.now(),
    )


@router.post("/field/changes", response_model=None)
async def submit_change(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = await request.form()

    def run() -> str:
        payload = {k.removeprefix("p_"): str(v) for k, v in form.items() if k.startswith("p_")}
        row = changes.submit(
            session, actor=principal, now=state.clock.now(), kind=str(form.get("kind", "")), payload=payload, utility=str(form.get("utility", "")) or None,
            customer_id=whole_number(form.get("customer_id"), "customer_id"), asset_code=str(form.get("asset_code", "")).strip() or None,
            lon=real_number(form.get("lon"), "lon"), lat=real_number(form.get("lat"), "lat"), note=str(form.get("note", "")), **from_form(form),
        )
        return f"submitted:{row.id}"

    return _attempt(session, principal, "/field/changes", run)


@router.post("/field/changes/{change_id}/review", response_model=None)
async def review_change(change_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = await request.form()
    decision = str(form.get("decision", ""))

    def run() -> str:
        if decision not in ("approve", "reject"):
            raise InvalidInput.field("decision", T_("approve or reject"))
        row = changes.review(session, actor=principal, now=state.clock.now(), change_id=change_id, approve=decision == "approve", reason=str(form.get("reason", "")))
        return f"{row.status}:{row.id}"

    return _attempt(session, principal, "/field/changes", run)


@router.post("/field/watches/{watch_id}/close", response_model=None)
async def close_watch(watch_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    return _attempt(session, principal, "/field/changes", lambda: f"closed:{changes.close_watch(session, actor=principal, now=state.clock.now(), watch_id=watch_id).id}")


# --- settings: checklists and where findings go -------------------------------------------


@router.get("/field/settings", response_class=HTMLResponse)
def settings_page(request: Request, session: DbSession, principal: CurrentPrincipal, msg: str = "", error: str = "") -> HTMLResponse:
    from gridcare.auth import service as auth

    require_read(principal)
    lists = {kind: checkins.checklist_for(session, kind) for kind in (*rules.PATROL_KINDS, "place")}
    units = [u for u in auth.list_org_units(session, actor=principal) if u.kind in ("department", "contractor")]
    routes = {f.code: checkins.department_for(session, f) for f in rules.FINDINGS.values()}
    # Only the findings of a utility the user has departments for: the other company's are not theirs to route.
    choices = {f.code: [u for u in units if u.kind == "contractor" or u.utility in (f.utility, "multi")] for f in rules.FINDINGS.values()}
    findings = [f for f in rules.FINDINGS.values() if any(u.kind == "department" for u in choices[f.code])]
    return render(request, "field/settings.html", principal=principal, lists=lists, choices=choices, routes=routes, findings=findings, can_manage=can_manage(principal), msg=msg, error=error)


@router.post("/field/settings/checklist", response_model=None)
async def save_checklist(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = await request.form()
    items = str(form.get("items", "")).splitlines()
    return _attempt(session, principal, "/field/settings", lambda: checkins.set_checklist(session, actor=principal, now=state.clock.now(), kind=str(form.get("kind", "")), items=items) and "saved")


@router.post("/field/settings/route", response_model=None)
async def save_route(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = await request.form()
    return _attempt(session, principal, "/field/settings", lambda: checkins.set_finding_route(session, actor=principal, now=state.clock.now(), kind=str(form.get("kind", "")), org_unit_id=whole_number(form.get("org_unit_id"), "org_unit_id", blank=0)) and "saved")


mark_available("field")
