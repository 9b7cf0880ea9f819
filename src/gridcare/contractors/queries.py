"""Read models of contractor projects for the API and pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridcare.auth.models import OrgUnit
from gridcare.contractors import rules, supervision
from gridcare.contractors.models import Feedback, Project, ProjectItem, SpotCheck, SupervisionLog
from gridcare.contractors.permissions import Capability, require
from gridcare.contractors.service import grid_ids_of, visible
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal


def contractors(session: Session) -> list[OrgUnit]:
    return list(session.scalars(select(OrgUnit).where(OrgUnit.kind == "contractor").order_by(OrgUnit.name)))


def list_projects(session: Session, *, actor: Principal, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    require(actor, Capability.PROJECTS_READ)
    stmt = visible(select(Project), actor)
    if status == "open":
        stmt = stmt.where(Project.status.in_(sorted(rules.OPEN)))
    elif status:
        if status not in rules.STATUSES:
            raise InvalidInput.field("status", T_("must be open or one of %(choices)s", choices=", ".join(rules.STATUSES)))
        stmt = stmt.where(Project.status == status)
    projects = list(session.scalars(stmt.order_by(Project.starts_at.desc(), Project.id.desc()).limit(limit)))
    return summaries(session, projects)


def summaries(session: Session, projects: list[Project]) -> list[dict[str, Any]]:
    ids = [p.id for p in projects]
    if not ids:
        return []
    items: dict[int, dict[str, int]] = {}
    for pid, status, n in session.execute(select(ProjectItem.project_id, ProjectItem.status, func.count()).where(ProjectItem.project_id.in_(ids)).group_by(ProjectItem.project_id, ProjectItem.status)):
        items.setdefault(pid, {})[status] = n
    names = dict(session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_({p.contractor_id for p in projects}))).all())
    recs = supervision.records(session, ids)
    out = []
    for p in projects:
        card = rules.scorecard(recs[p.id])
        counts = items.get(p.id, {})
        out.append({
            "id": p.id, "number": p.number, "name": p.name, "kind": p.kind, "status": p.status, "utility": p.utility, "contractor_id": p.contractor_id,
            "contractor": names.get(p.contractor_id, ""), "starts_at": p.starts_at, "due_at": p.due_at, "notified_at": p.notified_at, "rep_rating": p.rep_rating,
            "items": sum(counts.values()), "done": counts.get("done", 0), "score": card.score, "grade": card.grade,
        })
    return out


def detail(session: Session, *, project: Project, weights: Any = rules.DEFAULT_WEIGHTS) -> dict[str, Any]:
    from gridcare.grids import service as grids

    items = list(session.scalars(select(ProjectItem).where(ProjectItem.project_id == project.id).order_by(ProjectItem.id)))
    labels = {i.id: i.label for i in items}
    checks = list(session.scalars(select(SpotCheck).where(SpotCheck.project_id == project.id).order_by(SpotCheck.id)))
    logs = list(session.scalars(select(SupervisionLog).where(SupervisionLog.project_id == project.id).order_by(SupervisionLog.created_at.desc(), SupervisionLog.id.desc())))
    feedback = list(session.scalars(select(Feedback).where(Feedback.project_id == project.id).order_by(Feedback.created_at.desc(), Feedback.id.desc())))
    card = rules.scorecard(supervision.records(session, [project.id])[project.id], weights)
    names = grids.grid_names(session, ids=grid_ids_of(session, project.id))
    return {
        **summaries(session, [project])[0],
        "notice_text": project.notice_text, "sample_min": project.sample_min, "sample_share": project.sample_share, "sample_seed": project.sample_seed,
        "grids": [{"id": gid, "code": code, "name": name} for gid, (code, name) in sorted(names.items())],
        "item_list": [{"id": i.id, "label": i.label, "customer_id": i.customer_id, "status": i.status, "completed_at": i.completed_at, "note": i.note} for i in items],
        "checks": [{"id": c.id, "item_id": c.item_id, "item": labels.get(c.item_id, ""), "result": c.result, "evidence": c.evidence, "checked_by": c.checked_by, "checked_at": c.checked_at} for c in checks],
        "logs": [{"id": g.id, "author": g.author, "note": g.note, "photo": g.photo_path is not None, "created_at": g.created_at} for g in logs],
        "feedback": [{"id": f.id, "score": f.score, "comment": f.comment, "customer_id": f.customer_id, "created_by": f.created_by, "created_at": f.created_at} for f in feedback],
        "scorecard": {"score": card.score, "grade": card.grade, "components": card.components, "counts": card.counts, "weights": card.weights},
        "commands": rules.available(project.status),
    }


def mean_score(session: Session, *, actor: Principal, start: datetime, end: datetime, weights: Any = rules.DEFAULT_WEIGHTS) -> float | None:
    """The mean scorecard score of the projects in the actor's scope completed in [start,
    end) (the analytics KPI "contractor score"); None when none has a score yet."""
    ids = list(session.scalars(visible(select(Project.id).where(Project.status == "completed", Project.completed_at >= start, Project.completed_at < end), actor)))
    scores = [card.score for card in (rules.scorecard(r, weights) for r in supervision.records(session, ids).values()) if card.score is not None]
    return round(sum(scores) / len(scores), 1) if scores else None
