"""Who is calling, and where the call should go: the screen-pop card and the routing
facts. Read-only; every figure comes from the owning domain's service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, or_, select
from sqlalchemy.orm import Session

from gridcare.auth.rules import Action
from gridcare.auth.scoping import ScopedStatement, require
from gridcare.calls import routing
from gridcare.calls.lines import line_names
from gridcare.calls.models import AgentExtension, CallRecord
from gridcare.calls.seats import ACTIVE_STATES, STALE_CALL
from gridcare.calls.service import get_call
from gridcare.core.principal import Principal, Role, system_principal
from gridcare.customers.phones import display_phone, match_keys
from gridcare.together import Reads, read, together
from gridcare.workorders import queries as order_queries

LAST_ORDERS = 5
LAST_CALLS = 5


def outages_for_customer(session: Session, *, customer_ids: list[int], now: datetime) -> list[dict[str, Any]]:
    """Open outages covering these customers, each {"id", "number", "title", "kind",
    "status", "eta", "customer_ids"}: predicted, active, or planned to start today."""
    return read(session, _outages_reads(customer_ids=customer_ids, now=now))


def _outages_reads(*, customer_ids: list[int], now: datetime) -> Reads[list[dict[str, Any]]]:
    from gridcare.outages import service as outages

    keys = ("id", "number", "title", "kind", "status", "eta", "customer_ids")
    found = outages.outages_covering_reads(customer_ids=customer_ids, now=now)
    return Reads(found.statements, lambda rows: [{k: o[k] for k in keys} for o in found.answer(rows)])


def _grid_staff(session: Session, grid_ids: set[tuple[int, str]]) -> dict[int, dict[str, Any]]:
    from gridcare.auth import service as auth
    from gridcare.grids import service as grids

    found = {gid: grids.summary(session, grid_id=gid, utility=utility) for gid, utility in grid_ids}
    # Both from caches: a screen pop waits on each query it makes.
    staff = auth.contacts(session, user_ids=[uid for g in found.values() if g for uid in (g.rep_id, g.backup_id)])
    out = {}
    for gid, g in found.items():
        if g is None:
            continue
        rep, backup = staff.get(g.rep_id), staff.get(g.backup_id)
        out[gid] = {"id": g.id, "code": g.code, "name": g.name, "rep_id": g.rep_id, **_person("rep", rep), **_person("backup", backup)}
    return out


def _person(role: str, found: Any) -> dict[str, str]:
    """``{role: name, role_phone: phone as shown}``, empty when nobody holds the role."""
    return {role: found.display_name if found else "", f"{role}_phone": display_phone(found.phone) if found and found.phone else ""}


def card(session: Session, *, actor: Principal, now: datetime, call_id: int) -> dict[str, Any]:
    """Everything the agent needs when the phone rings: the call, every customer with the
    caller's number (or the one the agent linked), their tags, grid and rep, open orders
    with countdowns, the last orders and calls, and any outage that covers them."""
    from gridcare.customers import queries as customer_queries
    from gridcare.customers import service as customers

    call = get_call(session, actor=actor, call_id=call_id)
    number = call.caller if call.direction == "inbound" else call.callee
    if call.customer_id is not None:
        rows = customer_queries.summaries(session, [customers.get_customer(session, actor=actor, customer_id=call.customer_id)])
    else:
        rows = customer_queries.summaries_by_phone(session, actor=actor, phone=number) if number else []
    ids = [c["id"] for c in rows]
    grids = _grid_staff(session, {(c["grid_id"], c["utility"]) for c in rows if c["grid_id"]})
    # All three wait only for the customers: one round trip for them on PostgreSQL.
    orders, outages, calls = together(
        session,
        order_queries.of_customers_reads(session, actor=actor, customer_ids=ids, now=now, last=LAST_ORDERS),
        _outages_reads(customer_ids=ids, now=now),
        _last_calls_reads(actor=actor, call=call, customer_ids=ids),
    )
    for row in rows:
        row["grid"] = grids.get(row["grid_id"])
        row["open_orders"] = orders.get(row["id"], {}).get("open", [])
        row["last_orders"] = orders.get(row["id"], {}).get("last", [])
        row["outages"] = [o for o in outages if row["id"] in o.get("customer_ids", ())]
    return {
        "call": call,
        "caller_display": display_phone(call.caller_e164) if call.caller_e164 else (call.caller or ""),
        "line": line_names(session, ids=[call.line_id]).get(call.line_id) if call.line_id else None,
        "customers": rows,
        "known": bool(rows),
        "last_calls": calls,
        "outages": outages,
    }


def _last_calls_reads(*, actor: Principal, call: CallRecord, customer_ids: list[int]) -> Reads[list[Row[Any]]]:
    """The caller's previous calls: from this number, or linked to their customers (rows
    with every column of a ``CallRecord``)."""
    if not customer_ids and not call.caller_e164:
        return Reads((), lambda _: [])
    # An empty list matches no customer, and a NULL number no call: one statement for all.
    found = _LAST_CALLS.bound(actor, call_id=call.id, customer_ids=list(customer_ids), e164=call.caller_e164 or None)
    return Reads((found,), lambda rows: list(rows[0]))


_LAST_CALLS = ScopedStatement(
    lambda scope: select(*CallRecord.__table__.c)
    .where(
        *scope,
        CallRecord.id != bindparam("call_id"),
        or_(CallRecord.customer_id.in_(bindparam("customer_ids", expanding=True)), CallRecord.caller_e164 == bindparam("e164")),
    )
    .order_by(CallRecord.started_at.desc())
    .limit(LAST_CALLS),
    org_path=CallRecord.org_path,
)


# --- routing ----------------------------------------------------------------------------


def _seats_of(session: Session, user_ids: list[int], now: datetime) -> dict[int, tuple[AgentExtension | None, bool]]:
    """(registered seat or None, on a call now) per user."""
    if not user_ids:
        return {}
    found = {s.user_id: s for s in session.scalars(select(AgentExtension).where(AgentExtension.user_id.in_(user_ids)))}
    busy = set(
        session.scalars(
            select(CallRecord.agent_user_id).where(CallRecord.agent_user_id.in_(user_ids), CallRecord.state.in_(ACTIVE_STATES), CallRecord.started_at >= now - STALE_CALL)
        )
    )
    return {uid: (found.get(uid), uid in busy) for uid in user_ids}


def _off_duty(session: Session, now: datetime, user_ids: list[int]) -> frozenset[int]:
    from gridcare.workorders import duty

    return duty.away(session, now=now, user_ids=list(user_ids))


def _seat(user: Any, seat: AgentExtension | None, on_call: bool, off: frozenset[int], now: datetime) -> routing.Seat:
    return routing.Seat(
        user_id=user.id, name=user.display_name, extension=seat.extension if seat else None, phone=user.phone,
        status=routing.effective_status(seat.status, seat.status_since, now) if seat else None, on_duty=user.id not in off, on_call=on_call,
    )


def route_facts(session: Session, *, now: datetime, caller: str) -> routing.RouteFacts:
    from gridcare.auth import service as auth
    from gridcare.customers import service as customers
    from gridcare.grids import service as grids

    everyone = system_principal("calls")
    matches = customers.find_by_phone(session, actor=everyone, phone=caller) if match_keys(caller) else []
    by_grid = {(c.grid_id, c.utility) for c in matches if c.grid_id is not None}
    summaries = [grids.summary(session, grid_id=gid, utility=u) for gid, u in by_grid]
    codes = tuple(sorted(s.code for s in summaries if s))
    experts = [u for u in auth.list_users(session, actor=everyone, role=Role.EXPERT) if u.is_active]
    rep_id = summaries[0].rep_id if len(summaries) == 1 and summaries[0] is not None else None
    off = _off_duty(session, now, [u.id for u in experts] + ([rep_id] if rep_id is not None else []))
    rep = None
    if rep_id is not None:
        user = auth.find_user(session, user_id=rep_id)
        if user is not None and user.is_active:
            seat, on_call = _seats_of(session, [user.id], now)[user.id]
            rep = _seat(user, seat, on_call, off, now)
    expert_seats = _seats_of(session, [u.id for u in experts], now)
    # Only experts with a registered seat take calls; the one idle longest comes first.
    registered = sorted(((u, *expert_seats[u.id]) for u in experts if expert_seats[u.id][0] is not None), key=lambda t: t[1].status_since)
    seats = [_seat(u, seat, on_call, off, now) for u, seat, on_call in registered]
    outages = outages_for_customer(session, customer_ids=[c.id for c in matches], now=now)
    outage = routing.OutageFact(id=outages[0]["id"], title=outages[0].get("title", ""), eta=outages[0].get("eta")) if outages else None
    return routing.RouteFacts(customers=len(matches), grid_codes=codes, rep=rep, experts=tuple(seats), outage=outage)


def route_call(session: Session, *, actor: Principal, now: datetime, caller: str) -> routing.Route:
    require(actor, Action.CALLS_READ)
    return routing.route(route_facts(session, now=now, caller=caller))

