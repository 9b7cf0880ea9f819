"""SLA policies as data: the shipped defaults overridden, per utility, category, area class
and step, by the rows a supervisor saves. Cached per process; saved changes clear it here,
other processes see them within a few seconds."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require, require_utility
from gridcare.core.errors import FieldProblem, InvalidInput
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal
from gridcare.workorders import sla
from gridcare.workorders.models import SlaTarget

STEPS = ("accept", "arrive", "resolve", "callback")
FROM_STEPS = ("created", "accepted", "arrived", "resolved", "paid")
TTL_SECONDS = 5.0
_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], float, dict[tuple[str, str, str], sla.SlaPolicy]]] = {}


def effective(session: Session) -> dict[tuple[str, str, str], sla.SlaPolicy]:
    key = str(session.get_bind().url)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[1] < TTL_SECONDS:
        return hit[2]
    stamp = tuple(session.execute(select(func.count(), func.max(SlaTarget.updated_at)).select_from(SlaTarget)).one())
    if hit is not None and hit[0] == stamp:
        with _lock:
            _cache[key] = (stamp, now, hit[2])
        return hit[2]
    table = dict(sla.DEFAULT_POLICIES)
    for row in session.scalars(select(SlaTarget)):
        k = (row.utility, row.category, row.area_class)
        if k in table:
            target = None if row.minutes is None else sla.Target(minutes=row.minutes, clock=row.clock, warn_at=row.warn_at, from_step=row.from_step)  # type: ignore[arg-type]
            table[k] = sla.with_target(table[k], row.step, target)  # type: ignore[arg-type]
    with _lock:
        _cache[key] = (stamp, now, table)
    return table


def forget() -> None:
    with _lock:
        _cache.clear()


def set_target(session: Session, *, actor: Principal, now: datetime, utility: str, category: str, area_class: str, step: str, minutes: int | None, clock: str = "calendar", from_step: str = "created", warn_at: float = 0.8) -> SlaTarget:
    require(actor, Action.ORDERS_SUPERVISE)
    require_utility(session, actor, utility)
    problems = []
    if (utility, category, area_class) not in sla.DEFAULT_POLICIES:
        problems.append(FieldProblem("category", T_("no policy for %(utility)s/%(category)s/%(area_class)s", utility=Label("utility", utility), category=category, area_class=area_class)))
    if step not in STEPS:
        problems.append(FieldProblem("step", T_("must be one of %(choices)s", choices=", ".join(STEPS))))
    if minutes is not None and not 1 <= minutes <= 60 * 24 * 60:
        problems.append(FieldProblem("minutes", T_("must be between %(low)s and %(high)s (%(days)s days), or empty for no deadline", low=1, high=86400, days=60)))
    if clock not in ("calendar", "business"):
        problems.append(FieldProblem("clock", T_("must be calendar or business")))
    if from_step not in FROM_STEPS:
        problems.append(FieldProblem("from_step", T_("must be one of %(choices)s", choices=", ".join(FROM_STEPS))))
    if not 0.1 <= warn_at <= 0.99:
        problems.append(FieldProblem("warn_at", T_("must be between %(low)s and %(high)s", low=0.1, high=0.99)))
    if problems:
        raise InvalidInput.many(problems)
    before = sla.policy_for(utility, category, area_class, effective(session))
    row = session.get(SlaTarget, (utility, category, area_class, step))
    if row is None:
        row = SlaTarget(utility=utility, category=category, area_class=area_class, step=step)
        session.add(row)
    row.minutes, row.clock, row.from_step, row.warn_at, row.updated_at, row.updated_by = minutes, clock, from_step, warn_at, now, actor.login
    session.flush()
    old = getattr(before, step)
    audit.record(
        session, actor=actor, at=now, action="sla.set", entity="sla_policy", entity_id=f"{utility}/{category}/{area_class}/{step}",
        before={"minutes": old.minutes if old else None, "clock": old.clock if old else None}, after={"minutes": minutes, "clock": clock, "from_step": from_step},
    )
    forget()
    return row
