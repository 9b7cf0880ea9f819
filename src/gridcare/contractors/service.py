"""Contractor projects (外包项目监管): plan one over grids with its scope, tell the affected
customers once, move it through its states, and mark its items done. Supervision (logs,
spot checks, feedback, rating) is in ``supervision.py``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, false, func, select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.models import OrgUnit
from gridcare.contractors import rules
from gridcare.contractors.models import Project, ProjectGrid, ProjectItem
from gridcare.contractors.permissions import Capability, require
from gridcare.core.clock import to_local
from gridcare.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal, Role
from gridcare.db import batches

MAX_ITEMS = 20_000
IN_CHUNK = 500  # ids per IN (...), see gridcare.db.batches
NOTICE_LEAD_DAYS = 1  # the job tells customers this many days before the work starts


def visible(stmt: Any, actor: Principal) -> Any:
    """A contractor sees its own projects; a rep those touching their grids; others their subtree."""
    if actor.role is Role.CONTRACTOR:
        return stmt.where(Project.contractor_id == actor.org_unit_id) if actor.org_unit_id is not None else stmt.where(false())
    if actor.role is Role.REP:
        if not actor.grid_ids:
            return stmt.where(false())
        return stmt.where(exists().where(ProjectGrid.project_id == Project.id, ProjectGrid.grid_id.in_(sorted(actor.grid_ids))))
    return stmt.where(Project.org_path.startswith(actor.org_path, autoescape=True))


def get_project(session: Session, *, actor: Principal, project_id: int, lock: bool = False) -> Project:
    require(actor, Capability.PROJECTS_READ)
    stmt = visible(select(Project).where(Project.id == project_id), actor)
    if lock:
        stmt = stmt.with_for_update()
    project = session.scalar(stmt)
    if project is None:
        raise NotFound(T_("project_id: no contractor project %(id)s in your scope", id=project_id))
    return project


def grid_ids_of(session: Session, project_id: int) -> list[int]:
    return list(session.scalars(select(ProjectGrid.grid_id).where(ProjectGrid.project_id == project_id).order_by(ProjectGrid.grid_id)))


def _common_path(paths: Sequence[str]) -> str:
    prefix = os.path.commonprefix(list(paths))
    return prefix[: prefix.rstrip("/").rfind("/") + 1] if not prefix.endswith("/") else prefix


def _view(project: Project) -> dict[str, Any]:
    return {"name": project.name, "kind": project.kind, "status": project.status, "contractor_id": project.contractor_id, "starts_at": project.starts_at.isoformat(), "due_at": project.due_at.isoformat()}


def _number(session: Session, now: datetime) -> str:
    day = to_local(now).strftime("%Y%m%d")
    n = session.scalar(select(func.count(Project.id)).where(Project.number.like(f"WB{day}-%"))) or 0
    return f"WB{day}-{n + 1:03d}"


def create_project(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    name: str,
    kind: str,
    contractor_id: int,
    grid_ids: Sequence[int],
    starts_at: datetime | None,
    due_at: datetime | None,
    notice_text: str = "",
    items: Sequence[str] = (),
    customers_as_items: bool = False,
    sample_min: int = 3,
    sample_share: float = 0.1,
    sample_seed: int | None = None,
) -> Project:
    """Plan a project. Its scope is the ``items`` given (tanks, pump rooms, pipe sections)
    and/or, with ``customers_as_items``, one item per customer of its grids (meters)."""
    from gridcare.auth import service as auth
    from gridcare.campaigns import audience
    from gridcare.grids import service as grids

    require(actor, Capability.PROJECTS_MANAGE)
    problems: list[FieldProblem] = []
    if not name.strip() or len(name.strip()) > 200:
        problems.append(FieldProblem("name", T_("must be %(low)s to %(high)s characters", low=1, high=200)))
    if kind not in rules.KINDS:
        problems.append(FieldProblem("kind", T_("must be one of %(choices)s", choices=", ".join(rules.KINDS))))
    unit = auth.find_org_unit(session, org_unit_id=contractor_id)
    if unit is None or unit.kind != "contractor":
        problems.append(FieldProblem("contractor_id", T_("must be an organisation unit of kind contractor")))
    if starts_at is None:
        problems.append(FieldProblem("starts_at", T_("is required")))
    if due_at is None:
        problems.append(FieldProblem("due_at", T_("is required")))
    elif starts_at is not None and due_at <= starts_at:
        problems.append(FieldProblem("due_at", T_("must be after %(other)s", other="starts_at")))
    if len(notice_text) > 300:
        problems.append(FieldProblem("notice_text", T_("must be at most %(n)s characters", n=300)))
    labels = [i.strip() for i in items if i.strip()]
    if any(len(label) > 200 for label in labels):
        problems.append(FieldProblem("items", T_("each item must be at most %(n)s characters", n=200)))
    if not grid_ids:
        problems.append(FieldProblem("grid_ids", T_("choose at least one grid")))
    try:
        rules.SampleRule(sample_min, sample_share)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    found = []
    for gid in dict.fromkeys(grid_ids):
        try:
            found.append(grids.get_grid(session, actor=actor, grid_id=gid))
        except NotFound:
            problems.append(FieldProblem("grid_ids", T_("no grid %(id)s in your scope", id=gid)))
    if found and len({g.utility for g in found}) > 1:
        problems.append(FieldProblem("grid_ids", T_("all grids must be of one utility")))
    customer_ids = sorted(audience.in_grids(session, grid_ids=[g.id for g in found])) if customers_as_items and found else []
    if not problems and not labels and not customer_ids:
        problems.append(FieldProblem("items", T_("give the items of the scope, or take the grids' customers as items")))
    if len(labels) + len(customer_ids) > MAX_ITEMS:
        problems.append(FieldProblem("items", T_("at most %(n)s items", n=MAX_ITEMS)))
    if problems:
        raise InvalidInput.many(problems)
    assert starts_at is not None and due_at is not None
    project = Project(
        number=_number(session, now), name=name.strip(), kind=kind, utility=found[0].utility, contractor_id=contractor_id, org_path=_common_path([g.org_path for g in found]),
        status="planned", starts_at=starts_at, due_at=due_at, notice_text=notice_text.strip(), sample_min=sample_min, sample_share=sample_share,
        sample_seed=sample_seed if sample_seed is not None else int.from_bytes(os.urandom(3), "big"), created_by=actor.login, created_at=now, updated_at=now,
    )
    session.add(project)
    session.flush()
    session.add_all(ProjectGrid(project_id=project.id, grid_id=g.id) for g in found)
    session.add_all(ProjectItem(project_id=project.id, label=label, status="pending", note="", created_at=now) for label in labels)
    if customer_ids:
        from gridcare.customers import service as customers

        briefs = customers.briefs(session, customer_ids=customer_ids)
        session.add_all(
            ProjectItem(project_id=project.id, label=f"{b.account} {b.name}"[:200], customer_id=b.id, grid_id=b.grid_id, status="pending", note="", created_at=now) for b in briefs.values()
        )
    session.flush()
    audit.record(session, actor=actor, at=now, action="contractor_project.create", entity="contractor_project", entity_id=project.id, after=_view(project) | {"grids": [g.code for g in found]}, org_path=project.org_path, new_stream=True)
    return project


def execute(session: Session, *, actor: Principal, now: datetime, project_id: int, command: str) -> Project:
    """start, complete or cancel."""
    require(actor, Capability.PROJECTS_MANAGE)
    project = get_project(session, actor=actor, project_id=project_id, lock=True)
    before = _view(project)
    project.status = rules.next_status(project.status, command)
    project.updated_at = now
    if project.status == "completed":
        project.completed_at = now
    audit.record(session, actor=actor, at=now, action=f"contractor_project.{command}", entity="contractor_project", entity_id=project.id, before=before, after=_view(project), org_path=project.org_path)
    return project


def complete_items(session: Session, *, actor: Principal, now: datetime, project_id: int, item_ids: Sequence[int], note: str = "") -> int:
    """Mark items done (the contractor, or the rep on its behalf). Items already done keep
    their first completion time. Returns how many changed."""
    require(actor, Capability.PROJECTS_WORK)
    project = get_project(session, actor=actor, project_id=project_id)
    if project.status != "active":
        raise InvalidInput.field("project_id", T_("items are completed while the project is in progress; it is %(status)s", status=Label("project", project.status, msgid=rules.STATUSES.get(project.status))))
    if len(note) > 400:
        raise InvalidInput.field("note", T_("must be at most %(n)s characters", n=400))
    wanted = sorted(set(item_ids))
    if not wanted:
        raise InvalidInput.field("item_ids", T_("choose at least one item"))
    if len(wanted) > MAX_ITEMS:
        raise InvalidInput.field("item_ids", T_("at most %(n)s items", n=MAX_ITEMS))
    rows = _items(session, project_id=project.id, ids=wanted)
    missing = sorted(set(wanted) - {r.id for r in rows})
    if missing:
        raise InvalidInput.field("item_ids", T_("not items of this project: %(ids)s", ids=", ".join(map(str, missing[:10]))))
    changed = 0
    for item in rows:
        if item.status != "done":
            item.status, item.completed_at, item.note = "done", now, note.strip()
            changed += 1
    project.updated_at = now
    audit.record(session, actor=actor, at=now, action="contractor_project.items_done", entity="contractor_project", entity_id=project.id, after={"items": [r.id for r in rows], "changed": changed}, org_path=project.org_path)
    return changed


def _items(session: Session, *, project_id: int, ids: Sequence[int]) -> list[ProjectItem]:
    return [item for chunk in batches(ids, IN_CHUNK) for item in session.scalars(select(ProjectItem).where(ProjectItem.project_id == project_id, ProjectItem.id.in_(chunk)))]


def affected_customers(session: Session, *, project: Project) -> list[int]:
    """Customers named in the scope; when the scope names none, every customer of its grids."""
    from gridcare.campaigns import audience

    named = sorted(set(session.scalars(select(ProjectItem.customer_id).where(ProjectItem.project_id == project.id, ProjectItem.customer_id.is_not(None)))))
    return named or sorted(audience.in_grids(session, grid_ids=grid_ids_of(session, project.id)))


def notify_customers(session: Session, *, actor: Principal, now: datetime, project_id: int, config: Any = None, progress: Any = None) -> int:
    """Tell the affected customers of the work beforehand, once (a second call is refused)."""
    require(actor, Capability.PROJECTS_MANAGE)
    project = get_project(session, actor=actor, project_id=project_id, lock=True)
    return _tell(session, actor=actor, now=now, project=project, config=config, progress=progress)


def _tell(session: Session, *, actor: Principal, now: datetime, project: Project, config: Any = None, progress: Any = None) -> int:
    from gridcare.campaigns import sending
    from gridcare.contractors import notifying

    if project.notified_at is not None:
        raise Conflict(T_("project_id: customers were told already, at %(at)s", at=f"{to_local(project.notified_at):%Y-%m-%d %H:%M}"))
    if project.status not in rules.OPEN:
        raise InvalidInput.field("project_id", T_("the project is %(status)s", status=Label("project", project.status, msgid=rules.STATUSES.get(project.status))))
    contractor = session.get(OrgUnit, project.contractor_id)
    context = {"kind": rules.KINDS[project.kind], "contractor": contractor.name if contractor else "", "starts_at": project.starts_at, "due_at": project.due_at, "text": project.notice_text}
    ids = affected_customers(session, project=project)
    sent, _no_mobile = sending.to_customers(
        session, now=now, config=config or notifying.config(), customer_ids=ids, channel="sms", event="contractors.notice", context=context,
        source=("contractor_project", project.id), dedupe=f"contractor_project:{project.id}:notice", progress=progress, stage="customers",
    )
    project.notified_at = now
    audit.record(session, actor=actor, at=now, action="contractor_project.notify", entity="contractor_project", entity_id=project.id, after={"customers": sent}, org_path=project.org_path)
    return sent


def _untold(now: datetime) -> Any:
    from datetime import timedelta

    return and_(Project.notified_at.is_(None), Project.status.in_(sorted(rules.OPEN)), Project.starts_at <= now + timedelta(days=NOTICE_LEAD_DAYS))


def find_due(session: Session, *, now: datetime) -> list[int]:
    """The projects ``tell_due`` would tell the customers of now (reads only)."""
    return list(session.scalars(select(Project.id).where(_untold(now)).order_by(Project.id)))


def tell_due(session: Session, *, now: datetime, config: Any = None, ids: Sequence[int] | None = None) -> int:
    """The job's round: projects starting within the lead time whose customers were not told
    (``ids``: only these, re-checked)."""
    from gridcare.core.principal import system_principal

    actor = system_principal("worker")
    stmt = select(Project).where(_untold(now)).order_by(Project.id)
    if ids is not None:
        stmt = stmt.where(Project.id.in_(list(ids)))
    return sum(_tell(session, actor=actor, now=now, project=p, config=config) for p in session.scalars(stmt).all())
