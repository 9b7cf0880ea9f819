"""Agent extensions (seats) and their status: who sits at which extension, and whether
routing may send them a call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.calls.models import AgentExtension, CallRecord, SeatSpell
from gridcare.calls.routing import SeatStatus, effective_status
from gridcare.core.errors import Conflict, InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal, system_principal

ACTIVE_STATES = ("ringing", "answered", "transferred")
# A call a PBX never ended (a lost "ended" event) must not keep its agent busy for ever.
STALE_CALL = timedelta(hours=4)


def seat_for_extension(session: Session, *, extension: str, now: datetime) -> AgentExtension | None:
    """The seat at an extension. An extension set on a user's account but never registered
    here is registered on first use, so a new agent needs no second step."""
    seat = session.scalar(select(AgentExtension).where(AgentExtension.extension == extension))
    if seat is not None:
        return seat
    from gridcare.auth import service as auth

    users = [u for u in auth.list_users(session, actor=system_principal("cti")) if u.extension == extension and u.is_active]
    if len(users) != 1 or session.scalar(select(AgentExtension.id).where(AgentExtension.user_id == users[0].id)) is not None:
        return None
    seat = AgentExtension(extension=extension, user_id=users[0].id, status=SeatStatus.AVAILABLE.value, status_since=now, updated_at=now)
    session.add(seat)
    _moved(session, seat, SeatStatus.AVAILABLE.value, now, was=None)
    session.flush()
    return seat


def _moved(session: Session, seat: AgentExtension, status: str, now: datetime, *, was: str | None) -> None:
    """Set the seat's status; signing in (from away, or a new seat) opens a spell on duty
    and going away closes it. Only those two moves write a spell, not every call's."""
    seat.status, seat.status_since, seat.updated_at = status, now, now
    away = SeatStatus.AWAY.value
    if was == status:
        return
    if (was is None or was == away) and status != away:
        from gridcare.auth import service as auth

        user = auth.find_user(session, user_id=seat.user_id)
        session.add(SeatSpell(user_id=seat.user_id, org_path=user.org_path if user is not None else "/", started_at=now))
    elif was not in (None, away) and status == away:
        session.execute(update(SeatSpell).where(SeatSpell.user_id == seat.user_id, SeatSpell.ended_at.is_(None)).values(ended_at=now))


def set_seat(session: Session, *, user_id: int, status: SeatStatus, now: datetime, only_if: SeatStatus | None = None) -> None:
    seat = session.scalar(select(AgentExtension).where(AgentExtension.user_id == user_id))
    if seat is None or (only_if is not None and seat.status != only_if.value) or seat.status == status.value:
        return
    _moved(session, seat, status.value, now, was=seat.status)


def set_extension(session: Session, *, actor: Principal, now: datetime, user_id: int, extension: str) -> AgentExtension:
    from gridcare.auth import service as auth

    if user_id != actor.user_id:
        require(actor, Action.CALLS_MANAGE)
    user = auth.get_user(session, actor=actor, user_id=user_id)
    extension = extension.strip()
    if not extension or len(extension) > 20 or not extension.replace("*", "").replace("#", "").isdigit():
        raise InvalidInput.field("extension", T_("must be %(low)s to %(high)s digits", low=1, high=20))
    taken = session.scalar(select(AgentExtension).where(AgentExtension.extension == extension))
    if taken is not None and taken.user_id != user.id:
        raise Conflict(T_("extension: %(extension)s belongs to another user", extension=extension))
    seat = session.scalar(select(AgentExtension).where(AgentExtension.user_id == user.id))
    before = seat.extension if seat else None
    if seat is None:
        seat = AgentExtension(extension=extension, user_id=user.id, status=SeatStatus.AWAY.value, status_since=now, updated_at=now)
        session.add(seat)
    seat.extension, seat.updated_at = extension, now
    session.flush()
    audit.record(session, actor=actor, at=now, action="call.extension", entity="user", entity_id=user.id, before={"extension": before}, after={"extension": extension}, org_path=user.org_path)
    return seat


def set_status(session: Session, *, actor: Principal, now: datetime, status: str) -> AgentExtension:
    """An agent's own status: available, busy, away or after_call (wrap-up)."""
    require(actor, Action.CALLS_READ)
    if status not in {s.value for s in SeatStatus}:
        raise InvalidInput.field("status", T_("must be one of %(choices)s", choices=", ".join(s.value for s in SeatStatus)))
    seat = session.scalar(select(AgentExtension).where(AgentExtension.user_id == actor.user_id))
    if seat is None:
        from gridcare.auth import service as auth

        user = auth.find_user(session, user_id=actor.user_id) if actor.user_id else None
        seat = seat_for_extension(session, extension=user.extension, now=now) if user is not None and user.extension else None
    if seat is None:
        raise InvalidInput.field("extension", T_("you have no extension; ask a supervisor to register one"))
    _moved(session, seat, status, now, was=seat.status)
    return seat


def own_extension(session: Session, *, actor: Principal) -> str | None:
    """The extension on the actor's account, registered here or not yet."""
    from gridcare.auth import service as auth

    user = auth.find_user(session, user_id=actor.user_id) if actor.user_id is not None else None
    return user.extension if user is not None else None


@dataclass(frozen=True)
class SeatView:
    user_id: int
    name: str
    login: str
    role: str
    extension: str
    status: SeatStatus
    since: datetime
    call_id: int | None  # the call the seat is on now


def seats(session: Session, *, actor: Principal, now: datetime) -> list[SeatView]:
    """The agent status board: every registered seat the actor may see, with its call."""
    from gridcare.auth import service as auth

    require(actor, Action.CALLS_READ)
    users = {u.id: u for u in auth.list_users(session, actor=system_principal("calls")) if u.org_path.startswith(actor.org_path)}
    rows = [s for s in session.scalars(select(AgentExtension).order_by(AgentExtension.extension)) if s.user_id in users]
    active = dict(
        session.execute(
            select(CallRecord.agent_user_id, CallRecord.id).where(
                CallRecord.agent_user_id.in_([s.user_id for s in rows]), CallRecord.state.in_(ACTIVE_STATES), CallRecord.started_at >= now - STALE_CALL
            )
        ).all()
    ) if rows else {}
    out = []
    for s in rows:
        u = users[s.user_id]
        out.append(SeatView(u.id, u.display_name, u.login, u.role, s.extension, effective_status(s.status, s.status_since, now), s.status_since, active.get(u.id)))
    return out


