"""The duty roster: periods a rep is away, so dispatch goes to the backup meanwhile."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.core.errors import InvalidInput, NotFound
from gridcare.core.principal import Principal
from gridcare.workorders.models import OffDuty


def add_absence(session: Session, *, actor: Principal, now: datetime, user_id: int, starts_at: datetime, ends_at: datetime, reason: str = "") -> OffDuty:
    from gridcare.auth import service as auth

    require(actor, Action.ORDERS_SUPERVISE)
    user = auth.get_user(session, actor=actor, user_id=user_id)
    if ends_at <= starts_at:
        raise InvalidInput.field("ends_at", "must be after starts_at")
    if ends_at <= now:
        raise InvalidInput.field("ends_at", "is in the past")
    row = OffDuty(user_id=user.id, starts_at=starts_at, ends_at=ends_at, reason=reason.strip()[:200])
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, at=now, action="duty.absence_add", entity="user", entity_id=user.id, after={"starts_at": starts_at, "ends_at": ends_at, "reason": row.reason}, org_path=user.org_path)
    return row


def remove_absence(session: Session, *, actor: Principal, now: datetime, absence_id: int) -> None:
    from gridcare.auth import service as auth

    require(actor, Action.ORDERS_SUPERVISE)
    row = session.get(OffDuty, absence_id)
    if row is None:
        raise NotFound(f"absence_id: no absence {absence_id}")
    user = auth.get_user(session, actor=actor, user_id=row.user_id)
    audit.record(session, actor=actor, at=now, action="duty.absence_remove", entity="user", entity_id=user.id, before={"starts_at": row.starts_at, "ends_at": row.ends_at, "reason": row.reason}, org_path=user.org_path)
    session.delete(row)


def upcoming(session: Session, *, actor: Principal, now: datetime) -> list[OffDuty]:
    from gridcare.auth import service as auth

    require(actor, Action.ORDERS_SUPERVISE)
    visible = {u.id for u in auth.list_users(session, actor=actor)}
    rows = session.scalars(select(OffDuty).where(OffDuty.ends_at > now).order_by(OffDuty.starts_at))
    return [r for r in rows if r.user_id in visible]
