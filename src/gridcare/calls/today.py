"""Today's hotline against its forecast and roster (日内话务跟踪): the calls so far against
those expected, and the hours still ahead at today's ratio (rules in ``intraday``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridcare.calls import cover, intraday, reports, rosters, seats
from gridcare.calls.rostering import Slot
from gridcare.calls.routing import SeatStatus
from gridcare.core.clock import SHANGHAI, as_utc
from gridcare.workorders import duty


def today(session: Session, *, actor: Any, now: datetime, company: str | None = None, week: dict[str, Any] | None = None) -> dict[str, Any]:
    """The company's day so far and the hours ahead, from this week's roster (its forecast,
    planned outages and shifts; ``week``, when the caller has read it) and the calls offered
    since midnight."""
    local = now.astimezone(SHANGHAI)
    day = local.date()
    found = week or rosters.week(session, actor=actor, now=now, monday=day - timedelta(days=day.weekday()), company=company)
    first = 24 * day.weekday()
    hours = slice(first, first + 24)
    slots = found["slots"][hours]
    expected = [s.calls + extra for s, extra in zip(slots, found["outage_calls"]["extra"][hours], strict=True)]
    offered = [0] * 24
    midnight = as_utc(datetime.combine(day, time(0), tzinfo=SHANGHAI))
    if now > midnight:
        for b in reports.buckets(session, actor=actor, start=midnight, end=now, org_path=found["company_path"]):
            if b.day == day.isoformat():
                offered[b.hour] += b.calls
    asked = found["forecast"]
    tracked = intraday.track(
        expected, offered, now_hour=local.hour + local.minute / 60, aht=[s.aht_seconds for s in slots], planned=found["need"][hours], on_roster=found["on_roster"][hours],
        target_seconds=asked["target_seconds"], level=asked["service_level"] / 100, shrinkage=asked["shrinkage"] / 100,
    )
    return {"company": found["company"], "companies": found["companies"], "day": day, "offered": offered, "today": tracked, "week": found}


def cover_for(session: Session, *, actor: Any, now: datetime, found: dict[str, Any]) -> dict[str, Any]:
    """Whom to ask to cover the short hours of ``found`` (``today``'s answer), and for what
    (rules in ``cover``): the plan, others who could also help, and the hours no one can."""
    day_start = as_utc(datetime.combine(found["day"], time(0), tzinfo=SHANGHAI))
    day_end = day_start + timedelta(days=1)
    short = {day_start + timedelta(hours=h.hour): h.needed - h.on_roster for h in found["today"].short}
    if not short:
        return {"asks": [], "also": [], "left": {}, "left_spans": []}
    week = found["week"]
    # The week read the company's agents already, with their hours and phones.
    people = {a.user_id: a for a in week["agents"]}
    ids = sorted(people)
    around = rosters.shifts_between(session, ids, day_start - timedelta(days=1), day_end + timedelta(days=1))
    away = duty.absences(session, user_ids=ids, start=day_start - timedelta(days=1), end=day_end + timedelta(days=1))
    seated = {s.user_id for s in seats.seats(session, actor=actor, now=now) if s.status is not SeatStatus.AWAY}
    agents = [
        cover.Agent(
            i, tuple(Slot(as_utc(r.starts_at), as_utc(r.ends_at)) for r in around if r.user_id == i),
            tuple(Slot(as_utc(a), as_utc(b)) for who, a, b, _reason in away if who == i), people[i].hours, i in seated,
        )
        for i in ids
    ]
    rules = cover.Rules(call_in_hours=max(cover.RULES.min_call_in, week["targets"]["shift_hours"]))
    asks, left = cover.plan(short, agents, now=now, day_end=day_end, rules=rules)
    others = cover.also(short, agents, [a.user_id for a in asks], now=now, day_end=day_end, rules=rules)
    shift_ids = {(r.user_id, as_utc(r.starts_at), as_utc(r.ends_at)): r.id for r in around}

    def told(ask: cover.Ask) -> dict[str, Any]:
        agent = people[ask.user_id]
        changed = None if ask.shift is None else shift_ids[(ask.user_id, ask.shift.starts_at, ask.shift.ends_at)]
        return {"ask": ask, "name": agent.name, "login": agent.login, "phone": agent.phone, "shift_id": changed, "spans": cover.spans(ask.covers)}

    return {"asks": [told(a) for a in asks], "also": [told(a) for a in others], "left": left, "left_spans": cover.spans(left)}
