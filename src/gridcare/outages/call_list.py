"""The call list of an outage: priority customers a person phones (their grid rep, or the
agents when the grid has none); the list shows who was reached."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.core.errors import FieldProblem, InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.outages import service
from gridcare.outages.models import OutageCallTask

OUTCOMES = ("reached", "unreachable", "pending")


def record_call(session: Session, *, actor: Principal, now: datetime, outage_id: int, task_id: int, state: str, note: str = "") -> OutageCallTask:
    """Say how the call went; calling again later is allowed, the last outcome stands."""
    require(actor, Action.OUTAGES_CALL)
    task = session.scalar(select(OutageCallTask).where(OutageCallTask.id == task_id).with_for_update())
    if task is None or task.outage_id != outage_id:
        raise NotFound(T_("task_id: no call task %(task)s in outage %(outage)s", task=task_id, outage=outage_id))
    outage = service.get_outage(session, actor=actor, outage_id=task.outage_id)
    problems = []
    if state not in OUTCOMES:
        problems.append(FieldProblem("state", T_("must be one of %(choices)s", choices=", ".join(OUTCOMES))))
    if len(note) > 400:
        problems.append(FieldProblem("note", T_("must be at most %(n)s characters", n=400)))
    if problems:
        raise InvalidInput.many(problems)
    before = {"state": task.state, "note": task.note}
    task.state, task.note = state, note.strip()
    task.done_by, task.done_at = (actor.login, now) if state != "pending" else (None, None)
    audit.record(session, actor=actor, at=now, action="outage.call", entity="outage", entity_id=outage.id, before=before, after={"task_id": task.id, "customer_id": task.customer_id, "state": state, "note": task.note}, org_path=outage.org_path)
    return task
