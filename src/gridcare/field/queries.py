"""Read models for the field pages and API: tasks with their stops, checklists and findings;
the supervisor's overview of one day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.auth.scoping import scoped
from gridcare.core import phone
from gridcare.core.principal import Principal
from gridcare.field import changes, checkins, patrols, rules, visits
from gridcare.field.models import DataChange, Finding, PatrolStop, PatrolTask, Visit, VisitPlan
from gridcare.field.permissions import require_manage
from gridcare.workorders import from_phone


def task_details(session: Session, tasks: Sequence[PatrolTask]) -> list[dict[str, Any]]:
    """Each task with its stops; each stop with its checklist items and findings."""
    ids = [t.id for t in tasks]
    stops = patrols.stops_of(session, task_ids=ids)
    found = checkins.findings(session, task_ids=ids)
    lists: dict[str, list[str]] = {}
    out = []
    for task in tasks:
        rows = []
        for stop in stops[task.id]:
            if stop.asset_kind not in lists:
                lists[stop.asset_kind] = checkins.checklist_for(session, stop.asset_kind)
            rows.append({"stop": stop, "items": lists[stop.asset_kind], "findings": found.get(stop.id, [])})
        done = sum(1 for r in rows if r["stop"].status == "checked")
        out.append({"task": task, "stops": rows, "done": done, "total": len(rows), "far": sum(1 for r in rows if r["stop"].far)})
    return out


def map_points(details: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stops as plain points for the phone page's map (field.js)."""
    return [
        {"id": r["stop"].id, "seq": r["stop"].seq, "name": r["stop"].name or r["stop"].asset_code, "kind": r["stop"].asset_kind, "lon": r["stop"].lon, "lat": r["stop"].lat, "done": r["stop"].status == "checked"}
        for d in details for r in d["stops"] if r["stop"].lon is not None and r["stop"].lat is not None
    ]


def visit_rows(plans: Sequence[VisitPlan], today: date) -> list[dict[str, Any]]:
    return [{"plan": p, "state": rules.visit_state(p.next_due, today).value, "days_overdue": rules.days_overdue(p.next_due, today)} for p in plans]


def overview(session: Session, *, actor: Principal, today: date) -> dict[str, Any]:
    """What the supervisor's page shows: plans, today's patrols, late and missed ones,
    overdue visits, pending data changes and open watches."""
    todays = patrols.tasks(session, actor=actor, day=today)
    flagged = patrols.tasks(session, actor=actor, flagged=True, limit=100)
    overdue = visits.plans(session, actor=actor, overdue_on=today, limit=100)
    return {
        "plans": patrols.list_plans(session, actor=actor),
        "todays": task_details(session, todays),
        "flagged": task_details(session, flagged),
        "overdue_visits": visit_rows(overdue, today),
        "pending_changes": changes.changes(session, actor=actor, status="pending"),
        "watches": changes.watches(session, actor=actor),
    }


def sent_later(session: Session, *, actor: Principal, since: datetime) -> tuple[list[phone.Habit], phone.Habit]:
    """Who in the actor's scope made how many field records since ``since`` (check-ins,
    findings, visits, data changes), and how many of them the phone sent later; for the
    supervisors (see ``phone.habits``)."""
    require_manage(actor)

    def cols(who: Any, made: Any, model: Any) -> tuple[Any, ...]:
        return who.label("who"), made.label("made_at"), model.sent_at, model.claimed_at

    stop_task = select(*cols(PatrolStop.checked_by, PatrolStop.checked_at, PatrolStop)).join(PatrolTask, PatrolTask.id == PatrolStop.task_id)
    reads = [
        scoped(stop_task.where(PatrolStop.status == "checked", PatrolStop.checked_at >= since), actor, org_path=PatrolTask.org_path, grid_id=PatrolTask.grid_id),
        scoped(
            select(*cols(Finding.created_by, Finding.created_at, Finding)).join(PatrolStop, PatrolStop.id == Finding.stop_id).join(PatrolTask, PatrolTask.id == PatrolStop.task_id).where(Finding.created_at >= since),
            actor, org_path=PatrolTask.org_path, grid_id=PatrolTask.grid_id,
        ),
        scoped(select(*cols(Visit.visitor, Visit.visited_at, Visit)).join(VisitPlan, VisitPlan.id == Visit.plan_id).where(Visit.visited_at >= since), actor, org_path=VisitPlan.org_path, grid_id=VisitPlan.grid_id),
        scoped(select(*cols(DataChange.submitted_by, DataChange.submitted_at, DataChange)).where(DataChange.submitted_at >= since), actor, org_path=DataChange.org_path, grid_id=DataChange.grid_id),
    ]
    kept = [phone.Kept(r.who, r.made_at, r.sent_at, r.claimed_at is not None) for stmt in reads for r in session.execute(stmt) if r.who]
    return phone.habits(kept + from_phone.kept(session, actor=actor, since=since))
