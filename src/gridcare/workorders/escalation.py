"""Who is called in, as data: each utility's escalation ladder (rungs after a missed
deadline) and the categories that go to a department instead of the grid rep.

Both are read on hot paths (intake, the sweep) and change a few times a year: cached per
process; saving clears the cache here, other processes see the change within the TTL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require, require_utility
from gridcare.core.errors import FieldProblem, InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal, Role
from gridcare.workorders.models import CategoryRoute, EscalationRung

AUDIENCES = ("handler", "role:supervisor", "role:agent", "role:admin")
UTILITIES = ("electric", "water", "gas")
MAX_RUNGS = 6
TTL_SECONDS = 5.0


@dataclass(frozen=True)
class Rung:
    after: timedelta  # after the missed deadline
    audience: str  # one of AUDIENCES


# rep → team lead → command center → manager, as the articles' supervision describes.
DEFAULT_LADDER = (
    Rung(timedelta(0), "handler"),
    Rung(timedelta(hours=2), "role:supervisor"),
    Rung(timedelta(hours=8), "role:agent"),
    Rung(timedelta(hours=24), "role:admin"),
)


def ladder_problems(rungs: list[tuple[int, str]]) -> list[FieldProblem]:
    """Pure: what is wrong with a ladder given as (minutes after the deadline, audience)."""
    problems = []
    if not 1 <= len(rungs) <= MAX_RUNGS:
        problems.append(FieldProblem("rungs", T_("give 1 to %(n)s rungs", n=MAX_RUNGS)))
    for i, (minutes, audience) in enumerate(rungs, start=1):
        if not 0 <= minutes <= 30 * 24 * 60:
            problems.append(FieldProblem(f"rungs[{i}].after_minutes", T_("must be between %(low)s and %(high)s (%(days)s days)", low=0, high=43200, days=30)))
        if audience not in AUDIENCES:
            problems.append(FieldProblem(f"rungs[{i}].audience", T_("must be one of %(choices)s", choices=", ".join(AUDIENCES))))
    if any(b[0] < a[0] for a, b in zip(rungs, rungs[1:], strict=False)):
        problems.append(FieldProblem("rungs", T_("each rung must come at or after the one before")))
    return problems


# --- the per-process cache -----------------------------------------------------------------

_lock = threading.Lock()
_cache: dict[tuple[str, str], tuple[Any, float, Any]] = {}


def _cached(session: Session, name: str, stamp: Callable[[], Any], build: Callable[[], Any]) -> Any:
    key = (str(session.get_bind().url), name)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[1] < TTL_SECONDS:
        return hit[2]
    current = stamp()
    value = hit[2] if hit is not None and hit[0] == current else build()
    with _lock:
        _cache[key] = (current, now, value)
    return value


def forget() -> None:
    with _lock:
        _cache.clear()


# --- escalation ladders ----------------------------------------------------------------------


def ladders(session: Session) -> dict[str, tuple[Rung, ...]]:
    def build() -> dict[str, tuple[Rung, ...]]:
        saved: dict[str, list[Rung]] = {}
        for row in session.scalars(select(EscalationRung).order_by(EscalationRung.utility, EscalationRung.rung)):
            saved.setdefault(row.utility, []).append(Rung(timedelta(minutes=row.after_minutes), row.audience))
        return {u: tuple(saved.get(u, DEFAULT_LADDER)) for u in UTILITIES}

    stamp = lambda: tuple(session.execute(select(func.count(), func.max(EscalationRung.updated_at)).select_from(EscalationRung)).one())  # noqa: E731
    return _cached(session, "ladders", stamp, build)


def ladder_for(session: Session, utility: str) -> tuple[Rung, ...]:
    return ladders(session).get(utility, DEFAULT_LADDER)


def set_ladder(session: Session, *, actor: Principal, now: datetime, utility: str, rungs: list[tuple[int, str]]) -> tuple[Rung, ...]:
    require(actor, Action.ORDERS_SUPERVISE)
    require_utility(session, actor, utility)
    problems = [] if utility in UTILITIES else [FieldProblem("utility", T_("must be one of %(choices)s", choices=", ".join(UTILITIES)))]
    problems += ladder_problems(rungs)
    if problems:
        raise InvalidInput.many(problems)
    before = ladder_for(session, utility)
    session.execute(delete(EscalationRung).where(EscalationRung.utility == utility))
    for i, (minutes, audience) in enumerate(rungs, start=1):
        session.add(EscalationRung(utility=utility, rung=i, after_minutes=minutes, audience=audience, updated_at=now, updated_by=actor.login))
    session.flush()
    audit.record(
        session, actor=actor, at=now, action="escalation.set_ladder", entity="escalation_ladder", entity_id=utility,
        before=[[int(r.after.total_seconds() // 60), r.audience] for r in before], after=[list(r) for r in rungs],
    )
    forget()
    return ladder_for(session, utility)


# --- category routes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    utility: str
    category: str
    org_unit_id: int
    unit_name: str


def routes(session: Session) -> dict[tuple[str, str], Route]:
    from gridcare.auth import service as auth

    def build() -> dict[tuple[str, str], Route]:
        found = {}
        for row in session.scalars(select(CategoryRoute)):
            unit = auth.find_org_unit(session, org_unit_id=row.org_unit_id)
            found[(row.utility, row.category)] = Route(row.utility, row.category, row.org_unit_id, unit.name if unit else "?")
        return found

    stamp = lambda: tuple(session.execute(select(func.count(), func.max(CategoryRoute.updated_at)).select_from(CategoryRoute)).one())  # noqa: E731
    return _cached(session, "routes", stamp, build)


def set_route(session: Session, *, actor: Principal, now: datetime, utility: str, category: str, org_unit_id: int | None) -> Route | None:
    """Route a category to a department (``org_unit_id``), or back to the grid rep (None)."""
    from gridcare.auth import service as auth
    from gridcare.workorders.states import Category

    require(actor, Action.ORDERS_SUPERVISE)
    require_utility(session, actor, utility)
    problems = []
    if utility not in UTILITIES:
        problems.append(FieldProblem("utility", T_("must be one of %(choices)s", choices=", ".join(UTILITIES))))
    if category not in {c.value for c in Category}:
        problems.append(FieldProblem("category", T_("unknown category %(category)r", category=category)))
    unit = None
    if org_unit_id is not None:
        unit = auth.get_org_unit(session, actor=actor, org_unit_id=org_unit_id)
        if unit.kind != "department":
            problems.append(FieldProblem("org_unit_id", T_("%(name)s is a %(kind)s, not a department", name=unit.name, kind=unit.kind)))
    if problems:
        raise InvalidInput.many(problems)
    row = session.get(CategoryRoute, (utility, category))
    before = {"org_unit_id": row.org_unit_id} if row else None
    if unit is None:
        if row is not None:
            session.delete(row)
    else:
        if row is None:
            row = CategoryRoute(utility=utility, category=category)
            session.add(row)
        row.org_unit_id, row.updated_at, row.updated_by = unit.id, now, actor.login
    session.flush()
    audit.record(session, actor=actor, at=now, action="escalation.set_route", entity="category_route", entity_id=f"{utility}/{category}", before=before, after={"org_unit_id": org_unit_id})
    forget()
    return routes(session).get((utility, category))


def department_handler(session: Session, *, now: datetime, org_unit_id: int) -> int | None:
    """The department member on duty with the fewest open orders (ties: the longest-serving)."""
    from gridcare.auth import service as auth
    from gridcare.workorders import duty, states
    from gridcare.workorders.models import WorkOrder

    everyone = [u.id for u in auth.members(session, org_unit_id=org_unit_id, role=Role.DEPARTMENT)]
    away = duty.away(session, now=now, user_ids=list(everyone))
    members = [uid for uid in everyone if uid not in away]
    if not members:
        return None
    open_statuses = [s.value for s in states.Status if s.group is states.Group.OPEN]
    counted = session.execute(select(WorkOrder.handler_id, func.count()).where(WorkOrder.handler_id.in_(members), WorkOrder.status.in_(open_statuses)).group_by(WorkOrder.handler_id))
    load = {row[0]: row[1] for row in counted}
    return min(members, key=lambda uid: (load.get(uid, 0), uid))
