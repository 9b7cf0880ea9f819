"""REST: work orders — intake (idempotent), queue, detail with countdowns, commands."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status
from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from gridcare.core.principal import Principal
from gridcare.web.deps import (
    CsrfChecked,
    CurrentPrincipal,
    DbSession,
    IntakeLimited,
    State,
    read_in_one_hop,
    signed_in,
)
from gridcare.web.phone import SUBMISSION, phone_id
from gridcare.workorders import from_phone, links, queries, service
from gridcare.workorders.schemas import (
    AnsweredOut,
    CommandIn,
    CountdownOut,
    EventOut,
    LinkIn,
    OrderDetail,
    OrderIn,
    OrderOut,
)

router = APIRouter(prefix="/api/v1/work-orders", tags=["work orders"], dependencies=[CsrfChecked])


@router.post("", response_model=OrderOut, status_code=status.HTTP_201_CREATED, dependencies=[IntakeLimited], responses={429: {"description": "Too many orders from this client (GRIDCARE_RATE_LIMITS); see Retry-After"}})
async def create(request: Request, body: OrderIn, state: State, idempotency_key: str | None = Header(default=None)) -> Response:
    """Create an order from any channel; it is dispatched at once. Send an Idempotency-Key
    header (or ``idempotency_key``) to make retries safe: a repeat returns 200 and the order."""
    data = body.model_dump()
    data["idempotency_key"] = body.idempotency_key or idempotency_key
    intake = service.Intake(**data)

    def take(session: Session) -> tuple[bool, str]:
        created = service.create_order(session, actor=signed_in(request, session), now=state.clock.now(), intake=intake)
        return created.replayed, OrderOut.model_validate(created.order).model_dump_json()

    # The busiest write of all goes through group commit: many intakes share one commit.
    replayed, payload = await state.writes.run(take, ahead=service.read_intake_ahead, key=(intake, state.clock.now()))
    return Response(payload, status_code=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED, media_type="application/json")


_ORDER_LIST = TypeAdapter(list[OrderOut])


@router.get("", response_model=list[OrderOut])
async def list_orders(request: Request, state: State, status: str | None = None, mine: bool = False, late: bool = False, limit: int = 200) -> Response:
    """The queue: a desk's view, refreshed all day long, so in one thread-pool hop."""

    def build(session: Session, principal: Principal) -> bytes:
        found = queries.queue(session, actor=principal, status=status, mine=mine, late_only=late, now=state.clock.now(), limit=max(1, min(limit, 1000)))
        return _ORDER_LIST.dump_json(_ORDER_LIST.validate_python(found, from_attributes=True))

    return Response(await read_in_one_hop(request, build), media_type="application/json")


@router.get("/answered", response_model=list[AnsweredOut])
def answered(session: DbSession, principal: CurrentPrincipal, state: State, days: int = Query(queries.ANSWERED_DAYS, ge=1, le=31), limit: int = Query(200, ge=1, le=1000)) -> Any:
    """Demands in the reader's scope answered as they were taken (当场解答) over the last
    ``days``, newest first: a rep hears what the hotline settled in their grids."""
    return queries.answered_at_intake(session, actor=principal, since=state.clock.now() - timedelta(days=days), limit=limit)


@router.get("/{order_id}", response_model=OrderDetail)
def get(order_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    found = queries.detail(session, actor=principal, order_id=order_id, now=state.clock.now())
    return OrderDetail(
        **OrderOut.model_validate(found["order"]).model_dump(),
        countdowns=[CountdownOut(**c) for c in found["countdowns"]],
        timeline=[EventOut.model_validate(e) for e in found["timeline"]],
        commands=found["commands"],
    )


@router.post("/{order_id}/commands", response_model=OrderOut)
def command(
    order_id: int, body: CommandIn, session: DbSession, principal: CurrentPrincipal, state: State, idempotency_key: Annotated[str, Header(description=SUBMISSION)] = ""
) -> Any:
    """Move the order on: accept, arrive (args lon, lat), resolve (resolution, note),
    callback (satisfaction 1–5), close, request_transfer (reason), approve_transfer …
    A handler's phone that kept accept, arrive or resolve without signal sends ``made_at``,
    ``phone_time`` and ``submission`` (or the Idempotency-Key header): the step counts from
    when it was made, and sent twice it is taken once."""
    return from_phone.execute(
        session, actor=principal, now=state.clock.now(), order_id=order_id, command=body.command, args=body.args,
        made_at=body.made_at, phone_time=body.phone_time, submission=phone_id(body.submission, idempotency_key),
    )  # fmt: skip


@router.post("/{order_id}/links", response_model=list[OrderOut])
def link(order_id: int, body: LinkIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """Link a related order (both ways; linking again changes nothing). Returns the links."""
    order = links.link(session, actor=principal, now=state.clock.now(), order_id=order_id, other=body.other, note=body.note)
    return links.linked(session, actor=principal, order=order)
