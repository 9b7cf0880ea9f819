"""REST: support tasks, expert questions and attachments of work orders."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Form, UploadFile, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.workorders import support

router = APIRouter(prefix="/api/v1", tags=["work orders"], dependencies=[CsrfChecked])


class TaskIn(BaseModel):
    unit_id: int
    title: str = Field(min_length=1, max_length=200)
    due_minutes: int = Field(default=120, ge=1, le=43200)


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    order_id: int
    unit_id: int
    title: str
    due_at: datetime
    status: str
    result: str


class TaskDone(BaseModel):
    result: str = Field(min_length=1, max_length=4000)


class TaskConfirm(BaseModel):
    accepted: bool
    note: str = ""


class QuestionIn(BaseModel):
    question: str = Field(min_length=1, max_length=4000)


class AnswerIn(BaseModel):
    answer: str = Field(min_length=1, max_length=4000)


class QuestionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    order_id: int
    asked_by: str
    question: str
    asked_at: datetime
    answered_by: str | None
    answer: str | None


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    order_id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


@router.post("/work-orders/{order_id}/tasks", response_model=TaskOut, status_code=status.HTTP_201_CREATED)
def add_task(order_id: int, body: TaskIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """Pull in a department or contractor with its own deadline."""
    return support.add_task(session, actor=principal, now=state.clock.now(), order_id=order_id, unit_id=body.unit_id, title=body.title, due_minutes=body.due_minutes)


@router.get("/support-tasks", response_model=list[TaskOut])
def my_tasks(session: DbSession, principal: CurrentPrincipal) -> Any:
    """Open tasks assigned to the caller's department or contractor."""
    return [task for task, _ in support.unit_tasks(session, actor=principal)]


@router.post("/support-tasks/{task_id}/done", response_model=TaskOut)
def task_done(task_id: int, body: TaskDone, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    return support.complete_task(session, actor=principal, now=state.clock.now(), task_id=task_id, result=body.result)


@router.post("/support-tasks/{task_id}/confirm", response_model=TaskOut)
def task_confirm(task_id: int, body: TaskConfirm, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    return support.confirm_task(session, actor=principal, now=state.clock.now(), task_id=task_id, accepted=body.accepted, note=body.note)


@router.post("/work-orders/{order_id}/questions", response_model=QuestionOut, status_code=status.HTTP_201_CREATED)
def ask(order_id: int, body: QuestionIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """Ask the expert seats (专家座席) about an order."""
    return support.ask_expert(session, actor=principal, now=state.clock.now(), order_id=order_id, question=body.question)


@router.get("/expert-questions", response_model=list[QuestionOut])
def expert_queue(session: DbSession, principal: CurrentPrincipal) -> Any:
    return [q for q, _o in support.open_questions(session, actor=principal)]


@router.post("/expert-questions/{question_id}/answer", response_model=QuestionOut)
def answer(question_id: int, body: AnswerIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    return support.answer_expert(session, actor=principal, now=state.clock.now(), question_id=question_id, answer=body.answer)


@router.post("/work-orders/{order_id}/attachments", response_model=AttachmentOut, status_code=status.HTTP_201_CREATED)
async def upload(order_id: int, session: DbSession, principal: CurrentPrincipal, state: State, file: UploadFile = File(...), lon: float | None = Form(None), lat: float | None = Form(None)) -> Any:
    """A photo (JPEG, PNG, WebP, HEIC) or PDF, at most 10 MiB; the type is read from the bytes."""
    data = await file.read(support.MAX_ATTACHMENT_BYTES + 1)
    return support.add_attachment(session, actor=principal, now=state.clock.now(), order_id=order_id, filename=file.filename or "", data=data, data_dir=Path(state.settings.data_dir), lon=lon, lat=lat)


@router.get("/work-orders/{order_id}/attachments/{attachment_id}")
def download(order_id: int, attachment_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> FileResponse:
    row = support.get_attachment(session, actor=principal, order_id=order_id, attachment_id=attachment_id)
    path = Path(state.settings.data_dir) / row.path
    if not path.is_file():
        raise InvalidInput.field("attachment_id", T_("the stored file is missing"))
    inline = row.media_type.startswith("image/")
    return FileResponse(path, media_type=row.media_type, filename=row.filename, content_disposition_type="inline" if inline else "attachment")
