"""The agents' roster (话务排班表): a week's shifts per agent of one company's hotline,
filled from the shift plan or by hand, each past shift set against the agent's sign-ins,
and every hour's agents on the roster against the forecast's need."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require, scoped
from gridcare.calls import reports, rostering, shifts, surge, surges
from gridcare.calls import staffing as staffing_rules
from gridcare.calls.models import AgentExtension, AgentShift, SeatSpell
from gridcare.core.clock import SHANGHAI, as_utc
from gridcare.core.errors import Conflict, InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal, Role, system_principal
from gridcare.notify import service as notify
from gridcare.notify import templates
from gridcare.workorders import duty

ROSTERED_ROLES = (Role.AGENT, Role.EXPERT)


@dataclass(frozen=True)
class RosterShift:
    id: int
    user_id: int
    starts_at: datetime
    ends_at: datetime
    kept: rostering.Kept


@dataclass(frozen=True)
class RosterAgent:
    user_id: int
    name: str
    login: str
    shifts: list[RosterShift]  # of the week, in time order
    away: list[tuple[datetime, datetime, str]]  # absences on the duty roster overlapping the week: from, to, reason
    phone: str | None = None  # to call them in

    @property
    def hours(self) -> float:
        return sum((s.ends_at - s.starts_at).total_seconds() for s in self.shifts) / 3600

    @property
    def begun(self) -> list[RosterShift]:
        return [s for s in self.shifts if s.kept.share is not None]

    @property
    def on_time(self) -> int:
        """Begun shifts signed in for within the grace of their start."""
        return sum(1 for s in self.begun if not s.kept.absent and not s.kept.late_minutes)

    @property
    def absent(self) -> int:
        return sum(1 for s in self.begun if s.kept.absent)


def _monday(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def _company(session: Session, actor: Principal, company: str | None) -> tuple[Any, list[Any]]:
    """The company whose hotline is rostered, as the forecast chooses it."""
    chosen, companies = reports.hotline_company(session, actor=actor, company=company)
    if chosen is None:
        raise InvalidInput.field("company", T_("must be one of %(choices)s", choices="—"))
    return chosen, companies


def _agents(session: Session, actor: Principal, path: str) -> list[Any]:
    """The company's active agents and expert seats within the reader's scope: those with an
    extension, who take calls (a PBX bridge's agent account has none)."""
    from gridcare.auth import service as auth

    seated = set(session.scalars(select(AgentExtension.user_id)))
    everyone = auth.list_users(session, actor=system_principal("calls"))
    return [
        u for u in everyone
        if u.is_active and u.role in ROSTERED_ROLES and (u.extension or u.id in seated) and u.org_path.startswith(path) and u.org_path.startswith(actor.org_path)
    ]


def _rows(session: Session, user_ids: list[int], start: datetime, end: datetime) -> list[AgentShift]:
    if not user_ids:
        return []
    return list(session.scalars(select(AgentShift).where(AgentShift.user_id.in_(user_ids), AgentShift.starts_at < end, AgentShift.ends_at > start).order_by(AgentShift.starts_at, AgentShift.id)))


def week(session: Session, *, actor: Principal, now: datetime, monday: date, company: str | None = None, forecast: dict[str, int] | None = None) -> dict[str, Any]:
    """The week from ``monday``: each agent's shifts and how they were kept, the agents on the
    roster each hour against the forecast's agents to roster (``reports.staffing`` asked with
    ``forecast``: weeks, target_seconds, service_level, shrinkage; the company's targets for
    those not given or None), and the hours short of it."""
    return _week(session, actor=actor, now=now, monday=monday, company=company, forecast=forecast)[0]


def _week(session: Session, *, actor: Principal, now: datetime, monday: date, company: str | None, forecast: dict[str, int] | None) -> tuple[dict[str, Any], Any, list[Any]]:
    """``week``, with the company's unit and its agents' accounts it read (a fill needs them too)."""
    require(actor, Action.CALLS_READ)
    chosen, companies = _company(session, actor, company)
    agents = _agents(session, actor, chosen.path)
    start = _monday(monday)
    end = start + timedelta(days=7)
    rows = _rows(session, [u.id for u in agents], start, end)
    by_user = kept_shifts(session, rows, start=start, end=end, now=now)
    away: dict[int, list[tuple[datetime, datetime, str]]] = {}
    for user_id, a, b, reason in duty.absences(session, user_ids=[u.id for u in agents], start=start, end=end):
        away.setdefault(user_id, []).append((as_utc(a), as_utc(b), reason))
    people = [RosterAgent(u.id, u.display_name or u.login, u.login, by_user.get(u.id, []), away.get(u.id, []), u.phone) for u in sorted(agents, key=lambda u: u.login)]
    forecast_found = reports.staffing(session, actor=actor, now=now, company=chosen.code, details=False, **{k: v for k, v in (forecast or {}).items() if k in staffing_rules.DEFAULTS})
    asked = {k: forecast_found[k] for k in staffing_rules.DEFAULTS}
    slots = forecast_found["slots"]
    usual = [s.rostered for s in slots]
    # The typical week plus the calls the week's planned outages bring: a dated week knows them.
    outage_calls = surges.week(session, company=chosen, now=now, week_start=start, baseline=[s.calls for s in slots])
    need = surge.need(slots, outage_calls["extra"], target_seconds=asked["target_seconds"], level=asked["service_level"] / 100, shrinkage=asked["shrinkage"] / 100)
    on_roster = rostering.coverage([rostering.Slot(as_utc(r.starts_at), as_utc(r.ends_at)) for r in rows], monday=start)
    short = [h for h in range(168) if on_roster[h] < need[h]]
    found = {
        "monday": monday, "company": chosen.code, "companies": [{"code": u.code, "name": u.name} for u in companies], "agents": people,
        "forecast": asked, "targets": forecast_found["targets"], "slots": slots, "company_path": chosen.path, "need": need, "usual_need": usual, "outage_calls": outage_calls,
        "raised_spans": rostering.short_spans(need, usual), "on_roster": on_roster, "short": short, "short_spans": rostering.short_spans(need, on_roster), "shifts": len(rows),
        "begun": sum(len(a.begun) for a in people), "on_time": sum(a.on_time for a in people),
    }
    return found, chosen, agents


def kept_shifts(session: Session, rows: list[AgentShift], *, start: datetime, end: datetime, now: datetime) -> dict[int, list[RosterShift]]:
    """Each agent's shifts of ``rows`` (read for [start, end)), each set against their
    sign-ins (``rostering.kept``)."""
    spells: dict[int, list[tuple[datetime, datetime | None]]] = {}
    if rows:
        stmt = select(SeatSpell.user_id, SeatSpell.started_at, SeatSpell.ended_at).where(
            SeatSpell.user_id.in_({r.user_id for r in rows}), SeatSpell.started_at < end, (SeatSpell.ended_at.is_(None)) | (SeatSpell.ended_at > start)
        )
        for user_id, a, b in session.execute(stmt):
            spells.setdefault(user_id, []).append((as_utc(a), as_utc(b) if b is not None else None))
    by_user: dict[int, list[RosterShift]] = {}
    for r in rows:
        slot = rostering.Slot(as_utc(r.starts_at), as_utc(r.ends_at))
        by_user.setdefault(r.user_id, []).append(RosterShift(r.id, r.user_id, slot.starts_at, slot.ends_at, rostering.kept(slot, spells.get(r.user_id, []), now=now)))
    return by_user


# What a shift handover reads of the roster.
company = _company
agents = _agents
shifts_between = _rows


def _check_shift(session: Session, *, user_id: int, starts_at: datetime, ends_at: datetime, besides: int | None = None) -> None:
    """A shift of a whole number of hours within the longest, clashing with none of the
    agent's shifts (but ``besides``, the one being moved) nor their absences."""
    hours = (ends_at - starts_at).total_seconds() / 3600
    if not 1 <= hours <= rostering.LONGEST_SHIFT:
        raise InvalidInput.field("hours", T_("must be between %(low)s and %(high)s", low=1, high=rostering.LONGEST_SHIFT))
    clash = [r for r in _rows(session, [user_id], starts_at, ends_at) if r.id != besides]
    if clash:
        raise Conflict(T_("the agent already has a shift from %(start)s to %(end)s", start=as_utc(clash[0].starts_at).astimezone(SHANGHAI).strftime("%m-%d %H:%M"), end=as_utc(clash[0].ends_at).astimezone(SHANGHAI).strftime("%H:%M")))
    # As a fill would not, a shift by hand is not placed over the agent's absence on the duty roster.
    if away := duty.absences(session, user_ids=[user_id], start=starts_at, end=ends_at):
        _who, since, until, _reason = away[0]
        raise Conflict(T_("the agent is away on the duty roster from %(start)s to %(end)s", start=as_utc(since).astimezone(SHANGHAI).strftime("%m-%d %H:%M"), end=as_utc(until).astimezone(SHANGHAI).strftime("%m-%d %H:%M")))


def add_shift(session: Session, *, actor: Principal, now: datetime, user_id: int, starts_at: datetime, hours: int) -> AgentShift:
    """Put one agent on one shift by hand."""
    require(actor, Action.CALLS_MANAGE)
    agent = next((u for u in _agents(session, actor, actor.org_path) if u.id == user_id), None)
    if agent is None:
        raise InvalidInput.field("user_id", T_("must be an active agent or expert seat you manage"))
    ends_at = starts_at + timedelta(hours=hours)
    _check_shift(session, user_id=user_id, starts_at=starts_at, ends_at=ends_at)
    row = AgentShift(user_id=user_id, org_path=agent.org_path, starts_at=starts_at, ends_at=ends_at, created_by=actor.login, created_at=now)
    session.add(row)
    session.flush()
    if ends_at > now:
        _tell(session, now=now, monday=_week_of(starts_at), user_ids={user_id}, soon={user_id} if _soon(starts_at, now) else set())
    audit.record(session, actor=actor, at=now, action="roster.shift_add", entity="agent_shift", entity_id=row.id, after={"user": agent.login, "starts_at": starts_at, "ends_at": ends_at}, org_path=agent.org_path, new_stream=True)
    return row


def remove_shift(session: Session, *, actor: Principal, now: datetime, shift_id: int) -> None:
    require(actor, Action.CALLS_MANAGE)
    row = session.scalar(scoped(select(AgentShift), actor, org_path=AgentShift.org_path).where(AgentShift.id == shift_id))
    if row is None:
        raise NotFound(T_("no shift %(id)s", id=shift_id))
    audit.record(session, actor=actor, at=now, action="roster.shift_remove", entity="agent_shift", entity_id=row.id, before={"user_id": row.user_id, "starts_at": row.starts_at, "ends_at": row.ends_at}, org_path=row.org_path)
    session.delete(row)
    session.flush()
    if as_utc(row.ends_at) > now:
        _tell(session, now=now, monday=_week_of(as_utc(row.starts_at)), user_ids={row.user_id}, soon={row.user_id} if _soon(as_utc(row.starts_at), now) else set())


def change_shift(session: Session, *, actor: Principal, now: datetime, shift_id: int, starts_at: datetime | None = None, ends_at: datetime | None = None) -> AgentShift:
    """Move a shift's start or end (an agent asked to come early or to stay on). A begun
    shift keeps its start, and nothing is moved into the past."""
    require(actor, Action.CALLS_MANAGE)
    if starts_at is None and ends_at is None:
        raise InvalidInput.field("ends_at", T_("give the new start or the new end"))
    row = session.scalar(scoped(select(AgentShift), actor, org_path=AgentShift.org_path).where(AgentShift.id == shift_id))
    if row is None:
        raise NotFound(T_("no shift %(id)s", id=shift_id))
    was_start, was_end = as_utc(row.starts_at), as_utc(row.ends_at)
    start, end = as_utc(starts_at or was_start), as_utc(ends_at or was_end)
    moved = "ends_at" if end != was_end else "starts_at"
    if start != was_start:
        if was_start <= now:
            raise InvalidInput.field("starts_at", T_("cannot change: the shift has begun"))
        if start < now.replace(minute=0, second=0, microsecond=0):
            raise InvalidInput.field("starts_at", T_("must not be in the past"))
    if end != was_end and end <= now:
        raise InvalidInput.field("ends_at", T_("must be in the future"))
    hours = (end - start).total_seconds() / 3600
    if hours != int(hours) or not 1 <= hours <= rostering.LONGEST_SHIFT:
        raise InvalidInput.field(moved, T_("must leave the shift a whole number of hours from %(low)s to %(high)s", low=1, high=rostering.LONGEST_SHIFT))
    _check_shift(session, user_id=row.user_id, starts_at=start, ends_at=end, besides=row.id)
    row.starts_at, row.ends_at = start, end
    session.flush()
    _tell(session, now=now, monday=_week_of(start), user_ids={row.user_id}, soon={row.user_id} if _soon(min(start, was_start), now) else set())
    audit.record(
        session, actor=actor, at=now, action="roster.shift_change", entity="agent_shift", entity_id=row.id,
        before={"starts_at": was_start, "ends_at": was_end}, after={"starts_at": start, "ends_at": end}, org_path=row.org_path,
    )
    return row


def clear_week(session: Session, *, actor: Principal, now: datetime, monday: date, company: str | None = None) -> int:
    """Take the week's shifts that have not begun off the roster; begun ones stay, they are
    what happened."""
    require(actor, Action.CALLS_MANAGE)
    chosen, _ = _company(session, actor, company)
    start = max(_monday(monday), now)
    gone = [r for r in _rows(session, [u.id for u in _agents(session, actor, chosen.path)], start, _monday(monday) + timedelta(days=7)) if as_utc(r.starts_at) >= now]
    ids = [r.id for r in gone]
    if ids:
        session.execute(delete(AgentShift).where(AgentShift.id.in_(ids)))
        _tell(session, now=now, monday=monday, user_ids={r.user_id for r in gone}, soon={r.user_id for r in gone if _soon(as_utc(r.starts_at), now)})
        audit.record(session, actor=actor, at=now, action="roster.week_clear", entity="org_unit", entity_id=chosen.id, after={"monday": monday, "removed": len(ids)}, org_path=chosen.path)
    return len(ids)


def generate(
    session: Session, *, actor: Principal, now: datetime, monday: date, company: str | None = None, shift_hours: int | None = None,
    starts: frozenset[int] | None = None, workdays: int | None = None, forecast: dict[str, int | None] | None = None,
) -> dict[str, Any]:
    """Fill the week's gaps: the fewest shifts (``shifts.plan`` over this dated week) that
    bring every hour from now on up to the forecast's agents (asked as ``week`` asks), counting the shifts already on
    the roster, handed to the company's agents (``rostering.assign``) around the shifts they
    have and their absences on the duty roster. Run twice, the second places nothing; nothing placed by hand is replaced.
    Shift rules not given (None) are the company's targets."""
    require(actor, Action.CALLS_MANAGE)
    current, chosen, agents = _week(session, actor=actor, now=now, monday=monday, company=company, forecast=forecast)
    held = current["targets"]
    shift_hours = held["shift_hours"] if shift_hours is None else shift_hours
    workdays = held["workdays"] if workdays is None else workdays
    starts = shifts.parse_starts(held["starts"]) if starts is None else starts
    if found := shifts.problems({"shift_hours": shift_hours, "workdays": workdays}):
        raise InvalidInput.many(found)
    if not agents:
        raise InvalidInput.field("company", T_("has no active agent to roster"))
    start = _monday(monday)
    end = start + timedelta(days=7)
    first = max(0, min(168, math.ceil((now - start).total_seconds() / 3600)))  # the first whole hour still ahead
    gaps = [max(0, n - r) if h >= first else 0 for h, (n, r) in enumerate(zip(current["need"], current["on_roster"], strict=True))]
    plan = shifts.plan(gaps, shift_hours=shift_hours, starts=starts, workdays=workdays, cyclic=False, not_before=first)
    slots = []
    for s in plan.shifts:
        at = start + timedelta(days=s.weekday, hours=s.hour)
        slots += [rostering.Slot(at, at + timedelta(hours=s.hours))] * s.agents
    # The shifts they have, this week and just around it, count for each agent's week and rest.
    around = _rows(session, [u.id for u in agents], start - timedelta(days=1), end + timedelta(days=1))
    away = duty.absences(session, user_ids=[u.id for u in agents], start=start, end=end + timedelta(days=1))
    people = [
        rostering.Agent(
            u.id, [rostering.Slot(as_utc(r.starts_at), as_utc(r.ends_at)) for r in around if r.user_id == u.id],
            [rostering.Slot(as_utc(a), as_utc(b)) for who, a, b, _reason in away if who == u.id],
        )
        for u in agents
    ]
    given, unfilled = rostering.assign(slots, people, workdays=workdays, zone=SHANGHAI, week=(start, end))
    paths = {u.id: u.org_path for u in agents}
    session.add_all([AgentShift(user_id=who, org_path=paths[who], starts_at=as_utc(slot.starts_at), ends_at=as_utc(slot.ends_at), created_by=actor.login, created_at=now) for slot, who in given])
    session.flush()
    _tell(session, now=now, monday=monday, user_ids={who for _slot, who in given}, soon={who for slot, who in given if _soon(slot.starts_at, now)})
    audit.record(
        session, actor=actor, at=now, action="roster.week_generate", entity="org_unit", entity_id=chosen.id,
        after={"monday": monday, "shifts": len(given), "unfilled": len(unfilled), "shift_hours": shift_hours, "workdays": workdays}, org_path=chosen.path,
    )
    return {"placed": len(given), "unfilled": [{"starts_at": s.starts_at, "ends_at": s.ends_at} for s in unfilled]}


templates.register_directory(Path(__file__).resolve().parent / "messages")


# A change to a shift this close is news the agent may not see on a page in time: it is
# urgent, and an unacknowledged pop-up climbs the ladder (an SMS by default; the operator's
# notify ladders say when, per event).
SOON = timedelta(hours=48)


def _soon(starts_at: datetime, now: datetime) -> bool:
    return starts_at - now < SOON


def _tell(session: Session, *, now: datetime, monday: date, user_ids: set[int], soon: set[int] | None = None) -> None:
    """Each agent whose shifts of the week changed hears what they now are: a pop-up to
    acknowledge on whichever page they have open; for those ``soon`` (a changed shift starts
    within two days), an urgent one that becomes an SMS when nobody acknowledges it. An agent
    told the same before is not told again."""
    start = _monday(monday)
    rows = _rows(session, sorted(user_ids), start, start + timedelta(days=7))
    for user_id in sorted(user_ids):
        mine = [r for r in rows if r.user_id == user_id and start <= as_utc(r.starts_at)]
        listed = ", ".join(f"{as_utc(r.starts_at).astimezone(SHANGHAI):%m-%d %H:%M}–{as_utc(r.ends_at).astimezone(SHANGHAI):%H:%M}" for r in mine)
        urgent = user_id in (soon or set())
        notify.notify_user(session, now=now, user_id=user_id, event="roster.week", context={"week": monday.isoformat(), "shifts": listed, "count": len(mine)}, urgent=urgent, ladder=urgent)


def _week_of(at: datetime) -> date:
    local = at.astimezone(SHANGHAI).date()
    return local - timedelta(days=local.weekday())


def on_shift(session: Session, *, user_ids: list[int], now: datetime) -> dict[int, tuple[datetime, datetime]]:
    """The shift each of these agents is on at ``now``: {user: (start, end)}."""
    return {r.user_id: (as_utc(r.starts_at), as_utc(r.ends_at)) for r in _rows(session, user_ids, now, now + timedelta(microseconds=1))}


def board(session: Session, *, actor: Principal, now: datetime) -> list[dict[str, Any]]:
    """The agent status board, each seat against the roster: the shift it is on now and
    whether seat and roster disagree (``rostering.adherence``)."""
    from gridcare.calls import seats
    from gridcare.calls.routing import SeatStatus

    found = seats.seats(session, actor=actor, now=now)
    now_on = on_shift(session, user_ids=[s.user_id for s in found], now=now)
    out = []
    for s in found:
        shift = now_on.get(s.user_id)
        out.append(vars(s) | {
            "status": s.status.value, "shift_starts_at": shift[0] if shift else None, "shift_ends_at": shift[1] if shift else None,
            "adherence": rostering.adherence(on_shift=shift is not None, away=s.status is SeatStatus.AWAY),
        })
    return out


def my_next(session: Session, *, actor: Principal, now: datetime, limit: int = 3) -> list[AgentShift]:
    """The signed-in agent's current and next shifts."""
    return list(session.scalars(select(AgentShift).where(AgentShift.user_id == actor.user_id, AgentShift.ends_at > now).order_by(AgentShift.starts_at).limit(limit)))
