"""The rep's supervision of a contractor project: site logs (photo optional), spot checks
of completed items, customer feedback and the rep's rating — and the scorecards made of them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.models import OrgUnit
from gridcare.contractors import rules
from gridcare.contractors.models import Feedback, Project, ProjectItem, SpotCheck, SupervisionLog
from gridcare.contractors.permissions import Capability, require
from gridcare.contractors.service import get_project, visible
from gridcare.core import uploads
from gridcare.core.errors import InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal


def _store_photo(data: bytes, data_dir: Path) -> tuple[str, str]:
    """Stored like work-order attachments: by content hash, outside the database."""
    stored = uploads.store(data, data_dir, field="photo", allowed=uploads.PHOTO_TYPES, allowed_text=T_("a JPEG, PNG, WebP or HEIC photo"))
    return stored.path, stored.media_type


def add_log(session: Session, *, actor: Principal, now: datetime, project_id: int, note: str, photo: bytes | None = None, data_dir: Path | None = None) -> SupervisionLog:
    require(actor, Capability.PROJECTS_SUPERVISE)
    project = get_project(session, actor=actor, project_id=project_id)
    if not note.strip() or len(note) > 4000:
        raise InvalidInput.field("note", T_("must be %(low)s to %(high)s characters", low=1, high=4000))
    path = media = None
    if photo:
        if data_dir is None:
            raise InvalidInput.field("photo", T_("photos are not accepted here"))
        path, media = _store_photo(photo, data_dir)
    log = SupervisionLog(project_id=project.id, author=actor.login, note=note.strip(), photo_path=path, photo_type=media, created_at=now)
    session.add(log)
    session.flush()
    audit.record(session, actor=actor, at=now, action="contractor_project.log", entity="contractor_project", entity_id=project.id, after={"log_id": log.id, "photo": bool(path)}, org_path=project.org_path)
    return log


def get_log(session: Session, *, actor: Principal, project_id: int, log_id: int) -> SupervisionLog:
    get_project(session, actor=actor, project_id=project_id)
    log = session.get(SupervisionLog, log_id)
    if log is None or log.project_id != project_id:
        raise NotFound(T_("log_id: no log %(id)s on this project", id=log_id))
    return log


def draw_spot_checks(session: Session, *, actor: Principal, now: datetime, project_id: int) -> list[SpotCheck]:
    """Top the sample up to the project's rule over its completed items (rules.top_up)."""
    require(actor, Capability.PROJECTS_SUPERVISE)
    project = get_project(session, actor=actor, project_id=project_id, lock=True)
    done = list(session.scalars(select(ProjectItem.id).where(ProjectItem.project_id == project.id, ProjectItem.status == "done")))
    if not done:
        raise InvalidInput.field("project_id", T_("no completed items to check yet"))
    already = list(session.scalars(select(SpotCheck.item_id).where(SpotCheck.project_id == project.id)))
    chosen = rules.top_up(done, already, rules.SampleRule(project.sample_min, project.sample_share), seed=project.sample_seed)
    checks = [SpotCheck(project_id=project.id, item_id=i, result="pending", evidence="", created_at=now) for i in chosen]
    session.add_all(checks)
    session.flush()
    audit.record(session, actor=actor, at=now, action="contractor_project.sample", entity="contractor_project", entity_id=project.id, after={"items": chosen}, org_path=project.org_path)
    return checks


def record_check(session: Session, *, actor: Principal, now: datetime, project_id: int, check_id: int, result: str, evidence: str) -> SpotCheck:
    require(actor, Capability.PROJECTS_SUPERVISE)
    project = get_project(session, actor=actor, project_id=project_id)
    check = session.get(SpotCheck, check_id)
    if check is None or check.project_id != project.id:
        raise NotFound(T_("check_id: no spot check %(id)s on this project", id=check_id))
    if result not in ("pass", "fail"):
        raise InvalidInput.field("result", T_("must be pass or fail"))
    if result == "fail" and not evidence.strip():
        raise InvalidInput.field("evidence", T_("say what was wrong: a failed check needs its evidence"))
    if len(evidence) > 1000:
        raise InvalidInput.field("evidence", T_("must be at most %(n)s characters", n=1000))
    before = {"result": check.result, "evidence": check.evidence}
    check.result, check.evidence, check.checked_by, check.checked_at = result, evidence.strip(), actor.login, now
    audit.record(session, actor=actor, at=now, action="contractor_project.check", entity="contractor_project", entity_id=project.id, before=before, after={"check_id": check.id, "result": result, "evidence": check.evidence}, org_path=project.org_path)
    return check


def add_feedback(session: Session, *, actor: Principal, now: datetime, project_id: int, score: int, comment: str = "", customer_id: int | None = None) -> Feedback:
    require(actor, Capability.PROJECTS_SUPERVISE)
    project = get_project(session, actor=actor, project_id=project_id)
    if not 1 <= score <= 5:
        raise InvalidInput.field("score", T_("must be %(low)s to %(high)s", low=1, high=5))
    if len(comment) > 500:
        raise InvalidInput.field("comment", T_("must be at most %(n)s characters", n=500))
    if customer_id is not None:
        from gridcare.customers import service as customers

        customers.get_customer(session, actor=actor, customer_id=customer_id)
    row = Feedback(project_id=project.id, customer_id=customer_id, score=score, comment=comment.strip(), created_by=actor.login, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, at=now, action="contractor_project.feedback", entity="contractor_project", entity_id=project.id, after={"score": score, "customer_id": customer_id}, org_path=project.org_path)
    return row


def rate(session: Session, *, actor: Principal, now: datetime, project_id: int, rating: int) -> Project:
    """The supervising rep's rating of the contractor's work on this project, 1 to 5."""
    require(actor, Capability.PROJECTS_SUPERVISE)
    project = get_project(session, actor=actor, project_id=project_id)
    if not 1 <= rating <= 5:
        raise InvalidInput.field("rating", T_("must be %(low)s to %(high)s", low=1, high=5))
    before = project.rep_rating
    project.rep_rating, project.updated_at = rating, now
    audit.record(session, actor=actor, at=now, action="contractor_project.rate", entity="contractor_project", entity_id=project.id, before={"rating": before}, after={"rating": rating}, org_path=project.org_path)
    return project


# --- reads ---------------------------------------------------------------------------------


def records(session: Session, project_ids: list[int]) -> dict[int, rules.ContractorRecord]:
    """Each project's scorecard inputs, in four grouped queries."""
    if not project_ids:
        return {}
    checks: dict[int, dict[str, int]] = {}
    for pid, result, n in session.execute(select(SpotCheck.project_id, SpotCheck.result, func.count()).where(SpotCheck.project_id.in_(project_ids)).group_by(SpotCheck.project_id, SpotCheck.result)):
        checks.setdefault(pid, {})[result] = n
    scores: dict[int, list[int]] = {}
    for pid, score in session.execute(select(Feedback.project_id, Feedback.score).where(Feedback.project_id.in_(project_ids))):
        scores.setdefault(pid, []).append(score)
    completed: dict[int, list[tuple[datetime, datetime]]] = {}
    for pid, done_at, due in session.execute(
        select(ProjectItem.project_id, ProjectItem.completed_at, Project.due_at).join(Project, Project.id == ProjectItem.project_id).where(ProjectItem.project_id.in_(project_ids), ProjectItem.status == "done")
    ):
        completed.setdefault(pid, []).append((done_at, due))
    ratings = dict(session.execute(select(Project.id, Project.rep_rating).where(Project.id.in_(project_ids))).all())
    return {
        pid: rules.ContractorRecord(
            passed=checks.get(pid, {}).get("pass", 0), failed=checks.get(pid, {}).get("fail", 0), feedback=tuple(scores.get(pid, ())), completed=tuple(completed.get(pid, ())),
            ratings=(ratings[pid],) if ratings.get(pid) is not None else (),
        )
        for pid in project_ids
    }


def merge(parts: list[rules.ContractorRecord]) -> rules.ContractorRecord:
    return rules.ContractorRecord(
        passed=sum(p.passed for p in parts), failed=sum(p.failed for p in parts), feedback=tuple(s for p in parts for s in p.feedback),
        completed=tuple(c for p in parts for c in p.completed), ratings=tuple(r for p in parts for r in p.ratings),
    )


def contractor_scorecards(session: Session, *, actor: Principal, weights: Mapping[str, float] = rules.DEFAULT_WEIGHTS) -> list[dict[str, Any]]:
    """One scorecard per contractor over the projects in the actor's scope (cancelled ones left out)."""
    require(actor, Capability.PROJECTS_READ)
    projects = session.execute(visible(select(Project.id, Project.contractor_id).where(Project.status != "cancelled"), actor)).all()
    by_contractor: dict[int, list[int]] = {}
    for pid, cid in projects:
        by_contractor.setdefault(cid, []).append(pid)
    recs = records(session, [p for p, _ in projects])
    names = dict(session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(list(by_contractor)))).all()) if by_contractor else {}
    out = []
    for cid, pids in by_contractor.items():
        card = rules.scorecard(merge([recs[p] for p in pids]), weights)
        out.append({"contractor_id": cid, "contractor": names.get(cid, str(cid)), "projects": len(pids), "score": card.score, "grade": card.grade, "components": card.components, "counts": card.counts})
    return sorted(out, key=lambda r: (r["score"] is None, -(r["score"] or 0), r["contractor"]))
