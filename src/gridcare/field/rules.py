"""Pure rules of field work: which RRULEs a patrol plan may follow and when patrols fall due
(with Chinese holidays), whether a check-in is near enough to its asset, when visits are due
and overdue, and the shipped defaults (checklists, distances, findings, visit rhythms). No
database, no clock: dates, calendars and positions come in as arguments."""

from __future__ import annotations

import calendar
import functools
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import MAXYEAR, date, datetime, time, timedelta
from enum import StrEnum

from dateutil import parser
from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rrulestr

from gridcare.core.i18n import N_, T_

EARTH_RADIUS_M = 6_371_008.8
HOLIDAY_RULES = ("keep", "skip", "next_workday")
FAR_POLICIES = ("flag", "reject")
MAX_OCCURRENCES = 1000  # one plan never floods a window, whatever its rule says
PATROL_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")  # a patrol is never more often than daily
MAX_INTERVAL = 366  # every 366 days is a yearly patrol; weeks and months that far apart fail the horizon below
MAX_RULE_CHARS = 200  # the width of the plan's column
HORIZON_DAYS = 400  # a saved rule falls due within this: a year, with room for a yearly plan starting next year
STARTS_ON_BACK = relativedelta(years=5)  # backdating a new plan only carries over the rhythm of one kept on paper
STARTS_ON_AHEAD = timedelta(days=366)  # nobody plans patrols further ahead
OLDEST_YEARS = 100  # a stored plan's dates are walked from its first day: centuries back is a typo (0202 for 2026)


class RuleProblem(ValueError):
    """A plan's rule that cannot be used; the message names what is wrong."""


# --- when patrols fall due ---------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    due_on: date  # the day the patrol is to be done
    planned_on: date  # the rule's own date (differs when a holiday moved it)


_UTC_UNTIL = re.compile(r"(^|;)UNTIL=[^;]*Z($|;)", re.IGNORECASE)


def _body(text: str) -> str:
    body = text.strip()
    return body[6:] if body[:6].upper() == "RRULE:" else body  # as dateutil reads names: any case


def parse_rrule(text: str, starts_on: date) -> rrule:
    """The dateutil rule for ``text`` (``FREQ=WEEKLY;BYDAY=MO``; a leading ``RRULE:`` is fine)."""
    body = _body(text)
    if not body:
        raise RuleProblem(T_("must not be empty, e.g. FREQ=WEEKLY;BYDAY=MO"))
    if _UTC_UNTIL.search(body):  # calendars write UNTIL in UTC; dateutil's refusal says it obscurely
        raise RuleProblem(_part("UNTIL", T_("must be a local date such as 20271231, without Z: patrol days have no time zone")))
    try:
        parsed = rrulestr(f"RRULE:{body}", dtstart=datetime.combine(starts_on, time.min))
    except (ValueError, TypeError) as exc:
        raise RuleProblem(T_("not an RFC 5545 recurrence rule (%(error)s)", error=str(exc))) from None
    # dateutil reads more lines as a rule set, and a DTSTART line as the first day instead of starts_on.
    if not isinstance(parsed, rrule) or any(c.isspace() or c == ":" for c in body):
        raise RuleProblem(T_("must be a single recurrence rule such as FREQ=WEEKLY;BYDAY=MO, without DTSTART or other lines"))
    return parsed


def _rule_parts(text: str) -> dict[str, str]:
    """The ``KEY=VALUE`` parts of a rule ``parse_rrule`` accepted, read from its text because
    dateutil keeps them only in private attributes. Read as dateutil reads them: the whole
    rule upper-cased (``freq=daily`` is FREQ=DAILY), a key given twice keeping its last value."""
    pairs = (pair.partition("=") for pair in _body(text).upper().split(";"))
    return {key: value for key, _, value in pairs}


def _part(name: str, reason: str) -> str:
    return T_("%(field)s: %(reason)s", field=name, reason=reason)


def _shape_problem(parts: dict[str, str]) -> str | None:
    """Why a rule (its ``_rule_parts``) cannot be a patrol's whatever its dates: more often
    than daily, an interval that is a typo (or 0, which dateutil repeats forever), times of
    day (a day can hold 86,400 of them), or dateutil's own BYEASTER, which the calendar check
    cannot follow."""
    if parts["FREQ"] not in PATROL_FREQUENCIES:
        return _part("FREQ", T_("must be one of %(choices)s", choices=", ".join(PATROL_FREQUENCIES)))
    if not 1 <= int(parts.get("INTERVAL", "1")) <= MAX_INTERVAL:
        return _part("INTERVAL", T_("must be between %(low)s and %(high)s", low=1, high=MAX_INTERVAL))
    for name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        if name in parts:
            return _part(name, T_("patrols fall on days: leave out the time of day"))
    if "BYEASTER" in parts:
        return _part("BYEASTER", T_("not part of RFC 5545"))
    return None


def usable_rule(text: str, starts_on: date) -> rrule:
    """The parsed rule, if a patrol plan may follow it (see ``_shape_problem``)."""
    parsed = parse_rrule(text, starts_on)
    problem = _shape_problem(_rule_parts(text))
    if problem:
        raise RuleProblem(problem)
    return parsed


def _same_calendar(year: int, other: int) -> bool:
    return calendar.isleap(year) == calendar.isleap(other) and date(year, 1, 1).weekday() == date(other, 1, 1).weekday()


@functools.lru_cache(maxsize=256)
def _years_to_the_end(first: int, last: int) -> int:
    """How many years to move the years ``first`` to ``last`` (and one each side, which
    week numbers look at) so that they end as late as the calendar allows, each date on
    the same weekday. Why: dateutil gives up on a rule that stops matching only when it
    reaches year 9999, whatever UNTIL says (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30 walks eight
    thousand years). Moved there, the walk past the window is at most a few decades, as
    the calendar repeats every 28 years within a century and every 400 years always."""
    years = range(max(1, first - 1), last + 2)
    for shift in range(MAXYEAR - years[-1], 0, -1):
        if all(_same_calendar(y, y + shift) for y in years):
            return shift
    return 0


def _moved(instant: datetime, years: int) -> datetime:
    return instant.replace(year=instant.year + years)  # a 29 February stays one: the years have the same calendar


def planned_dates(rule: str, *, starts_on: date, first: date, last: date) -> list[date]:
    """The rule's dates from ``first`` to ``last`` (both included), at most MAX_OCCURRENCES,
    in a walk that stays short whatever the rule says, even one saved before rules were
    checked: the rule is followed in the same dates moved towards year 9999."""
    parsed = usable_rule(rule, starts_on)
    if first.year - starts_on.year > OLDEST_YEARS:
        raise RuleProblem(_part("starts_on", T_("must be after %(other)s", other=str(first.year - OLDEST_YEARS))))
    start, end = datetime.combine(starts_on, time.min), datetime.combine(last, time.max)
    # The rule's own UNTIL, a date like any other. dateutil's parser reads it in many forms
    # (20270101, 2027-01-01, 20270101T120000, a year alone taking today's month and day):
    # the same call gives the same instant as the rule holds.
    given_until = _rule_parts(rule).get("UNTIL")
    until = None if given_until is None else parser.parse(given_until)
    if until is not None:
        end = min(end, until)
    if end < start:
        return []
    shift = _years_to_the_end(starts_on.year, last.year)
    moved_end = _moved(end, shift)
    moved = parsed.replace(dtstart=_moved(start, shift), until=moved_end if until is not None else None)
    found = moved.xafter(_moved(datetime.combine(first, time.min), shift), count=MAX_OCCURRENCES, inc=True)
    return [_moved(instant, -shift).date() for instant in itertools.takewhile(lambda i: i <= moved_end, found)]


def occurrences(rule: str, *, starts_on: date, window: tuple[date, date], holidays: str, is_workday: Callable[[date], bool]) -> list[Occurrence]:
    """The patrols due in ``window`` (both ends included). A date on a day off is kept,
    skipped, or moved to the next working day; two dates moved onto one day make one patrol."""
    if holidays not in HOLIDAY_RULES:
        raise RuleProblem(T_("holidays must be one of %(choices)s", choices=", ".join(HOLIDAY_RULES)))
    first, last = window
    # A date moved forward by a holiday may come from before the window: look back a little.
    look_back = first - timedelta(days=15) if holidays == "next_workday" else first
    found: dict[date, Occurrence] = {}
    for planned in planned_dates(rule, starts_on=starts_on, first=look_back, last=last):
        due = planned
        if not is_workday(planned):
            if holidays == "skip":
                continue
            if holidays == "next_workday":
                due = next_workday(planned, is_workday)
        if first <= due <= last and due not in found:
            found[due] = Occurrence(due_on=due, planned_on=planned)
    return [found[d] for d in sorted(found)]


def starts_on_problem(starts_on: date, today: date) -> str | None:
    """Why a newly given first day of a plan is refused on ``today``, or None."""
    low, high = today - STARTS_ON_BACK, today + STARTS_ON_AHEAD
    if low <= starts_on <= high:
        return None
    return T_("must be between %(low)s and %(high)s", low=low.isoformat(), high=high.isoformat())


def rule_problem(text: str, *, starts_on: date, today: date) -> str | None:
    """Why ``text`` cannot be saved as the rule of a plan starting on ``starts_on``, checked
    on ``today``, or None. A rule must fall due within HORIZON_DAYS: one that never does
    (30 February) is a mistake its author should hear about now, not a plan that never
    makes a task. A first day that alone keeps it from there (centuries back, or after the
    horizon) is starts_on's problem, said there."""
    if len(text.strip()) > MAX_RULE_CHARS:
        return T_("must be at most %(n)s characters", n=MAX_RULE_CHARS)
    last = today + timedelta(days=HORIZON_DAYS)
    try:
        usable_rule(text, starts_on)
        if today.year - starts_on.year <= OLDEST_YEARS and starts_on <= last and not planned_dates(text, starts_on=starts_on, first=today, last=last):
            return T_("gives no date within the next %(days)s days", days=HORIZON_DAYS)
    except RuleProblem as exc:
        return exc.args[0]
    return None


def next_workday(day: date, is_workday: Callable[[date], bool]) -> date:
    for _ in range(60):  # the longest Chinese holiday is eight days
        day += timedelta(days=1)
        if is_workday(day):
            return day
    raise RuleProblem(T_("no working day within 60 days: the holiday calendar is wrong"))


class TaskState(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"  # the due day passed without the patrol done
    MISSED = "missed"  # the grace days passed too


def task_state(due_on: date, today: date, grace_days: int) -> TaskState:
    """Where an unfinished patrol stands on ``today`` (local dates)."""
    if today <= due_on:
        return TaskState.ON_TIME
    if today <= due_on + timedelta(days=grace_days):
        return TaskState.LATE
    return TaskState.MISSED


# --- check-in distance --------------------------------------------------------------------


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two WGS84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


class CheckIn(StrEnum):
    NEAR = "near"
    FLAGGED = "flagged"  # accepted, but the supervisor sees it was far from the asset
    REJECTED = "rejected"
    NO_POSITION = "no_position"


def check_in_verdict(*, asset: tuple[float, float] | None, position: tuple[float, float] | None, max_distance_m: float, far_policy: str) -> tuple[CheckIn, float | None]:
    """Whether a check-in at ``position`` counts for an asset at ``asset`` (lon, lat)."""
    if far_policy not in FAR_POLICIES:
        raise RuleProblem(T_("far_policy must be one of %(choices)s", choices=", ".join(FAR_POLICIES)))
    if position is None:
        return (CheckIn.REJECTED if far_policy == "reject" else CheckIn.NO_POSITION), None
    if asset is None:
        return CheckIn.NEAR, None  # nothing to measure against: a place-less stop
    distance = haversine_m(asset[0], asset[1], position[0], position[1])
    if distance <= max_distance_m:
        return CheckIn.NEAR, distance
    return (CheckIn.REJECTED if far_policy == "reject" else CheckIn.FLAGGED), distance


# Shipped distances per asset kind: a hydrant is a point on a pavement; a line is long and
# its recorded point is a pole or the feeder's head.
DEFAULT_DISTANCE_M: dict[str, int] = {"hydrant": 50, "valve": 50, "pipe": 150, "line": 300, "transformer": 80, "place": 150}


def distance_for(kind: str, *, plan_default: int, overrides: dict[str, int]) -> int:
    if kind in overrides:
        return int(overrides[kind])
    return int(plan_default or DEFAULT_DISTANCE_M.get(kind, 100))


# --- what is checked, and what is found ---------------------------------------------------

ASSET_KIND_ALIASES = {"feeder": "line"}  # the network calls a line a feeder
PATROL_KINDS = ("hydrant", "valve", "pipe", "line", "transformer")


def patrol_kind(asset_kind: str) -> str:
    return ASSET_KIND_ALIASES.get(asset_kind, asset_kind)


DEFAULT_CHECKLISTS: dict[str, tuple[str, ...]] = {
    "hydrant": (N_("Hydrant visible and not buried"), N_("Nothing parked or built around it"), N_("Cap and outlet intact"), N_("No leak")),
    "valve": (N_("Valve cover visible, not paved over"), N_("Cover intact and flush"), N_("No water in the chamber")),
    "pipe": (N_("No leak or wet ground along the route"), N_("No construction near the pipe"), N_("Markers and signs in place")),
    "line": (N_("Clearance to trees and buildings"), N_("Poles upright, stays tight"), N_("No foreign objects on conductors")),
    "transformer": (N_("No unusual noise or smell"), N_("No oil leak"), N_("Enclosure locked, signs in place"), N_("Ground clear of vegetation")),
    "place": (N_("Works fenced and signed"), N_("No excavation near pipes or lines"), N_("Contractor informed of buried assets")),
}


@dataclass(frozen=True)
class FindingKind:
    code: str
    label: str
    utility: str
    category: str  # the work-order category it becomes
    department_hint: str  # what the default department's code ends with


FINDINGS: dict[str, FindingKind] = {
    f.code: f
    for f in (
        FindingKind("hydrant_blocked", N_("Hydrant buried or blocked"), "water", "repair", "NET"),
        FindingKind("valve_covered", N_("Valve covered"), "water", "repair", "NET"),
        FindingKind("illegal_connection", N_("Illegal connection"), "water", "service_request", "NET"),
        FindingKind("construction_near_pipe", N_("Construction near a pipe"), "water", "repair", "NET"),
        FindingKind("leak", N_("Leak"), "water", "repair", "NET"),
        FindingKind("line_clearance", N_("Line clearance"), "electric", "repair", "OPS"),
        FindingKind("transformer_defect", N_("Transformer defect"), "electric", "repair", "OPS"),
        FindingKind("illegal_tapping", N_("Illegal tapping of power"), "electric", "service_request", "MKT"),
    )
}


def findings_for(utility: str) -> list[FindingKind]:
    return [f for f in FINDINGS.values() if f.utility == utility]


# --- visits -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rhythm:
    every_months: int
    unannounced: bool = False


DEFAULT_VISIT_RULES: dict[str, Rhythm] = {
    "major": Rhythm(1),
    "protected": Rhythm(3),
    "supervised": Rhythm(1, unannounced=True),
    "stakeholder:property_management": Rhythm(3),
    "stakeholder:residents_committee": Rhythm(3),
    "stakeholder:village_head": Rhythm(3),
}
STAKEHOLDER_KINDS = ("property_management", "residents_committee", "village_head")
STAKEHOLDER_LABELS = {"property_management": N_("Property-management company"), "residents_committee": N_("Residents' committee"), "village_head": N_("Village head")}


def rhythm_for_tags(tags: set[str], rules: dict[str, Rhythm]) -> tuple[str, Rhythm] | None:
    """The most frequent rhythm among a customer's tags (unannounced wins a tie), or None."""
    found = [(subject, r) for subject, r in rules.items() if subject in tags]
    if not found:
        return None
    return min(found, key=lambda pair: (pair[1].every_months, not pair[1].unannounced, pair[0]))


def next_due(after: date, every_months: int) -> date:
    if every_months < 1:
        raise RuleProblem(T_("every_months must be at least 1"))
    return after + relativedelta(months=every_months)


class VisitState(StrEnum):
    UPCOMING = "upcoming"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


def visit_state(due: date, today: date, *, soon_days: int = 7) -> VisitState:
    if today > due:
        return VisitState.OVERDUE
    if (due - today).days <= soon_days:
        return VisitState.DUE_SOON
    return VisitState.UPCOMING


def days_overdue(due: date, today: date) -> int:
    return max(0, (today - due).days)


# --- data collection ----------------------------------------------------------------------

CHANGE_KINDS = ("new_resident", "shop_transfer", "new_building", "road_works")
CHANGE_LABELS = {"new_resident": N_("New resident"), "shop_transfer": N_("Shop transfer"), "new_building": N_("New building"), "road_works": N_("Road works")}
# Fields each kind must carry (besides a location or a customer/asset).
CHANGE_FIELDS: dict[str, tuple[str, ...]] = {
    "new_resident": ("account", "name", "phone", "address"),
    "shop_transfer": ("name",),
    "new_building": ("name",),
    "road_works": ("description",),
}
ROAD_WORKS_REACH_M = 100.0  # road works this close to a pipe node or a line asset get a watch


def change_problems(kind: str, payload: dict[str, str], *, has_customer: bool, has_asset: bool, has_position: bool) -> list[tuple[str, str]]:
    """What is missing from a submitted change, as (field, reason) pairs."""
    if kind not in CHANGE_KINDS:
        return [("kind", T_("must be one of %(choices)s", choices=", ".join(CHANGE_KINDS)))]
    problems = [(f"payload.{name}", T_("is required")) for name in CHANGE_FIELDS[kind] if not str(payload.get(name, "")).strip()]
    if kind == "shop_transfer" and not has_customer:
        problems.append(("customer_id", T_("say which customer's shop changed hands")))
    if kind == "new_building" and not has_asset:
        problems.append(("asset_code", T_("say which supply point (transformer or service node) feeds the building")))
    if kind in ("road_works", "new_resident") and not has_position:
        problems.append(("lon", T_("give the place (lon and lat)")))
    return problems


def near(position: tuple[float, float], points: list[tuple[str, float, float]], reach_m: float) -> list[str]:
    """Codes of the points within ``reach_m`` of ``position``, nearest first."""
    measured = sorted((haversine_m(position[0], position[1], lon, lat), code) for code, lon, lat in points)
    return [code for d, code in measured if d <= reach_m]


def may_still_check_in(*, status: str, due_on: date, grace_days: int, made_on: date) -> bool:
    """A patrol marked missed still takes a check-in made (on the phone) before it was missed:
    the rep was there, the signal was not."""
    return status != "missed" or task_state(due_on, made_on, grace_days) is not TaskState.MISSED
