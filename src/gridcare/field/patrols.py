"""Patrol use cases: plans over a grid's assets, tasks generated per period (idempotent),
and late or missed patrols flagged to the supervisors. Check-ins and findings are in
``checkins``. Services never commit: the caller's transaction holds each use case."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import RecordScope, can_see
from gridcare.auth.scoping import scoped
from gridcare.core.clock import to_local
from gridcare.core.errors import FieldProblem, InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal, system_principal
from gridcare.core.workdays import china_calendar
from gridcare.field import rules, sites
from gridcare.field.models import PatrolPlan, PatrolStop, PatrolTask, Watch
from gridcare.field.permissions import require_manage, require_read

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
DEFAULT_HORIZON_DAYS = 7
calendar = china_calendar


def _scope(row: PatrolPlan | PatrolTask) -> RecordScope:
    return RecordScope(org_path=row.org_path, grid_id=row.grid_id, gridded=True)


def _view(plan: PatrolPlan) -> dict[str, Any]:
    return {
        "name": plan.name, "grid_id": plan.grid_id, "assignee_id": plan.assignee_id, "rrule": plan.rrule, "starts_on": plan.starts_on.isoformat(), "holidays": plan.holidays,
        "stops": [s["code"] for s in plan.stops], "max_distance_m": plan.max_distance_m, "distances": plan.distances, "far_policy": plan.far_policy, "active": plan.active,
    }


# --- plans --------------------------------------------------------------------------------


def get_plan(session: Session, *, actor: Principal, plan_id: int) -> PatrolPlan:
    require_read(actor)
    plan = session.get(PatrolPlan, plan_id)
    if plan is None or not can_see(actor, _scope(plan)):
        raise NotFound(T_("plan_id: no patrol plan %(id)s in your scope", id=plan_id))
    return plan


def list_plans(session: Session, *, actor: Principal, grid_id: int | None = None, limit: int = 200, offset: int = 0) -> list[PatrolPlan]:
    require_read(actor)
    stmt = scoped(select(PatrolPlan), actor, org_path=PatrolPlan.org_path, grid_id=PatrolPlan.grid_id)
    if grid_id is not None:
        stmt = stmt.where(PatrolPlan.grid_id == grid_id)
    stmt = stmt.order_by(PatrolPlan.grid_id, PatrolPlan.name, PatrolPlan.id).limit(max(1, min(limit, 1000))).offset(max(0, offset))
    return list(session.scalars(stmt))


def _checked(
    *, today: date, name: str, rrule: str, starts_on: date, holidays: str, far_policy: str, max_distance_m: int, distances: dict[str, int], grace_days: int,
    new_rule: bool = True, new_start: bool = True,
) -> list[FieldProblem]:
    """What is wrong with a plan's values. The rule and the first day are checked when they
    are new (``new_rule``, ``new_start``): a plan saved before they were checked can still
    be renamed or stopped."""
    problems = []
    if not name.strip() or len(name) > 200:
        problems.append(FieldProblem("name", T_("must be %(low)s to %(high)s characters", low=1, high=200)))
    rule_problem = rules.rule_problem(rrule, starts_on=starts_on, today=today) if new_rule or new_start else None
    if rule_problem:
        problems.append(FieldProblem("rrule", rule_problem))
    start_problem = rules.starts_on_problem(starts_on, today) if new_start else None
    if start_problem:
        problems.append(FieldProblem("starts_on", start_problem))
    if holidays not in rules.HOLIDAY_RULES:
        problems.append(FieldProblem("holidays", T_("must be one of %(choices)s", choices=", ".join(rules.HOLIDAY_RULES))))
    if far_policy not in rules.FAR_POLICIES:
        problems.append(FieldProblem("far_policy", T_("must be one of %(choices)s", choices=", ".join(rules.FAR_POLICIES))))
    if not 5 <= max_distance_m <= 5000:
        problems.append(FieldProblem("max_distance_m", T_("must be between %(low)s and %(high)s metres", low=5, high=5000)))
    for kind, metres in distances.items():
        if kind not in rules.PATROL_KINDS:
            problems.append(FieldProblem(f"distances.{kind}", T_("not an asset kind; use %(choices)s", choices=", ".join(rules.PATROL_KINDS))))
        elif not 5 <= int(metres) <= 5000:
            problems.append(FieldProblem(f"distances.{kind}", T_("must be between %(low)s and %(high)s metres", low=5, high=5000)))
    if not 0 <= grace_days <= 30:
        problems.append(FieldProblem("grace_days", T_("must be between %(low)s and %(high)s", low=0, high=30)))
    return problems


def create_plan(
    session: Session, *, actor: Principal, now: datetime, name: str, grid_id: int, rrule: str, starts_on: date | None = None, holidays: str = "next_workday",
    kinds: Sequence[str] = (), codes: Sequence[str] = (), max_distance_m: int = 100, distances: dict[str, int] | None = None, far_policy: str = "flag",
    grace_days: int = 2, assignee_id: int | None = None,
) -> PatrolPlan:
    """A plan over the grid's assets of ``kinds`` or over the listed ``codes`` (a route,
    in order). The grid's rep patrols unless another assignee is named."""
    from gridcare.grids import service as grids

    require_manage(actor)
    grid = grids.get_grid(session, actor=actor, grid_id=grid_id)
    today = to_local(now).date()
    starts_on = starts_on or today
    distances = {k: int(v) for k, v in (distances or {}).items()}
    problems = _checked(today=today, name=name, rrule=rrule, starts_on=starts_on, holidays=holidays, far_policy=far_policy, max_distance_m=max_distance_m, distances=distances, grace_days=grace_days)
    stops, stop_problems = sites.route(session, utility=grid.utility, grid_id=grid.id, kinds=kinds, codes=codes)
    problems += stop_problems
    if problems:
        raise InvalidInput.many(problems)
    plan = PatrolPlan(
        name=name.strip(), utility=grid.utility, grid_id=grid.id, org_path=grid.org_path, assignee_id=assignee_id or grid.rep_id, rrule=rrule.strip().removeprefix("RRULE:"),
        starts_on=starts_on, holidays=holidays, stops=stops, max_distance_m=max_distance_m, distances=distances, far_policy=far_policy, grace_days=grace_days, active=True,
        created_by=actor.login, created_at=now, updated_at=now,
    )
    session.add(plan)
    session.flush()
    audit.record(session, actor=actor, at=now, action="patrol_plan.create", entity="patrol_plan", entity_id=plan.id, after=_view(plan), org_path=plan.org_path, new_stream=True)
    return plan


def update_plan(session: Session, *, actor: Principal, now: datetime, plan_id: int, **changes: Any) -> PatrolPlan:
    """Change a plan; tasks already generated keep their stops, later ones use the new plan."""
    require_manage(actor)
    plan = get_plan(session, actor=actor, plan_id=plan_id)
    before = _view(plan)
    allowed = {"name", "rrule", "starts_on", "holidays", "max_distance_m", "distances", "far_policy", "grace_days", "assignee_id", "active", "kinds", "codes"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InvalidInput.many([FieldProblem(k, T_("cannot be changed")) for k in unknown])
    # None is no change: these columns cannot be empty.
    merged = {k: getattr(plan, k) if changes.get(k) is None else changes[k] for k in ("name", "rrule", "starts_on", "holidays", "far_policy", "max_distance_m", "distances", "grace_days")}
    merged["distances"] = {k: int(v) for k, v in (merged["distances"] or {}).items()}
    new_rule = merged["rrule"].strip().removeprefix("RRULE:") != plan.rrule
    problems = _checked(today=to_local(now).date(), new_rule=new_rule, new_start=merged["starts_on"] != plan.starts_on, **merged)
    new_stops = None
    if changes.get("kinds") or changes.get("codes"):
        new_stops, stop_problems = sites.route(session, utility=plan.utility, grid_id=plan.grid_id, kinds=changes.get("kinds") or (), codes=changes.get("codes") or ())
        problems += stop_problems
    if problems:
        raise InvalidInput.many(problems)
    for key, value in merged.items():
        setattr(plan, key, value.strip().removeprefix("RRULE:") if key == "rrule" else value)
    if "assignee_id" in changes and changes["assignee_id"] is not None:
        plan.assignee_id = int(changes["assignee_id"])
    if "active" in changes and changes["active"] is not None:
        plan.active = bool(changes["active"])
    if new_stops is not None:
        plan.stops = new_stops
    plan.updated_at = now
    audit.record(session, actor=actor, at=now, action="patrol_plan.update", entity="patrol_plan", entity_id=plan.id, before=before, after=_view(plan), org_path=plan.org_path)
    return plan


# --- generation ---------------------------------------------------------------------------


class _Batch:
    """New tasks of one generation run, written together: one read of the keys already
    there, one insert of the tasks, one of their stops."""

    def __init__(self, session: Session, window: tuple[date, date]) -> None:
        self.session = session
        self.have = set(session.scalars(select(PatrolTask.key).where(PatrolTask.due_on.between(window[0], window[1]))))
        self.pending: list[tuple[PatrolTask, list[dict[str, Any]]]] = []

    def add(self, *, now: datetime, key: str, values: dict[str, Any], stops: list[dict[str, Any]]) -> None:
        if key in self.have:
            return
        self.have.add(key)
        self.pending.append((PatrolTask(key=key, status="open", late=False, created_at=now, **values), stops))

    def write(self) -> int:
        if not self.pending:
            return 0
        self.session.add_all(task for task, _ in self.pending)
        self.session.flush()
        rows = [
            {"task_id": task.id, "seq": i, "status": "pending", "far": False, "checklist": {}, "note": "", "photos": [], **stop}
            for task, stops in self.pending for i, stop in enumerate(stops, start=1)
        ]
        if rows:
            self.session.execute(PatrolStop.__table__.insert(), rows)
        return len(self.pending)


def _plan_stops(plan: PatrolPlan) -> list[dict[str, Any]]:
    return [
        {"asset_kind": s["kind"], "asset_code": s["code"], "name": s.get("name", ""), "lon": s.get("lon"), "lat": s.get("lat"), "far_policy": plan.far_policy,
         "max_distance_m": rules.distance_for(s["kind"], plan_default=plan.max_distance_m, overrides=plan.distances or {})}
        for s in plan.stops
    ]


def why_no_tasks(plan: PatrolPlan, *, today: date) -> str | None:
    """Why an active plan makes no tasks (a rule saved before rules were checked, or one
    that has run out), for its page; None when it makes them."""
    if not plan.active:
        return None
    return rules.rule_problem(plan.rrule, starts_on=plan.starts_on, today=today)


def _add_plan_tasks(batch: _Batch, plan: PatrolPlan, *, now: datetime, window: tuple[date, date], is_workday: Callable[[date], bool]) -> None:
    """A plan whose rule cannot be followed (saved before rules were checked) is skipped and
    logged, so that it holds up neither the run nor the other plans."""
    try:
        due = rules.occurrences(plan.rrule, starts_on=plan.starts_on, window=window, holidays=plan.holidays, is_workday=is_workday)
    except rules.RuleProblem as exc:
        log.warning("patrol plan %s skipped: rrule %r from %s: %s", plan.id, plan.rrule, plan.starts_on, exc)
        return
    for occ in due:
        values = {
            "plan_id": plan.id, "title": plan.name, "utility": plan.utility, "grid_id": plan.grid_id, "org_path": plan.org_path, "assignee_id": plan.assignee_id,
            "due_on": occ.due_on, "planned_on": occ.planned_on, "grace_days": plan.grace_days,
        }
        batch.add(now=now, key=f"plan:{plan.id}:{occ.due_on.isoformat()}", values=values, stops=_plan_stops(plan))


def generate(session: Session, *, now: datetime, days: int = DEFAULT_HORIZON_DAYS, progress: Progress | None = None, plan_ids: Sequence[int] | None = None, watch_ids: Sequence[int] | None = None) -> int:
    """Tasks of every active plan and open road-works watch (or of those listed) due from
    today over ``days`` days. Each (plan, day) has one key, so running again creates
    nothing new. Returns how many tasks were created."""
    if not 0 <= days <= 366:
        raise InvalidInput.field("days", T_("must be between %(low)s and %(high)s", low=0, high=366))
    today = to_local(now).date()
    window = (today, today + timedelta(days=days))
    stmt = select(PatrolPlan).where(PatrolPlan.active.is_(True)).order_by(PatrolPlan.id)
    if plan_ids is not None:
        stmt = stmt.where(PatrolPlan.id.in_(list(plan_ids)))
    plans = list(session.scalars(stmt))
    watch_stmt = select(Watch).where(Watch.status == "open").order_by(Watch.id)
    if watch_ids is not None:
        watch_stmt = watch_stmt.where(Watch.id.in_(list(watch_ids)))
    watches = list(session.scalars(watch_stmt))
    total = len(plans) + len(watches)
    cal = calendar()
    batch = _Batch(session, window)
    for n, plan in enumerate(plans, start=1):
        _add_plan_tasks(batch, plan, now=now, window=window, is_workday=cal.is_workday)
        if progress:
            progress("patrol plans", n, total)
    for n, watch in enumerate(watches, start=len(plans) + 1):
        rule = f"FREQ=DAILY;INTERVAL={watch.every_days}"
        for occ in rules.occurrences(rule, starts_on=watch.starts_on, window=window, holidays="next_workday", is_workday=cal.is_workday):
            values = dict(watch_id=watch.id, title=watch.title, utility=watch.utility, grid_id=watch.grid_id, org_path=watch.org_path, assignee_id=watch.assignee_id, due_on=occ.due_on, planned_on=occ.planned_on, grace_days=1)
            stop = {"asset_kind": "place", "asset_code": None, "name": watch.title, "lon": watch.lon, "lat": watch.lat, "far_policy": "flag", "max_distance_m": rules.DEFAULT_DISTANCE_M["place"]}
            batch.add(now=now, key=f"watch:{watch.id}:{occ.due_on.isoformat()}", values=values, stops=[stop])
        if progress:
            progress("patrol plans", n, total)
    if progress and total == 0:
        progress("patrol plans", 0, 0)
    return batch.write()


# --- tasks --------------------------------------------------------------------------------


def get_task(session: Session, *, actor: Principal, task_id: int) -> PatrolTask:
    require_read(actor)
    task = session.get(PatrolTask, task_id)
    if task is None or not (can_see(actor, _scope(task)) or task.assignee_id == actor.user_id):
        raise NotFound(T_("task_id: no patrol task %(id)s in your scope", id=task_id))
    return task


def stops_of(session: Session, *, task_ids: Sequence[int]) -> dict[int, list[PatrolStop]]:
    out: dict[int, list[PatrolStop]] = {t: [] for t in task_ids}
    if task_ids:
        for stop in session.scalars(select(PatrolStop).where(PatrolStop.task_id.in_(list(task_ids))).order_by(PatrolStop.task_id, PatrolStop.seq)):
            out[stop.task_id].append(stop)
    return out


def tasks(session: Session, *, actor: Principal, day: date | None = None, mine: bool = False, status: str | None = None, flagged: bool = False, limit: int = 500) -> list[PatrolTask]:
    """Patrol tasks in scope: of one day, or (``mine``) what the actor still has to do up
    to that day; ``flagged``: the late and missed ones."""
    require_read(actor)
    stmt = scoped(select(PatrolTask), actor, org_path=PatrolTask.org_path, grid_id=PatrolTask.grid_id)
    if mine:
        stmt = select(PatrolTask).where(PatrolTask.assignee_id == actor.user_id)
        if day is not None:
            stmt = stmt.where(PatrolTask.due_on <= day, (PatrolTask.status == "open") | (PatrolTask.due_on == day))
    elif day is not None:
        stmt = stmt.where(PatrolTask.due_on == day)
    if status:
        stmt = stmt.where(PatrolTask.status == status)
    if flagged:
        stmt = stmt.where((PatrolTask.status == "missed") | (PatrolTask.late.is_(True)))
    order = (PatrolTask.due_on.desc(), PatrolTask.id) if flagged else (PatrolTask.due_on, PatrolTask.id)
    return list(session.scalars(stmt.order_by(*order).limit(limit)))


def finish_if_complete(session: Session, *, now: datetime, task: PatrolTask) -> None:
    """The last stop checked finishes the task, done when its last check-in was made: a phone
    without signal sends them late and maybe out of order. Done after its day, it is late;
    done on its day, it is not, even if it was flagged before the phone's check-ins arrived."""
    pending = session.scalar(select(PatrolStop.id).where(PatrolStop.task_id == task.id, PatrolStop.status == "pending").limit(1))
    if pending is not None or task.status == "done":
        return
    task.status = "done"
    task.done_at = session.scalar(select(func.max(PatrolStop.checked_at)).where(PatrolStop.task_id == task.id)) or now
    task.late = to_local(task.done_at).date() > task.due_on


# --- late and missed ----------------------------------------------------------------------


def _supervisors(session: Session, org_path: str) -> list[int]:
    """Active supervisors whose scope holds the task."""
    from gridcare.auth import service as auth

    return auth.supervisors_over(session, org_path=org_path)


def _needs_flag(task: Any, today: Any) -> rules.TaskState | None:
    state = rules.task_state(task.due_on, today, task.grace_days)
    if state is rules.TaskState.MISSED or (state is rules.TaskState.LATE and task.late_flagged_at is None):
        return state
    return None


def find_overdue(session: Session, *, now: datetime) -> list[int]:
    """The open patrols that ``flag_overdue`` would mark now (reads only)."""
    today = to_local(now).date()
    cols = (PatrolTask.id, PatrolTask.due_on, PatrolTask.grace_days, PatrolTask.late_flagged_at)
    rows = session.execute(select(*cols).where(PatrolTask.status == "open", PatrolTask.due_on < today).order_by(PatrolTask.due_on, PatrolTask.id))
    return [r.id for r in rows if _needs_flag(r, today) is not None]


def flag_overdue(session: Session, *, now: datetime, limit: int = 1000, ids: Sequence[int] | None = None) -> tuple[int, int]:
    """Mark open patrols past their day late, and past their grace days missed; each mark
    tells the supervisors once. ``ids`` narrows the round to what ``find_overdue`` found.
    Returns (late, missed) newly flagged."""
    from gridcare.field import notifying

    today = to_local(now).date()
    stmt = select(PatrolTask).where(PatrolTask.status == "open", PatrolTask.due_on < today).order_by(PatrolTask.due_on, PatrolTask.id).limit(limit)
    if ids is not None:
        stmt = stmt.where(PatrolTask.id.in_(list(ids)))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    late = missed = 0
    worker = system_principal("worker")
    for task in session.scalars(stmt):
        state = _needs_flag(task, today)
        if state is rules.TaskState.MISSED:
            task.status, task.late = "missed", True
            task.missed_flagged_at = now
            missed += 1
        elif state is rules.TaskState.LATE:
            task.late = True
            task.late_flagged_at = now
            late += 1
        else:
            continue
        audit.record(session, actor=worker, at=now, action=f"patrol_task.{state.value}", entity="patrol_task", entity_id=task.id, after={"due_on": task.due_on.isoformat(), "status": task.status}, org_path=task.org_path)
        for user_id in _supervisors(session, task.org_path):
            notifying.patrol_overdue(session, now=now, user_id=user_id, task=task, state=state.value)
    return late, missed
