"""Hard arrears cases (疑难欠费征收追讨): opened for a customer, owned by the grid's rep,
followed up until they close with an outcome; overdue follow-ups are flagged to the rep."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gridcare.arrears import rules
from gridcare.arrears.models import ArrearsCase, FollowUp
from gridcare.audit import service as audit
from gridcare.auth.scoping import scoped
from gridcare.contractors.permissions import Capability, require
from gridcare.core.clock import to_local
from gridcare.core.errors import FieldProblem, InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal

MAX_AMOUNT_FEN = 10**11


def _visible(stmt: Any, actor: Principal) -> Any:
    """Scope as for customers; a rep also sees the cases assigned to them by name."""
    if actor.user_id is not None:
        mine = select(ArrearsCase.id).where(ArrearsCase.assignee_id == actor.user_id)
        return stmt.where(or_(ArrearsCase.id.in_(mine), ArrearsCase.id.in_(scoped(select(ArrearsCase.id), actor, org_path=ArrearsCase.org_path, grid_id=ArrearsCase.grid_id))))
    return scoped(stmt, actor, org_path=ArrearsCase.org_path, grid_id=ArrearsCase.grid_id)


def get_case(session: Session, *, actor: Principal, case_id: int, lock: bool = False) -> ArrearsCase:
    require(actor, Capability.ARREARS_FOLLOW)
    stmt = _visible(select(ArrearsCase).where(ArrearsCase.id == case_id), actor)
    found = session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise NotFound(T_("case_id: no arrears case %(id)s in your scope", id=case_id))
    return found


def _view(case: ArrearsCase) -> dict[str, Any]:
    return {"status": case.status, "amount_fen": case.amount_fen, "paid_fen": case.paid_fen, "assignee_id": case.assignee_id, "outcome": case.outcome,
            "next_follow_up_at": case.next_follow_up_at.isoformat() if case.next_follow_up_at else None}


def open_case(session: Session, *, actor: Principal, now: datetime, customer_id: int, amount_fen: int, months: int = 0, reason: str = "", next_follow_up_at: datetime | None = None) -> ArrearsCase:
    """Open a case for the customer; it is assigned to their grid's rep (none: the command
    center assigns it later)."""
    from gridcare.customers import service as customers
    from gridcare.grids import service as grids

    require(actor, Capability.ARREARS_MANAGE)
    problems = []
    if not 0 < amount_fen <= MAX_AMOUNT_FEN:
        problems.append(FieldProblem("amount", T_("must be above %(n)s", n=0)))
    if not 0 <= months <= 600:
        problems.append(FieldProblem("months", T_("must be %(low)s to %(high)s", low=0, high=600)))
    if len(reason) > 400:
        problems.append(FieldProblem("reason", T_("must be at most %(n)s characters", n=400)))
    if next_follow_up_at is not None and next_follow_up_at < now:
        problems.append(FieldProblem("next_follow_up_at", T_("must not be in the past")))
    if problems:
        raise InvalidInput.many(problems)
    customer = customers.get_customer(session, actor=actor, customer_id=customer_id)
    existing = session.scalar(select(ArrearsCase.number).where(ArrearsCase.customer_id == customer.id, ArrearsCase.status == "open"))
    if existing is not None:
        raise InvalidInput.field("customer_id", T_("the customer already has an open case, %(number)s", number=existing))
    summary = grids.summary(session, grid_id=customer.grid_id, utility=customer.utility) if customer.grid_id is not None else None
    day = to_local(now).strftime("%Y%m%d")
    n = session.scalar(select(func.count(ArrearsCase.id)).where(ArrearsCase.number.like(f"QF{day}-%"))) or 0
    case = ArrearsCase(
        number=f"QF{day}-{n + 1:03d}", customer_id=customer.id, grid_id=customer.grid_id, assignee_id=summary.rep_id if summary else None, utility=customer.utility,
        org_path=customer.org_path, amount_fen=amount_fen, paid_fen=0, months=months, reason=reason.strip(), status="open", outcome_note="",
        next_follow_up_at=rules.next_follow_up(now, next_follow_up_at), created_by=actor.login, created_at=now, updated_at=now,
    )
    session.add(case)
    session.flush()
    audit.record(session, actor=actor, at=now, action="arrears.open", entity="arrears_case", entity_id=case.id, after=_view(case), org_path=case.org_path, new_stream=True)
    return case


def follow_up(session: Session, *, actor: Principal, now: datetime, case_id: int, method: str, note: str, paid_fen: int = 0, next_follow_up_at: datetime | None = None) -> FollowUp:
    """A follow-up record: what was done, any payment taken, and when to follow up next."""
    case = get_case(session, actor=actor, case_id=case_id, lock=True)
    problems = []
    if case.status != "open":
        problems.append(FieldProblem("case_id", T_("the case is closed")))
    if method not in rules.METHODS:
        problems.append(FieldProblem("method", T_("must be one of %(choices)s", choices=", ".join(rules.METHODS))))
    if not note.strip() or len(note) > 2000:
        problems.append(FieldProblem("note", T_("must be %(low)s to %(high)s characters", low=1, high=2000)))
    if not 0 <= paid_fen <= case.amount_fen - case.paid_fen:
        problems.append(FieldProblem("paid", T_("must be 0 to the %(owed)s still owed", owed=f"{(case.amount_fen - case.paid_fen) / 100:.2f}")))
    if next_follow_up_at is not None and next_follow_up_at <= now:
        problems.append(FieldProblem("next_follow_up_at", T_("must be in the future")))
    if problems:
        raise InvalidInput.many(problems)
    before = _view(case)
    row = FollowUp(case_id=case.id, method=method, note=note.strip(), paid_fen=paid_fen, next_follow_up_at=rules.next_follow_up(now, next_follow_up_at), author=actor.login, at=now)
    session.add(row)
    case.paid_fen += paid_fen
    case.next_follow_up_at, case.updated_at = row.next_follow_up_at, now
    session.flush()
    audit.record(session, actor=actor, at=now, action="arrears.follow_up", entity="arrears_case", entity_id=case.id, before=before, after=_view(case) | {"method": method}, org_path=case.org_path)
    return row


def close(session: Session, *, actor: Principal, now: datetime, case_id: int, outcome: str, note: str = "") -> ArrearsCase:
    from gridcare.customers import service as customers

    case = get_case(session, actor=actor, case_id=case_id, lock=True)
    if case.status != "open":
        raise InvalidInput.field("case_id", T_("the case is closed already"))
    customer = customers.get_customer(session, actor=actor, customer_id=case.customer_id)
    history = [(f.method, f.at) for f in follow_ups_of(session, case_id=case.id)]
    tags = [t for t in (customer.tags or "").split(";") if t]
    problems = rules.close_problems(outcome, amount_fen=case.amount_fen, paid_fen=case.paid_fen, tags=tags, follow_ups=history, now=now, note=note)
    if len(note) > 400:
        problems.append(FieldProblem("note", T_("must be at most %(n)s characters", n=400)))
    if problems:
        raise InvalidInput.many(problems)
    before = _view(case)
    case.status, case.outcome, case.outcome_note, case.closed_at, case.next_follow_up_at, case.updated_at = "closed", outcome, note.strip(), now, None, now
    audit.record(session, actor=actor, at=now, action="arrears.close", entity="arrears_case", entity_id=case.id, before=before, after=_view(case), org_path=case.org_path)
    return case


def follow_ups_of(session: Session, *, case_id: int) -> list[FollowUp]:
    return list(session.scalars(select(FollowUp).where(FollowUp.case_id == case_id).order_by(FollowUp.at, FollowUp.id)))


def list_cases(session: Session, *, actor: Principal, now: datetime, status: str | None = "open", overdue: bool = False, limit: int = 200) -> list[dict[str, Any]]:
    require(actor, Capability.ARREARS_FOLLOW)
    if status not in (None, "", "open", "closed"):
        raise InvalidInput.field("status", T_("must be open or closed"))
    stmt = _visible(select(ArrearsCase), actor)
    if status:
        stmt = stmt.where(ArrearsCase.status == status)
    if overdue:
        stmt = stmt.where(ArrearsCase.status == "open", ArrearsCase.next_follow_up_at < now)
    cases = list(session.scalars(stmt.order_by(ArrearsCase.next_follow_up_at.is_(None), ArrearsCase.next_follow_up_at, ArrearsCase.id).limit(limit)))
    return rows(session, cases, now=now)


def count_overdue(session: Session, *, actor: Principal, now: datetime) -> int:
    """Open cases in scope whose next follow-up has passed (the list's ``overdue`` filter)."""
    require(actor, Capability.ARREARS_FOLLOW)
    stmt = _visible(select(func.count()).select_from(ArrearsCase), actor).where(ArrearsCase.status == "open", ArrearsCase.next_follow_up_at < now)
    return int(session.scalar(stmt) or 0)


def rows(session: Session, cases: Sequence[ArrearsCase], *, now: datetime) -> list[dict[str, Any]]:
    """Cases with their customer, grid and assignee named, read for all of them at once."""
    from gridcare.customers import service as customers
    from gridcare.grids import service as grids

    briefs = customers.briefs(session, customer_ids=[c.customer_id for c in cases])
    names = grids.grid_names(session, ids=[c.grid_id for c in cases if c.grid_id])
    from gridcare.grids.queries import staff_names

    staff = staff_names(session, {c.assignee_id for c in cases if c.assignee_id})
    return [
        {
            "id": c.id, "number": c.number, "customer_id": c.customer_id, "account": briefs[c.customer_id].account if c.customer_id in briefs else "",
            "customer": briefs[c.customer_id].name if c.customer_id in briefs else "", "grid": names.get(c.grid_id, ("", ""))[1] if c.grid_id else "",
            "assignee": staff.get(c.assignee_id, ("", "", ""))[0] if c.assignee_id else "", "amount": c.amount_fen / 100, "paid": c.paid_fen / 100, "months": c.months,
            "status": c.status, "outcome": c.outcome, "next_follow_up_at": c.next_follow_up_at, "overdue": rules.is_overdue(c.status, c.next_follow_up_at, now), "reason": c.reason,
        }
        for c in cases
    ]


def flag_overdue(session: Session, *, now: datetime, config: Any = None) -> int:
    """The job's round: tell each rep, by pop-up, of their cases whose follow-up is overdue,
    once per deadline. Returns how many were flagged."""
    from gridcare.contractors import notifying
    from gridcare.customers import service as customers
    from gridcare.notify import service as notify

    stmt = select(ArrearsCase).where(ArrearsCase.status == "open", ArrearsCase.next_follow_up_at < now).order_by(ArrearsCase.next_follow_up_at).limit(500)
    flagged = 0
    briefs = None
    for case in session.scalars(stmt).all():
        if not rules.needs_flag(case.status, case.next_follow_up_at, case.overdue_notified_at, now):
            continue
        if case.assignee_id is not None:
            briefs = customers.briefs(session, customer_ids=[case.customer_id])
            who = briefs[case.customer_id].name if case.customer_id in briefs else str(case.customer_id)
            notify.notify_user(session, now=now, user_id=case.assignee_id, event="arrears.overdue", context={"number": case.number, "customer": who, "due": case.next_follow_up_at},
                               urgent=False, source=("arrears_case", case.id), dedupe=f"arrears:{case.id}:{case.next_follow_up_at.isoformat()}", config=config or notifying.config())
        case.overdue_notified_at = now
        flagged += 1
    return flagged
