"""The roster page (话务排班表): the week's shifts per agent, how each was kept, the hours
short of the forecast, and filling or editing the week."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridcare.auth.rules import Action, can
from gridcare.calls import rostering, rosters, shifts, staffing, surge, today
from gridcare.core.bounds import whole_number
from gridcare.core.clock import SHANGHAI
from gridcare.core.errors import DomainError, InvalidInput
from gridcare.core.i18n import N_, T_, translator
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.web.render import explained, locale_for, render

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])


# What the page carries from view to view besides the week: the company and the forecast's
# figures the roster is held to (as the forecast page takes them).
CARRIED = ("company", *staffing.DEFAULTS)


def _carried(text: str) -> dict[str, str]:
    return {k: v for k, v in parse_qsl(text or "") if k in CARRIED and v}


def _forecast(values: Any) -> dict[str, int | None]:
    """The forecast's figures as typed (blank, None: the company's targets); a bad one is refused, named."""
    return {name: whole_number(values.get(name), name) for name in staffing.DEFAULTS}


def carried_query(company: str | None, companies: list[Any], forecast: dict[str, int], held: dict[str, Any]) -> str:
    """The query a page passes on to the roster or the forecast: the company when the reader
    has a choice of them, and the forecast's figures that are not the company's targets (``held``)."""
    return urlencode(({"company": company} if company and len(companies) > 1 else {}) | {k: v for k, v in forecast.items() if v != held[k]})


def _back(monday: date, carry: str, **said: str) -> RedirectResponse:
    query = {"week": monday.isoformat(), **_carried(carry), **{k: v for k, v in said.items() if v}}
    return RedirectResponse("/calls/roster?" + urlencode(query), status_code=303)


def _today(state: Any) -> date:
    return state.clock.now().astimezone(SHANGHAI).date()


def _start(day: str, hour: str) -> datetime:
    """A shift's start from the form's day and hour of the day."""
    try:
        on = date.fromisoformat(day.strip())
    except ValueError:
        raise InvalidInput.field("day", T_("must be a date, e.g. 2026-11-24")) from None
    at = whole_number(hour, "hour", required=True)
    if not 0 <= at <= 23:
        raise InvalidInput.field("hour", T_("must be between %(low)s and %(high)s", low=0, high=23))
    return datetime.combine(on, time(at), tzinfo=SHANGHAI)


@router.get("/calls/roster", response_class=HTMLResponse)
def roster_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, week: str = "", company: str = "", error: str = "", done: str = "") -> HTMLResponse:
    now, status = state.clock.now(), 200
    try:
        monday = rostering.monday_of(week, today=_today(state))
        found = rosters.week(session, actor=principal, now=now, monday=monday, company=company or None, forecast=_forecast(request.query_params))
    except InvalidInput as exc:
        error, status = explained(request, principal, exc), 422
        monday = rostering.monday_of("", today=_today(state))
        found = rosters.week(session, actor=principal, now=now, monday=monday)
    carry = carried_query(found["company"], found["companies"], found["forecast"], found["targets"])
    this_monday = rostering.monday_of("", today=_today(state))
    tracked = covering = None
    if monday == this_monday:
        found_today = today.today(session, actor=principal, now=now, week=found)
        tracked = found_today["today"]
        covering = today.cover_for(session, actor=principal, now=now, found=found_today)
    days = [monday + timedelta(days=i) for i in range(7)]
    cells = [[[s for s in a.shifts if s.starts_at.astimezone(SHANGHAI).date() == d] for d in days] for a in found["agents"]]
    # An absence on the duty roster marks every day it touches.
    bounds = [(datetime.combine(d, time(0), tzinfo=SHANGHAI), datetime.combine(d + timedelta(days=1), time(0), tzinfo=SHANGHAI)) for d in days]
    away = [[next((reason for a, b, reason in agent.away if a < day_end and b > day_start), None) for day_start, day_end in bounds] for agent in found["agents"]]
    return render(
        request, "calls/roster.html", principal=principal, found=found, monday=monday, days=days, cells=cells, away=away, now=now, error=error, done=done, carry=carry, forecast_defaults=found["targets"],
        previous=(monday - timedelta(days=7)).isoformat(), following=(monday + timedelta(days=7)).isoformat(), this_week=this_monday.isoformat(), tracked=tracked, covering=covering,
        can_manage=can(principal, Action.CALLS_MANAGE), defaults=found["targets"], week_over=days[-1] < _today(state), history_weeks=surge.HISTORY.days // 7, status_code=status,
    )


@router.get("/calls/roster.csv", response_model=None)
def roster_csv(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, week: str = "", company: str = "") -> Response:
    """The week as a spreadsheet: a row per shift, with how it was kept, in the reader's language."""
    from gridcare.analytics.tables import Table, to_csv

    monday = rostering.monday_of(week, today=_today(state))
    found = rosters.week(session, actor=principal, now=state.clock.now(), monday=monday, company=company or None)
    say = translator(locale_for(request, principal))
    heads = (N_("Agent"), N_("Login"), N_("Day"), N_("Starts"), N_("Ends"), N_("Share kept (%)"), N_("Minutes late"), N_("Minutes left early"), N_("absent"))
    table = Table("roster", [say(h) for h in heads])
    for a in found["agents"]:
        for s in a.shifts:
            starts, ends = s.starts_at.astimezone(SHANGHAI), s.ends_at.astimezone(SHANGHAI)
            kept = s.kept
            table.rows.append([
                a.name, a.login, starts.date().isoformat(), starts.strftime("%H:%M"), ends.strftime("%H:%M"),
                None if kept.share is None else round(100 * kept.share), kept.late_minutes if kept.share is not None else None,
                kept.early_minutes if kept.share is not None else None, say(N_("yes")) if kept.absent else "",
            ])
    name = f"roster-{found['company']}-{monday.isoformat()}.csv"
    return Response(to_csv(table), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/calls/roster/generate", response_model=None)
def roster_generate(
    request: Request, session: DbSession, principal: CurrentPrincipal, state: State, week: str = Form(""), carry: str = Form(""),
    shift_hours: str = Form(""), starts: str = Form(""), workdays: str = Form(""),
) -> Response:
    monday = rostering.monday_of(week, today=_today(state))
    carried = _carried(carry)
    try:
        with session.begin_nested():
            found = rosters.generate(
                session, actor=principal, now=state.clock.now(), monday=monday, company=carried.get("company"), starts=shifts.parse_starts(starts),
                shift_hours=whole_number(shift_hours, "shift_hours"), workdays=whole_number(workdays, "workdays"),
                forecast=_forecast(carried),
            )
    except DomainError as exc:
        return _back(monday, carry, error=explained(request, principal, exc))
    return _back(monday, carry, done=f"generated:{found['placed']}:{len(found['unfilled'])}")


@router.post("/calls/roster/clear", response_model=None)
def roster_clear(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, week: str = Form(""), carry: str = Form("")) -> Response:
    monday = rostering.monday_of(week, today=_today(state))
    try:
        with session.begin_nested():
            removed = rosters.clear_week(session, actor=principal, now=state.clock.now(), monday=monday, company=_carried(carry).get("company"))
    except DomainError as exc:
        return _back(monday, carry, error=explained(request, principal, exc))
    return _back(monday, carry, done=f"cleared:{removed}")


@router.post("/calls/roster/shifts", response_model=None)
def roster_add(
    request: Request, session: DbSession, principal: CurrentPrincipal, state: State, week: str = Form(""), carry: str = Form(""),
    user_id: str = Form(""), day: str = Form(""), hour: str = Form(""), hours: str = Form(""),
) -> Response:
    monday = rostering.monday_of(week, today=_today(state))
    try:
        starts_at = _start(day, hour)
        with session.begin_nested():
            rosters.add_shift(
                session, actor=principal, now=state.clock.now(), user_id=whole_number(user_id, "user_id", required=True), starts_at=starts_at,
                hours=whole_number(hours, "hours", blank=shifts.DEFAULTS["shift_hours"]),
            )
    except DomainError as exc:
        return _back(monday, carry, error=explained(request, principal, exc))
    return _back(monday, carry, done="added")


@router.post("/calls/roster/shifts/{shift_id}/remove", response_model=None)
def roster_remove(request: Request, shift_id: int, session: DbSession, principal: CurrentPrincipal, state: State, week: str = Form(""), carry: str = Form("")) -> Response:
    monday = rostering.monday_of(week, today=_today(state))
    try:
        with session.begin_nested():
            rosters.remove_shift(session, actor=principal, now=state.clock.now(), shift_id=shift_id)
    except DomainError as exc:
        return _back(monday, carry, error=explained(request, principal, exc))
    return _back(monday, carry, done="removed")


@router.post("/calls/roster/shifts/{shift_id}/change", response_model=None)
def roster_change(
    request: Request, shift_id: int, session: DbSession, principal: CurrentPrincipal, state: State, week: str = Form(""), carry: str = Form(""),
    starts_at: str = Form(""), ends_at: str = Form(""),
) -> Response:
    """An agent asked to come early (``starts_at``) or to stay on (``ends_at``)."""
    monday = rostering.monday_of(week, today=_today(state))
    try:
        with session.begin_nested():
            rosters.change_shift(session, actor=principal, now=state.clock.now(), shift_id=shift_id, starts_at=_moment(starts_at, "starts_at"), ends_at=_moment(ends_at, "ends_at"))
    except DomainError as exc:
        return _back(monday, carry, error=explained(request, principal, exc))
    return _back(monday, carry, done="changed")


def _moment(text: str, name: str) -> datetime | None:
    """A time from the form (2026-12-07T18:00, Asia/Shanghai); blank: None."""
    if not text.strip():
        return None
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput.field(name, T_("must be a date and time, e.g. 2026-12-07T18:00")) from None
    return at if at.tzinfo else at.replace(tzinfo=SHANGHAI)
