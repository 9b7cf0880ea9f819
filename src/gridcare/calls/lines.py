"""Local repair lines (属地抢修电话): each station's own repair numbers. Their calls
arrive as CTI events like the hotline's; the callee number files them under the station."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action, RecordScope, can_see
from gridcare.auth.scoping import require, scoped
from gridcare.calls.models import LocalLine
from gridcare.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.customers.phones import display_phone, match_keys, normalize_phone


def line_for_number(session: Session, *, number: str) -> LocalLine | None:
    keys = match_keys(number)
    if not keys:
        return None
    return session.scalar(select(LocalLine).where(LocalLine.e164.in_(keys), LocalLine.active.is_(True)).limit(1))


def register_line(session: Session, *, actor: Principal, now: datetime, number: str, name: str, org_unit_id: int) -> LocalLine:
    """A station's local repair number (属地抢修电话): its calls count with the hotline's."""
    from gridcare.auth import service as auth

    require(actor, Action.CALLS_MANAGE)
    problems = []
    e164 = normalize_phone(number)
    if e164 is None:
        problems.append(FieldProblem("number", T_("%(value)r is not a phone number", value=number)))
    if not name.strip() or len(name.strip()) > 100:
        problems.append(FieldProblem("name", T_("must be %(low)s to %(high)s characters", low=1, high=100)))
    if problems:
        raise InvalidInput.many(problems)
    unit = auth.get_org_unit(session, actor=actor, org_unit_id=org_unit_id)
    if session.scalar(select(LocalLine.id).where(LocalLine.e164 == e164)) is not None:
        raise Conflict(T_("number: %(number)s is already registered", number=display_phone(e164 or "")))
    line = LocalLine(number=number.strip(), e164=e164, name=name.strip(), org_unit_id=unit.id, org_path=unit.path, active=True, created_at=now)
    session.add(line)
    session.flush()
    audit.record(session, actor=actor, at=now, action="call.line_register", entity="call_line", entity_id=line.id, after={"number": e164, "name": line.name, "org_unit_id": unit.id}, org_path=unit.path, new_stream=True)
    return line


def set_line_active(session: Session, *, actor: Principal, now: datetime, line_id: int, active: bool) -> LocalLine:
    require(actor, Action.CALLS_MANAGE)
    line = session.get(LocalLine, line_id)
    if line is None or not can_see(actor, RecordScope(org_path=line.org_path)):
        raise NotFound(T_("line_id: no local line %(id)s in your scope", id=line_id))
    audit.record(session, actor=actor, at=now, action="call.line_active", entity="call_line", entity_id=line.id, before={"active": line.active}, after={"active": active}, org_path=line.org_path)
    line.active = active
    return line


def list_lines(session: Session, *, actor: Principal) -> list[LocalLine]:
    require(actor, Action.CALLS_READ)
    return list(session.scalars(scoped(select(LocalLine), actor, org_path=LocalLine.org_path).order_by(LocalLine.org_path, LocalLine.name)))


def line_names(session: Session, *, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(LocalLine.id, LocalLine.name).where(LocalLine.id.in_(set(ids)))).all())
