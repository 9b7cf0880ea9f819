"""A company hotline's targets (服务目标): the service level the forecast is held to and the
shift rules the plan and the roster follow, set once by its supervisors. A reader may still
ask for other figures on a page or in a request; what they leave out comes from here, and
from the platform's defaults for a company that has set none."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.calls import shifts, staffing
from gridcare.calls.models import HotlineTarget
from gridcare.core.errors import InvalidInput
from gridcare.core.principal import Principal

FORECAST = tuple(staffing.DEFAULTS)  # weeks, target_seconds, service_level, shrinkage
SHIFTS = (*shifts.DEFAULTS, "starts")  # shift_hours, workdays, starts
DEFAULTS: dict[str, Any] = staffing.DEFAULTS | shifts.DEFAULTS | {"starts": ""}


def of(session: Session, unit: Any) -> dict[str, Any]:
    """The company's targets: what it set, else the defaults. ``starts`` as typed ("0, 8, 16";
    blank: any hour)."""
    row = session.scalar(select(HotlineTarget).where(HotlineTarget.org_unit_id == unit.id)) if unit is not None else None
    return {name: getattr(row, name) for name in DEFAULTS} if row is not None else dict(DEFAULTS)


def filled(asked: dict[str, Any], targets: dict[str, Any]) -> dict[str, Any]:
    """``asked`` with what it leaves out (None) taken from ``targets``."""
    return {name: targets[name] if asked.get(name) is None else asked[name] for name in asked}


def save(session: Session, *, actor: Principal, now: datetime, unit: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Set the company's targets; those not given keep what they were. Every figure out of its
    range is named; nothing is written then."""
    require(actor, Action.CALLS_MANAGE)
    merged = filled({name: values.get(name) for name in DEFAULTS}, of(session, unit))
    merged["starts"] = shifts.format_starts(shifts.parse_starts(merged["starts"]))  # refuses a bad hour, named
    if problems := staffing.problems({k: merged[k] for k in FORECAST}) + shifts.problems({k: merged[k] for k in shifts.DEFAULTS}):
        raise InvalidInput.many(problems)
    row = session.scalar(select(HotlineTarget).where(HotlineTarget.org_unit_id == unit.id))
    before = {name: getattr(row, name) for name in DEFAULTS} if row is not None else None
    if row is None:
        row = HotlineTarget(org_unit_id=unit.id, org_path=unit.path)
        session.add(row)
    for name, value in merged.items():
        setattr(row, name, value)
    row.updated_by, row.updated_at = actor.login, now
    session.flush()
    audit.record(session, actor=actor, at=now, action="hotline.targets", entity="org_unit", entity_id=unit.id, before=before, after=merged, org_path=unit.path)
    return merged
