"""The agents' roster (话务排班表): who works which shift, and how each shift was kept.
Pure: shifts, agents and sign-ins come in as arguments; times are aware datetimes.

A roster is filled from a shift plan (how many shifts start when) by handing each shift,
in time order, to an agent who may still take it: under their shifts a week, not yet on a
shift that day, not away on the duty roster, and rested since their last shift and before
their next. Of those, the one
with the fewest shifts so far takes it (the work spreads evenly), and between equals the one
who already works that start hour (a steady pattern is easier to live with), then the first
by id. A shift nobody may take is left unfilled, named, for the supervisor to cover."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from gridcare.calls.staffing import LONGEST_SPELL
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_

MIN_REST = timedelta(hours=11)  # between the end of one shift and the start of the next
LONGEST_SHIFT = 12  # hours


def monday_of(text: str | None, *, today: date) -> date:
    """The Monday of the week asked for: an ISO week (2026-W50) or any day in it (2026-12-09);
    blank: this week."""
    text = (text or "").strip()
    if not text:
        return today - timedelta(days=today.weekday())
    try:
        day = date.fromisoformat(text) if "W" not in text.upper() else date.fromisocalendar(int(text[:4]), int(text.upper().split("W")[1].split("-")[0]), 1)
    except (ValueError, IndexError):
        raise InvalidInput.field("week", T_("must be a date (2026-12-07) or an ISO week (2026-W50)")) from None
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Slot:
    """A shift to fill: when it starts and ends."""

    starts_at: datetime
    ends_at: datetime


@dataclass
class Agent:
    user_id: int
    taken: list[Slot] = field(default_factory=list)  # shifts they already have, around the week too
    away: list[Slot] = field(default_factory=list)  # absences on the duty roster (leave, training)


def _free(slot: Slot, agent: Agent) -> bool:
    return all(slot.ends_at <= a.starts_at or slot.starts_at >= a.ends_at for a in agent.away)


def _rested(slot: Slot, taken: Iterable[Slot], rest: timedelta) -> bool:
    return all(slot.starts_at >= t.ends_at + rest or slot.ends_at + rest <= t.starts_at for t in taken)


def assign(
    slots: Sequence[Slot], agents: Sequence[Agent], *, workdays: int, zone: ZoneInfo, rest: timedelta = MIN_REST, week: tuple[datetime, datetime] | None = None,
) -> tuple[list[tuple[Slot, int]], list[Slot]]:
    """Each slot given to an agent, in time order, and the slots nobody may take. An agent's
    ``taken`` shifts count against their days and their rest, and those starting within
    ``week`` (all, when None) against their shifts a week."""
    load = {a.user_id: sum(1 for t in a.taken if week is None or week[0] <= t.starts_at < week[1]) for a in agents}
    days = {a.user_id: {t.starts_at.astimezone(zone).date() for t in a.taken} for a in agents}
    taken = {a.user_id: list(a.taken) for a in agents}
    everyone = {a.user_id: a for a in agents}
    # Agents by shifts so far, and by the start hours they work: the first who may take a
    # slot, in the order (fewest shifts, works that hour, id), is found without scanning all.
    by_load: dict[int, set[int]] = {}
    for user_id, n in load.items():
        by_load.setdefault(n, set()).add(user_id)
    by_hour: dict[int, set[int]] = {}
    for a in agents:
        for t in a.taken:
            by_hour.setdefault(t.starts_at.astimezone(zone).hour, set()).add(a.user_id)
    given: list[tuple[Slot, int]] = []
    unfilled: list[Slot] = []
    for slot in sorted(slots, key=lambda s: (s.starts_at, s.ends_at)):
        local = slot.starts_at.astimezone(zone)
        day, steady = local.date(), by_hour.get(local.hour, set())
        who = None
        for n in sorted(k for k in by_load if k < workdays):
            group = by_load[n]
            for user_id in (*sorted(group & steady), *sorted(group - steady)):
                if day not in days[user_id] and _rested(slot, taken[user_id], rest) and _free(slot, everyone[user_id]):
                    who = user_id
                    break
            if who is not None:
                break
        if who is None:
            unfilled.append(slot)
            continue
        given.append((slot, who))
        by_load[load[who]].discard(who)
        load[who] += 1
        by_load.setdefault(load[who], set()).add(who)
        days[who].add(day)
        by_hour.setdefault(local.hour, set()).add(who)
        taken[who].append(slot)
    return given, unfilled


def assign_by_scan(slots: Sequence[Slot], agents: Sequence[Agent], *, workdays: int, zone: ZoneInfo, rest: timedelta = MIN_REST) -> list[tuple[Slot, int]]:
    """The rule ``assign`` follows, stated plainly: for every slot, every agent is scanned.
    Kept as the reference ``assign`` is tested against and the benchmark's baseline."""
    load, days, hours = {a.user_id: len(a.taken) for a in agents}, {a.user_id: set() for a in agents}, {a.user_id: set() for a in agents}
    taken = {a.user_id: list(a.taken) for a in agents}
    everyone = {a.user_id: a for a in agents}
    for a in agents:
        for t in a.taken:
            days[a.user_id].add(t.starts_at.astimezone(zone).date())
            hours[a.user_id].add(t.starts_at.astimezone(zone).hour)
    given = []
    for slot in sorted(slots, key=lambda s: (s.starts_at, s.ends_at)):
        local = slot.starts_at.astimezone(zone)
        able = [u for u in load if load[u] < workdays and local.date() not in days[u] and _rested(slot, taken[u], rest) and _free(slot, everyone[u])]
        if able:
            who = min(able, key=lambda u: (load[u], local.hour not in hours[u], u))
            given.append((slot, who))
            load[who] += 1
            days[who].add(local.date())
            hours[who].add(local.hour)
            taken[who].append(slot)
    return given


@dataclass(frozen=True)
class Kept:
    """How a shift was kept, from the agent's sign-ins, as far as it has run by ``now``."""

    share: float | None  # of the shift run so far, the part signed in; None: not begun
    late_minutes: int  # from the shift's start to the first sign-in in it (0: on time)
    early_minutes: int  # from the last sign-out to the shift's end, once it has ended
    absent: bool  # begun, and never signed in during it


def kept(slot: Slot, spells: Iterable[tuple[datetime, datetime | None]], *, now: datetime, grace: timedelta = timedelta(minutes=5)) -> Kept:
    """The shift against the agent's spells at their seat (start, end; None: still signed
    in; a seat left signed in counts one long shift at most, as in the forecast). Signing in
    within ``grace`` of the start is on time, as is leaving within it of the end."""
    run_to = min(now, slot.ends_at)
    if run_to <= slot.starts_at:
        return Kept(None, 0, 0, False)
    inside = []
    for started, ended in spells:
        a, b = max(started, slot.starts_at), min(ended or now, run_to, started + LONGEST_SPELL)
        if b > a:
            inside.append((a, b))
    if not inside:
        return Kept(0.0, 0, 0, True)
    inside.sort()
    merged: list[list[datetime]] = []
    for a, b in inside:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    on = sum((b - a).total_seconds() for a, b in merged)
    late = merged[0][0] - slot.starts_at
    early = slot.ends_at - merged[-1][1] if now >= slot.ends_at else timedelta(0)
    return Kept(
        round(on / (run_to - slot.starts_at).total_seconds(), 3),
        int(late.total_seconds() // 60) if late > grace else 0,
        int(early.total_seconds() // 60) if early > grace else 0,
        False,
    )


def coverage(shifts: Iterable[Slot], *, monday: datetime) -> list[int]:
    """Agents rostered in each hour of the week from ``monday`` (local midnight), 168 hours:
    a shift counts for every hour it touches in full."""
    out = [0] * 168
    for s in shifts:
        first = max(0, int((s.starts_at - monday).total_seconds() // 3600))
        last = min(168, int(-(-(s.ends_at - monday).total_seconds() // 3600)))
        for h in range(first, last):
            start = monday + timedelta(hours=h)
            if s.starts_at <= start and s.ends_at >= start + timedelta(hours=1):
                out[h] += 1
    return out


def short_spans(need: Sequence[int], on_roster: Sequence[int], *, first: int = 0) -> list[tuple[int, int, int, int]]:
    """The hours of the week from ``first`` with fewer agents on the roster than needed, as
    runs of hours alike: (first hour, hours, on the roster, needed)."""
    spans: list[tuple[int, int, int, int]] = []
    for h in range(first, len(need)):
        if on_roster[h] >= need[h]:
            continue
        if spans and spans[-1][0] + spans[-1][1] == h and spans[-1][2:] == (on_roster[h], need[h]):
            start, length, on, needed = spans[-1]
            spans[-1] = (start, length + 1, on, needed)
        else:
            spans.append((h, 1, on_roster[h], need[h]))
    return spans


def adherence(*, on_shift: bool, away: bool) -> str | None:
    """Where an agent stands against the roster right now: ``missing`` (due on a shift and
    away from the seat), ``off_shift`` (signed in with no shift: overtime, or a roster not
    kept up), or None when seat and roster agree."""
    if on_shift and away:
        return "missing"
    if not on_shift and not away:
        return "off_shift"
    return None
