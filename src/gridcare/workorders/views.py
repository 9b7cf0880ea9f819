"""Pages: the agent queue, new order, order detail with timeline and actions, the rep's
phone list, the supervisor board."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from gridcare.core.bounds import whole_number
from gridcare.core.errors import DomainError
from gridcare.core.i18n import T_, in_language
from gridcare.core.principal import TASKED_ROLES
from gridcare.grids import queries as grid_queries
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, IntakeLimited, State
from gridcare.web.phone import from_form
from gridcare.web.render import explained, locale_for, render
from gridcare.workorders import escalation, from_phone, queries, service, states, support

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])


@router.get("/orders", response_class=HTMLResponse)
def queue_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, status: str = "", view: str = "") -> HTMLResponse:
    now = state.clock.now()
    from gridcare.auth.rules import Action, can

    articles: dict[int, Any] = {}
    if view == "answered":
        from gridcare.knowledge import service as knowledge

        rows, answered = [], queries.answered_rows(session, actor=principal, now=now)
        articles = knowledge.answered_with_each(session, actor=principal, order_ids=[r["d"].id for r in answered])
    else:
        orders = queries.queue(session, actor=principal, status=status or None, mine=view == "mine", late_only=view == "late", unassigned=view == "unassigned", now=now)
        rows, answered = queries.queue_rows(session, orders, now), None
    return render(
        request, "orders/queue.html", principal=principal, rows=rows, answered=answered, articles=articles, answered_days=queries.ANSWERED_DAYS, status=status, view=view,
        statuses=list(states.Status), categories=service.CATEGORIES, channels=service.CHANNELS, can_create=can(principal, Action.ORDERS_CREATE),
    )


@router.post("/orders", response_model=None, dependencies=[IntakeLimited])
def create_from_form(
    session: DbSession,
    principal: CurrentPrincipal,
    state: State,
    category: str = Form(""),
    channel: str = Form("hotline"),
    description: str = Form(""),
    account: str = Form(""),
    phone: str = Form(""),
    caller_name: str = Form(""),
    address: str = Form(""),
    lon: float | None = Form(None),
    lat: float | None = Form(None),
    idempotency_key: str = Form(""),
    answer: str = Form(""),
) -> Response:
    intake = service.Intake(
        category=category, channel=channel, description=description, account=account or None, phone=phone or None,
        caller_name=caller_name, address=address, lon=lon, lat=lat, idempotency_key=idempotency_key or None, answer=answer,
    )
    created = service.create_order(session, actor=principal, now=state.clock.now(), intake=intake)
    return RedirectResponse(f"/orders/{created.order.id}", status_code=303)


@router.get("/orders/board", response_class=HTMLResponse)
def board(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> HTMLResponse:
    """The supervisor's board: late and escalated orders, by level and by grid."""
    now = state.clock.now()
    late = queries.queue(session, actor=principal, late_only=True, now=now, limit=500)
    unassigned = queries.queue(session, actor=principal, unassigned=True, now=now, limit=500)
    rows = queries.queue_rows(session, late, now)
    by_level: dict[int, int] = {}
    by_grid: dict[str, int] = {}
    for r in rows:
        by_level[r["o"].escalation_level] = by_level.get(r["o"].escalation_level, 0) + 1
        by_grid[r["grid"] or "—"] = by_grid.get(r["grid"] or "—", 0) + 1
    return render(request, "orders/board.html", principal=principal, rows=rows, by_level=sorted(by_level.items()), by_grid=sorted(by_grid.items(), key=lambda kv: -kv[1]), unassigned=len(unassigned))


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(order_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State, error: str = "") -> HTMLResponse:
    from gridcare.auth import service as auth
    from gridcare.core.principal import system_principal
    from gridcare.customers import service as customers
    from gridcare.grids import service as grids

    found = queries.detail(session, actor=principal, order_id=order_id, now=state.clock.now())
    o = found["order"]
    staff = grid_queries.staff_names(session, {o.handler_id})
    units = [u for u in auth.list_org_units(session, actor=system_principal()) if u.kind in support.SUPPORT_UNIT_KINDS and u.utility in (o.utility, "multi")]
    # Who may take the order over: reps, experts and departments of the order's company.
    parts = [p for p in o.org_path.split("/") if p]
    company = "/" + "/".join(parts[:2]) + "/" if len(parts) >= 2 else o.org_path
    reps = [u for u in auth.list_users(session, actor=system_principal()) if u.role in ("rep", "expert", "department") and u.org_path.startswith(company)]
    from gridcare.auth.rules import Action, can
    from gridcare.knowledge import rules as knowledge_rules
    from gridcare.knowledge import service as knowledge
    from gridcare.workorders import links

    questions = support.questions_of(session, order_id=o.id)
    return render(
        request,
        "orders/detail.html",
        principal=principal,
        o=o,
        related=links.linked(session, actor=principal, order=o),
        can_link=can(principal, Action.ORDERS_CREATE),
        handler=staff.get(o.handler_id, ("", "", ""))[0],
        countdowns=found["countdowns"],
        timeline=found["timeline"],
        commands=found["commands"],
        error=error,
        tasks=support.tasks_of(session, order_id=o.id),
        questions=questions,
        # An answered question links the article written from it, or offers to write one.
        articles=knowledge.written_from(session, actor=principal, question_ids=[q.id for q in questions if q.answer]),
        answered=states.answered_at_intake(o.dispatch_reason),
        answered_with=knowledge.answered_with(session, actor=principal, order_id=o.id) if states.answered_at_intake(o.dispatch_reason) else [],
        writes_articles=knowledge_rules.may_write(principal), reads_articles=knowledge_rules.may_read(principal),
        attachments=support.attachments_of(session, order_id=o.id),
        support_units={u.id: u for u in units},
        can_support=principal.user_id == o.handler_id or principal.role.value in ("supervisor", "admin"),
        can_add=support.works_orders(principal),
        takes_help=states.takes_help(o.status),
        handlers=reps,
        # A department or contractor pulled in by task sees the order, not the customer's
        # record or the grid behind it.
        customer_link=bool(o.customer_id) and o.customer_id in customers.openable(session, actor=principal, ids=[o.customer_id]),
        grid_link=bool(o.grid_id) and o.grid_id in grids.openable(session, actor=principal, ids=[o.grid_id]),
    )


@router.post("/orders/{order_id}/do", response_model=None)
async def order_command(
    order_id: int,
    session: DbSession,
    request: Request,
    principal: CurrentPrincipal,
    state: State,
    command: str = Form(...),
    note: str = Form(""),
    reason: str = Form(""),
    resolution: str = Form(""),
    satisfaction: int | None = Form(None),
    lon: float | None = Form(None),
    lat: float | None = Form(None),
    handler_id: int | None = Form(None),
    parent_id: int | None = Form(None),
    text: str = Form(""),
    back: str = Form(""),
    made_at: str = Form(""),
    phone_time: str = Form(""),
    submission: str = Form(""),
) -> Response:
    given = {"text": text, "note": note, "reason": reason, "resolution": resolution, "satisfaction": satisfaction, "lon": lon, "lat": lat, "handler_id": handler_id, "parent_id": parent_id}
    args = {k: v for k, v in given.items() if v not in ("", None)}
    try:
        # A savepoint: a refused command leaves nothing behind and the page says why.
        with session.begin_nested():
            kept = from_form({"made_at": made_at, "phone_time": phone_time, "submission": submission})
            # Photos of the site come with an arrival or a resolution; an empty file input sends an unnamed part.
            files = [(f.filename, await f.read(support.MAX_ATTACHMENT_BYTES + 1)) for f in (await request.form()).getlist("photos") if isinstance(f, UploadFile) and f.filename]
            from_phone.execute(session, actor=principal, now=state.clock.now(), order_id=order_id, command=command, args=args, **kept, photos=files, data_dir=Path(state.settings.data_dir))
    except DomainError as exc:
        return RedirectResponse(f"/orders/{order_id}?error={quote(explained(request, principal, exc))}", status_code=303)
    target = back if back.startswith("/") and not back.startswith("//") else f"/orders/{order_id}"
    return RedirectResponse(target, status_code=303)


@router.post("/orders/{order_id}/link", response_model=None)
def link_order(order_id: int, session: DbSession, request: Request, principal: CurrentPrincipal, state: State, other: str = Form(""), note: str = Form("")) -> Response:
    from gridcare.workorders import links

    try:
        with session.begin_nested():
            links.link(session, actor=principal, now=state.clock.now(), order_id=order_id, other=other, note=note)
    except DomainError as exc:
        return RedirectResponse(f"/orders/{order_id}?error={quote(explained(request, principal, exc))}", status_code=303)
    return RedirectResponse(f"/orders/{order_id}", status_code=303)


@router.get("/m", response_class=HTMLResponse)
def rep_mobile(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> HTMLResponse:
    now = state.clock.now()
    orders = queries.queue(session, actor=principal, mine=True, now=now)
    # A department or contractor is pulled in by task, not made the order's handler.
    tasks = support.unit_tasks(session, actor=principal) if principal.role in TASKED_ROLES else None
    return render(
        request, "orders/mobile.html", principal=principal, rows=queries.queue_rows(session, orders, now), unit_tasks=tasks, now=now, rendered=now,
        ahead={o.id: [c.value for c in states.steps_ahead(service.facts_of(o), principal.role.value, service.is_handler(principal, o))] for o in orders},
    )  # fmt: skip


@router.get("/admin/sla", response_class=HTMLResponse)
def sla_page(request: Request, session: DbSession, principal: CurrentPrincipal, utility: str = "", error: str = "") -> HTMLResponse:
    """The SLA policies in force: per utility, category and area class, each step's target."""
    from gridcare.auth.rules import Action, can
    from gridcare.auth.scoping import require_utility, utilities_held
    from gridcare.workorders import policies

    held = utilities_held(session, principal)
    utility = utility or next(iter(held), "electric")
    require_utility(session, principal, utility)

    rows = [p for key, p in sorted(policies.effective(session).items()) if key[0] == utility]
    return render(request, "orders/sla.html", principal=principal, rows=rows, utility=utility, utilities=[u for u in held if u != "gas"], ladder=escalation.ladder_for(session, utility), routes=[r for r in escalation.routes(session).values() if r.utility == utility], departments=_departments(session, principal, utility), audiences=escalation.AUDIENCES, can_edit=can(principal, Action.ORDERS_SUPERVISE), error=error)


def _save_rule(session: Any, principal: Any, utility: str, anchor: str, save: Any) -> Response:
    """Run one rule change in a savepoint and go back to the SLA page, with the error if any."""
    back = f"/admin/sla?utility={utility}"
    try:
        with session.begin_nested():
            save()
    except DomainError as exc:
        return RedirectResponse(f"{back}&error={quote(exc.explained(principal.locale))}{anchor}", status_code=303)
    return RedirectResponse(f"{back}{anchor}", status_code=303)


def _departments(session: Any, principal: Any, utility: str) -> list[Any]:
    from gridcare.auth import service as auth

    return [u for u in auth.list_org_units(session, actor=principal) if u.kind == "department" and u.utility == utility]


@router.post("/admin/sla/ladder", response_model=None)
async def ladder_save(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    """The ladder form: one row per rung (minutes after the deadline, audience); empty rows end it."""
    form = await request.form()
    utility = str(form.get("utility", "electric"))
    minutes, audiences = form.getlist("after_minutes"), form.getlist("audience")

    def save() -> None:
        rungs = [(whole_number(m, "after_minutes", required=True), str(a)) for m, a in zip(minutes, audiences, strict=False) if str(m).strip()]
        escalation.set_ladder(session, actor=principal, now=state.clock.now(), utility=utility, rungs=rungs)

    return _save_rule(session, principal, utility, "#ladder", save)


@router.post("/admin/sla/routes", response_model=None)
def route_save(session: DbSession, principal: CurrentPrincipal, state: State, utility: str = Form(...), category: str = Form(...), org_unit_id: str = Form("")) -> Response:
    def save() -> None:
        unit = whole_number(org_unit_id, "org_unit_id")
        escalation.set_route(session, actor=principal, now=state.clock.now(), utility=utility, category=category, org_unit_id=unit)

    return _save_rule(session, principal, utility, "#routes", save)


@router.post("/admin/sla", response_model=None)
def sla_save(
    session: DbSession,
    principal: CurrentPrincipal,
    state: State,
    utility: str = Form(...),
    category: str = Form(...),
    area_class: str = Form(...),
    step: str = Form(...),
    minutes: str = Form(""),
    clock: str = Form("calendar"),
    from_step: str = Form("created"),
) -> Response:
    from gridcare.workorders import policies

    def save() -> None:
        value = whole_number(minutes, "minutes")
        policies.set_target(session, actor=principal, now=state.clock.now(), utility=utility, category=category, area_class=area_class, step=step, minutes=value, clock=clock, from_step=from_step)

    return _save_rule(session, principal, utility, "", save)




@router.post("/orders/{order_id}/support", response_model=None)
async def support_action(order_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    """The detail page's support forms: add a task, confirm one, ask the experts, upload."""

    form = await request.form()
    action = str(form.get("action", ""))
    now = state.clock.now()
    try:
        with session.begin_nested():
            if action == "task":
                support.add_task(session, actor=principal, now=now, order_id=order_id, unit_id=whole_number(form.get("unit_id"), "unit_id", blank=0), title=str(form.get("title", "")), due_minutes=whole_number(form.get("due_minutes"), "due_minutes", blank=120))
            elif action in ("confirm", "send_back"):
                support.confirm_task(session, actor=principal, now=now, task_id=whole_number(form.get("task_id"), "task_id", blank=0), accepted=action == "confirm")
            elif action == "done":
                support.complete_task(session, actor=principal, now=now, task_id=whole_number(form.get("task_id"), "task_id", blank=0), result=str(form.get("result", "")))
            elif action == "ask":
                support.ask_expert(session, actor=principal, now=now, order_id=order_id, question=str(form.get("question", "")))
            elif action == "answer":
                answered = support.answer_expert(session, actor=principal, now=now, question_id=whole_number(form.get("question_id"), "question_id", blank=0), answer=str(form.get("answer", "")))
            elif action == "upload":
                upload = form.get("file")
                data = await upload.read(support.MAX_ATTACHMENT_BYTES + 1) if hasattr(upload, "read") else b""
                support.add_attachment(session, actor=principal, now=now, order_id=order_id, filename=getattr(upload, "filename", "") or "", data=data, data_dir=Path(state.settings.data_dir))
            else:
                from gridcare.core.errors import InvalidInput

                raise InvalidInput.field("action", T_("unknown action %(action)r", action=action))
    except DomainError as exc:
        return RedirectResponse(f"/orders/{order_id}?error={quote(explained(request, principal, exc))}", status_code=303)
    if action == "answer" and form.get("to_knowledge"):
        return RedirectResponse(f"/knowledge/new?question={answered.id}", status_code=303)
    return RedirectResponse(f"/orders/{order_id}", status_code=303)


@router.get("/experts", response_class=HTMLResponse)
def expert_queue(request: Request, session: DbSession, principal: CurrentPrincipal) -> HTMLResponse:
    from gridcare.workorders import support

    return render(request, "orders/experts.html", principal=principal, rows=support.open_questions(session, actor=principal))


@router.get("/admin/duty", response_class=HTMLResponse)
def duty_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, error: str = "") -> HTMLResponse:
    from gridcare.auth import service as auth
    from gridcare.workorders import duty

    now = state.clock.now()
    staff = [u for u in auth.list_users(session, actor=principal) if u.role in ("rep", "expert", "department")]
    names = {u.id: u.display_name for u in staff}
    return render(request, "orders/duty.html", principal=principal, rows=duty.upcoming(session, actor=principal, now=now), staff=staff, names=names, error=error)


@router.post("/admin/duty", response_model=None)
def duty_add(session: DbSession, request: Request, principal: CurrentPrincipal, state: State, user_id: int = Form(...), starts_at: str = Form(...), ends_at: str = Form(...), reason: str = Form(""), remove: int | None = Form(None)) -> Response:
    from datetime import datetime

    from gridcare.core.clock import SHANGHAI
    from gridcare.workorders import duty

    now = state.clock.now()
    try:
        with session.begin_nested():
            if remove:
                duty.remove_absence(session, actor=principal, now=now, absence_id=remove)
            else:
                start = datetime.fromisoformat(starts_at).replace(tzinfo=SHANGHAI)
                end = datetime.fromisoformat(ends_at).replace(tzinfo=SHANGHAI)
                duty.add_absence(session, actor=principal, now=now, user_id=user_id, starts_at=start, ends_at=end, reason=reason)
    except DomainError as exc:
        return RedirectResponse(f"/admin/duty?error={quote(explained(request, principal, exc))}", status_code=303)
    except ValueError:
        shown = in_language(T_("starts_at/ends_at: expected a date and time"), locale_for(request, principal))
        return RedirectResponse(f"/admin/duty?error={quote(shown)}", status_code=303)
    return RedirectResponse("/admin/duty", status_code=303)
