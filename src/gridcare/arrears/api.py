"""REST: hard arrears cases — open, list (``?overdue=true``), follow up, close with an outcome."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from gridcare.arrears import rules, service
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State

router = APIRouter(prefix="/api/v1/arrears", tags=["arrears"], dependencies=[CsrfChecked])


def fen(value: str | float | int, field: str) -> int:
    """Yuan as given (text or number) to whole fen, refusing fractions of a fen."""
    try:
        amount = Decimal(str(value).strip() or "0")
    except InvalidOperation:
        raise InvalidInput.field(field, T_("must be an amount in yuan, e.g. 1234.50")) from None
    # Checked before quantize, which raises on NaN, infinity and amounts past its precision.
    if not amount.is_finite():
        raise InvalidInput.field(field, T_("must be an amount in yuan, e.g. 1234.50"))
    if abs(amount) >= 10**15:
        raise InvalidInput.field(field, T_("is too large"))
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput.field(field, T_("at most two decimals (fen)"))
    return int(amount * 100)


class CaseIn(BaseModel):
    customer_id: int
    amount: str = Field(description="owed, in yuan (e.g. \"1234.50\")")
    months: int = 0
    reason: str = Field(default="", max_length=400)
    next_follow_up_at: datetime | None = None


class FollowUpIn(BaseModel):
    method: str = Field(description="visit, call, sms, notice or meeting")
    note: str = Field(max_length=2000)
    paid: str = Field(default="0", description="paid at this follow-up, in yuan")
    next_follow_up_at: datetime | None = Field(default=None, description="default: in 7 days")


class CloseIn(BaseModel):
    outcome: str = Field(description="paid, instalment, disconnected, written_off or legal")
    note: str = Field(default="", max_length=400)


def detail(session: Session, actor: Principal, case_id: int, now: datetime) -> dict[str, Any]:
    """One case with its follow-ups, read by its id in the caller's scope."""
    case = service.get_case(session, actor=actor, case_id=case_id)
    return service.rows(session, [case], now=now)[0] | {
        "outcome_note": case.outcome_note, "closed_at": case.closed_at,
        "follow_ups": [{"id": f.id, "method": f.method, "note": f.note, "paid": f.paid_fen / 100, "next_follow_up_at": f.next_follow_up_at, "author": f.author, "at": f.at}
                       for f in service.follow_ups_of(session, case_id=case.id)],
    }


@router.get("")
def list_cases(session: DbSession, principal: CurrentPrincipal, state: State, status: str | None = "open", overdue: bool = False, limit: int = 200) -> list[dict[str, Any]]:
    """Cases in your scope (a rep: theirs), earliest follow-up first; ``overdue`` flags those past due."""
    return service.list_cases(session, actor=principal, now=state.clock.now(), status=status or None, overdue=overdue, limit=max(1, min(limit, 1000)))


@router.post("", status_code=status.HTTP_201_CREATED)
def open_case(body: CaseIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    now = state.clock.now()
    case = service.open_case(session, actor=principal, now=now, customer_id=body.customer_id, amount_fen=fen(body.amount, "amount"), months=body.months, reason=body.reason,
                             next_follow_up_at=body.next_follow_up_at)
    return detail(session, principal, case.id, now)


@router.get("/outcomes")
def outcomes(principal: CurrentPrincipal) -> dict[str, dict[str, str]]:
    return {"outcomes": dict(rules.OUTCOMES), "methods": dict(rules.METHODS)}


@router.get("/{case_id}")
def get(case_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    return detail(session, principal, case_id, state.clock.now())


@router.post("/{case_id}/follow-ups", status_code=status.HTTP_201_CREATED)
def follow_up(case_id: int, body: FollowUpIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    now = state.clock.now()
    service.follow_up(session, actor=principal, now=now, case_id=case_id, method=body.method, note=body.note, paid_fen=fen(body.paid, "paid"), next_follow_up_at=body.next_follow_up_at)
    return detail(session, principal, case_id, now)


@router.post("/{case_id}/close")
def close(case_id: int, body: CloseIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    now = state.clock.now()
    service.close(session, actor=principal, now=now, case_id=case_id, outcome=body.outcome, note=body.note)
    return detail(session, principal, case_id, now)
