"""REST: CTI events in, routing, the screen-pop card, agent status, local repair lines,
statistics and QA."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.calls import (
    lines,
    lookup,
    periods,
    quality,
    reports,
    rosters,
    seats,
    service,
    shifts,
    targets,
)
from gridcare.calls.schemas import (
    CallOut,
    ChecklistIn,
    ChecklistOut,
    CtiEventIn,
    ExtensionIn,
    IngestOut,
    LineIn,
    LineOut,
    LinePatch,
    LinkIn,
    NewCustomerIn,
    OrderFromCallIn,
    OrderRef,
    RouteOut,
    SampleIn,
    ScoreIn,
    ScoreOut,
    SeatOut,
    StatusIn,
)
from gridcare.core.errors import InvalidInput
from gridcare.core.http import api_locale
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.pubsub import Broadcaster, PushEvent
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State, read_in_one_hop

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/calls", tags=["calls"], dependencies=[CsrfChecked])
From = Annotated[str | None, Query(alias="from", description="A local date (2026-11-24) or an ISO 8601 instant")]
To = Annotated[str | None, Query(description="A local date, inclusive, or an ISO 8601 instant, exclusive")]


def publish_after_commit(session: Session, broadcaster: Broadcaster, pushes: list[PushEvent]) -> None:
    """Send the pushes the moment the transaction commits, before the response: the outbox
    worker polls, and a screen pop cannot wait for its next round. The outbox rows written
    with them still deliver (the browser drops the repeat), so a failed publish loses nothing."""
    if not pushes:
        return

    def publish(_session: Session) -> None:
        for push in pushes:
            try:
                broadcaster.publish(push)
            except Exception as exc:  # noqa: BLE001 - the outbox is the durable path
                log.warning("direct push failed, the outbox will deliver it: %s", exc)

    sa_event.listen(session, "after_commit", publish, once=True)


async def cti_event(request: Request) -> CtiEventIn:
    """JSON, or a form body (Asterisk's CURL() and FreeSWITCH's curl send forms)."""
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            data: Any = dict((await request.form()).items())
        elif "json" not in content_type and not (raw := (await request.body()).strip()).startswith(b"{"):
            # Asterisk's CURL() drops the form content type once any header is set.
            data = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        else:
            data = await request.json()
    except ValueError:
        raise InvalidInput.field("body", T_("must be a JSON object or a form")) from None
    if not isinstance(data, dict):
        raise InvalidInput.field("body", T_("must be a JSON object or a form"))
    try:
        return CtiEventIn.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


_EVENT_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": CtiEventIn.model_json_schema(by_alias=False)},
    "application/x-www-form-urlencoded": {"schema": CtiEventIn.model_json_schema(by_alias=False)},
}}}


@router.post("/events", response_model=IngestOut, openapi_extra=_EVENT_BODY)
def post_event(body: Annotated[CtiEventIn, Depends(cti_event)], session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    """A ringing, answered, transferred or ended event from any PBX. Idempotent: the same
    event again answers 200 with the same record and changes nothing. Events may arrive in
    any order. Ringing at an agent's extension pops the caller's card on their screen."""
    raw = body.model_extra or {}
    found = service.ingest_event(
        session,
        actor=principal,
        now=state.clock.now(),
        event=service.EventInput(
            call_id=body.call_id, event=body.event, at=body.timestamp, caller=body.caller, callee=body.callee, direction=body.direction, queue=body.queue,
            agent_extension=body.agent_extension, recording_url=body.recording_url, event_id=body.event_id, source=body.source, raw={k: str(v)[:500] for k, v in raw.items()},
            score=body.score,
        ),
    )
    publish_after_commit(session, state.broadcaster, found.pushes)
    return {**CallOut.model_validate(found.call).model_dump(), "duplicate": found.duplicate}


@router.get("", response_model=list[CallOut])
def list_calls(session: DbSession, principal: CurrentPrincipal, state: State, from_: From = None, to: To = None, agent_id: int | None = None, mine: bool = False, limit: int = 100) -> Any:
    start, end = periods.period(from_, to, now=state.clock.now())
    return service.list_calls(session, actor=principal, start=start, end=end, agent_id=agent_id, mine=mine, limit=max(1, min(limit, 1000)))


@router.get("/route", response_model=RouteOut, responses={200: {"content": {"text/plain": {"example": "rep;8301;+8613800000005"}}}})
def route(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, caller: str = Query(max_length=64), format: str = Query("json", pattern="^(json|text)$")) -> Any:
    """Where the call should go: the caller's grid rep when on duty and free, else an expert
    seat, else the general queue; a caller inside a known outage gets the outage answer.
    ``format=text`` answers ``destination;extension;phone`` for a PBX dialplan to CUT()."""
    decided = lookup.route_call(session, actor=principal, now=state.clock.now(), caller=caller)
    seat = decided.seat
    outage = decided.outage
    if format == "text":
        return PlainTextResponse(";".join((decided.destination.value, (seat.extension or "") if seat else "", (seat.phone or "") if seat else "")))
    return {
        "destination": decided.destination.value,
        "extension": seat.extension if seat else None,
        "phone": seat.phone if seat else None,
        "user": {"id": seat.user_id, "name": seat.name} if seat else None,
        "reason": decided.reason.in_language(api_locale(request)),
        "outage": {"id": outage.id, "title": outage.title, "eta": outage.eta} if outage else None,
    }


@router.get("/stats")
def statistics(session: DbSession, principal: CurrentPrincipal, state: State, from_: From = None, to: To = None, group: str = "hour") -> dict[str, Any]:
    """Offered, answered and abandoned calls, answer and abandon rates, average speed of
    answer and handling time (seconds), service level, the callers' survey rating and the
    share of answered calls resolved on the call (当场解答); in total and by ``group`` (hour,
    day, queue, agent or line). Local repair lines count like the hotline."""
    if group not in reports.GROUPS:
        raise InvalidInput.field("group", T_("must be one of %(choices)s", choices=", ".join(reports.GROUPS)))
    start, end = periods.period(from_, to, now=state.clock.now())
    found = reports.figures(session, actor=principal, start=start, end=end)
    return {"from": start, "to": end, "group": group, "total": found["total"], "rows": found[group]}


@router.get("/staffing")
def staffing(
    session: DbSession, principal: CurrentPrincipal, state: State, weeks: int | None = None, target_seconds: int | None = None,
    service_level: int | None = None, shrinkage: int | None = None, company: str | None = None,
) -> dict[str, Any]:
    """Agents each hour of the week needs (Erlang C), from the calls of the last ``weeks``
    full weeks: ``service_level`` % answered within ``target_seconds``; ``rostered`` adds
    ``shrinkage`` % of time off the phones; ``seen`` is how many agents answered then, on
    average, ``met`` the share of its calls answered within ``target_seconds`` and ``short``
    whether that fell below ``service_level``. Slots run Monday 0:00 (weekday 0) to Sunday 23:00.
    One company's hotline at a time: ``company`` (a code from ``companies``), the first by default.
    A figure left out is the company's target (``targets``; ``GET /calls/targets``). The week
    is a typical one: public holidays (``left_out``) and the calls planned outages brought
    (``outage_calls_left_out``) are not averaged in; ``GET /calls/roster`` adds a dated week's.
    ``outages_ahead``: the planned outages of the next two weeks, each with the calls it is
    expected to bring (``expected``) and the Monday of its week (``monday``)."""
    found = reports.staffing(session, actor=principal, now=state.clock.now(), weeks=weeks, target_seconds=target_seconds, service_level=service_level, shrinkage=shrinkage, company=company)
    return found | {"slots": [vars(s) for s in found["slots"]]}


@router.get("/staffing/shifts")
def staffing_shifts(
    session: DbSession, principal: CurrentPrincipal, state: State, weeks: int | None = None, target_seconds: int | None = None,
    service_level: int | None = None, shrinkage: int | None = None, company: str | None = None,
    shift_hours: int | None = None, starts: str | None = None, workdays: int | None = None,
) -> dict[str, Any]:
    """The fewest shifts of ``shift_hours`` that roster the forecast's agents (``GET
    /calls/staffing``'s ``rostered``, asked with the same figures) in every hour of the week.
    ``starts``: the hours of the day a shift may start at, comma-separated (blank: any);
    ``workdays``: shifts a week one agent works, which makes ``agents``. ``hours`` gives, for
    each hour from Monday 0:00, the agents needed and those the shifts put on duty;
    ``uncovered`` the hours with calls that no allowed shift reaches. What is left out is the
    company's target."""
    found = reports.shift_plan(
        session, actor=principal, now=state.clock.now(), weeks=weeks, target_seconds=target_seconds, service_level=service_level, shrinkage=shrinkage,
        company=company, shift_hours=shift_hours, starts=None if starts is None else shifts.parse_starts(starts), workdays=workdays,
    )
    plan = found["plan"]
    return {
        **{k: found[k] for k in ("from", "to", "weeks", "target_seconds", "service_level", "shrinkage", "company", "shift_hours", "starts", "workdays")},
        "total": plan.total, "agents": plan.agents, "agent_hours": plan.agent_hours, "needed_hours": plan.needed_hours, "per_day": plan.per_day(),
        "shifts": [vars(s) | {"ends": s.ends} for s in plan.shifts],
        "hours": [{"weekday": h // 24, "hour": h % 24, "needed": n, "covered": c} for h, (n, c) in enumerate(zip(plan.needs, plan.covered, strict=True))],
        "uncovered": [{"weekday": h // 24, "hour": h % 24} for h in plan.uncovered],
    }


class TargetsIn(BaseModel):
    """A company hotline's targets; those left out keep what they were."""

    company: str | None = Field(default=None, max_length=40, description="A company code; the first the reader sees by default")
    weeks: int | None = None
    target_seconds: int | None = None
    service_level: int | None = None
    shrinkage: int | None = None
    shift_hours: int | None = None
    starts: str | None = Field(default=None, max_length=100, description="Hours of the day a shift may start at, comma-separated; blank: any")
    workdays: int | None = None


@router.get("/targets")
def get_targets(session: DbSession, principal: CurrentPrincipal, company: str | None = None) -> dict[str, Any]:
    """The company hotline's targets: the service level the forecast is held to (``weeks`` read,
    ``service_level`` % answered within ``target_seconds``, ``shrinkage`` % off the phones) and
    the shift rules of the plan and the roster (``shift_hours``, ``starts``, ``workdays``)."""
    require(principal, Action.CALLS_READ)
    chosen, _ = reports.hotline_company(session, actor=principal, company=company)
    return {"company": chosen.code if chosen is not None else None} | targets.of(session, chosen)


@router.put("/targets")
def put_targets(body: TargetsIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    """Set the company hotline's targets (supervisors): pages and requests that leave a figure
    out use them from then on."""
    require(principal, Action.CALLS_MANAGE)
    chosen, _ = reports.hotline_company(session, actor=principal, company=body.company)
    if chosen is None:
        raise InvalidInput.field("company", T_("must be one of %(choices)s", choices="—"))
    saved = targets.save(session, actor=principal, now=state.clock.now(), unit=chosen, values=body.model_dump(exclude={"company"}))
    return {"company": chosen.code} | saved


@router.get("/agents", response_model=list[SeatOut])
def agents(session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """The agent status board, each seat against the roster: the shift it is on now and
    whether seat and roster disagree (``adherence``)."""
    return rosters.board(session, actor=principal, now=state.clock.now())


@router.put("/agents/me/status", response_model=SeatOut)
def my_status(body: StatusIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    now = state.clock.now()
    seats.set_status(session, actor=principal, now=now, status=body.status)
    return next(s.__dict__ | {"status": s.status.value} for s in seats.seats(session, actor=principal, now=now) if s.user_id == principal.user_id)


@router.put("/agents/{user_id}/extension")
def set_extension(user_id: int, body: ExtensionIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    seat = seats.set_extension(session, actor=principal, now=state.clock.now(), user_id=user_id, extension=body.extension)
    return {"user_id": seat.user_id, "extension": seat.extension, "status": seat.status}


@router.get("/lines", response_model=list[LineOut])
def list_lines(session: DbSession, principal: CurrentPrincipal) -> Any:
    return lines.list_lines(session, actor=principal)


@router.post("/lines", response_model=LineOut, status_code=201)
def register_line(body: LineIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """Register a station's local repair number; its calls then carry the line."""
    return lines.register_line(session, actor=principal, now=state.clock.now(), number=body.number, name=body.name, org_unit_id=body.org_unit_id)


@router.patch("/lines/{line_id}", response_model=LineOut)
def patch_line(line_id: int, body: LinePatch, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    return lines.set_line_active(session, actor=principal, now=state.clock.now(), line_id=line_id, active=body.active)


def _checklist(found: quality.Checklist) -> dict[str, Any]:
    return {"id": found.id, "code": found.code, "name": found.name, "items": found.items, "max_total": found.max_total}


@router.get("/qa/checklist", response_model=ChecklistOut)
def checklist(session: DbSession, principal: CurrentPrincipal) -> Any:
    return _checklist(quality.active_checklist(session))


@router.post("/qa/checklists", response_model=ChecklistOut, status_code=201)
def new_checklist(body: ChecklistIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """A new checklist replaces the one in force; items are {key, label, weight}."""
    return _checklist(quality.save_checklist(session, actor=principal, now=state.clock.now(), code=body.code, name=body.name, items=body.items))


@router.get("/qa/queue", response_model=list[CallOut])
def qa_queue(session: DbSession, principal: CurrentPrincipal, state: State, from_: From = None, to: To = None, limit: int = 100) -> Any:
    """Answered calls to score: sampled first, then the ones you have not scored."""
    start, end = periods.period(from_, to, now=state.clock.now())
    return [c for c, _mine in quality.review_queue(session, actor=principal, start=start, end=end, limit=max(1, min(limit, 500)))]


@router.post("/qa/sample")
def qa_sample(body: SampleIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    """Mark ``percent`` of each line's and agent's answered calls in the period for review."""
    now = state.clock.now()
    start, end = periods.period(body.from_.isoformat() if body.from_ else None, body.to.isoformat() if body.to else None, now=now, default_days=1)
    chosen = quality.sample(session, actor=principal, now=now, start=start, end=end, percent=body.percent)
    return {"from": start, "to": end, "sampled": len(chosen), "call_ids": chosen}


@router.get("/qa/results")
def qa_results(session: DbSession, principal: CurrentPrincipal, state: State, from_: From = None, to: To = None, by: str = "agent") -> dict[str, Any]:
    """Average score (% of the checklist's points), pass rate, lowest and highest, per agent
    or per team; worst first."""
    start, end = periods.period(from_, to, now=state.clock.now(), default_days=30)
    return {"from": start, "to": end, "by": by, "rows": quality.results(session, actor=principal, start=start, end=end, by=by)}


@router.get("/{call_id}", response_model=CallOut)
def get_call(call_id: int, session: DbSession, principal: CurrentPrincipal) -> Any:
    return service.get_call(session, actor=principal, call_id=call_id)


@router.get("/{call_id}/card", responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}, "description": "The card"}})
async def card(call_id: int, request: Request, state: State) -> Response:
    """The screen-pop card: matching customers with tags, grid and rep, open orders with
    countdowns, last orders and calls, outages covering them."""

    def build(session: Session, principal: Principal) -> bytes:
        found = lookup.card(session, actor=principal, now=state.clock.now(), call_id=call_id)
        return json.dumps(card_json(found), ensure_ascii=False, separators=(",", ":"), default=_json_value).encode()

    # The phone is ringing: one thread-pool hop, not four.
    return Response(await read_in_one_hop(request, build), media_type="application/json")


def _json_value(value: Any) -> Any:
    """What ``jsonable_encoder`` would make of the card's values, without its walk over every
    one of them (a tenth of the card's time)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"the card holds a {type(value).__name__}, which JSON cannot")


def card_json(found: dict[str, Any]) -> dict[str, Any]:
    def order(o: Any) -> dict[str, Any]:
        return {"id": o.id, "number": o.number, "category": o.category, "status": o.status, "created_at": o.created_at, "description": o.description}

    customers = []
    for c in found["customers"]:
        customers.append(
            {
                **{k: c[k] for k in ("id", "account", "name", "address", "utility", "phones", "tags", "grid_id", "grid_code")},
                "grid": c["grid"],
                "open_orders": [{**order(r["order"]), "next_deadline": r["next"]} for r in c["open_orders"]],
                "last_orders": [order(o) for o in c["last_orders"]],
                "outages": c["outages"],
            }
        )
    return {
        "call": CallOut.model_validate(found["call"]).model_dump(),
        "caller": found["caller_display"],
        "line": found["line"],
        "known": found["known"],
        "customers": customers,
        "last_calls": [CallOut.model_validate(c).model_dump() for c in found["last_calls"]],
        "outages": found["outages"],
    }


@router.post("/{call_id}/customer", response_model=CallOut)
def link(call_id: int, body: LinkIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """Say which customer is calling (a shared number, or one found by search)."""
    return service.link_customer(session, actor=principal, now=state.clock.now(), call_id=call_id, customer_id=body.customer_id)


@router.post("/{call_id}/new-customer", response_model=CallOut, status_code=201)
def new_customer(call_id: int, body: NewCustomerIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """Register an unknown caller as a customer, with the number they called from."""
    return service.register_caller(session, actor=principal, now=state.clock.now(), call_id=call_id, **body.model_dump())


@router.post("/{call_id}/work-order", response_model=OrderRef, status_code=201)
def work_order(call_id: int, body: OrderFromCallIn, response: Response, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    """A work order from the call, caller and customer filled in, dispatched at once. The
    same ``idempotency_key`` again answers 200 with the first order."""
    created = service.start_order(session, actor=principal, now=state.clock.now(), call_id=call_id, **body.model_dump())
    if created.replayed:
        response.status_code = 200
    o = created.order
    return {"id": o.id, "number": o.number, "status": o.status, "handler_id": o.handler_id, "dispatch_reason": o.dispatch_reason, "replayed": created.replayed}


@router.get("/{call_id}/qa", response_model=list[ScoreOut])
def call_scores(call_id: int, session: DbSession, principal: CurrentPrincipal) -> Any:
    return quality.scores_of(session, actor=principal, call_id=call_id)


@router.post("/{call_id}/qa", response_model=ScoreOut)
def score(call_id: int, body: ScoreIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """Score the call against the checklist in force: every item, 0 to its weight."""
    return quality.score_call(session, actor=principal, now=state.clock.now(), call_id=call_id, scores=body.scores, comment=body.comment)
