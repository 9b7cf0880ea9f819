"""Support around an order: sub-tasks for departments and contractors, questions to the
expert seats, and attachments (photos, documents) stored outside the database."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from gridcare import outbox
from gridcare.audit import service as audit
from gridcare.auth.rules import Action, can
from gridcare.core import uploads
from gridcare.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal, Role
from gridcare.workorders import service, states
from gridcare.workorders.models import Attachment, ExpertQuestion, SupportTask, WorkOrder

SUPPORT_UNIT_KINDS = ("department", "contractor")
MAX_ATTACHMENT_BYTES = uploads.MAX_BYTES
ATTACHMENT_TYPES = (*uploads.PHOTO_TYPES, "application/pdf")


def _event(session: Session, actor: Principal, now: datetime, order: WorkOrder, kind: str, note: str = "", **data: object) -> None:
    service.record_events(session, actor, now, order, (states.Event(kind, data),), status_from=order.status, note=note)


def _handler_or_supervisor(actor: Principal, order: WorkOrder) -> None:
    if actor.user_id != order.handler_id and actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden(T_("only the order's handler or a supervisor may do this"))


def _still_open(order: WorkOrder) -> None:
    if not states.takes_help(order.status):
        raise Conflict(T_("order %(number)s is %(status)s: nobody can be pulled in any more", number=order.number, status=Label("status", order.status)))


def add_task(session: Session, *, actor: Principal, now: datetime, order_id: int, unit_id: int, title: str, due_minutes: int) -> SupportTask:
    from gridcare.auth import service as auth
    from gridcare.core.principal import system_principal

    order = service.get_order(session, actor=actor, order_id=order_id, lock=True)
    _handler_or_supervisor(actor, order)
    _still_open(order)
    if not title.strip():
        raise InvalidInput.field("title", T_("must not be empty"))
    if not 1 <= due_minutes <= 60 * 24 * 30:
        raise InvalidInput.field("due_minutes", T_("must be between 1 minute and 30 days"))
    unit = auth.get_org_unit(session, actor=system_principal(), org_unit_id=unit_id)
    if unit.kind not in SUPPORT_UNIT_KINDS:
        raise InvalidInput.field("unit_id", T_("%(name)s is not a department or contractor", name=unit.name))
    task = SupportTask(order_id=order.id, unit_id=unit.id, title=title.strip(), due_at=now + timedelta(minutes=due_minutes), status="open", result="", created_by=actor.login, created_at=now)
    session.add(task)
    session.flush()
    _event(session, actor, now, order, "task.created", note=f"{unit.name}: {task.title}", task_id=task.id, unit_id=unit.id)
    outbox.enqueue(session, topic="push", key=f"unit:{unit.id}", now=now, payload={"channel": f"unit:{unit.id}", "event": "notice", "data": {"kind": "task.created", "order_id": order.id, "text": f"协办任务：{task.title}（工单 {order.number}）"}})
    audit.record(session, actor=actor, at=now, action="order.task_add", entity="order", entity_id=order.id, after={"task_id": task.id, "unit_id": unit.id, "title": task.title}, org_path=order.org_path)
    return task


def tasks_of(session: Session, *, order_id: int) -> list[SupportTask]:
    return list(session.scalars(select(SupportTask).where(SupportTask.order_id == order_id).order_by(SupportTask.id)))


def unit_tasks(session: Session, *, actor: Principal, limit: int = 200) -> list[tuple[SupportTask, WorkOrder]]:
    """Open tasks assigned to the actor's department or contractor, the soonest due first,
    each with its order (the unit works the task on the order's page)."""
    if actor.org_unit_id is None:
        return []
    stmt = select(SupportTask, WorkOrder).join(WorkOrder, WorkOrder.id == SupportTask.order_id)
    stmt = stmt.where(SupportTask.unit_id == actor.org_unit_id, SupportTask.status == "open").order_by(SupportTask.due_at, SupportTask.id).limit(limit)
    return [(t, o) for t, o in session.execute(stmt)]


def unit_task_counts(session: Session, *, actor: Principal, now: datetime) -> tuple[int, int]:
    """How many of the unit's tasks are open, and how many of those are past due."""
    if actor.org_unit_id is None:
        return 0, 0
    late = func.coalesce(func.sum(case((SupportTask.due_at < now, 1), else_=0)), 0)
    total, overdue = session.execute(select(func.count(), late).where(SupportTask.unit_id == actor.org_unit_id, SupportTask.status == "open")).one()
    return int(total), int(overdue)


def complete_task(session: Session, *, actor: Principal, now: datetime, task_id: int, result: str) -> SupportTask:
    task = session.get(SupportTask, task_id)
    if task is None:
        raise NotFound(T_("task_id: no task %(id)s", id=task_id))
    if actor.org_unit_id == task.unit_id:
        order = session.get(WorkOrder, task.order_id)
    elif actor.role in (Role.SUPERVISOR, Role.ADMIN):
        # A supervisor stands in for the unit only on orders in their own scope.
        order = service.get_order(session, actor=actor, order_id=task.order_id)
    else:
        raise Forbidden(T_("only the assigned department or contractor completes its task"))
    if task.status != "open":
        raise InvalidInput.field("task_id", T_("task is %(status)s, not open", status=Label("task", task.status)))
    if not result.strip():
        raise InvalidInput.field("result", T_("say what was done"))
    task.status, task.result, task.done_at = "done", result.strip(), now
    _event(session, actor, now, order, "task.done", note=f"{task.title}: {task.result}", task_id=task.id)
    if order.handler_id:
        outbox.enqueue(session, topic="push", key=f"user:{order.handler_id}", now=now, payload={"channel": f"user:{order.handler_id}", "event": "notice", "data": {"kind": "task.done", "order_id": order.id, "text": f"协办完成：{task.title}"}})
    audit.record(session, actor=actor, at=now, action="order.task_done", entity="order", entity_id=order.id, after={"task_id": task.id, "result": task.result}, org_path=order.org_path)
    return task


def confirm_task(session: Session, *, actor: Principal, now: datetime, task_id: int, accepted: bool, note: str = "") -> SupportTask:
    """The rep supervises the work on site and confirms (or sends back) its result."""
    task = session.get(SupportTask, task_id)
    if task is None:
        raise NotFound(T_("task_id: no task %(id)s", id=task_id))
    order = service.get_order(session, actor=actor, order_id=task.order_id, lock=True)
    _handler_or_supervisor(actor, order)
    if task.status != "done":
        raise InvalidInput.field("task_id", T_("task is %(status)s: only a done task can be confirmed", status=Label("task", task.status)))
    task.status = "confirmed" if accepted else "open"
    task.confirmed_at = now if accepted else None
    _event(session, actor, now, order, "task.confirmed" if accepted else "task.sent_back", note=note or task.title, task_id=task.id)
    audit.record(session, actor=actor, at=now, action="order.task_confirm", entity="order", entity_id=order.id, after={"task_id": task.id, "accepted": accepted}, org_path=order.org_path)
    return task


def works_orders(actor: Principal) -> bool:
    """Seeing an order is not enough to add to it (a question, a photo): a viewer reads, it
    does not write."""
    return can(actor, Action.ORDERS_HANDLE) or can(actor, Action.ORDERS_CREATE)


def _works_orders(actor: Principal) -> None:
    if not works_orders(actor):
        raise Forbidden(T_("role %(role)s may not work on orders", role=Label("role", actor.role.value)))


def ask_expert(session: Session, *, actor: Principal, now: datetime, order_id: int, question: str) -> ExpertQuestion:
    _works_orders(actor)
    order = service.get_order(session, actor=actor, order_id=order_id)
    _still_open(order)
    if not question.strip():
        raise InvalidInput.field("question", T_("must not be empty"))
    q = ExpertQuestion(order_id=order.id, asked_by=actor.login, question=question.strip(), asked_at=now)
    session.add(q)
    session.flush()
    _event(session, actor, now, order, "expert.asked", note=q.question, question_id=q.id)
    outbox.enqueue(session, topic="push", key="role:expert", now=now, payload={"channel": "role:expert", "event": "notice", "data": {"kind": "expert.asked", "org_path": order.org_path, "order_id": order.id, "text": f"专家求助：{q.question[:40]}"}})
    return q


def answer_expert(session: Session, *, actor: Principal, now: datetime, question_id: int, answer: str) -> ExpertQuestion:
    if actor.role not in (Role.EXPERT, Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden(T_("only an expert seat answers questions"))
    q = session.get(ExpertQuestion, question_id)
    if q is None:
        raise NotFound(T_("question_id: no question %(id)s", id=question_id))
    order = service.get_order(session, actor=actor, order_id=q.order_id)
    if not answer.strip():
        raise InvalidInput.field("answer", T_("must not be empty"))
    q.answer, q.answered_by, q.answered_at = answer.strip(), actor.login, now
    _event(session, actor, now, order, "expert.answered", note=q.answer, question_id=q.id)
    if order.handler_id:
        outbox.enqueue(session, topic="push", key=f"user:{order.handler_id}", now=now, payload={"channel": f"user:{order.handler_id}", "event": "notice", "data": {"kind": "expert.answered", "order_id": order.id, "text": f"专家已答复：{q.answer[:40]}"}})
    return q


def get_question(session: Session, *, actor: Principal, question_id: int) -> tuple[ExpertQuestion, WorkOrder]:
    """A question with its order, if the order is in the actor's scope."""
    q = session.get(ExpertQuestion, question_id)
    if q is None:
        raise NotFound(T_("question_id: no question %(id)s", id=question_id))
    return q, service.get_order(session, actor=actor, order_id=q.order_id)


def questions_of(session: Session, *, order_id: int) -> list[ExpertQuestion]:
    return list(session.scalars(select(ExpertQuestion).where(ExpertQuestion.order_id == order_id).order_by(ExpertQuestion.id)))


def _unanswered_in_scope(actor: Principal) -> list[ColumnElement[bool]]:
    if actor.role not in (Role.EXPERT, Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden(T_("the expert queue is for expert seats"))
    return [ExpertQuestion.answer.is_(None), WorkOrder.org_path.startswith(actor.org_path, autoescape=True)]


def open_questions(session: Session, *, actor: Principal) -> list[tuple[ExpertQuestion, WorkOrder]]:
    where = _unanswered_in_scope(actor)
    rows = session.execute(select(ExpertQuestion, WorkOrder).join(WorkOrder, WorkOrder.id == ExpertQuestion.order_id).where(*where).order_by(ExpertQuestion.asked_at, ExpertQuestion.id))
    return [(q, o) for q, o in rows]


def count_open_questions(session: Session, *, actor: Principal) -> int:
    where = _unanswered_in_scope(actor)
    return session.scalar(select(func.count()).select_from(ExpertQuestion).join(WorkOrder, WorkOrder.id == ExpertQuestion.order_id).where(*where)) or 0


def add_attachment(
    session: Session, *, actor: Principal, now: datetime, order_id: int, filename: str, data: bytes, data_dir: Path, lon: float | None = None, lat: float | None = None, field: str = "file"
) -> Attachment:
    """``field``: the form field an error names (``photos`` when they come with a step)."""
    _works_orders(actor)
    order = service.get_order(session, actor=actor, order_id=order_id)
    stored = uploads.store(data, data_dir, field=field, allowed=ATTACHMENT_TYPES, allowed_text=T_("a JPEG, PNG, WebP or HEIC photo, or a PDF"))
    safe_name = uploads.safe_filename(filename, "upload")
    row = Attachment(order_id=order.id, filename=safe_name, media_type=stored.media_type, size=stored.size, sha256=stored.sha256, path=stored.path, lon=lon, lat=lat, uploaded_by=actor.login, uploaded_at=now)
    session.add(row)
    session.flush()
    _event(session, actor, now, order, "attachment.added", note=safe_name, attachment_id=row.id, media_type=stored.media_type)
    return row


def attachments_of(session: Session, *, order_id: int) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.order_id == order_id).order_by(Attachment.id)))


def get_attachment(session: Session, *, actor: Principal, order_id: int, attachment_id: int) -> Attachment:
    service.get_order(session, actor=actor, order_id=order_id)
    row = session.get(Attachment, attachment_id)
    if row is None or row.order_id != order_id:
        raise NotFound(T_("attachment_id: no attachment %(id)s on this order", id=attachment_id))
    return row
