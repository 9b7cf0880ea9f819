"""REST: the rules supervisors keep as data — SLA targets, escalation ladders, category
routes to departments, and the duty roster."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from gridcare.auth.rules import Action
from gridcare.auth.scoping import require, require_utility, utilities_held
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.workorders import duty, escalation, policies

router = APIRouter(prefix="/api/v1", tags=["policies"], dependencies=[CsrfChecked])


class TargetOut(BaseModel):
    minutes: int
    clock: str
    from_step: str
    warn_at: float


class PolicyOut(BaseModel):
    utility: str
    category: str
    area_class: str
    accept: TargetOut | None
    arrive: TargetOut | None
    resolve: TargetOut | None
    callback: TargetOut | None


class TargetIn(BaseModel):
    minutes: int | None = Field(description="empty (null): the step has no deadline")
    clock: str = "calendar"
    from_step: str = "created"
    warn_at: float = 0.8


class RungIO(BaseModel):
    after_minutes: int = Field(description="minutes after the missed deadline")
    audience: str = Field(description="handler, role:supervisor, role:agent or role:admin")


class RouteOut(BaseModel):
    utility: str
    category: str
    org_unit_id: int
    unit_name: str


class RouteIn(BaseModel):
    org_unit_id: int | None = Field(description="the department; null sends the category back to the grid rep")


class AbsenceIn(BaseModel):
    user_id: int
    starts_at: datetime
    ends_at: datetime
    reason: str = ""


class AbsenceOut(BaseModel):
    id: int
    user_id: int
    starts_at: datetime
    ends_at: datetime
    reason: str


def _target(t: Any) -> TargetOut | None:
    return None if t is None else TargetOut(minutes=t.minutes, clock=t.clock, from_step=t.from_step, warn_at=t.warn_at)


@router.get("/sla-policies", response_model=list[PolicyOut])
def list_policies(session: DbSession, principal: CurrentPrincipal, utility: str | None = None) -> Any:
    require(principal, Action.ORDERS_READ)
    held = utilities_held(session, principal)
    return [
        PolicyOut(utility=p.utility, category=p.category, area_class=p.area_class, accept=_target(p.accept), arrive=_target(p.arrive), resolve=_target(p.resolve), callback=_target(p.callback))
        for key, p in sorted(policies.effective(session).items())
        if key[0] in held and (utility is None or key[0] == utility)
    ]


@router.put("/sla-policies/{utility}/{category}/{area_class}/{step}", response_model=TargetOut | None)
def set_target(utility: str, category: str, area_class: str, step: str, body: TargetIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    row = policies.set_target(session, actor=principal, now=state.clock.now(), utility=utility, category=category, area_class=area_class, step=step, minutes=body.minutes, clock=body.clock, from_step=body.from_step, warn_at=body.warn_at)
    return None if row.minutes is None else TargetOut(minutes=row.minutes, clock=row.clock, from_step=row.from_step, warn_at=row.warn_at)


@router.get("/escalation-ladders/{utility}", response_model=list[RungIO])
def get_ladder(utility: str, session: DbSession, principal: CurrentPrincipal) -> Any:
    require(principal, Action.ORDERS_READ)
    require_utility(session, principal, utility)
    return [RungIO(after_minutes=int(r.after.total_seconds() // 60), audience=r.audience) for r in escalation.ladder_for(session, utility)]


@router.put("/escalation-ladders/{utility}", response_model=list[RungIO])
def set_ladder(utility: str, body: list[RungIO], session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    saved = escalation.set_ladder(session, actor=principal, now=state.clock.now(), utility=utility, rungs=[(r.after_minutes, r.audience) for r in body])
    return [RungIO(after_minutes=int(r.after.total_seconds() // 60), audience=r.audience) for r in saved]


@router.get("/category-routes", response_model=list[RouteOut])
def list_routes(session: DbSession, principal: CurrentPrincipal) -> Any:
    require(principal, Action.ORDERS_READ)
    held = utilities_held(session, principal)
    return [RouteOut(**vars(r)) for key, r in sorted(escalation.routes(session).items()) if key[0] in held]


@router.put("/category-routes/{utility}/{category}", response_model=RouteOut | None)
def set_route(utility: str, category: str, body: RouteIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    route = escalation.set_route(session, actor=principal, now=state.clock.now(), utility=utility, category=category, org_unit_id=body.org_unit_id)
    return None if route is None else RouteOut(**vars(route))


@router.get("/duty/absences", response_model=list[AbsenceOut])
def list_absences(session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    return [AbsenceOut.model_validate(a, from_attributes=True) for a in duty.upcoming(session, actor=principal, now=state.clock.now())]


@router.post("/duty/absences", response_model=AbsenceOut, status_code=status.HTTP_201_CREATED)
def add_absence(body: AbsenceIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    row = duty.add_absence(session, actor=principal, now=state.clock.now(), user_id=body.user_id, starts_at=body.starts_at, ends_at=body.ends_at, reason=body.reason)
    return AbsenceOut.model_validate(row, from_attributes=True)


@router.delete("/duty/absences/{absence_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_absence(absence_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    duty.remove_absence(session, actor=principal, now=state.clock.now(), absence_id=absence_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
