"""Call quality use cases (质检): the checklist in force, scoring a call, the review queue,
sampling and results per agent and team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require, scoped
from gridcare.calls import periods, qa
from gridcare.calls.models import CallRecord, QaChecklist, QaScore
from gridcare.calls.service import get_call
from gridcare.core.errors import FieldProblem, InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal, system_principal
from gridcare.db import batches
from gridcare.workorders.states import LOW_RATING

DEFAULT_SAMPLE_PERCENT = 5.0
CHUNK = 500  # ids per IN (...): far below PostgreSQL's 65,535 bound parameters and SQLite's limit


@dataclass(frozen=True)
class Checklist:
    id: int | None  # None: the shipped default, not saved yet
    code: str
    name: str
    items: list[dict[str, Any]]

    @property
    def max_total(self) -> int:
        return sum(int(i["weight"]) for i in self.items)


def active_checklist(session: Session) -> Checklist:
    row = session.scalar(select(QaChecklist).where(QaChecklist.active.is_(True)).order_by(QaChecklist.id.desc()).limit(1))
    if row is None:
        return Checklist(None, qa.DEFAULT_CODE, qa.DEFAULT_NAME, [dict(i) for i in qa.DEFAULT_ITEMS])
    return Checklist(row.id, row.code, row.name, list(row.items))


def _saved(session: Session, checklist: Checklist, now: datetime) -> int:
    if checklist.id is not None:
        return checklist.id
    row = QaChecklist(code=checklist.code, name=checklist.name, items=checklist.items, active=True, created_at=now)
    session.add(row)
    session.flush()
    return row.id


def save_checklist(session: Session, *, actor: Principal, now: datetime, code: str, name: str, items: list[dict[str, Any]]) -> Checklist:
    """A new checklist replaces the one in force; scores already given keep theirs."""
    require(actor, Action.CALLS_QA)
    problems = qa.checklist_problems(items)
    if not code.strip() or len(code.strip()) > 40:
        problems.insert(0, FieldProblem("code", T_("must be %(low)s to %(high)s characters", low=1, high=40)))
    if not name.strip() or len(name.strip()) > 100:
        problems.insert(0, FieldProblem("name", T_("must be %(low)s to %(high)s characters", low=1, high=100)))
    if session.scalar(select(QaChecklist.id).where(QaChecklist.code == code.strip())) is not None:
        problems.insert(0, FieldProblem("code", T_("%(code)r exists; checklists are never edited, give a new code", code=code.strip())))
    if problems:
        raise InvalidInput.many(problems)
    session.execute(update(QaChecklist).where(QaChecklist.active.is_(True)).values(active=False))
    clean = [{"key": i["key"].strip(), "label": i["label"].strip(), "weight": int(i["weight"])} for i in items]
    row = QaChecklist(code=code.strip(), name=name.strip(), items=clean, active=True, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, at=now, action="qa.checklist", entity="qa_checklist", entity_id=row.id, after={"code": row.code, "items": clean}, org_path=actor.org_path, new_stream=True)
    return Checklist(row.id, row.code, row.name, clean)


def score_call(session: Session, *, actor: Principal, now: datetime, call_id: int, scores: dict[str, Any], comment: str = "") -> QaScore:
    """Score a call against the checklist in force; a second scoring by the same person
    replaces the first. Every item must be scored; nothing is written otherwise."""
    require(actor, Action.CALLS_QA)
    call = get_call(session, actor=actor, call_id=call_id)
    checklist = active_checklist(session)
    result = qa.score(checklist.items, scores, comment)
    if isinstance(result, list):
        raise InvalidInput.many(result)
    if call.answered_at is None:
        raise InvalidInput.field("call_id", T_("the call was not answered: there is nothing to score"))
    checklist_id = _saved(session, checklist, now)
    row = session.scalar(select(QaScore).where(QaScore.call_record_id == call.id, QaScore.scorer_id == actor.user_id))
    before = {"total": row.total, "scores": row.scores} if row is not None else None
    if row is None:
        row = QaScore(call_record_id=call.id, scorer_id=actor.user_id, scorer=actor.login)
        session.add(row)
    row.checklist_id = checklist_id
    row.agent_user_id = call.agent_user_id
    row.scores, row.total, row.max_total = result.scores, result.total, result.max_total
    row.comment, row.scored_at = comment.strip(), now
    session.flush()
    audit.record(session, actor=actor, at=now, action="qa.score", entity="call", entity_id=call.id, before=before, after={"total": result.total, "scores": result.scores}, org_path=call.org_path)
    return row


def scores_of(session: Session, *, actor: Principal, call_id: int) -> list[QaScore]:
    get_call(session, actor=actor, call_id=call_id)
    return list(session.scalars(select(QaScore).where(QaScore.call_record_id == call_id).order_by(QaScore.scored_at)))


def review_queue(session: Session, *, actor: Principal, start: datetime, end: datetime, limit: int = 100) -> list[tuple[CallRecord, int | None]]:
    """Answered calls to score, sampled ones first, unscored before scored, those the
    caller rated dissatisfied first among them; with the reviewer's own score when given."""
    require(actor, Action.CALLS_QA)
    periods.check_span(start, end, max_days=qa.MAX_QUEUE_DAYS)
    mine = select(QaScore.total).where(QaScore.call_record_id == CallRecord.id, QaScore.scorer_id == actor.user_id).correlate(CallRecord).scalar_subquery()
    stmt = scoped(select(CallRecord, mine), actor, org_path=CallRecord.org_path).where(
        CallRecord.answered_at.is_not(None), CallRecord.started_at >= start, CallRecord.started_at < end
    )
    sampled_first = case((CallRecord.qa_sampled_at.is_not(None), 0), else_=1)
    unscored_first = case((mine.is_(None), 0), else_=1)
    dissatisfied_first = case((CallRecord.satisfaction <= LOW_RATING, 0), else_=1)
    stmt = stmt.order_by(sampled_first, unscored_first, dissatisfied_first, CallRecord.started_at.desc()).limit(limit)
    return [(call, total) for call, total in session.execute(stmt).all()]


def sample(session: Session, *, actor: Principal, now: datetime, start: datetime, end: datetime, percent: float = DEFAULT_SAMPLE_PERCENT) -> list[int]:
    """Mark ``percent`` of each line's and each agent's answered calls in [start, end) for
    review. The choice is a hash of the call id, so running it again adds nothing."""
    require(actor, Action.CALLS_QA)
    if not 0 < percent <= 100:
        raise InvalidInput.field("percent", T_("must be more than %(low)s and at most %(high)s", low=0, high=100))
    if end <= start:
        raise InvalidInput.field("to", T_("must be after %(other)s", other="from"))
    periods.check_span(start, end, max_days=qa.MAX_SAMPLE_DAYS)
    stmt = scoped(select(CallRecord.id, CallRecord.line_id, CallRecord.agent_user_id, CallRecord.satisfaction), actor, org_path=CallRecord.org_path).where(
        CallRecord.answered_at.is_not(None), CallRecord.ended_at.is_not(None), CallRecord.started_at >= start, CallRecord.started_at < end
    )
    candidates = [qa.Candidate(r.id, str(r.line_id or "hotline"), str(r.agent_user_id or ""), r.satisfaction) for r in session.execute(stmt)]
    fresh: list[int] = []
    for ids in batches(qa.sample(candidates, percent), CHUNK):
        unmarked = list(session.scalars(select(CallRecord.id).where(CallRecord.id.in_(ids), CallRecord.qa_sampled_at.is_(None))))
        if unmarked:
            session.execute(update(CallRecord).where(CallRecord.id.in_(unmarked)).values(qa_sampled_at=now))
        fresh.extend(unmarked)
    return fresh


def results(session: Session, *, actor: Principal, start: datetime, end: datetime, by: str = "agent") -> list[dict[str, Any]]:
    """QA results per agent or per team (the agent's organisation unit), worst first."""
    from gridcare.auth import service as auth

    require(actor, Action.CALLS_QA)
    if by not in ("agent", "team"):
        raise InvalidInput.field("by", T_("must be %(first)s or %(second)s", first="agent", second="team"))
    stmt = scoped(select(QaScore.agent_user_id, QaScore.total, QaScore.max_total).join(CallRecord, CallRecord.id == QaScore.call_record_id), actor, org_path=CallRecord.org_path)
    rows = session.execute(stmt.where(QaScore.scored_at >= start, QaScore.scored_at < end)).all()
    users = {u.id: u for u in auth.list_users(session, actor=system_principal("calls"))}
    units = {u.id: u.name for u in auth.list_org_units(session, actor=system_principal("calls"))}

    def key(agent_id: int | None) -> str:
        user = users.get(agent_id) if agent_id is not None else None
        if by == "agent":
            return str(agent_id) if user else ""
        return str(user.org_unit_id) if user else ""

    out = []
    for r in qa.results((key(a), t, m) for a, t, m in rows):
        if by == "agent":
            user = users.get(int(r.key)) if r.key else None
            label = user.display_name if user else "—"
        else:
            label = units.get(int(r.key), "—") if r.key else "—"
        out.append({"key": r.key, "name": label, "scored": r.scored, "average": r.average, "pass_rate": round(r.pass_rate, 4), "lowest": r.lowest, "highest": r.highest})
    return out
