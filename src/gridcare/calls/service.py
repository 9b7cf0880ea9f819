"""Call use cases: CTI events in (idempotent, in any order), the screen-pop push, and what
an agent does with a call: say who is calling, register them, start a work order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gridcare import outbox
from gridcare.audit import service as audit
from gridcare.auth.rules import Action, RecordScope, can_see
from gridcare.auth.scoping import require, scoped
from gridcare.calls import states
from gridcare.calls.lines import line_for_number
from gridcare.calls.models import CallEvent, CallRecord
from gridcare.calls.routing import SeatStatus
from gridcare.calls.seats import ACTIVE_STATES, STALE_CALL, seat_for_extension, set_seat
from gridcare.core.clock import SHANGHAI, as_utc
from gridcare.core.errors import FieldProblem, InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal, system_principal
from gridcare.customers.phones import display_phone, normalize_phone
from gridcare.pubsub import PushEvent
from gridcare.workorders import states as order_states


@dataclass(frozen=True)
class EventInput:
    call_id: str
    event: str
    at: datetime | None = None
    caller: str = ""
    callee: str = ""
    direction: str = ""
    queue: str = ""
    agent_extension: str = ""
    recording_url: str = ""
    event_id: str | None = None
    source: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    score: int | None = None  # a survey's rating


@dataclass(frozen=True)
class Ingested:
    call: CallRecord
    duplicate: bool
    # Pushes also written to the outbox; the router publishes them once the transaction
    # commits, so the screen pops at once while the outbox stays the durable path.
    pushes: list[PushEvent] = field(default_factory=list)


_LIMITS = {"call_id": 120, "caller": 64, "callee": 64, "queue": 40, "agent_extension": 20, "recording_url": 500, "event_id": 120, "source": 64}


def _problems(e: EventInput) -> list[FieldProblem]:
    problems = []
    if not e.call_id.strip():
        problems.append(FieldProblem("call_id", T_("must not be empty")))
    if e.event not in {k.value for k in states.Kind}:
        problems.append(FieldProblem("event", T_("must be one of %(choices)s", choices=", ".join(k.value for k in states.Kind))))
    if e.direction and e.direction not in states.DIRECTIONS:
        problems.append(FieldProblem("direction", T_("must be %(first)s or %(second)s", first="inbound", second="outbound")))
    for name, limit in _LIMITS.items():
        value = getattr(e, name)
        if value is not None and len(value) > limit:
            problems.append(FieldProblem(name, T_("must be at most %(n)s characters", n=limit)))
    if e.recording_url and not e.recording_url.startswith(("http://", "https://", "/")):
        problems.append(FieldProblem("recording_url", T_("must be an http(s) URL or an absolute path")))
    if e.event == states.Kind.SURVEY.value and e.score not in states.SCORES:
        problems.append(FieldProblem("score", T_("a survey rates the call from %(low)s to %(high)s", low=1, high=5)))
    elif e.event != states.Kind.SURVEY.value and e.score is not None:
        problems.append(FieldProblem("score", T_("only a survey event carries a score")))
    return problems


def _event_time(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        return now
    # PBXs in China keep local time and often omit the offset.
    return as_utc(at.replace(tzinfo=SHANGHAI) if at.tzinfo is None else at)


def _insert(session: Session):  # noqa: ANN202 - the dialect's INSERT … ON CONFLICT
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def ingest_event(session: Session, *, actor: Principal, now: datetime, event: EventInput) -> Ingested:
    """Record one CTI event. The same event again (same event id, or same call, kind and
    instant) changes nothing and answers the same record; events may come in any order."""
    require(actor, Action.CALLS_INGEST)
    problems = _problems(event)
    if problems:
        raise InvalidInput.many(problems)
    kind = states.Kind(event.event)
    at = _event_time(event.at, now)
    source = (event.source or actor.login).strip()
    call_id = event.call_id.strip()
    insert = _insert(session)
    facts0 = states.derive([states.CtiEvent(kind=kind, at=at)])
    created = session.execute(
        insert(CallRecord)
        .values(
            source=source, call_id=call_id, direction="inbound", caller="", callee="", queue="", agent_extension="", org_path=actor.org_path,
            state=facts0.state.value, started_at=at, local_day=facts0.local_day, local_hour=facts0.local_hour, transfers=0, recording_url="",
            customers_matched=0, created_at=now, updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["source", "call_id"])
        .returning(CallRecord.id)
    ).scalar_one_or_none()
    # The row lock serialises events of one call across workers on PostgreSQL.
    call = session.scalars(
        select(CallRecord).where(CallRecord.source == source, CallRecord.call_id == call_id).with_for_update().execution_options(populate_existing=True)
    ).one()
    key = states.dedupe_key(call_id=call_id, kind=kind, at=at, event_id=event.event_id)
    fields = {"caller": event.caller, "callee": event.callee, "direction": event.direction, "queue": event.queue, "agent_extension": event.agent_extension, "recording_url": event.recording_url}
    payload = {**event.raw, **{k: v.strip() for k, v in fields.items()}, "event": kind.value, "at": at.isoformat(), "score": event.score}
    inserted = session.execute(
        insert(CallEvent)
        .values(call_record_id=call.id, source=source, dedupe_key=key, kind=kind.value, at=at, received_at=now, payload=payload)
        .on_conflict_do_nothing(index_elements=["source", "dedupe_key"])
        .returning(CallEvent.id)
    ).scalar_one_or_none()
    if inserted is None:
        return Ingested(call, duplicate=True)
    before = (None, None) if created is not None else (call.state, call.agent_user_id)
    _apply(session, call, now=now)
    return Ingested(call, duplicate=False, pushes=_after_change(session, call, kind=kind, before=before, now=now))


def _stored_events(session: Session, call: CallRecord) -> list[states.CtiEvent]:
    rows = session.scalars(select(CallEvent.payload).where(CallEvent.call_record_id == call.id))
    out = []
    for p in rows:
        out.append(
            states.CtiEvent(
                kind=states.Kind(p["event"]),
                at=as_utc(datetime.fromisoformat(p["at"])),
                caller=str(p.get("caller") or "")[:64],
                callee=str(p.get("callee") or "")[:64],
                direction=str(p.get("direction") or ""),
                queue=str(p.get("queue") or "")[:40],
                agent_extension=str(p.get("agent_extension") or "")[:20],
                recording_url=str(p.get("recording_url") or "")[:500],
                score=p["score"] if isinstance(p.get("score"), int) else None,
            )
        )
    return out


def _apply(session: Session, call: CallRecord, *, now: datetime) -> None:
    facts = states.derive(_stored_events(session, call))
    first_caller = not call.caller and facts.caller
    first_callee = not call.callee and facts.callee
    call.state = facts.state.value
    call.outcome = facts.outcome.value if facts.outcome else None
    call.direction = facts.direction
    call.caller, call.callee, call.queue = facts.caller, facts.callee, facts.queue
    call.ringing_at, call.answered_at, call.transferred_at, call.ended_at = facts.ringing_at, facts.answered_at, facts.transferred_at, facts.ended_at
    call.started_at, call.local_day, call.local_hour = facts.started_at, facts.local_day, facts.local_hour
    call.wait_seconds, call.duration_seconds, call.transfers = facts.wait_seconds, facts.duration_seconds, facts.transfers
    call.recording_url = facts.recording_url
    call.updated_at = now
    if facts.satisfaction != call.satisfaction:
        call.satisfaction = facts.satisfaction
        if call.work_order_id is not None and facts.satisfaction is not None:
            from gridcare.workorders import service as orders

            orders.rate_answered(session, now=now, order_id=call.work_order_id, satisfaction=facts.satisfaction)
    if call.qa_sampled_at is None and call.answered_at is not None and order_states.dissatisfied(call.satisfaction):
        call.qa_sampled_at = now  # reviewed whatever the day's sample; the survey may come before or after the rest
    if facts.agent_extension != call.agent_extension or (facts.agent_extension and call.agent_user_id is None):
        call.agent_extension = facts.agent_extension
        seat = seat_for_extension(session, extension=facts.agent_extension, now=now) if facts.agent_extension else None
        call.agent_user_id = seat.user_id if seat else None
    if first_callee:
        line = line_for_number(session, number=facts.callee)
        if line is not None:
            call.line_id, call.org_path = line.id, line.org_path
    if first_caller:
        from gridcare.customers import service as customers

        number = facts.caller if facts.direction == "inbound" else facts.callee
        call.caller_e164 = normalize_phone(number)
        matches = customers.find_by_phone(session, actor=system_principal("cti"), phone=number)
        call.customers_matched = len(matches)
        call.customer_id = matches[0].id if len(matches) == 1 else call.customer_id


def _push(session: Session, now: datetime, user_id: int, name: str, data: dict[str, Any]) -> PushEvent:
    channel = f"user:{user_id}"
    outbox.enqueue(session, topic="push", key=channel, now=now, payload={"channel": channel, "event": name, "data": data})
    return PushEvent(channel=channel, event=name, data=data)


def _after_change(session: Session, call: CallRecord, *, kind: states.Kind, before: tuple[str | None, int | None], now: datetime) -> list[PushEvent]:
    """Seat status and pushes follow what changed, not the event: a late "answered" after
    "ended" changes neither."""
    state, agent = call.state, call.agent_user_id
    old_state, old_agent = before
    pushes: list[PushEvent] = []
    if old_agent is not None and old_agent != agent and old_state == states.State.ANSWERED.value:
        set_seat(session, user_id=old_agent, status=SeatStatus.AFTER_CALL, now=now, only_if=SeatStatus.BUSY)
    if agent is not None:
        if state == states.State.ANSWERED.value and (old_state != state or old_agent != agent):
            set_seat(session, user_id=agent, status=SeatStatus.BUSY, now=now)
        elif state == states.State.ENDED.value and old_state != state:
            set_seat(session, user_id=agent, status=SeatStatus.AFTER_CALL, now=now, only_if=SeatStatus.BUSY)
        # The card pops where the call rings, follows a transfer, and reaches an agent who
        # picked up a queue call before any ringing named them; the browser drops repeats.
        ringing = kind in (states.Kind.RINGING, states.Kind.TRANSFERRED) and state in (states.State.RINGING.value, states.State.TRANSFERRED.value)
        picked_up = state == states.State.ANSWERED.value and old_agent != agent
        if ringing or picked_up:
            data = {"call_id": call.id, "push_id": f"pop:{call.id}:{agent}", "caller": display_phone(call.caller_e164) if call.caller_e164 else call.caller, "state": state}
            pushes.append(_push(session, now, agent, "call.ringing", data))
        if old_state is not None and old_state != state:
            data = {"call_id": call.id, "push_id": f"state:{call.id}:{state}:{agent}", "state": state, "outcome": call.outcome}
            pushes.append(_push(session, now, agent, "call.updated", data))
    return pushes


# --- calls ------------------------------------------------------------------------------


def _scope(call: CallRecord) -> RecordScope:
    return RecordScope(org_path=call.org_path)


_CALL = select(CallRecord).where(CallRecord.id == bindparam("id"))
_CALL_LOCKED = _CALL.with_for_update()


def get_call(session: Session, *, actor: Principal, call_id: int, lock: bool = False) -> CallRecord:
    require(actor, Action.CALLS_READ)
    call = session.scalar(_CALL_LOCKED if lock else _CALL, {"id": call_id})
    # The agent the call rang at sees it wherever its line belongs.
    if call is None or not (can_see(actor, _scope(call)) or (actor.user_id is not None and call.agent_user_id == actor.user_id)):
        raise NotFound(T_("call_id: no call %(id)s in your scope", id=call_id))
    return call


def list_calls(
    session: Session, *, actor: Principal, start: datetime | None = None, end: datetime | None = None, agent_id: int | None = None, mine: bool = False, limit: int = 100
) -> list[CallRecord]:
    require(actor, Action.CALLS_READ)
    if mine:
        stmt = select(CallRecord).where(CallRecord.agent_user_id == actor.user_id)
    else:
        stmt = scoped(select(CallRecord), actor, org_path=CallRecord.org_path)
    if agent_id is not None:
        stmt = stmt.where(CallRecord.agent_user_id == agent_id)
    if start is not None:
        stmt = stmt.where(CallRecord.started_at >= start)
    if end is not None:
        stmt = stmt.where(CallRecord.started_at < end)
    return list(session.scalars(stmt.order_by(CallRecord.started_at.desc(), CallRecord.id.desc()).limit(limit)))


def current_call(session: Session, *, actor: Principal, now: datetime) -> CallRecord | None:
    """The call ringing at or held by this agent, if any."""
    if actor.user_id is None:
        return None
    stmt = (
        select(CallRecord)
        .where(CallRecord.agent_user_id == actor.user_id, CallRecord.state.in_(ACTIVE_STATES), CallRecord.started_at >= now - STALE_CALL)
        .order_by(CallRecord.started_at.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def link_customer(session: Session, *, actor: Principal, now: datetime, call_id: int, customer_id: int) -> CallRecord:
    """The agent says who is calling: a number shared by a family, or a caller found by search."""
    from gridcare.customers import service as customers

    # Reading calls (a viewer may) is not taking them: saying who called is intake work.
    require(actor, Action.ORDERS_CREATE)
    call = get_call(session, actor=actor, call_id=call_id, lock=True)
    customer = customers.get_customer(session, actor=actor, customer_id=customer_id)
    before = call.customer_id
    call.customer_id, call.updated_at = customer.id, now
    audit.record(session, actor=actor, at=now, action="call.link_customer", entity="call", entity_id=call.id, before={"customer_id": before}, after={"customer_id": customer.id}, org_path=call.org_path)
    return call


def register_caller(session: Session, *, actor: Principal, now: datetime, call_id: int, account: str, name: str, address: str = "", utility: str = "electric", phone: str | None = None) -> CallRecord:
    """A caller we did not know becomes a customer, with the number they called from."""
    from gridcare.customers import service as customers

    call = get_call(session, actor=actor, call_id=call_id, lock=True)
    number = phone or call.caller_e164 or call.caller
    customer = customers.create_customer(session, actor=actor, now=now, account=account, name=name, phones=[number] if number else [], address=address, utility=utility)
    call.customer_id, call.customers_matched, call.updated_at = customer.id, max(1, call.customers_matched), now
    return call


def start_order(
    session: Session, *, actor: Principal, now: datetime, call_id: int, category: str, description: str = "", customer_id: int | None = None,
    caller_name: str = "", address: str = "", idempotency_key: str | None = None, answer: str = "", knowledge_article_id: int | None = None,
) -> Any:
    """A work order from the call, with the caller and customer filled in; the call keeps
    a link to it. With ``answer`` (or the article it came from), the agent answered on the
    call and the order is closed as it is taken. Returns the work order
    (workorders.intake.Created)."""
    from gridcare.workorders import service as orders

    call = get_call(session, actor=actor, call_id=call_id, lock=True)
    customer_id = customer_id or call.customer_id
    intake = orders.Intake(
        category=category, channel="hotline", description=description, customer_id=customer_id, phone=call.caller_e164 or call.caller or None,
        caller_name=caller_name, address=address, idempotency_key=idempotency_key or None, attributes={"call_id": call.id, "call_ref": f"{call.source}:{call.call_id}"},
        answer=answer, knowledge_article_id=knowledge_article_id,
    )
    created = orders.create_order(session, actor=actor, now=now, intake=intake)
    if call.work_order_id is None:
        call.work_order_id = created.order.id
    if order_states.answered_at_intake(created.order.dispatch_reason):
        call.resolved_on_call = True
    if call.satisfaction is not None and call.work_order_id == created.order.id:  # rated before the agent recorded the answer
        orders.rate_answered(session, now=now, order_id=created.order.id, satisfaction=call.satisfaction)
    if customer_id and call.customer_id is None:
        call.customer_id = customer_id
    call.updated_at = now
    return created
