"""The duty roster: periods a rep is away, so dispatch goes to the backup meanwhile."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.core.errors import InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.workorders.models import OffDuty

# Intake asks "is this rep away?" for every order; the roster changes a few times a day.
# Changes made in this process clear the snapshot at once; other processes see them within
# the TTL.
SNAPSHOT_TTL = timedelta(seconds=2)
_snapshots: dict[str, tuple[datetime, tuple[tuple[int, datetime, datetime], ...]]] = {}
_snapshot_lock = threading.Lock()


def forget() -> None:
    with _snapshot_lock:
        _snapshots.clear()


def away(session: Session, *, now: datetime, user_ids: list[int | None]) -> frozenset[int]:
    """Which of these users are off duty at ``now``."""
    ids = {u for u in user_ids if u is not None}
    if not ids:
        return frozenset()
    key = str(session.get_bind().url)
    with _snapshot_lock:
        cached = _snapshots.get(key)
    if cached is None or not (cached[0] <= now < cached[0] + SNAPSHOT_TTL):
        rows = tuple((r[0], r[1], r[2]) for r in session.execute(select(OffDuty.user_id, OffDuty.starts_at, OffDuty.ends_at).where(OffDuty.ends_at > now)))
        cached = (now, rows)
        with _snapshot_lock:
            _snapshots[key] = cached
    return frozenset(user for user, starts, ends in cached[1] if user in ids and starts <= now < ends)


def add_absence(session: Session, *, actor: Principal, now: datetime, user_id: int, starts_at: datetime, ends_at: datetime, reason: str = "") -> OffDuty:
    from gridcare.auth import service as auth

    require(actor, Action.ORDERS_SUPERVISE)
    user = auth.get_user(session, actor=actor, user_id=user_id)
    if ends_at <= starts_at:
        raise InvalidInput.field("ends_at", T_("must be after %(other)s", other="starts_at"))
    if ends_at <= now:
        raise InvalidInput.field("ends_at", T_("is in the past"))
    row = OffDuty(user_id=user.id, starts_at=starts_at, ends_at=ends_at, reason=reason.strip()[:200])
    session.add(row)
    session.flush()
    forget()
    audit.record(session, actor=actor, at=now, action="duty.absence_add", entity="user", entity_id=user.id, after={"starts_at": starts_at, "ends_at": ends_at, "reason": row.reason}, org_path=user.org_path)
    return row


def remove_absence(session: Session, *, actor: Principal, now: datetime, absence_id: int) -> None:
    from gridcare.auth import service as auth

    require(actor, Action.ORDERS_SUPERVISE)
    row = session.get(OffDuty, absence_id)
    if row is None:
        raise NotFound(T_("absence_id: no absence %(id)s", id=absence_id))
    user = auth.get_user(session, actor=actor, user_id=row.user_id)
    audit.record(session, actor=actor, at=now, action="duty.absence_remove", entity="user", entity_id=user.id, before={"starts_at": row.starts_at, "ends_at": row.ends_at, "reason": row.reason}, org_path=user.org_path)
    session.delete(row)
    forget()


def absences(session: Session, *, user_ids: list[int], start: datetime, end: datetime) -> list[tuple[int, datetime, datetime, str]]:
    """The absences of these users that overlap [start, end): (user, from, to, reason)."""
    if not user_ids:
        return []
    stmt = select(OffDuty.user_id, OffDuty.starts_at, OffDuty.ends_at, OffDuty.reason).where(OffDuty.user_id.in_(user_ids), OffDuty.starts_at < end, OffDuty.ends_at > start)
    return [(u, a, b, reason) for u, a, b, reason in session.execute(stmt.order_by(OffDuty.starts_at))]


def upcoming(session: Session, *, actor: Principal, now: datetime) -> list[OffDuty]:
    from gridcare.auth import service as auth

    require(actor, Action.ORDERS_SUPERVISE)
    visible = {u.id for u in auth.list_users(session, actor=actor)}
    rows = session.scalars(select(OffDuty).where(OffDuty.ends_at > now).order_by(OffDuty.starts_at))
    return [r for r in rows if r.user_id in visible]
