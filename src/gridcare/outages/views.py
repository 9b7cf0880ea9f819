"""Pages: the outage list with the live map, the new-outage form, one outage with its
customers, notice progress and call list, and the planned-outage calendar."""

from __future__ import annotations

import calendar as month_calendar
from datetime import date, datetime
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridcare.auth.rules import Action, can
from gridcare.core.bounds import whole_number
from gridcare.core.clock import SHANGHAI, to_local
from gridcare.core.errors import DomainError, InvalidInput
from gridcare.core.i18n import T_
from gridcare.grids import service as grids
from gridcare.notify.labels import STATE_LABELS
from gridcare.outages import call_list, control, queries, service, states
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.web.render import explained, render

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])
LABELS = {s.value: s.label for s in states.Status}


def _local(value: str, field: str) -> datetime | None:
    """A browser's datetime-local value, read as Shanghai time."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise InvalidInput.field(field, T_("expected a date and time, e.g. 2026-11-24T09:00")) from None


@router.get("/outages", response_class=HTMLResponse)
def list_page(request: Request, session: DbSession, principal: CurrentPrincipal, status: str = "open", utility: str = "") -> HTMLResponse:
    found = queries.list_outages(session, actor=principal, status=status or None, utility=utility or None)
    ids = [o.id for o in found]
    counts, devices = queries.counts(session, ids), queries.device_codes(session, ids)
    open_ones = [o for o in found if o.status in states.OPEN]
    totals = {"open": len(open_ones), "customers": sum(counts[o.id]["still_off"] for o in open_ones), "key": sum(counts[o.id]["key_customers"] for o in open_ones), "predicted": sum(o.status == "predicted" for o in found)}
    return render(
        request, "outages/list.html", principal=principal, rows=[{"o": o, "n": counts[o.id], "devices": devices[o.id]} for o in found],
        status=status, utility=utility, statuses=list(states.Status), labels=LABELS, totals=totals, can_manage=can(principal, Action.OUTAGES_MANAGE),
    )


@router.get("/outages/new", response_class=HTMLResponse)
def new_page(request: Request, principal: CurrentPrincipal, error: str = "") -> HTMLResponse:
    return render(request, "outages/new.html", principal=principal, error=error, form={})


@router.post("/outages/new", response_model=None)
async def create_from_form(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        with session.begin_nested():
            outage = service.create_outage(
                session, actor=principal, now=state.clock.now(), utility=form.get("utility", "electric"), kind=form.get("kind", "unplanned"),
                devices=[c for c in form.get("devices", "").replace("，", ",").replace(" ", ",").split(",") if c.strip()],
                starts_at=_local(form.get("starts_at", ""), "starts_at"), ends_at=_local(form.get("ends_at", ""), "ends_at"), eta=_local(form.get("eta", ""), "eta"),
                cause=form.get("cause", ""), reason=form.get("reason", ""), area=form.get("area", ""), notice_days=whole_number(form.get("notice_days"), "notice_days", blank=1),
            )
    except DomainError as exc:
        return render(request, "outages/new.html", principal=principal, error=explained(request, principal, exc), form=form, status_code=422)
    return RedirectResponse(f"/outages/{outage.id}", status_code=303)


@router.get("/outages/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, month: str = "") -> HTMLResponse:
    today = to_local(state.clock.now()).date()
    month = month or today.strftime("%Y-%m")
    days = queries.calendar(session, actor=principal, month=month)
    first, _last = queries.month_bounds(month)
    weeks = [[(d, days.get(d.isoformat(), [])) for d in week] for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)]
    prev_month = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1).strftime("%Y-%m")
    next_month = date(first.year + (first.month == 12), first.month % 12 + 1, 1).strftime("%Y-%m")
    return render(request, "outages/calendar.html", principal=principal, weeks=weeks, month=first, today=today, prev_month=prev_month, next_month=next_month)


@router.get("/outages/{outage_id}", response_class=HTMLResponse)
def detail_page(outage_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State, error: str = "") -> HTMLResponse:
    outage = service.get_outage(session, actor=principal, outage_id=outage_id)
    customers, total = queries.affected(session, actor=principal, outage_id=outage_id, limit=50)
    by_grid = queries.by_grid(session, outage_id=outage_id)
    return render(
        request, "outages/detail.html", principal=principal, o=outage, error=error, devices=queries.device_codes(session, [outage_id])[outage_id],
        n=queries.counts(session, [outage_id])[outage_id], by_grid=by_grid, customers=customers, total=total,
        openable_grids=grids.openable(session, actor=principal, ids=[g["grid_id"] for g in by_grid]),
        notices=queries.notice_progress(session, outage_id=outage_id), tasks=queries.call_tasks(session, actor=principal, outage_id=outage_id),
        labels=LABELS, state_labels=STATE_LABELS, commands=[c.value for c in states.available(outage.status)], can_manage=can(principal, Action.OUTAGES_MANAGE), can_call=can(principal, Action.OUTAGES_CALL),
        merged=queries.merged_calls(session, outage=outage), hotline_calls=service.hotline_calls(session, outage=outage, now=state.clock.now()),
        can_read_calls=can(principal, Action.CALLS_READ),
    )


@router.post("/outages/{outage_id}/do", response_model=None)
async def outage_action(outage_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    """The detail page's forms: confirm, restore (all or some devices), cancel, new ETA, a
    call's outcome; for a predicted outage, split, move to another device, release calls."""
    form = await request.form()
    action, now = str(form.get("action", "")), state.clock.now()
    target = outage_id  # a split or move continues on the outage that replaced this one
    try:
        with session.begin_nested():
            if action == "confirm":
                service.confirm(session, actor=principal, now=now, outage_id=outage_id)
            elif action == "restore":
                service.restore(session, actor=principal, now=now, outage_id=outage_id, devices=[str(d) for d in form.getlist("devices")] or None)
            elif action == "cancel":
                service.cancel(session, actor=principal, now=now, outage_id=outage_id)
            elif action == "eta":
                service.update_outage(session, actor=principal, now=now, outage_id=outage_id, eta=_local(str(form.get("eta", "")), "eta"), cause=str(form.get("cause", "")) or None)
            elif action == "split":
                made = control.split(session, actor=principal, now=now, outage_id=outage_id, devices=_codes(str(form.get("devices", ""))), reason=str(form.get("reason", "")))
                target = made[0].id
            elif action == "rehome":
                target = control.rehome(session, actor=principal, now=now, outage_id=outage_id, device=str(form.get("device", "")), reason=str(form.get("reason", ""))).id
            elif action == "release":
                control.release_calls(session, actor=principal, now=now, outage_id=outage_id, order_ids=[whole_number(v, "order_ids", required=True) for v in form.getlist("order_ids")], reason=str(form.get("reason", "")))
            elif action == "call":
                call_list.record_call(session, actor=principal, now=now, outage_id=outage_id, task_id=whole_number(form.get("task_id"), "task_id", blank=0), state=str(form.get("state", "")), note=str(form.get("note", "")))
            else:
                raise InvalidInput.field("action", T_("unknown action %(action)r", action=action))
    except DomainError as exc:
        return RedirectResponse(f"/outages/{outage_id}?error={quote(explained(request, principal, exc))}", status_code=303)
    return RedirectResponse(f"/outages/{target}", status_code=303)


def _codes(text: str) -> list[str]:
    return [c for c in text.replace("，", ",").replace("\n", ",").replace(" ", ",").split(",") if c.strip()]
