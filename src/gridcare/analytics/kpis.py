"""KPI definitions as data, and their computation over plain rows. Pure: no database, no
clock. The rollup (``rollup.py``) stores exactly the ``Totals`` of ``fold`` per day and key,
so a figure read from the rollup equals one computed here from the raw orders."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from gridcare.core.i18n import N_

REPEAT_WINDOW = timedelta(days=30)
SATISFIED_FROM = 4  # callback satisfaction 4 or 5 of 5 counts as satisfied
OPEN_STATUSES = frozenset({"unassigned", "dispatched", "accepted", "arrived", "waiting_customer"})


@dataclass(frozen=True)
class KpiDef:
    key: str
    label: str  # English msgid
    definition: str  # English msgid: shown under the figure, exactly how it is computed
    unit: str  # count | pct | minutes | hours | score | per10k | seconds
    better: str | None  # higher | lower | None
    source: str  # orders | durations | calls | qa | field | contractors


KPIS: tuple[KpiDef, ...] = (
    KpiDef("orders", N_("Work orders"), N_("Orders created in the period (by local day of creation), every category and channel."), "count", None, "orders"),
    KpiDef("accept_minutes", N_("Mean time to accept"), N_("From creation to the handler's acceptance, calendar minutes, over orders created in the period and accepted; orders answered at intake are left out."), "minutes", "lower", "orders"),
    KpiDef("arrive_minutes", N_("Mean time to arrive"), N_("From creation to arrival on site, calendar minutes, over orders created in the period with an arrival."), "minutes", "lower", "orders"),
    KpiDef("resolve_hours", N_("Mean time to resolve"), N_("From creation to the (last) resolution, calendar hours, over orders created in the period and resolved; a reopened order counts to its final resolution; orders answered at intake are left out."), "hours", "lower", "orders"),
    KpiDef("sla_compliance", N_("SLA compliance"), N_("Share of resolved orders whose every step with a deadline (accept, arrive, resolve) was done by its deadline. Deadlines are the stored ones, so holidays and business hours count as the SLA policy says; imported history without stored deadlines counts on time when it was never escalated. Orders answered at intake are left out."), "pct", "higher", "orders"),
    KpiDef("escalation_rate", N_("Escalation rate"), N_("Share of dispatched orders (not answered at intake) escalated at least once (督办/升级) because a deadline passed."), "pct", "lower", "orders"),
    KpiDef("repeat_rate", N_("Repeat-call rate"), N_("Share of orders whose customer had another order of the same category in the 30 days before."), "pct", "lower", "orders"),
    KpiDef("complaints_per_10k", N_("Complaints per 10,000 customers"), N_("Complaint orders created in the period per 10,000 customers in scope (customers counted now)."), "per10k", "lower", "orders"),
    KpiDef("satisfaction", N_("Callback satisfaction"), N_("Mean callback score (1–5) of orders created in the period that were called back; an order answered at intake counts the caller's rating in the survey after the call."), "score", "higher", "orders"),
    KpiDef("satisfied_rate", N_("Satisfied share"), N_("Share of called-back orders scored 4 or 5."), "pct", "higher", "orders"),
    KpiDef("first_contact_rate", N_("First-contact resolution"), N_("Share of resolved orders never reopened and not a repeat call; orders answered at intake are left out (they have their own figure)."), "pct", "higher", "orders"),
    KpiDef("reopen_rate", N_("Reopen rate"), N_("Share of resolved orders reopened at least once (low callback score or complaint); orders answered at intake are left out."), "pct", "lower", "orders"),
    KpiDef("merged_share", N_("Merged-call share"), N_("Share of orders merged into another (same fault, same demand)."), "pct", None, "orders"),
    KpiDef("answered_rate", N_("Answered at intake"), N_("Share of orders answered as they were taken (当场解答: a question, suggestion or praise) and closed with nobody dispatched."), "pct", None, "orders"),
    KpiDef("open_now", N_("Still open"), N_("Orders created in the period that are still open now."), "count", "lower", "orders"),
    KpiDef("expert_share", N_("Expert-seat use"), N_("Share of orders created in the period on which the handler asked the expert seats a question."), "pct", None, "durations"),
    KpiDef("calls_offered", N_("Call volume"), N_("Inbound calls ended in the period (answered or abandoned), hotline and local repair lines."), "count", None, "calls"),
    KpiDef("answer_rate", N_("Answer rate"), N_("Answered calls ÷ offered calls."), "pct", "higher", "calls"),
    KpiDef("aht_seconds", N_("Average handling time"), N_("Mean talk time of answered calls, seconds."), "seconds", "lower", "calls"),
    KpiDef("qa_average", N_("QA score"), N_("Mean QA (质检) score of calls scored in the period, as a share of the checklist's maximum."), "pct", "higher", "qa"),
    KpiDef("patrol_completion", N_("Patrol completion"), N_("Patrol tasks due in the period and done ÷ patrol tasks due in the period (from field work)."), "pct", "higher", "field"),
    KpiDef("visit_completion", N_("Key-customer visit completion"), N_("Visits made for a due date in the period ÷ those plus active visit plans due in the period and not yet visited (from field work)."), "pct", "higher", "field"),
    KpiDef("contractor_score", N_("Contractor score"), N_("Mean scorecard score (spot checks, customer feedback, timeliness, the rep's rating) of the contractor projects completed in the period."), "score", "higher", "contractors"),
)
BY_KEY = {k.key: k for k in KPIS}
# Measures a choropleth can show per grid: the ones the rollup holds per grid.
MAP_KPIS = tuple(k.key for k in KPIS if k.source == "orders")

DURATION_STEPS = {
    "accept": N_("Time to accept (minutes)"),
    "arrive": N_("Time to arrive (minutes)"),
    "resolve": N_("Time to resolve (hours)"),
}
STEP_UNIT_SECONDS = {"accept": 60, "arrive": 60, "resolve": 3600}


@dataclass(frozen=True)
class OrderRow:
    """The columns of a work order the KPIs read."""

    id: int
    category: str
    channel: str
    status: str
    created_at: datetime
    customer_id: int | None = None
    accepted_at: datetime | None = None
    arrived_at: datetime | None = None
    resolved_at: datetime | None = None
    accept_due: datetime | None = None
    arrive_due: datetime | None = None
    resolve_due: datetime | None = None
    escalation_level: int = 0
    reopen_count: int = 0
    satisfaction: int | None = None
    parent_id: int | None = None
    answered: bool = False  # answered and closed as it was taken (当场解答)


@dataclass
class Totals:
    """Additive sums of orders: the rollup's columns."""

    orders: int = 0
    accepted: int = 0
    accept_seconds: float = 0.0
    arrived: int = 0
    arrive_seconds: float = 0.0
    resolved: int = 0
    resolve_seconds: float = 0.0
    sla_met: int = 0
    escalated: int = 0
    reopened: int = 0
    merged: int = 0
    repeats: int = 0
    first_contact: int = 0
    rated: int = 0
    satisfaction_sum: int = 0
    satisfied: int = 0
    open_now: int = 0
    answered: int = 0

    def add(self, other: Totals) -> Totals:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


TOTAL_FIELDS = tuple(f.name for f in fields(Totals))


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds()


def on_time(o: OrderRow) -> bool:
    """Every step with a stored deadline done by it; without any deadline (imported
    history), never escalated."""
    steps = [(o.accepted_at, o.accept_due), (o.arrived_at, o.arrive_due), (o.resolved_at, o.resolve_due)]
    judged = [(done, due) for done, due in steps if due is not None]
    if not judged:
        return o.escalation_level == 0
    return all(done is not None and done <= due for done, due in judged)


def repeat_ids(rows: Iterable[OrderRow], window: timedelta = REPEAT_WINDOW) -> set[int]:
    """Orders whose customer had an earlier order of the same category within ``window``.
    ``rows`` must include the orders of the window before the period being measured."""
    last: dict[tuple[int, str], list[datetime]] = {}
    out: set[int] = set()
    for o in sorted(rows, key=lambda r: (r.created_at, r.id)):
        if o.customer_id is None:
            continue
        seen = last.setdefault((o.customer_id, o.category), [])
        if any(o.created_at - window <= t < o.created_at for t in seen):
            out.add(o.id)
        seen.append(o.created_at)
    return out


def order_totals(o: OrderRow, *, repeat: bool) -> Totals:
    """One order's sums. An order answered at intake is the command center's work, counted
    by ``answered``: it is accepted and resolved the instant it is taken, and in the
    handling figures (times, SLA, first contact, reopening) it would pass for a rep's
    instant fix and hide how long dispatched demands take."""
    t = Totals(orders=1)
    t.repeats = int(repeat)
    t.merged = int(o.parent_id is not None)
    if o.satisfaction is not None:
        t.rated, t.satisfaction_sum, t.satisfied = 1, o.satisfaction, int(o.satisfaction >= SATISFIED_FROM)
    t.open_now = int(o.status in OPEN_STATUSES)
    if o.answered:
        t.answered = 1
        return t
    if (s := _seconds(o.created_at, o.accepted_at)) is not None:
        t.accepted, t.accept_seconds = 1, s
    if (s := _seconds(o.created_at, o.arrived_at)) is not None:
        t.arrived, t.arrive_seconds = 1, s
    if (s := _seconds(o.created_at, o.resolved_at)) is not None:
        t.resolved, t.resolve_seconds = 1, s
        t.sla_met = int(on_time(o))
        t.first_contact = int(o.reopen_count == 0 and not repeat)
    t.escalated = int(o.escalation_level > 0)
    t.reopened = int(o.reopen_count > 0)
    return t


def fold(rows: Iterable[OrderRow], repeats: set[int]) -> Totals:
    total = Totals()
    for o in rows:
        total.add(order_totals(o, repeat=o.id in repeats))
    return total


def ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def figures(t: Totals, *, complaints: int | None = None, customers: int | None = None) -> dict[str, float | None]:
    """The order KPIs of a set of totals (see ``KPIS`` for the definitions)."""
    out: dict[str, float | None] = {
        "orders": t.orders,
        "accept_minutes": None if not t.accepted else t.accept_seconds / t.accepted / 60,
        "arrive_minutes": None if not t.arrived else t.arrive_seconds / t.arrived / 60,
        "resolve_hours": None if not t.resolved else t.resolve_seconds / t.resolved / 3600,
        "sla_compliance": ratio(t.sla_met, t.resolved),
        "escalation_rate": ratio(t.escalated, t.orders - t.answered),
        "repeat_rate": ratio(t.repeats, t.orders),
        "satisfaction": ratio(t.satisfaction_sum, t.rated),
        "satisfied_rate": ratio(t.satisfied, t.rated),
        "first_contact_rate": ratio(t.first_contact, t.resolved),
        "reopen_rate": ratio(t.reopened, t.resolved),
        "merged_share": ratio(t.merged, t.orders),
        "open_now": t.open_now,
        "answered_rate": ratio(t.answered, t.orders),
        "complaints_per_10k": None,
    }
    if complaints is not None and customers:
        out["complaints_per_10k"] = complaints * 10_000 / customers
    return out


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0–100) with linear interpolation between closest ranks (the
    method numpy and spreadsheets use by default)."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError("q is a percentage, 0 to 100")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summary(values: Sequence[float]) -> dict[str, float | None]:
    """n, mean, median and p90 of durations."""
    return {
        "n": len(values),
        "mean": sum(values) / len(values) if values else None,
        "median": percentile(values, 50),
        "p90": percentile(values, 90),
    }


def durations(rows: Iterable[OrderRow]) -> dict[str, dict[str, list[float]]]:
    """Per step, per category: the durations in the step's unit (minutes or hours)."""
    out: dict[str, dict[str, list[float]]] = {step: {} for step in DURATION_STEPS}
    for o in rows:
        if o.answered:  # no handling to time (see ``order_totals``)
            continue
        for step, done in (("accept", o.accepted_at), ("arrive", o.arrived_at), ("resolve", o.resolved_at)):
            if done is not None:
                out[step].setdefault(o.category, []).append((done - o.created_at).total_seconds() / STEP_UNIT_SECONDS[step])
    return out


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "pct":
        return f"{value * 100:.1f}%"
    if unit in ("count",):
        return f"{int(value):,}"
    if unit in ("minutes", "hours", "seconds", "per10k"):
        return f"{value:.1f}"
    return f"{value:.2f}"
