"""Demo data for calls: agent extensions, the stations' local repair lines, three weeks of
calls with the hotline's daily rhythm and today's so far, a QA sample and some scores. Deterministic per seed.

Called by the demo loader after the city and its orders exist: ``load_calls(db, clock, seed)``."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from types import SimpleNamespace

import numpy as np
from sqlalchemy import select

from gridcare.auth import service as auth
from gridcare.calls import lines as call_lines
from gridcare.calls import quality
from gridcare.calls import seats as call_seats
from gridcare.calls.models import AgentExtension, CallRecord
from gridcare.calls.states import CtiEvent, Kind, derive
from gridcare.core.clock import SHANGHAI, Clock, as_utc
from gridcare.core.principal import system_principal
from gridcare.db import Database

DAYS = 21
# Calls per local hour on a weekday: the morning and early-afternoon peaks of a hotline.
HOURLY = (1, 1, 0, 0, 0, 1, 2, 5, 11, 14, 13, 10, 6, 8, 12, 12, 10, 8, 6, 5, 4, 3, 2, 1)
LINES = (("0731-8488 1234", "五一供电所抢修电话", "XC-E-FR-WY"), ("0731-8861 5678", "麓山供电所抢修电话", "XC-E-YL-LS"), ("0731-8517 3300", "天心营业所抢修电话", "XC-W-TX"))
REP_EXTENSIONS = {"rep": "8301", "w_rep": "8302"}


def _seats(session, *, now: datetime) -> dict[str, int]:  # noqa: ANN001
    """Register every demo user's extension (and the reps'); returns user ids by extension."""
    actor = system_principal("demo")
    seats = {}
    for user in auth.list_users(session, actor=actor):
        extension = user.extension or REP_EXTENSIONS.get(user.login)
        if extension:
            call_seats.set_extension(session, actor=actor, now=now, user_id=user.id, extension=extension)
            seats[extension] = user.id
    return seats


def load_calls(db: Database, clock: Clock, seed: int = 7) -> int:
    """Load the demo calls; returns how many. Needs the demo organisation and customers."""
    from gridcare.customers import service as customers

    rng = np.random.default_rng(seed + 5)
    now = clock.now()
    actor = system_principal("demo")
    with db.write() as session:
        seats = _seats(session, now=now)
        units = {u.code: u for u in auth.list_org_units(session, actor=actor)}
        lines = [call_lines.register_line(session, actor=actor, now=now, number=n, name=name, org_unit_id=units[code].id) for n, name, code in LINES if code in units]
        people, _total = customers.search(session, actor=actor, limit=600)
        # The water company's hotline rings too: about one call in six is a water customer's.
        water_agent = auth.find_user_by_login(session, login="w_agent")
        if water_agent is not None:
            water_people, _n = customers.search(session, actor=auth.principal_for(session, user=water_agent, origin="demo"), limit=120)
            known = {c.id for c in people}
            people = [*people, *(c for c in water_people if c.utility == "water" and c.id not in known)]
        phones = customers.phones_of(session, customer_ids=[c.id for c in people])
        callers = [(c, phones[c.id][0]) for c in people if phones.get(c.id)]
        electric_path = units["XC-E"].path if "XC-E" in units else "/"
        water_path = units["XC-W"].path if "XC-W" in units else electric_path
        by_ext = {"electric": [e for e in ("8001", "8002") if e in seats], "water": [e for e in ("8201",) if e in seats]}
        rows = []
        today = datetime.combine(now.astimezone(SHANGHAI).date(), time(0), tzinfo=SHANGHAI)
        for day in range(DAYS, 0, -1):
            start = today - timedelta(days=day)
            weekend = start.weekday() >= 5
            for hour, mean in enumerate(HOURLY):
                for _ in range(int(rng.poisson(mean * (0.6 if weekend else 1.0) * 1.4))):
                    rows.append(_call(rng, start + timedelta(hours=hour, seconds=int(rng.integers(3600))), callers, lines, seats, by_ext, electric_path, water_path, len(rows), now))
        # Today so far, a quarter busier than the usual day (drawn apart, so the weeks above
        # stay as they were): the roster's "today so far" has a morning to hold to the forecast.
        busy = np.random.default_rng(seed + 13)
        for hour, mean in enumerate(HOURLY):
            for _ in range(int(busy.poisson(mean * (0.6 if today.weekday() >= 5 else 1.0) * 1.4 * 1.25))):
                at = today + timedelta(hours=hour, seconds=int(busy.integers(3600)))
                if at < now - timedelta(minutes=10):
                    rows.append(_call(busy, at, callers, lines, seats, by_ext, electric_path, water_path, len(rows), now))
        if rows:
            session.execute(CallRecord.__table__.insert(), rows)
        _spells(session, seats=seats, today=today, now=now)
        _roster(session, seats=seats, today=today, now=now)
        _handovers(session, seats=seats, today=today, now=now)
        _qa(session, now=now, rng=rng, start=today - timedelta(days=7), end=today)
    return len(rows)


# Of the customers a past planned outage cut off, the share who called, and when: the day
# before (in office hours), while supply was off, in the two hours after.
OUTAGE_CALLERS = 0.12
OUTAGE_PHASES = (("before", 0.3), ("during", 0.55), ("after", 0.15))


def load_outage_calls(db: Database, clock: Clock, seed: int = 7) -> int:
    """The calls the demo's past planned outages brought from their customers; returns how
    many. Called after the demo outages exist."""
    from gridcare.calls import surge
    from gridcare.customers import service as customers
    from gridcare.outages import service as outages

    rng = np.random.default_rng(seed + 11)
    now = clock.now()
    with db.write() as session:
        seats = dict(session.execute(select(AgentExtension.extension, AgentExtension.user_id)).all())
        units = {u.code: u for u in auth.list_org_units(session, actor=system_principal("demo"))}
        if "XC-E" not in units:
            return 0
        electric_path = units["XC-E"].path
        past = outages.planned_between(session, utility="electric", start=now - timedelta(weeks=4), end=now, statuses=("restored",))
        pairs = session.execute(outages.affected_pairs([p["id"] for p in past])).all() if past else []
        phones = customers.phones_of(session, customer_ids=sorted({c for _o, c in pairs}))
        by_ext = {"electric": [e for e in ("8001", "8002") if e in seats], "water": []}
        rows: list[dict[str, object]] = []
        for p in sorted(past, key=lambda p: p["id"]):
            starts, ends = p["starts_at"], p["restored_at"] or p["ends_at"]
            first, last = surge.window(starts, ends)
            spans = {"before": (first, starts), "during": (starts, ends), "after": (ends, last)}
            for oid, customer_id in pairs:
                if oid != p["id"] or not phones.get(customer_id) or rng.random() >= OUTAGE_CALLERS:
                    continue
                name = OUTAGE_PHASES[int(rng.choice(len(OUTAGE_PHASES), p=[w for _n, w in OUTAGE_PHASES]))][0]
                a, b = spans[name]
                at = a + (b - a) * float(rng.random())
                if name == "before":  # people read the notice and call in the day, not at 3 a.m.
                    at = at.astimezone(SHANGHAI).replace(hour=int(rng.integers(8, 21))).astimezone(at.tzinfo)
                    at = min(max(at, a), b - timedelta(minutes=1))
                caller = SimpleNamespace(id=customer_id, utility="electric")
                row = _call(rng, at, [(caller, phones[customer_id][0])], [], seats, by_ext, electric_path, electric_path, len(rows), now)
                rows.append(row | {"call_id": f"demo-outage-{p['id']}-{customer_id}"})
        if rows:
            session.execute(CallRecord.__table__.insert(), rows)
    return len(rows)


SURVEY_SCORES = (5, 5, 5, 5, 5, 4, 4, 4, 3, 2, 1)


def _call(rng, at, callers, lines, seats, by_ext, electric_path, water_path, k, now):  # noqa: ANN001, ANN202, PLR0913 - one generated row
    customer, phone = callers[int(rng.integers(len(callers)))]
    local = [ln for ln in lines if (customer.utility == "water") == ln.org_path.startswith(water_path)] if lines else []
    line = local[int(rng.integers(len(local)))] if local and rng.random() < 0.15 else None
    extensions = by_ext["water" if customer.utility == "water" else "electric"] or by_ext["electric"]
    expert = rng.random() < 0.12 and "8101" in seats and customer.utility != "water"  # the expert seat is the power company's
    ext = "8101" if expert else extensions[int(rng.integers(len(extensions)))]
    wait = float(rng.exponential(14))
    answered = rng.random() > min(0.5, 0.04 + wait / 400)
    events = [CtiEvent(Kind.RINGING, at, caller=phone, callee=line.e164 if line else "+8695598", queue="repair" if line else ("expert" if expert else "general"), agent_extension=ext)]
    resolved = False
    if answered:
        talk = float(rng.lognormal(5.0, 0.5))
        events += [CtiEvent(Kind.ANSWERED, at + timedelta(seconds=wait), agent_extension=ext), CtiEvent(Kind.ENDED, at + timedelta(seconds=wait + talk))]
        # About two callers in five rate the call in the IVR; drawn apart, so the rest of the demo stays as it was.
        survey = random.Random(k)
        if survey.random() < 0.4:
            events.append(CtiEvent(Kind.SURVEY, at + timedelta(seconds=wait + talk + 20), score=survey.choice(SURVEY_SCORES)))
        # Questions are settled on the call; a local repair line's calls are faults to send someone to.
        resolved = line is None and survey.random() < (0.5 if expert else 0.3)
    else:
        events.append(CtiEvent(Kind.ENDED, at + timedelta(seconds=wait + 5)))
    f = derive(events)
    return {
        "source": "demo-pbx", "call_id": f"demo-{k:06d}", "direction": "inbound", "caller": phone, "caller_e164": phone, "callee": f.callee, "line_id": line.id if line else None,
        "org_path": line.org_path if line else (water_path if customer.utility == "water" else electric_path), "queue": f.queue, "agent_extension": ext if answered else "",
        "agent_user_id": seats.get(ext) if answered else None, "state": f.state.value, "outcome": f.outcome.value if f.outcome else None, "ringing_at": f.ringing_at,
        "answered_at": f.answered_at, "transferred_at": None, "ended_at": f.ended_at, "started_at": f.started_at, "local_day": f.local_day, "local_hour": f.local_hour,
        "wait_seconds": f.wait_seconds, "duration_seconds": f.duration_seconds, "satisfaction": f.satisfaction, "resolved_on_call": resolved, "transfers": 0, "recording_url": "", "customer_id": customer.id, "customers_matched": 1,
        "created_at": f.started_at, "updated_at": f.ended_at or now,
    }


# When each demo seat is signed in (local hours): the hotline's day shift, a late shift, the
# expert in office hours, the water seat on its own.
SHIFTS = {"8001": ((8, 12), (13, 17.5)), "8002": ((12, 21),), "8101": ((9, 12), (14, 17.5)), "8201": ((8, 12), (13, 18))}


# The roster the seats work to: (first hour, weekdays); eight-hour shifts. The sign-ins above
# keep it loosely, as people do: a long lunch, the late seat signing in an hour early.
ROSTER = {"8001": (8, (0, 1, 2, 3, 4)), "8002": (13, (2, 3, 4, 5, 6)), "8101": (9, (0, 1, 2, 3, 4)), "8201": (8, (0, 1, 2, 3, 4))}


def _spells(session, *, seats: dict[str, int], today: datetime, now: datetime) -> None:  # noqa: ANN001
    """The seats' sign-ins over the demo's weeks and today so far, so the staffing forecast
    shows who was on duty and the roster how its shifts were kept."""
    from gridcare.calls.models import SeatSpell

    paths = {u.id: u.org_path for u in auth.list_users(session, actor=system_principal("demo"))}
    rows = []
    for day in range(DAYS, -1, -1):
        start = today - timedelta(days=day)
        for extension, shifts in SHIFTS.items():
            user_id = seats.get(extension)
            if user_id is None or (start.weekday() >= 5 and extension == "8101"):  # no expert at weekends
                continue
            for begin, end in shifts:
                if start + timedelta(hours=begin) < now:
                    rows.append({"user_id": user_id, "org_path": paths.get(user_id, "/"), "started_at": start + timedelta(hours=begin), "ended_at": min(start + timedelta(hours=end), now)})
    if rows:
        session.execute(SeatSpell.__table__.insert(), rows)


def _roster(session, *, seats: dict[str, int], today: datetime, now: datetime) -> None:  # noqa: ANN001
    """Last week's, this week's and next week's shifts on the agents' roster."""
    from gridcare.calls.models import AgentShift

    paths = {u.id: u.org_path for u in auth.list_users(session, actor=system_principal("demo"))}
    monday = today - timedelta(days=today.weekday())
    rows = []
    for day in range(-7, 14):
        start = monday + timedelta(days=day)
        for extension, (hour, weekdays) in ROSTER.items():
            user_id = seats.get(extension)
            if user_id is not None and start.weekday() in weekdays:
                at = start + timedelta(hours=hour)
                rows.append({"user_id": user_id, "org_path": paths.get(user_id, "/"), "starts_at": at, "ends_at": at + timedelta(hours=8), "created_by": "demo", "created_at": now})
    if rows:
        session.execute(AgentShift.__table__.insert(), rows)


HANDOVER_NOTES = (
    "五一路 10kV 线路 14:20 故障停电，预计 18:00 前复电，报修来电已合并到停电事件；来电统一答复预计复电时间。\n麓山片区明日 8:00–12:00 计划停电，通知已发。",
    "短信网关 15:10–15:30 中断，已恢复，期间的回访短信已补发。\n敏感客户王先生投诉电费异常，已派营销部，承诺今日内回电。",
    "本班无重大故障。待回访工单 4 张，客户要求上午 10 点后联系。",
    "晚高峰来电偏多，20:00 后回落。天心片区明日 9:00–15:00 管网改造计划停水，相关来电按计划停水答复。",
)
FOLLOW_UP_NOTES = ("客户 18:00 再来电，需告知处理进度", "已升级，督办中", "承诺今日回电")


def _handovers(session, *, seats: dict[str, int], today: datetime, now: datetime) -> None:  # noqa: ANN001
    """The last days' handovers at the roster's shift changes, taken over as people do (one
    nobody took), and one waiting for the agent now."""
    from gridcare.calls import handover
    from gridcare.calls.models import AgentShift, HandoverParty, ShiftHandover
    from gridcare.workorders import queries as orders

    agent, late, expert = seats.get("8001"), seats.get("8002"), seats.get("8101")
    if agent is None or late is None or expert is None:
        return
    path = {u.id: u.org_path for u in auth.list_users(session, actor=system_principal("demo"))}[agent]
    numbers = [o.number for o in orders.queue(session, actor=system_principal("demo"), now=now, limit=6)]
    rows = [(r.user_id, as_utc(r.starts_at), as_utc(r.ends_at)) for r in session.scalars(select(AgentShift).where(AgentShift.starts_at >= today - timedelta(days=5), AgentShift.starts_at < today + timedelta(days=1)))]
    shifts = [handover.Shift(*r) for r in rows]
    from gridcare.workbench import service as workbench

    # What each giver's workbench counts now, moved a little per handover: the figures as they stood.
    counted = {
        u: workbench.figures(session, actor=auth.principal_for(session, user=auth.find_user_by_login(session, login=login)), now=now, keys=handover.FIGURES)  # type: ignore[arg-type]
        for u, login in ((agent, "agent"), (late, "agent2"), (expert, "expert"))
    }
    k = 0

    def give(giver: int, at: datetime, own: handover.Shift | None, taken: list[tuple[int, bool, int | None]], follow: int) -> None:
        nonlocal k
        taking = handover.incoming(shifts, at=at, giver=giver)
        picked = numbers[k % len(numbers): k % len(numbers) + follow] if numbers else []
        row = ShiftHandover(
            org_path=path, given_by=giver, given_at=at, shift_starts_at=own.starts_at if own else None, shift_ends_at=own.ends_at if own else None,
            takes_over_at=min((s.starts_at for s in taking), default=None), notes=HANDOVER_NOTES[k % len(HANDOVER_NOTES)],
            figures={key: max(0, n + (k + i) % 3 - 1) for i, (key, n) in enumerate(counted[giver].items())},
            follow_ups=[{"order_id": None, "number": n, "note": FOLLOW_UP_NOTES[(k + i) % len(FOLLOW_UP_NOTES)]} for i, n in enumerate(picked)],
        )
        session.add(row)
        session.flush()
        for user_id, named, after in taken:
            received = at + timedelta(minutes=after) if after is not None and at + timedelta(minutes=after) < now else None
            if not named and received is None:
                continue  # one not on the incoming shift is a party only once they take it over
            session.add(HandoverParty(handover_id=row.id, user_id=user_id, named=named, received_at=received, note="收到" if received else ""))
        k += 1

    for day in (3, 2, 1, 0):
        start = today - timedelta(days=day)
        for giver, end_hour in ((agent, 16), (late, 21)):
            own = next((s for s in shifts if s.user_id == giver and s.ends_at == start + timedelta(hours=end_hour)), None)
            if own is None or own.ends_at + timedelta(minutes=30) > now:
                continue
            at = own.ends_at + timedelta(minutes=3)
            named = [s.user_id for s in handover.incoming(shifts, at=at, giver=giver)]
            if day == 2 and giver == agent:
                taken = [(u, True, None) for u in named]  # nobody took this one over
            elif named:
                taken = [(u, True, 7 + 4 * i) for i, u in enumerate(named)]
            else:  # nobody comes on at once: the next to begin a shift takes it over as they do
                after = min((t for t in shifts if t.user_id != giver and t.starts_at > at), key=lambda t: t.starts_at, default=None)
                taken = [(after.user_id, False, int((after.starts_at - at).total_seconds() // 60) + 3)] if after else []
            give(giver, at, own, taken, follow=1 + (day % 2))
    if now - timedelta(minutes=20) > today:
        give(expert, now - timedelta(minutes=20), None, [(agent, True, None)], follow=2)
    # The follow-ups name orders by number; their ids are the orders' own.
    ids = {o.number: o.id for o in orders.by_numbers(session, actor=system_principal("demo"), numbers=numbers).values()}
    for row in session.scalars(select(ShiftHandover)):
        row.follow_ups = [f | {"order_id": ids.get(f["number"])} for f in row.follow_ups]


def _qa(session, *, now: datetime, rng, start: datetime, end: datetime) -> None:  # noqa: ANN001
    """Last week's sample, two thirds of it scored by the supervisor."""
    supervisor = auth.find_user_by_login(session, login="supervisor")
    if supervisor is None:
        return
    scorer = auth.principal_for(session, user=supervisor, origin="demo")
    chosen = quality.sample(session, actor=system_principal("demo"), now=now, start=start, end=end)
    items = quality.active_checklist(session).items
    for call_id in chosen[: max(1, len(chosen) * 2 // 3)]:
        call = session.scalar(select(CallRecord).where(CallRecord.id == call_id))
        if call is None or call.answered_at is None or not call.org_path.startswith(scorer.org_path):
            continue
        given = {i["key"]: int(i["weight"]) - int(rng.integers(0, max(1, int(i["weight"]) // 3) + 1)) for i in items}
        quality.score_call(session, actor=scorer, now=now, call_id=call_id, scores=given, comment="")
