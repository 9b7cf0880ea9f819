"""REST: contractor projects — plan, tell customers, states, items done, supervision logs
(photo optional), spot checks, feedback, the rep's rating, and contractor scorecards."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, UploadFile, status
from fastapi.responses import FileResponse

from gridcare.contractors import queries, rules, service, supervision
from gridcare.contractors.schemas import (
    CheckIn,
    CommandIn,
    FeedbackIn,
    ItemsDoneIn,
    ProjectIn,
    RatingIn,
)
from gridcare.core.errors import NotFound
from gridcare.core.i18n import T_
from gridcare.core.uploads import MAX_BYTES
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State

router = APIRouter(prefix="/api/v1/contractors", tags=["contractors"], dependencies=[CsrfChecked])


@router.get("/projects")
def list_projects(session: DbSession, principal: CurrentPrincipal, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Projects in your scope (a contractor sees its own); ``status``: open or one state."""
    return queries.list_projects(session, actor=principal, status=status, limit=max(1, min(limit, 1000)))


@router.post("/projects", status_code=status.HTTP_201_CREATED)
def create(body: ProjectIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    project = service.create_project(session, actor=principal, now=state.clock.now(), **body.model_dump())
    return queries.detail(session, project=project)


@router.get("/projects/{project_id}")
def get(project_id: int, session: DbSession, principal: CurrentPrincipal, weights: str | None = None) -> dict[str, Any]:
    """The project with its items, spot checks, logs, feedback and scorecard (``weights``
    as ``spot_checks=0.4,feedback=0.2,timeliness=0.2,rating=0.2``)."""
    return queries.detail(session, project=service.get_project(session, actor=principal, project_id=project_id), weights=rules.parse_weights(weights))


@router.post("/projects/{project_id}/commands")
def command(project_id: int, body: CommandIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    project = service.execute(session, actor=principal, now=state.clock.now(), project_id=project_id, command=body.command)
    return queries.detail(session, project=project)


@router.post("/projects/{project_id}/notify")
def notify(project_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, int]:
    """Tell the affected customers now (once; the job otherwise does it a day ahead)."""
    return {"customers": service.notify_customers(session, actor=principal, now=state.clock.now(), project_id=project_id)}


@router.post("/projects/{project_id}/items/done")
def items_done(project_id: int, body: ItemsDoneIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, int]:
    return {"changed": service.complete_items(session, actor=principal, now=state.clock.now(), project_id=project_id, item_ids=body.item_ids, note=body.note)}


@router.post("/projects/{project_id}/logs", status_code=status.HTTP_201_CREATED)
async def add_log(project_id: int, session: DbSession, principal: CurrentPrincipal, state: State, note: str = Form(...), photo: UploadFile | None = File(None)) -> dict[str, Any]:
    """A supervision log (multipart: ``note``, optional ``photo``)."""
    data = await photo.read(MAX_BYTES + 1) if photo is not None else None  # past the limit: refused unread
    log = supervision.add_log(session, actor=principal, now=state.clock.now(), project_id=project_id, note=note, photo=data or None, data_dir=state.settings.data_dir)
    return {"id": log.id, "note": log.note, "photo": log.photo_path is not None, "created_at": log.created_at}


@router.get("/projects/{project_id}/logs/{log_id}/photo", response_model=None)
def log_photo(project_id: int, log_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> FileResponse:
    log = supervision.get_log(session, actor=principal, project_id=project_id, log_id=log_id)
    if not log.photo_path:
        raise NotFound(T_("log_id: this log has no photo"))
    return FileResponse(state.settings.data_dir / log.photo_path, media_type=log.photo_type or "application/octet-stream")


@router.post("/projects/{project_id}/spot-checks", status_code=status.HTTP_201_CREATED)
def draw(project_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> list[dict[str, Any]]:
    """Draw the sample (top it up after more items are done): the project's rule and seed."""
    checks = supervision.draw_spot_checks(session, actor=principal, now=state.clock.now(), project_id=project_id)
    return [{"id": c.id, "item_id": c.item_id, "result": c.result} for c in checks]


@router.post("/projects/{project_id}/spot-checks/{check_id}")
def check(project_id: int, check_id: int, body: CheckIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    c = supervision.record_check(session, actor=principal, now=state.clock.now(), project_id=project_id, check_id=check_id, result=body.result, evidence=body.evidence)
    return {"id": c.id, "item_id": c.item_id, "result": c.result, "evidence": c.evidence, "checked_by": c.checked_by, "checked_at": c.checked_at}


@router.post("/projects/{project_id}/feedback", status_code=status.HTTP_201_CREATED)
def feedback(project_id: int, body: FeedbackIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    f = supervision.add_feedback(session, actor=principal, now=state.clock.now(), project_id=project_id, score=body.score, comment=body.comment, customer_id=body.customer_id)
    return {"id": f.id, "score": f.score, "comment": f.comment}


@router.post("/projects/{project_id}/rating")
def rate(project_id: int, body: RatingIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    project = supervision.rate(session, actor=principal, now=state.clock.now(), project_id=project_id, rating=body.rating)
    return {"id": project.id, "rep_rating": project.rep_rating}


@router.get("/scorecards")
def scorecards(session: DbSession, principal: CurrentPrincipal, weights: str | None = None) -> list[dict[str, Any]]:
    """One scorecard per contractor over the projects in your scope."""
    return supervision.contractor_scorecards(session, actor=principal, weights=rules.parse_weights(weights))
