"""REST for the shift handover (交接班): the draft, handing over, taking over, the log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gridcare.calls import handover, handovers
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State

router = APIRouter(prefix="/api/v1/calls/handovers", tags=["calls"], dependencies=[CsrfChecked])


class FollowUpIn(BaseModel):
    number: str = Field(min_length=1, max_length=30, description="A work order number, e.g. GD20261207-000123")
    note: str = Field(default="", max_length=handover.LONGEST_NOTE)


class GiveIn(BaseModel):
    notes: str = Field(min_length=1, max_length=handover.LONGEST_NOTES, description="What the incoming shift has to know")
    follow_ups: list[FollowUpIn] = Field(default_factory=list, max_length=handover.MOST_FOLLOW_UPS)
    company: str | None = Field(default=None, max_length=40)


class ReceiveIn(BaseModel):
    note: str = Field(default="", max_length=handover.LONGEST_NOTE)


def _watched(o: Any) -> dict[str, Any] | None:
    if o is None:
        return None
    return {"id": o.id, "number": o.number, "category": o.category, "status": o.status, "escalation_level": o.escalation_level, "due_at": o.due_at, "done": o.done}


def handover_out(h: handovers.Handover) -> dict[str, Any]:
    return {
        "id": h.id, "given_by": h.given_by, "giver": h.giver, "given_at": h.given_at, "state": h.state, "receive_due_at": h.due_at,
        "shift": {"starts_at": h.shift[0], "ends_at": h.shift[1]} if h.shift else None, "takes_over_at": h.takes_over_at,
        "notes": h.notes, "figures": h.figures, "follow_ups": h.follow_ups,
        "parties": [{"user_id": p.user_id, "name": p.name, "named": p.named, "received_at": p.received_at, "note": p.note} for p in h.parties],
    }


@router.get("")
def get_log(session: DbSession, principal: CurrentPrincipal, state: State, company: str | None = None, days: int = 2) -> dict[str, Any]:
    """The company's handovers of the last ``days`` days (1–31), newest first. ``state``:
    ``received`` once anyone took it over, ``late`` when nobody did within 30 minutes of the
    later of the handover and the incoming shift's start, else ``waiting``."""
    found = handovers.log(session, actor=principal, now=state.clock.now(), company=company, days=days)
    return {"company": found["company"], "days": found["days"], "handovers": [handover_out(h) for h in found["handovers"]]}


@router.get("/draft")
def get_draft(session: DbSession, principal: CurrentPrincipal, state: State, company: str | None = None) -> dict[str, Any]:
    """What a handover given now would hold: the giver's shift on the roster, the agents of the
    incoming shift, the figures as they stand, and the orders the giver took in the shift that
    still wait on the command center (to dispatch, to call back, or escalated)."""
    found = handovers.draft(session, actor=principal, now=state.clock.now(), company=company)
    own = found["shift"]
    return {
        "company": found["company"], "shift": {"starts_at": own.starts_at, "ends_at": own.ends_at} if own else None,
        "incoming": [{"user_id": s.user_id, "name": name, "starts_at": s.starts_at, "ends_at": s.ends_at} for s, name in found["incoming"]],
        "figures": found["figures"], "still_open": [_watched(o) for o in found["still_open"]],
    }


@router.get("/waiting")
def get_waiting(session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    """The handovers the reader is named to take over and has not yet (the last 12 hours)."""
    return {"handovers": [handover_out(h) for h in handovers.waiting_for(session, actor=principal, now=state.clock.now())]}


@router.post("", status_code=201)
def give(body: GiveIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    """Hand the shift over. The incoming shift's agents on the roster are named and get a
    pop-up; every follow-up must be a work order the giver may see."""
    now = state.clock.now()
    row = handovers.give(
        session, actor=principal, now=now, notes=body.notes, company=body.company,
        follow_ups=handover.check_follow_ups([handover.FollowUp(f.number, f.note) for f in body.follow_ups]),
    )
    return handover_out(handovers.one(session, actor=principal, now=now, handover_id=row.id))


@router.get("/{handover_id}")
def get_one(handover_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    """One handover, each figure then against now, and how each follow-up stands now."""
    found = handovers.detail(session, actor=principal, now=state.clock.now(), handover_id=handover_id)
    return handover_out(found["handover"]) | {
        "changes": [{"key": c.key, "then": c.then, "now": c.now} for c in found["changes"]],
        "follow_ups_now": [f | {"order": _watched(o)} for f, o in found["follow_ups"]],
    }


@router.post("/{handover_id}/receive")
def receive(handover_id: int, body: ReceiveIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    """Take the shift over (接班), with a word back if there is one."""
    now = state.clock.now()
    handovers.receive(session, actor=principal, now=now, handover_id=handover_id, note=body.note)
    return handover_out(handovers.one(session, actor=principal, now=now, handover_id=handover_id))
