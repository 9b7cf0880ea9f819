"""The shift handover (交接班): the outgoing agent hands the shift over with what they wrote
down, the figures as they stood and the orders to keep an eye on; the incoming shift's agents,
found on the roster, are told and take it over; supervisors see which handovers nobody took."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action, can
from gridcare.auth.scoping import require, scoped
from gridcare.calls import handover, rosters
from gridcare.calls.models import HandoverParty, ShiftHandover
from gridcare.core.clock import SHANGHAI, as_utc
from gridcare.core.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.notify import service as notify
from gridcare.notify import templates

# How far back the giver's own orders are looked for when they are on no shift of the roster.
UNROSTERED_SHIFT = timedelta(hours=12)
# A handover waits on its incoming agents' consoles this long; after it, it is history.
WAITS = timedelta(hours=12)
LOG_DAYS_LONGEST = 31
RESENT_WITHIN = timedelta(minutes=5)

templates.register_directory(Path(__file__).resolve().parent / "messages")


@dataclass(frozen=True)
class Party:
    user_id: int
    name: str
    named: bool  # on the incoming shift when it was given (else took it over unasked)
    received_at: datetime | None
    note: str


@dataclass(frozen=True)
class Handover:
    id: int
    org_path: str
    given_by: int
    giver: str
    given_at: datetime
    shift: tuple[datetime, datetime] | None
    takes_over_at: datetime | None
    notes: str
    figures: dict[str, int]
    follow_ups: list[dict[str, Any]]
    parties: list[Party]
    state: str

    @property
    def received(self) -> list[Party]:
        return [p for p in self.parties if p.received_at is not None]

    @property
    def due_at(self) -> datetime:
        return handover.receive_due(self.given_at, self.takes_over_at)


def _giver(actor: Principal) -> int:
    require(actor, Action.CALLS_HANDOVER)
    if actor.user_id is None:
        raise Forbidden(T_("a handover is given and taken over by a person signed in"))
    return actor.user_id


def _roster(session: Session, actor: Principal, now: datetime, company: str | None) -> tuple[Any, dict[int, Any], list[handover.Shift]]:
    """The company's hotline, its agents by id and their shifts around ``now``."""
    chosen, _ = rosters.company(session, actor, company)
    agents = {u.id: u for u in rosters.agents(session, actor, chosen.path)}
    rows = rosters.shifts_between(session, list(agents), now - timedelta(hours=14), now + timedelta(hours=14))
    return chosen, agents, [handover.Shift(r.user_id, as_utc(r.starts_at), as_utc(r.ends_at)) for r in rows]


def _name(user: Any) -> str:
    return user.display_name or user.login


def draft(session: Session, *, actor: Principal, now: datetime, company: str | None = None) -> dict[str, Any]:
    """What a handover given now would hold: the giver's shift, who takes over, the figures
    as they stand, and the orders the giver took in the shift that still wait on the command
    center (to list as follow-ups)."""
    from gridcare.workbench import service as workbench
    from gridcare.workorders import queries as orders

    me = _giver(actor)
    chosen, agents, shifts = _roster(session, actor, now, company)
    own = handover.own_shift(shifts, user_id=me, at=now)
    taking = handover.incoming(shifts, at=now, giver=me)
    since = own.starts_at if own else now - UNROSTERED_SHIFT
    open_orders = orders.waiting_on_the_desk(session, actor=actor, user_id=me, since=since)
    return {
        "company": chosen.code, "shift": own, "incoming": [(s, _name(agents[s.user_id])) for s in taking],
        "figures": workbench.figures(session, actor=actor, now=now, keys=handover.FIGURES), "still_open": open_orders,
        "follow_ups": handover.format_follow_ups(handover.FollowUp(o.number, "") for o in open_orders),
    }


def give(session: Session, *, actor: Principal, now: datetime, notes: str, follow_ups: list[handover.FollowUp], company: str | None = None) -> ShiftHandover:
    """Hand the shift over. The incoming shift's agents on the roster are named and told; with
    nobody on the roster, whoever comes takes it over."""
    from gridcare.workbench import service as workbench
    from gridcare.workorders import queries as orders

    me = _giver(actor)
    text = handover.check_notes(notes)
    # The same handover sent again (a second click, a retried request) is the one given.
    again = session.scalar(
        select(ShiftHandover).where(ShiftHandover.given_by == me, ShiftHandover.given_at >= now - RESENT_WITHIN, ShiftHandover.notes == text).order_by(ShiftHandover.id.desc()).limit(1)
    )
    if again is not None:
        return again
    found = orders.by_numbers(session, actor=actor, numbers=[f.number for f in follow_ups])
    if missing := [f.number for f in follow_ups if f.number not in found]:
        raise InvalidInput.many([FieldProblem("follow_ups", T_("no work order %(number)s that you may see", number=n)) for n in missing])
    chosen, agents, shifts = _roster(session, actor, now, company)
    own = handover.own_shift(shifts, user_id=me, at=now)
    taking = handover.incoming(shifts, at=now, giver=me)
    # A supervisor above the company hands over at the company, where its agents read it.
    path = chosen.path if chosen.path.startswith(actor.org_path) else actor.org_path
    row = ShiftHandover(
        org_path=path, given_by=me, given_at=now, shift_starts_at=own.starts_at if own else None, shift_ends_at=own.ends_at if own else None,
        takes_over_at=min((s.starts_at for s in taking), default=None), notes=text,
        figures=workbench.figures(session, actor=actor, now=now, keys=handover.FIGURES),
        follow_ups=[{"order_id": found[f.number].id, "number": f.number, "note": f.note} for f in follow_ups],
    )
    session.add(row)
    session.flush()
    session.add_all([HandoverParty(handover_id=row.id, user_id=s.user_id, named=True, note="") for s in taking])
    session.flush()
    from gridcare.grids import queries as grid_queries

    named = grid_queries.staff_names(session, {me}).get(me)
    giver = (named[0] or named[2]) if named else actor.login  # a supervisor handing over is no agent of the roster
    for s in taking:
        notify.notify_user(
            session, now=now, user_id=s.user_id, event="handover.given", urgent=False, source=("shift_handover", row.id),
            context={"giver": giver, "at": now.astimezone(SHANGHAI).strftime("%H:%M"), "follow_ups": len(follow_ups), "notes": text[:120], "id": row.id},
        )
    audit.record(
        session, actor=actor, at=now, action="handover.give", entity="shift_handover", entity_id=row.id, org_path=path, new_stream=True,
        after={"to": [agents[s.user_id].login for s in taking], "follow_ups": [f.number for f in follow_ups], "figures": row.figures},
    )
    return row


def _get(session: Session, actor: Principal, handover_id: int) -> ShiftHandover:
    require(actor, Action.CALLS_READ)
    row = session.scalar(scoped(select(ShiftHandover), actor, org_path=ShiftHandover.org_path).where(ShiftHandover.id == handover_id))
    if row is None:
        raise NotFound(T_("no shift handover %(id)s", id=handover_id))
    return row


def receive(session: Session, *, actor: Principal, now: datetime, handover_id: int, note: str = "") -> HandoverParty:
    """Take a handover over (接班), with a word back if the taker has one."""
    me = _giver(actor)
    row = _get(session, actor, handover_id)
    said = (note or "").strip()
    if len(said) > handover.LONGEST_NOTE:
        raise InvalidInput.field("note", T_("longer than %(n)s characters", n=handover.LONGEST_NOTE))
    if row.given_by == me:
        raise Conflict(T_("you gave this handover: the incoming shift takes it over"))
    party = session.scalar(select(HandoverParty).where(HandoverParty.handover_id == row.id, HandoverParty.user_id == me))
    if party is not None and party.received_at is not None:
        raise Conflict(T_("you took this handover over at %(at)s", at=as_utc(party.received_at).astimezone(SHANGHAI).strftime("%m-%d %H:%M")))
    if party is None:
        party = HandoverParty(handover_id=row.id, user_id=me, named=False)
        session.add(party)
    party.received_at, party.note = now, said
    session.flush()
    audit.record(session, actor=actor, at=now, action="handover.receive", entity="shift_handover", entity_id=row.id, org_path=row.org_path, after={"note": said})
    return party


def _handovers(session: Session, rows: list[ShiftHandover], now: datetime) -> list[Handover]:
    from gridcare.grids import queries as grid_queries

    parties: dict[int, list[HandoverParty]] = {}
    if rows:
        for p in session.scalars(select(HandoverParty).where(HandoverParty.handover_id.in_([r.id for r in rows])).order_by(HandoverParty.id)):
            parties.setdefault(p.handover_id, []).append(p)
    names = grid_queries.staff_names(session, {r.given_by for r in rows} | {p.user_id for ps in parties.values() for p in ps})

    def name(user_id: int) -> str:
        found = names.get(user_id)
        return (found[0] or found[2]) if found else str(user_id)

    out = []
    for r in rows:
        mine = parties.get(r.id, [])
        takes_over_at = as_utc(r.takes_over_at) if r.takes_over_at else None
        received = any(p.received_at is not None for p in mine)
        out.append(Handover(
            r.id, r.org_path, r.given_by, name(r.given_by), as_utc(r.given_at),
            (as_utc(r.shift_starts_at), as_utc(r.shift_ends_at)) if r.shift_starts_at and r.shift_ends_at else None,
            takes_over_at, r.notes, dict(r.figures or {}), list(r.follow_ups or []),
            # Named on the incoming shift: a party row made before anyone took it over unasked.
            [Party(p.user_id, name(p.user_id), p.named, as_utc(p.received_at) if p.received_at else None, p.note) for p in mine],
            handover.state(given_at=as_utc(r.given_at), takes_over_at=takes_over_at, received=received, now=now),
        ))
    return out


def log(session: Session, *, actor: Principal, now: datetime, company: str | None = None, days: int = 2, limit: int = 200) -> dict[str, Any]:
    """The company's handovers of the last ``days`` days, newest first."""
    require(actor, Action.CALLS_READ)
    if not 1 <= days <= LOG_DAYS_LONGEST:
        raise InvalidInput.field("days", T_("must be between %(low)s and %(high)s", low=1, high=LOG_DAYS_LONGEST))
    chosen, companies = rosters.company(session, actor, company)
    stmt = scoped(select(ShiftHandover), actor, org_path=ShiftHandover.org_path).where(
        ShiftHandover.org_path.startswith(chosen.path, autoescape=True), ShiftHandover.given_at >= now - timedelta(days=days),
    )
    rows = list(session.scalars(stmt.order_by(ShiftHandover.given_at.desc(), ShiftHandover.id.desc()).limit(limit)))
    return {"company": chosen.code, "companies": [{"code": u.code, "name": u.name} for u in companies], "days": days, "handovers": _handovers(session, rows, now)}


def one(session: Session, *, actor: Principal, now: datetime, handover_id: int) -> Handover:
    """One handover as the log shows it."""
    return _handovers(session, [_get(session, actor, handover_id)], now)[0]


def detail(session: Session, *, actor: Principal, now: datetime, handover_id: int) -> dict[str, Any]:
    """One handover, its figures then against now, and how each follow-up stands now."""
    from gridcare.workbench import service as workbench
    from gridcare.workorders import queries as orders

    found = one(session, actor=actor, now=now, handover_id=handover_id)
    current = orders.by_numbers(session, actor=actor, numbers=[f["number"] for f in found.follow_ups])
    figures_now = workbench.figures(session, actor=actor, now=now, keys=list(found.figures))
    me = actor.user_id
    return {
        "handover": found, "changes": handover.changes(found.figures, figures_now),
        "follow_ups": [(f, current.get(f["number"])) for f in found.follow_ups],
        "can_receive": can(actor, Action.CALLS_HANDOVER) and me is not None and me != found.given_by and not any(p.user_id == me and p.received_at for p in found.parties),
    }


def _waiting(actor: Principal, now: datetime) -> Any:
    """The handovers the actor is named to take over and has not, given in the last 12 hours;
    None when the actor takes none over."""
    if actor.user_id is None or not can(actor, Action.CALLS_HANDOVER):
        return None
    return (
        scoped(select(ShiftHandover), actor, org_path=ShiftHandover.org_path)
        .join(HandoverParty, HandoverParty.handover_id == ShiftHandover.id)
        .where(HandoverParty.user_id == actor.user_id, HandoverParty.received_at.is_(None), ShiftHandover.given_at >= now - WAITS)
    )


def waiting_for(session: Session, *, actor: Principal, now: datetime) -> list[Handover]:
    """The handovers the actor is to take over: named on the incoming shift and not yet taken
    over by them, given in the last 12 hours."""
    stmt = _waiting(actor, now)
    return [] if stmt is None else _handovers(session, list(session.scalars(stmt.order_by(ShiftHandover.given_at.desc()))), now)


def count_waiting(session: Session, *, actor: Principal, now: datetime) -> int:
    stmt = _waiting(actor, now)
    return 0 if stmt is None else session.scalar(stmt.with_only_columns(func.count(ShiftHandover.id))) or 0


def _untaken(stmt: Any, now: datetime) -> Any:
    """``stmt`` (over handovers) narrowed to those of the last 12 hours nobody has taken over."""
    taken = select(HandoverParty.handover_id).where(HandoverParty.received_at.is_not(None))
    return stmt.where(ShiftHandover.given_at >= now - WAITS, ShiftHandover.id.not_in(taken))


def _late(given_at: datetime, takes_over_at: datetime | None, now: datetime) -> bool:
    return handover.state(given_at=as_utc(given_at), takes_over_at=as_utc(takes_over_at) if takes_over_at else None, received=False, now=now) == handover.LATE


def count_late(session: Session, *, actor: Principal, now: datetime) -> int:
    """Handovers of the last 12 hours in the actor's scope that nobody took over in time."""
    if not can(actor, Action.CALLS_READ):
        return 0
    stmt = _untaken(scoped(select(ShiftHandover.given_at, ShiftHandover.takes_over_at), actor, org_path=ShiftHandover.org_path), now)
    return sum(1 for given_at, takes_over_at in session.execute(stmt) if _late(given_at, takes_over_at, now))


def tell_late(session: Session, *, now: datetime) -> list[int]:
    """The supervisors over each handover of the last 12 hours that nobody took over in time
    get a pop-up that opens it, once. Returns the handovers told of."""
    from gridcare.auth import service as auth
    from gridcare.grids import queries as grid_queries

    rows = [r for r in session.scalars(_untaken(select(ShiftHandover), now).order_by(ShiftHandover.id)) if _late(r.given_at, r.takes_over_at, now)]
    if not rows:
        return []
    names = grid_queries.staff_names(session, {r.given_by for r in rows})
    for r in rows:
        named = names.get(r.given_by)
        context = {
            "giver": (named[0] or named[2]) if named else "—", "at": as_utc(r.given_at).astimezone(SHANGHAI).strftime("%H:%M"),
            "due": handover.receive_due(as_utc(r.given_at), as_utc(r.takes_over_at) if r.takes_over_at else None).astimezone(SHANGHAI).strftime("%H:%M"), "id": r.id,
        }
        for user_id in auth.supervisors_over(session, org_path=r.org_path):
            notify.notify_user(session, now=now, user_id=user_id, event="handover.late", context=context, urgent=False, source=("shift_handover", r.id), dedupe=f"handover-late:{r.id}")
    return [r.id for r in rows]
