"""REST: field — patrol plans and tasks, check-ins and findings, checklists, stakeholders,
visit rules, plans and records, data changes and their review, road-works watches."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Query, Response, UploadFile, status

from gridcare.core.bounds import instant
from gridcare.core.clock import to_local
from gridcare.core.errors import InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.uploads import MAX_BYTES
from gridcare.field import changes, checkins, patrols, queries, rules, visits
from gridcare.field.permissions import require_read
from gridcare.field.schemas import (
    ChangeIn,
    ChangeOut,
    ChecklistIn,
    FindingOut,
    GenerateIn,
    PlanIn,
    PlanOut,
    PlanPatch,
    ReviewIn,
    RouteIn,
    StakeholderIn,
    StakeholderOut,
    StopOut,
    TaskOut,
    VisitIn,
    VisitOut,
    VisitPlanOut,
    VisitRuleIn,
    WatchOut,
)
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.web.phone import MADE_AT, PHONE_TIME, SUBMISSION, phone_id

router = APIRouter(prefix="/api/v1/field", tags=["field"], dependencies=[CsrfChecked])


def _tasks_out(session: Any, tasks: list[Any]) -> list[TaskOut]:
    out = []
    for d in queries.task_details(session, tasks):
        stops = [StopOut.model_validate(r["stop"]).model_copy(update={"checklist_items": r["items"], "findings": r["findings"]}) for r in d["stops"]]
        out.append(TaskOut.model_validate(d["task"]).model_copy(update={"stops": stops}))
    return out


# --- plans and tasks ----------------------------------------------------------------------


@router.get("/plans", response_model=list[PlanOut])
def list_plans(session: DbSession, principal: CurrentPrincipal, grid_id: int | None = None, limit: int = 200, offset: int = 0) -> Any:
    """Patrol plans in scope by grid and name, ``limit`` (1 to 1000) from ``offset``."""
    return patrols.list_plans(session, actor=principal, grid_id=grid_id, limit=limit, offset=offset)


@router.post("/plans", response_model=PlanOut, status_code=status.HTTP_201_CREATED)
def create_plan(body: PlanIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    return patrols.create_plan(session, actor=principal, now=state.clock.now(), **body.model_dump())


@router.get("/plans/{plan_id}", response_model=PlanOut)
def get_plan(plan_id: int, session: DbSession, principal: CurrentPrincipal) -> Any:
    return patrols.get_plan(session, actor=principal, plan_id=plan_id)


@router.patch("/plans/{plan_id}", response_model=PlanOut)
def update_plan(plan_id: int, body: PlanPatch, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    return patrols.update_plan(session, actor=principal, now=state.clock.now(), plan_id=plan_id, **body.model_dump(exclude_unset=True))


@router.post("/generate")
def generate(body: GenerateIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, int]:
    """Create the patrol tasks due from today over ``days`` days (idempotent)."""
    from gridcare.field.permissions import require_manage

    require_manage(principal)
    return {"created": patrols.generate(session, now=state.clock.now(), days=body.days)}


@router.get("/tasks", response_model=list[TaskOut])
def list_tasks(session: DbSession, principal: CurrentPrincipal, state: State, day: date | None = None, mine: bool = False, flagged: bool = False) -> Any:
    """Patrol tasks of ``day`` (default today); ``mine``: what you still have to do up to
    that day; ``flagged``: late and missed ones."""
    day = day or to_local(state.clock.now()).date()
    return _tasks_out(session, patrols.tasks(session, actor=principal, day=None if flagged else day, mine=mine, flagged=flagged))


@router.get("/tasks/{task_id}", response_model=TaskOut)
def get_task(task_id: int, session: DbSession, principal: CurrentPrincipal) -> Any:
    return _tasks_out(session, [patrols.get_task(session, actor=principal, task_id=task_id)])[0]


def _float(value: str | None, name: str) -> float | None:
    if value is None or not str(value).strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInput.field(name, T_("must be a number")) from None


@router.post("/stops/{stop_id}/check-in", response_model=StopOut)
async def check_in(
    stop_id: int, session: DbSession, principal: CurrentPrincipal, state: State,
    lon: Annotated[str | None, Form()] = None, lat: Annotated[str | None, Form()] = None,
    checklist: Annotated[str, Form(description='JSON object {"item": true|false}')] = "{}",
    note: Annotated[str, Form()] = "", photos: Annotated[list[UploadFile] | None, File()] = None,
    made_at: Annotated[str, Form(description=MADE_AT)] = "", phone_time: Annotated[str, Form(description=PHONE_TIME)] = "", submission: Annotated[str, Form(description=SUBMISSION)] = "",
    idempotency_key: Annotated[str, Header(description=SUBMISSION)] = "",
) -> Any:
    """Check in at a stop (multipart): GPS, checklist answers, up to six photos. A check-in the
    phone kept while without signal gives ``made_at`` and a ``submission`` id."""
    try:
        answers = json.loads(checklist or "{}")
        if not isinstance(answers, dict):
            raise ValueError
    except ValueError:
        raise InvalidInput.field("checklist", T_('must be a JSON object {"item": true|false}')) from None
    # One byte past the limit is enough for the store to refuse it; the rest stays unread.
    files = [(f.filename or "photo", await f.read(MAX_BYTES + 1)) for f in (photos or []) if f.filename]
    stop = checkins.check_in(
        session, actor=principal, now=state.clock.now(), stop_id=stop_id, lon=_float(lon, "lon"), lat=_float(lat, "lat"), checklist=answers, note=note,
        photo_files=files, data_dir=Path(state.settings.data_dir), made_at=instant(made_at, "made_at"), phone_time=instant(phone_time, "phone_time"), submission=phone_id(submission, idempotency_key),
    )
    return StopOut.model_validate(stop)


@router.post("/stops/{stop_id}/findings", response_model=FindingOut, status_code=status.HTTP_201_CREATED)
async def report_finding(
    stop_id: int, session: DbSession, principal: CurrentPrincipal, state: State, kind: Annotated[str, Form()],
    note: Annotated[str, Form()] = "", lon: Annotated[str | None, Form()] = None, lat: Annotated[str | None, Form()] = None, photo: Annotated[UploadFile | None, File()] = None,
    made_at: Annotated[str, Form(description=MADE_AT)] = "", phone_time: Annotated[str, Form(description=PHONE_TIME)] = "", submission: Annotated[str, Form(description=SUBMISSION)] = "",
    idempotency_key: Annotated[str, Header(description=SUBMISSION)] = "",
) -> Any:
    """A finding becomes a work order (channel patrol) with the photo attached; ``made_at`` and
    ``submission`` as for a check-in."""
    upload = (photo.filename or "photo", await photo.read(MAX_BYTES + 1)) if photo is not None and photo.filename else None
    return checkins.report_finding(
        session, actor=principal, now=state.clock.now(), stop_id=stop_id, kind=kind, note=note, lon=_float(lon, "lon"), lat=_float(lat, "lat"), photo=upload, data_dir=Path(state.settings.data_dir),
        made_at=instant(made_at, "made_at"), phone_time=instant(phone_time, "phone_time"), submission=phone_id(submission, idempotency_key),
    )


@router.get("/stops/{stop_id}/photos/{index}")
def stop_photo(stop_id: int, index: int, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    """One photo of a stop's check-in, as stored (its type was sniffed on upload)."""
    from gridcare.field import photos
    from gridcare.field.models import PatrolStop

    stop = session.get(PatrolStop, stop_id)
    if stop is None:
        raise NotFound(T_("stop_id: no patrol stop %(id)s", id=stop_id))
    patrols.get_task(session, actor=principal, task_id=stop.task_id)
    if not 0 <= index < len(stop.photos):
        raise NotFound(T_("index: the stop has %(n)s photos", n=len(stop.photos)))
    photo = stop.photos[index]
    return Response(photos.read(photo=photo, data_dir=Path(state.settings.data_dir)), media_type=photo["media_type"], headers={"Cache-Control": "private, max-age=86400"})


@router.get("/checklists")
def list_checklists(session: DbSession, principal: CurrentPrincipal) -> dict[str, list[str]]:
    require_read(principal)
    return {kind: checkins.checklist_for(session, kind) for kind in (*rules.PATROL_KINDS, "place")}


@router.put("/checklists/{kind}")
def set_checklist(kind: str, body: ChecklistIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    row = checkins.set_checklist(session, actor=principal, now=state.clock.now(), kind=kind, items=body.items)
    return {"kind": row.asset_kind, "items": row.items}


@router.get("/finding-kinds")
def finding_kinds(session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    require_read(principal)
    return [{"code": f.code, "label": f.label, "utility": f.utility, "category": f.category, "department_id": checkins.department_for(session, f)} for f in rules.FINDINGS.values()]


@router.put("/finding-kinds/{kind}/department")
def set_finding_department(kind: str, body: RouteIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    row = checkins.set_finding_route(session, actor=principal, now=state.clock.now(), kind=kind, org_unit_id=body.org_unit_id)
    return {"kind": row.kind, "org_unit_id": row.org_unit_id}


# --- visits -------------------------------------------------------------------------------


@router.get("/stakeholders", response_model=list[StakeholderOut])
def list_stakeholders(session: DbSession, principal: CurrentPrincipal, grid_id: int | None = None) -> Any:
    return visits.stakeholders(session, actor=principal, grid_id=grid_id)


@router.post("/stakeholders", response_model=StakeholderOut, status_code=status.HTTP_201_CREATED)
def add_stakeholder(body: StakeholderIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    return visits.add_stakeholder(session, actor=principal, now=state.clock.now(), **body.model_dump())


@router.get("/visit-rules")
def list_visit_rules(session: DbSession, principal: CurrentPrincipal) -> dict[str, dict[str, Any]]:
    require_read(principal)
    return {subject: {"every_months": r.every_months, "unannounced": r.unannounced} for subject, r in visits.visit_rules(session).items()}


@router.put("/visit-rules/{subject}")
def set_visit_rule(subject: str, body: VisitRuleIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    row = visits.set_visit_rule(session, actor=principal, now=state.clock.now(), subject=subject, every_months=body.every_months, unannounced=body.unannounced)
    return {"subject": row.subject, "every_months": row.every_months, "unannounced": row.unannounced}


@router.get("/visit-plans", response_model=list[VisitPlanOut])
def list_visit_plans(session: DbSession, principal: CurrentPrincipal, state: State, mine: bool = False, overdue: bool = False) -> Any:
    """Standing visits in scope (``mine``: yours), soonest due first; ``overdue``: only those past due."""
    today = to_local(state.clock.now()).date()
    found = visits.plans(session, actor=principal, mine=mine, overdue_on=today if overdue else None)
    return [VisitPlanOut.model_validate(r["plan"]).model_copy(update={"state": r["state"]}) for r in queries.visit_rows(found, today)]


@router.post("/visit-plans/sync")
def sync_visit_plans(session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, int]:
    from gridcare.field.permissions import require_manage

    require_manage(principal)
    return {"changed": visits.sync_plans(session, now=state.clock.now())}


@router.get("/visit-plans/{plan_id}/visits", response_model=list[VisitOut])
def list_visits(plan_id: int, session: DbSession, principal: CurrentPrincipal) -> Any:
    return visits.visits_of(session, actor=principal, plan_id=plan_id)


@router.post("/visit-plans/{plan_id}/visits", response_model=VisitOut, status_code=status.HTTP_201_CREATED)
def record_visit(plan_id: int, body: VisitIn, session: DbSession, principal: CurrentPrincipal, state: State, idempotency_key: Annotated[str, Header(description=SUBMISSION)] = "") -> Any:
    """Record a visit; one kept on the phone without signal gives ``made_at``, ``phone_time`` and ``submission``."""
    fields = body.model_dump()
    fields["submission"] = phone_id(fields["submission"], idempotency_key)
    return visits.record_visit(session, actor=principal, now=state.clock.now(), plan_id=plan_id, **fields)


@router.get("/sent-later")
def sent_later(session: DbSession, principal: CurrentPrincipal, state: State, days: Annotated[int, Query(ge=1, le=366)] = 30) -> dict[str, Any]:
    """Who in your scope made how many field records in the last ``days`` (check-ins, findings,
    visits, data changes) and how many the phone sent later (without signal), most first;
    ``pointed_out``: ten or more sent later, at twice the team's share or more. Supervisors."""
    rows, team = queries.sent_later(session, actor=principal, since=state.clock.now() - timedelta(days=days))

    def out(h: Any) -> dict[str, Any]:
        delay = h.median_delay.total_seconds() / 3600 if h.median_delay is not None else None
        return {"login": h.who or None, "records": h.records, "sent_later": h.sent_later, "share": round(h.share, 4), "doubted": h.doubted, "median_delay_hours": delay, "pointed_out": h.pointed_out}

    return {"days": days, "team": out(team), "makers": [out(h) for h in rows]}


# --- data changes and watches -------------------------------------------------------------


@router.get("/changes", response_model=list[ChangeOut])
def list_changes(session: DbSession, principal: CurrentPrincipal, status: str | None = "pending", mine: bool = False) -> Any:
    """Data changes in scope (``status``: pending, approved, rejected; empty for all)."""
    return changes.changes(session, actor=principal, status=status or None, mine=mine)


@router.post("/changes", response_model=ChangeOut, status_code=status.HTTP_201_CREATED)
def submit_change(body: ChangeIn, session: DbSession, principal: CurrentPrincipal, state: State, idempotency_key: Annotated[str, Header(description=SUBMISSION)] = "") -> Any:
    """Report a data change for review; one kept on the phone without signal gives ``made_at``, ``phone_time`` and ``submission``."""
    fields = body.model_dump()
    fields["submission"] = phone_id(fields["submission"], idempotency_key)
    return changes.submit(session, actor=principal, now=state.clock.now(), **fields)


@router.get("/changes/{change_id}", response_model=ChangeOut)
def get_change(change_id: int, session: DbSession, principal: CurrentPrincipal) -> Any:
    return changes.get_change(session, actor=principal, change_id=change_id)


@router.post("/changes/{change_id}/approve", response_model=ChangeOut)
def approve_change(change_id: int, body: ReviewIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    return changes.review(session, actor=principal, now=state.clock.now(), change_id=change_id, approve=True, reason=body.reason)


@router.post("/changes/{change_id}/reject", response_model=ChangeOut)
def reject_change(change_id: int, body: ReviewIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    return changes.review(session, actor=principal, now=state.clock.now(), change_id=change_id, approve=False, reason=body.reason)


@router.get("/watches", response_model=list[WatchOut])
def list_watches(session: DbSession, principal: CurrentPrincipal, status: str | None = "open", limit: int = 200, offset: int = 0) -> Any:
    """Road-works watches in scope, newest first (``status``: open, closed; empty for all),
    ``limit`` (1 to 1000) from ``offset``."""
    return changes.watches(session, actor=principal, status=status or None, limit=limit, offset=offset)


@router.post("/watches/{watch_id}/close", response_model=WatchOut)
def close_watch(watch_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    return changes.close_watch(session, actor=principal, now=state.clock.now(), watch_id=watch_id)
