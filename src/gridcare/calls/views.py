"""Pages: the agent console (incoming-call card, current call, quick actions), call
statistics, local repair lines, QA review and scoring, the recording player's source."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from gridcare.auth.rules import Action, can
from gridcare.auth.scoping import require
from gridcare.calls import (
    handovers,
    lines,
    lookup,
    periods,
    qa,
    quality,
    reports,
    rosters,
    seats,
    service,
    shifts,
    staffing,
    targets,
)
from gridcare.calls.roster_views import carried_query
from gridcare.calls.routing import SeatStatus
from gridcare.core.bounds import whole_number
from gridcare.core.errors import DomainError, InvalidInput
from gridcare.core.i18n import T_
from gridcare.customers.phones import display_phone
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.web.render import explained, render
from gridcare.workorders import states as order_states

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])
CATEGORIES = ("repair", "consultation", "complaint", "reconnection", "service_request", "suggestion", "praise")


def _numbers(calls: list[Any]) -> dict[int, str]:
    """How each call's caller is shown: in national format when the number is valid."""
    return {c.id: display_phone(c.caller_e164) if c.caller_e164 else (c.caller or "—") for c in calls}


def _back(path: str, error: str = "") -> RedirectResponse:
    return RedirectResponse(path + (("&" if "?" in path else "?") + "error=" + quote(error) if error else ""), status_code=303)


def _card_context(session: DbSession, principal: Any, now: Any, call_id: int) -> dict[str, Any]:
    found = lookup.card(session, actor=principal, now=now, call_id=call_id)
    call = found["call"]
    # A local repair line's calls are mostly repairs; the hotline's start as consultations.
    found["default_category"] = "repair" if call.line_id else "consultation"
    found["order_key"] = f"call-{call.id}-{secrets.token_hex(4)}"
    found["categories"] = CATEGORIES
    found["answerable"] = [c for c in CATEGORIES if order_states.answerable(c)]
    return found


@router.get("/calls", response_class=HTMLResponse)
def console(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, call: int | None = None, error: str = "") -> HTMLResponse:
    now = state.clock.now()
    current = service.current_call(session, actor=principal, now=now)
    shown = call or (current.id if current else None)
    seat = next((s for s in seats.seats(session, actor=principal, now=now) if s.user_id == principal.user_id), None)
    pending = None if seat is not None else seats.own_extension(session, actor=principal)
    start, _end = periods.period(None, None, now=now, default_days=1)
    recent = service.list_calls(session, actor=principal, start=start, mine=True, limit=15)
    return render(
        request,
        "calls/console.html",
        principal=principal,
        seat=seat,
        pending_extension=pending,
        statuses=[s.value for s in SeatStatus],
        current=current,
        card=_card_context(session, principal, now, shown) if shown else None,
        recent=recent,
        numbers=_numbers(recent + ([current] if current else [])),
        my_shifts=rosters.my_next(session, actor=principal, now=now),
        handovers_waiting=handovers.waiting_for(session, actor=principal, now=now),
        now=now,
        error=error,
    )


@router.post("/calls/staffing/targets", response_model=None)
def staffing_targets(
    request: Request, session: DbSession, principal: CurrentPrincipal, state: State, company: str = Form(""), weeks: str = Form(""), target_seconds: str = Form(""),
    service_level: str = Form(""), shrinkage: str = Form(""), shift_hours: str = Form(""), starts: str = Form(""), workdays: str = Form(""),
) -> Response:
    """Make the figures on the forecast page the company's targets."""
    typed = {"weeks": weeks, "target_seconds": target_seconds, "service_level": service_level, "shrinkage": shrinkage, "shift_hours": shift_hours, "workdays": workdays}
    query = {"company": company} if company else {}
    try:
        values: dict[str, Any] = {name: whole_number(text, name) for name, text in typed.items()} | {"starts": starts}
        require(principal, Action.CALLS_MANAGE)
        with session.begin_nested():
            chosen, _ = reports.hotline_company(session, actor=principal, company=company or None)
            if chosen is None:
                raise InvalidInput.field("company", T_("must be one of %(choices)s", choices="—"))
            targets.save(session, actor=principal, now=state.clock.now(), unit=chosen, values=values)
    except DomainError as exc:
        return RedirectResponse("/calls/staffing?" + urlencode(query | typed | {"starts": starts, "error": explained(request, principal, exc)}), status_code=303)
    return RedirectResponse("/calls/staffing?" + urlencode(query | {"done": "targets"}), status_code=303)


def _asked_period(request: Request, principal: Any, now: datetime, *, max_days: int) -> tuple[datetime, datetime, str]:
    """The period the page's form asks for, or, when it cannot be shown, the default one and
    why: the reader keeps the page and its form to correct the dates."""
    params = request.query_params
    try:
        start, end = periods.period(params.get("from"), params.get("to"), now=now, max_days=max_days)
        return start, end, ""
    except InvalidInput as exc:
        start, end = periods.period(None, None, now=now)
        return start, end, explained(request, principal, exc)


@router.get("/calls/stats", response_class=HTMLResponse)
def stats_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> HTMLResponse:
    now = state.clock.now()
    start, end, error = _asked_period(request, principal, now, max_days=reports.MAX_DAYS)
    found = reports.figures(session, actor=principal, start=start, end=end)
    chart = {
        "hours": [r["hour"] for r in found["hour"]],
        "answered": [r["answered"] for r in found["hour"]],
        "abandoned": [r["abandoned"] for r in found["hour"]],
        "days": [r["day"] for r in found["day"]],
        "day_offered": [r["offered"] for r in found["day"]],
        "day_answer_rate": [round(100 * (r["answer_rate"] or 0), 1) for r in found["day"]],
        "queues": [r["queue"] for r in found["queue"]],
        "queue_offered": [r["offered"] for r in found["queue"]],
    }
    first, last = periods.local_dates(start, end)
    return render(
        request, "calls/stats.html", principal=principal, f=found, seats=rosters.board(session, actor=principal, now=now),
        chart_json=json.dumps(chart, ensure_ascii=False), first=first, last=last, error=error, status_code=422 if error else 200,
    )


@router.get("/calls/staffing", response_class=HTMLResponse)
def staffing_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> HTMLResponse:
    """Agents each hour of the week needs, next to how many answered, and the shifts that
    roster them; a bad figure in the form keeps the page on the defaults and says which."""
    now, params = state.clock.now(), request.query_params
    error = ""
    try:
        # A figure left blank is the company's target; a blank "starts" sent by the form means any hour.
        asked = {name: whole_number(params.get(name), name) for name in staffing.DEFAULTS | shifts.DEFAULTS}
        starts = shifts.parse_starts(params["starts"]) if "starts" in params else None
        found = reports.shift_plan(session, actor=principal, now=now, company=params.get("company") or None, starts=starts, **asked)
    except InvalidInput as exc:
        error = explained(request, principal, exc)
        found = reports.shift_plan(session, actor=principal, now=now)
    error = error or params.get("error", "")[:300]  # a refused save of the targets, said by the redirect
    by_hour, totals = staffing.week_table(found["slots"])
    shown = {name: params.get(name, found[name]) if error else found[name] for name in staffing.DEFAULTS | shifts.DEFAULTS}
    shown["starts"] = params.get("starts", "") if error else shifts.format_starts(frozenset(found["starts"]))
    first, last = periods.local_dates(found["from"], found["to"])
    held = found["targets"]
    return render(
        request, "calls/staffing.html", principal=principal, by_hour=by_hour, totals=totals, shown=shown, first=first, last=last, error=error,
        targets=held, shown_differs=any(str(shown[k]) != str(held[k]) for k in held), can_manage=can(principal, Action.CALLS_MANAGE), done=params.get("done", ""),
        companies=found["companies"], company=found["company"], plan=found["plan"],
        roster_query=carried_query(found["company"], found["companies"], {k: found[k] for k in staffing.DEFAULTS}, found["targets"]), left_out=[d.strftime("%m-%d") for d in found["left_out"]], outage_calls_left_out=found["outage_calls_left_out"], outages_ahead=found["outages_ahead"],
        status_code=422 if error else 200,
    )


@router.get("/calls/lines", response_class=HTMLResponse)
def lines_page(request: Request, session: DbSession, principal: CurrentPrincipal, error: str = "") -> HTMLResponse:
    from gridcare.auth import service as auth

    units = [u for u in auth.list_org_units(session, actor=principal) if u.kind == "station"]
    names = {u.id: u.name for u in units}
    return render(request, "calls/lines.html", principal=principal, lines=lines.list_lines(session, actor=principal), units=units, unit_names=names, error=error, can_manage=can(principal, Action.CALLS_MANAGE))


@router.post("/calls/lines", response_model=None)
def lines_save(session: DbSession, request: Request, principal: CurrentPrincipal, state: State, number: str = Form(""), name: str = Form(""), org_unit_id: int = Form(0), line_id: int | None = Form(None), active: str = Form("")) -> Response:
    try:
        with session.begin_nested():
            if line_id:
                lines.set_line_active(session, actor=principal, now=state.clock.now(), line_id=line_id, active=active == "1")
            else:
                lines.register_line(session, actor=principal, now=state.clock.now(), number=number, name=name, org_unit_id=org_unit_id)
    except DomainError as exc:
        return _back("/calls/lines", explained(request, principal, exc))
    return _back("/calls/lines")


@router.get("/calls/qa", response_class=HTMLResponse)
def qa_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, by: str = "agent", error: str = "", sampled: int | None = None) -> HTMLResponse:
    now = state.clock.now()
    # The results below run over the same span as the queue: one bound for both.
    start, end, refused = _asked_period(request, principal, now, max_days=qa.MAX_QUEUE_DAYS)
    error = error or refused
    queue = quality.review_queue(session, actor=principal, start=start, end=end, limit=100)
    staff_ids = {c.agent_user_id for c, _t in queue if c.agent_user_id}
    from gridcare.grids import queries as grid_queries

    first, last = periods.local_dates(start, end)
    return render(
        request, "calls/qa.html", principal=principal, queue=queue, staff=grid_queries.staff_names(session, set(staff_ids)),
        lines=lines.line_names(session, ids=[c.line_id for c, _t in queue if c.line_id]), results=quality.results(session, actor=principal, start=start, end=end, by=by),
        by=by, first=first, last=last, error=error, sampled=sampled, percent=quality.DEFAULT_SAMPLE_PERCENT, numbers=_numbers([c for c, _t in queue]),
        status_code=422 if refused else 200,
    )


@router.post("/calls/qa/sample", response_model=None)
def qa_sample(session: DbSession, request: Request, principal: CurrentPrincipal, state: State, start: str = Form(""), end: str = Form(""), percent: str = Form("5")) -> Response:
    now = state.clock.now()
    try:
        with session.begin_nested():
            begin, stop = periods.period(start or None, end or None, now=now)
            try:
                share = float(percent)
            except ValueError:
                raise InvalidInput.field("percent", T_("must be a number")) from None
            chosen = quality.sample(session, actor=principal, now=now, start=begin, end=stop, percent=share)
    except DomainError as exc:
        return _back("/calls/qa", explained(request, principal, exc))
    return RedirectResponse(f"/calls/qa?from={start}&to={end}&sampled={len(chosen)}", status_code=303)


@router.get("/calls/qa/{call_id}", response_class=HTMLResponse)
def qa_score_page(call_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State, error: str = "") -> HTMLResponse:
    from gridcare.auth.scoping import require
    from gridcare.grids import queries as grid_queries

    require(principal, Action.CALLS_QA)
    call = service.get_call(session, actor=principal, call_id=call_id)
    given = quality.scores_of(session, actor=principal, call_id=call_id)
    mine = next((s for s in given if s.scorer_id == principal.user_id), None)
    staff = grid_queries.staff_names(session, {call.agent_user_id} if call.agent_user_id else set())
    return render(
        request, "calls/qa_score.html", principal=principal, call=call, checklist=quality.active_checklist(session), given=given, mine=mine,
        agent=staff.get(call.agent_user_id, ("—", "", ""))[0] if call.agent_user_id else "—", number=_numbers([call])[call.id],
        line=lines.line_names(session, ids=[call.line_id]).get(call.line_id) if call.line_id else None, error=error,
    )


@router.post("/calls/qa/{call_id}", response_model=None)
async def qa_score_save(call_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = await request.form()
    scores = {k.removeprefix("score."): str(v) for k, v in form.items() if k.startswith("score.")}
    try:
        with session.begin_nested():
            quality.score_call(session, actor=principal, now=state.clock.now(), call_id=call_id, scores=scores, comment=str(form.get("comment", "")))
    except DomainError as exc:
        return _back(f"/calls/qa/{call_id}", explained(request, principal, exc))
    return RedirectResponse(f"/calls/qa/{call_id}?saved=1", status_code=303)


@router.get("/calls/{call_id}/card", response_class=HTMLResponse)
def card_fragment(call_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> HTMLResponse:
    """The card alone, for the console's push handler to drop in."""
    return render(request, "calls/_card.html", principal=principal, card=_card_context(session, principal, state.clock.now(), call_id))


@router.get("/calls/{call_id}/search", response_class=HTMLResponse)
def card_search(call_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, q: str = "") -> HTMLResponse:
    from gridcare.customers import queries as customer_queries
    from gridcare.customers import service as customers

    service.get_call(session, actor=principal, call_id=call_id)
    rows, total = customers.search(session, actor=principal, query=q, limit=8) if len(q.strip()) >= 2 else ([], 0)
    return render(request, "calls/_search.html", principal=principal, call_id=call_id, rows=customer_queries.summaries(session, rows), total=total, q=q)


@router.post("/calls/status", response_model=None)
def status_save(session: DbSession, request: Request, principal: CurrentPrincipal, state: State, status: str = Form(...)) -> Response:
    try:
        with session.begin_nested():
            seats.set_status(session, actor=principal, now=state.clock.now(), status=status)
    except DomainError as exc:
        return _back("/calls", explained(request, principal, exc))
    return _back("/calls")


@router.post("/calls/{call_id}/customer", response_model=None)
def link_save(call_id: int, session: DbSession, request: Request, principal: CurrentPrincipal, state: State, customer_id: int = Form(...)) -> Response:
    try:
        with session.begin_nested():
            service.link_customer(session, actor=principal, now=state.clock.now(), call_id=call_id, customer_id=customer_id)
    except DomainError as exc:
        return _back(f"/calls?call={call_id}", explained(request, principal, exc))
    return _back(f"/calls?call={call_id}")


@router.post("/calls/{call_id}/new-customer", response_model=None)
def new_customer_save(call_id: int, session: DbSession, request: Request, principal: CurrentPrincipal, state: State, account: str = Form(""), name: str = Form(""), address: str = Form(""), utility: str = Form("electric"), phone: str = Form("")) -> Response:
    try:
        with session.begin_nested():
            service.register_caller(session, actor=principal, now=state.clock.now(), call_id=call_id, account=account, name=name, address=address, utility=utility, phone=phone or None)
    except DomainError as exc:
        return _back(f"/calls?call={call_id}", explained(request, principal, exc))
    return _back(f"/calls?call={call_id}")


@router.post("/calls/{call_id}/order", response_model=None)
def order_save(
    call_id: int, session: DbSession, request: Request, principal: CurrentPrincipal, state: State, category: str = Form(""), description: str = Form(""), customer_id: int | None = Form(None),
    caller_name: str = Form(""), address: str = Form(""), idempotency_key: str = Form(""), answered: str = Form(""), answer: str = Form(""), knowledge_article_id: str = Form(""),
) -> Response:
    try:
        article_id = whole_number(knowledge_article_id, "knowledge_article_id")
        if answered and not answer.strip() and article_id is None:
            # The answer form must not fall back to dispatching: that is the other button.
            raise InvalidInput.field("answer", T_("say what the caller was told, or choose the article that answered"))
        with session.begin_nested():
            created = service.start_order(
                session, actor=principal, now=state.clock.now(), call_id=call_id, category=category, description=description, customer_id=customer_id,
                caller_name=caller_name, address=address, idempotency_key=idempotency_key or None, answer=answer, knowledge_article_id=article_id,
            )
    except DomainError as exc:
        return _back(f"/calls?call={call_id}", explained(request, principal, exc))
    return RedirectResponse(f"/orders/{created.order.id}", status_code=303)


@router.get("/calls/{call_id}/recording", response_model=None)
def recording(call_id: int, request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    """The recording, fetched by the server: the PBX is often unreachable from agents'
    browsers, and the page's content policy allows media from this origin only. Range
    requests pass through, so the player can seek."""
    call = service.get_call(session, actor=principal, call_id=call_id)
    url = call.recording_url
    if not url:
        return Response(status_code=404)
    if url.startswith("/"):
        return RedirectResponse(url, status_code=307)
    headers = {"Range": request.headers["range"]} if "range" in request.headers else {}
    try:
        upstream = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10)  # noqa: S310 - http(s) only, checked at ingestion
    except urllib.error.HTTPError as exc:
        return Response(status_code=exc.code if exc.code in (404, 416) else 502)
    except (urllib.error.URLError, OSError):
        return Response(status_code=502)

    def chunks() -> Iterator[bytes]:
        with upstream:
            while block := upstream.read(64 * 1024):
                yield block

    passed = {k: upstream.headers[k] for k in ("Content-Type", "Content-Length", "Content-Range", "Accept-Ranges") if upstream.headers.get(k)}
    return StreamingResponse(chunks(), status_code=upstream.status, headers=passed, media_type=passed.get("Content-Type", "audio/wav"))
