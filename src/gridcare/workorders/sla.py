"""SLA arithmetic for work orders: when each step is due, how much time is left, and how far
up the escalation ladder an overdue order has climbed. Pure: no database, no clock; every
instant comes in as an argument and goes out as UTC.

Policies are data keyed by (utility, category, area class) so a utility can ship its own
commitments; ``DEFAULT_POLICIES`` follows the published 95598 commitments where there are
any and says so next to each figure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Literal

from gridcare.core.workdays import WorkCalendar
from gridcare.workorders.states import Category

Step = Literal["accept", "arrive", "resolve", "callback"]
ClockKind = Literal["calendar", "business"]
FromStep = Literal["created", "accepted", "arrived", "resolved", "paid"]
CountdownState = Literal["ok", "warning", "overdue"]

STEPS: tuple[Step, ...] = ("accept", "arrive", "resolve", "callback")
UTILITIES = ("electric", "water")
AREA_CLASSES = ("urban", "rural", "remote")

# Business-day targets are stored in minutes of business time; a working day is 7 h with the
# default hours (08:30–12:00, 14:00–17:30), so "within N working days" is N × 420 minutes,
# which lands at the same local time N working days later.
BUSINESS_DAY_MINUTES = 420


def business_days(n: float, minutes_per_day: int = BUSINESS_DAY_MINUTES) -> int:
    return round(n * minutes_per_day)


@dataclass(frozen=True)
class Target:
    minutes: int
    clock: ClockKind = "calendar"
    warn_at: float = 0.8  # share of the allowed time after which the order shows a warning
    from_step: FromStep = "created"

    def __post_init__(self) -> None:
        if self.minutes <= 0:
            raise ValueError("a target needs a positive number of minutes")
        if not 0 < self.warn_at <= 1:
            raise ValueError("warn_at is a share of the target: 0 < warn_at ≤ 1")
        if self.clock not in ("calendar", "business"):
            raise ValueError(f"unknown clock {self.clock!r}")

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class SlaPolicy:
    utility: str
    category: str
    area_class: str
    accept: Target | None = None
    arrive: Target | None = None
    resolve: Target | None = None
    callback: Target | None = None

    def targets(self) -> dict[Step, Target]:
        found = {step: getattr(self, step) for step in STEPS}
        return {step: target for step, target in found.items() if target is not None}


@dataclass(frozen=True)
class Deadline:
    step: Step
    due_at: datetime
    warn_at: datetime
    clock: ClockKind
    met_at: datetime | None = None  # the step was done then; its countdown stops there
    paused_since: datetime | None = None  # waiting on the customer now; the countdown is frozen


@dataclass(frozen=True)
class Countdown:
    remaining: timedelta  # negative once overdue
    state: CountdownState


@dataclass(frozen=True)
class Commitments:
    """The figures a grid company publishes; the rest of a policy is our own default."""

    name: str
    arrive_minutes: Mapping[str, int]  # by area class
    restore_minutes: Mapping[str, int]  # after arrival, by area class
    reconnect_minutes: int  # after the arrears are paid


# State Grid's 供电服务"十项承诺" (2019 edition), article 3: repair crews arrive on average
# within 45 min in cities, 90 min in rural areas, 2 h in special remote areas; supply restored
# on average within 3 h (cities) / 4 h (rural) after arrival. No figure for remote areas: we
# use the rural one. The repair figures are published as averages; used as every order's
# deadline they are stricter than promised. Reconnection within 24 h of payment: the 2012
# commitments (article 3), the 95598 service-request rules, and the 2024 供电营业规则
# (24 h after the cause of a cut is removed, down from 3 days).
STATE_GRID = Commitments(
    name="sgcc",
    arrive_minutes={"urban": 45, "rural": 90, "remote": 120},
    restore_minutes={"urban": 180, "rural": 240, "remote": 240},
    reconnect_minutes=24 * 60,
)

# China Southern Grid's service commitments: the same arrival times; restoration on average
# within 4 h (cities) / 5 h (rural) after arrival (remote: rural figure); reconnection within
# 12 h of payment.
SOUTHERN_GRID = Commitments(
    name="csg",
    arrive_minutes={"urban": 45, "rural": 90, "remote": 120},
    restore_minutes={"urban": 240, "rural": 300, "remote": 300},
    reconnect_minutes=12 * 60,
)

# Our own defaults where no commitment is published: a rep acknowledges a repair within
# 5 min (it is an outage) and anything else within 30 min; callbacks (回访) happen within one
# working day of the resolution.
_ACCEPT_REPAIR = Target(5)
_ACCEPT_OTHER = Target(30)
_CALLBACK = Target(business_days(1), "business", from_step="resolved")


def policies_for(
    commitments: Commitments, utilities: Iterable[str] = UTILITIES
) -> dict[tuple[str, str, str], SlaPolicy]:
    """Every (utility, category, area class) policy implied by one set of commitments.

    Water utilities publish no national per-order figures that we know of; they get the same
    numbers until a deployment loads its own."""
    table: dict[tuple[str, str, str], SlaPolicy] = {}
    for utility in utilities:
        for area in AREA_CLASSES:
            for category, targets in _category_targets(commitments, area).items():
                key = (utility, str(category), area)
                table[key] = SlaPolicy(utility, str(category), area, **targets)
    return table


def _category_targets(c: Commitments, area: str) -> dict[str, dict[str, Target | None]]:
    return {
        Category.REPAIR: {
            "accept": _ACCEPT_REPAIR,
            "arrive": Target(c.arrive_minutes[area]),
            "resolve": Target(c.restore_minutes[area], from_step="arrived"),
            "callback": _CALLBACK,
        },
        Category.RECONNECTION: {
            "accept": _ACCEPT_OTHER,
            "resolve": Target(c.reconnect_minutes, from_step="paid"),
            "callback": _CALLBACK,
        },
        # State Grid's article 9 (2019 edition): answer a complaint within 5 working days, first
        # contact within 24 h (not a step of ours). Quoted from memory, not checked against the
        # published text; the 2012 edition said 1 working day to contact, 7 to answer.
        Category.COMPLAINT: {
            "accept": _ACCEPT_OTHER,
            "resolve": Target(business_days(5), "business"),
            "callback": _CALLBACK,
        },
        # Answering a question within one working day is our default.
        Category.CONSULTATION: {
            "accept": _ACCEPT_OTHER,
            "resolve": Target(business_days(1), "business"),
            "callback": _CALLBACK,
        },
        # State Grid's 95598 service-request rules, as quoted in staff training material:
        # "other service requests" within 5 working days (meter checks: 5 days, article 7).
        Category.SERVICE_REQUEST: {
            "accept": _ACCEPT_OTHER,
            "resolve": Target(business_days(5), "business"),
            "callback": _CALLBACK,
        },
        # Our defaults: suggestions are answered within 10 working days, praise passed on
        # to the people praised within 5; neither gets a callback.
        Category.SUGGESTION: {
            "accept": _ACCEPT_OTHER,
            "resolve": Target(business_days(10), "business"),
        },
        Category.PRAISE: {"accept": _ACCEPT_OTHER, "resolve": Target(business_days(5), "business")},
    }


DEFAULT_POLICIES: dict[tuple[str, str, str], SlaPolicy] = policies_for(STATE_GRID)


def policy_for(
    utility: str,
    category: str,
    area_class: str,
    policies: Mapping[tuple[str, str, str], SlaPolicy] = DEFAULT_POLICIES,
) -> SlaPolicy:
    try:
        return policies[(utility, category, area_class)]
    except KeyError:
        raise LookupError(f"no SLA policy for {utility}/{category}/{area_class}") from None


def snapshot(policy: SlaPolicy) -> dict[str, list[object]]:
    """The policy's targets as plain data, kept on an order: the commitment made when the
    order was taken holds even if the policy changes while it is open."""
    return {step: [t.minutes, t.clock, t.from_step, t.warn_at] for step, t in policy.targets().items()}


def from_snapshot(utility: str, category: str, area_class: str, kept: Mapping[str, Sequence[object]]) -> SlaPolicy:
    targets = {
        step: Target(int(v[0]), str(v[1]), warn_at=float(v[3]), from_step=str(v[2]))  # type: ignore[arg-type]
        for step, v in kept.items()
        if step in STEPS
    }
    return SlaPolicy(utility, category, area_class, **targets)  # type: ignore[arg-type]


def with_target(policy: SlaPolicy, step: Step, target: Target | None) -> SlaPolicy:
    """A copy with one step's target changed, e.g. reconnection within 12 h instead of 24 h."""
    return replace(policy, **{step: target})


def deadlines(
    policy: SlaPolicy,
    *,
    created_at: datetime,
    accepted_at: datetime | None = None,
    arrived_at: datetime | None = None,
    resolved_at: datetime | None = None,
    resolution_received_at: datetime | None = None,
    paid_at: datetime | None = None,
    paused: Sequence[tuple[datetime, datetime | None]] = (),
    calendar: WorkCalendar,
) -> dict[Step, Deadline]:
    """Due and warning instants of every step whose starting event has happened.

    A resolution the handler's phone sent later (``resolution_received_at``) is met when it
    was made, but the steps after it count from when it reached us: nobody could call the
    customer back before.

    Time spent waiting on the customer between a step's start and its completion pushes that
    step's deadline (by the paused business time, for business-clock targets). A pause still
    open is left out of ``due_at`` and reported as ``paused_since``: ``countdown`` freezes
    there, and once the pause is closed the deadline moves by its length."""
    anchors = {
        "created": created_at,
        "accepted": accepted_at,
        "arrived": arrived_at,
        "resolved": max(_utc(resolved_at), _utc(resolution_received_at)) if resolved_at and resolution_received_at else resolved_at,
        "paid": paid_at,
    }
    met = {"accept": accepted_at, "arrive": arrived_at, "resolve": resolved_at, "callback": None}
    result: dict[Step, Deadline] = {}
    for step, target in policy.targets().items():
        anchor = anchors[target.from_step]
        if anchor is None:
            continue
        start, done = _utc(anchor), _opt_utc(met[step])
        closed, open_since = _clip_pauses(paused, start, done)
        if target.clock == "business":
            held = sum((calendar.business_time_between(a, b) for a, b in closed), timedelta(0))
            due = calendar.add_business_time(start, target.duration + held)
            warn = calendar.add_business_time(due, -(1 - target.warn_at) * target.duration)
        else:
            held = sum((b - a for a, b in closed), timedelta(0))
            due = start + target.duration + held
            warn = due - (1 - target.warn_at) * target.duration
        result[step] = Deadline(step, due, warn, target.clock, met_at=done, paused_since=open_since)
    return result


def _clip_pauses(
    paused: Sequence[tuple[datetime, datetime | None]], start: datetime, done: datetime | None
) -> tuple[list[tuple[datetime, datetime]], datetime | None]:
    """The parts of each pause inside [start, done), and when a still-open one began."""
    closed: list[tuple[datetime, datetime]] = []
    open_since: datetime | None = None
    for raw_from, raw_to in paused:
        begin = max(_utc(raw_from), start)
        if done is not None and begin >= done:
            continue
        if raw_to is None:
            if done is None:
                open_since = begin if open_since is None else min(open_since, begin)
                continue
            end = done
        else:
            end = _utc(raw_to) if done is None else min(_utc(raw_to), done)
        if end > begin:
            closed.append((begin, end))
    return closed, open_since


def countdown(deadline: Deadline, now: datetime) -> Countdown:
    """Time left and colour at ``now``; a met or paused step is judged at the stopping instant."""
    at = _utc(now)
    for stop in (deadline.met_at, deadline.paused_since):
        if stop is not None:
            at = min(at, stop)
    remaining = deadline.due_at - at
    if at > deadline.due_at:
        return Countdown(remaining, "overdue")
    if at >= deadline.warn_at:
        return Countdown(remaining, "warning")
    return Countdown(remaining, "ok")


def escalation_level(due_at: datetime, now: datetime, ladder: Sequence[timedelta]) -> int:
    """How many rungs are reached: rung n (1-based) when now ≥ due_at + ladder[n-1].

    A typical ladder ``[0, 2 h, 8 h, 24 h]`` reaches the team lead at the deadline, then the
    command center, then the manager; 0 means nobody above the rep has been called in."""
    _check_ladder(ladder)
    at = _utc(now)
    return sum(1 for offset in ladder if at >= _utc(due_at) + offset)


def deserved_level(found: Iterable[Deadline], now: datetime, ladder: Sequence[timedelta]) -> int:
    """The rung an order's deadlines call for as now known: a step done, as late as it was
    done; one waiting on the customer, as late as when the wait began; one still open, as late
    as it is now. Below the order's rung when a step the phone kept turned out done in time."""
    return max((escalation_level(d.due_at, d.met_at or d.paused_since or now, ladder) for d in found), default=0)


def next_escalation_at(
    due_at: datetime, now: datetime, ladder: Sequence[timedelta]
) -> datetime | None:
    """When the next rung is reached, for a worker to store in an indexed column; None at the top."""
    level = escalation_level(due_at, now, ladder)
    return _utc(due_at) + ladder[level] if level < len(ladder) else None


def next_check_at(
    deadline: Deadline, now: datetime, ladder: Sequence[timedelta]
) -> datetime | None:
    """The next instant this deadline changes colour or climbs a rung; None when it never will
    again (met, paused, or at the top of the ladder)."""
    if deadline.met_at is not None or deadline.paused_since is not None:
        return None
    at = _utc(now)
    if at < deadline.warn_at:
        return deadline.warn_at
    rung = next_escalation_at(deadline.due_at, at, ladder)
    if at < deadline.due_at:
        return deadline.due_at if rung is None else min(deadline.due_at, rung)
    return rung


def _check_ladder(ladder: Sequence[timedelta]) -> None:
    if any(b < a for a, b in pairwise(ladder)):
        raise ValueError("an escalation ladder's offsets must not decrease")


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("SLA arithmetic needs aware datetimes")
    return value.astimezone(UTC)


def _opt_utc(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)
