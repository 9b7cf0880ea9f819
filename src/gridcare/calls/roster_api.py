"""REST for the agents' roster (话务排班表): the week, filling it from the shift plan,
clearing it, and single shifts by hand."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from gridcare.calls import rostering, rosters, shifts, staffing, today
from gridcare.core.clock import SHANGHAI
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State

router = APIRouter(prefix="/api/v1/calls/roster", tags=["calls"], dependencies=[CsrfChecked])


class WeekIn(BaseModel):
    week: str = Field(default="", max_length=20, description="A day of the week (2026-12-07) or an ISO week (2026-W50); blank: this week")
    company: str | None = Field(default=None, max_length=40)


class ForecastIn(BaseModel):
    """The forecast the roster is held to, as ``GET /calls/staffing`` takes it; left out: the
    company's target."""

    weeks: int | None = Field(default=None, ge=staffing.LIMITS["weeks"][0], le=staffing.LIMITS["weeks"][1])
    target_seconds: int | None = Field(default=None, ge=staffing.LIMITS["target_seconds"][0], le=staffing.LIMITS["target_seconds"][1])
    service_level: int | None = Field(default=None, ge=staffing.LIMITS["service_level"][0], le=staffing.LIMITS["service_level"][1])
    shrinkage: int | None = Field(default=None, ge=staffing.LIMITS["shrinkage"][0], le=staffing.LIMITS["shrinkage"][1])


class GenerateIn(WeekIn, ForecastIn):
    shift_hours: int | None = Field(default=None, ge=shifts.LIMITS["shift_hours"][0], le=shifts.LIMITS["shift_hours"][1])
    starts: str | None = Field(default=None, max_length=100, description="Hours of the day a shift may start at, comma-separated; blank: any; left out: the company's")
    workdays: int | None = Field(default=None, ge=shifts.LIMITS["workdays"][0], le=shifts.LIMITS["workdays"][1])


class ShiftIn(BaseModel):
    user_id: int
    starts_at: datetime = Field(description="ISO 8601; no offset means Asia/Shanghai")
    hours: int = Field(ge=1, le=rostering.LONGEST_SHIFT)


class ShiftChangeIn(BaseModel):
    starts_at: datetime | None = Field(default=None, description="The new start, ISO 8601 (no offset: Asia/Shanghai); left out: as it is")
    ends_at: datetime | None = Field(default=None, description="The new end; left out: as it is")


def _local(at: datetime | None) -> datetime | None:
    return at if at is None or at.tzinfo else at.replace(tzinfo=SHANGHAI)


def _shift(s: rosters.RosterShift) -> dict[str, Any]:
    return {"id": s.id, "starts_at": s.starts_at, "ends_at": s.ends_at, "kept": vars(s.kept)}


def week_out(found: dict[str, Any]) -> dict[str, Any]:
    return {
        "monday": found["monday"], "company": found["company"], "forecast": found["forecast"], "shifts": found["shifts"], "begun": found["begun"], "on_time": found["on_time"],
        "agents": [
            {"user_id": a.user_id, "name": a.name, "login": a.login, "hours": a.hours, "shifts": [_shift(s) for s in a.shifts], "away": [{"starts_at": f, "ends_at": t, "reason": r} for f, t, r in a.away]}
            for a in found["agents"]
        ],
        "hours": [
            {"weekday": h // 24, "hour": h % 24, "needed": n, "on_roster": r, "usually_needed": u, "outage_calls": round(x, 2)}
            for h, (n, r, u, x) in enumerate(zip(found["need"], found["on_roster"], found["usual_need"], found["outage_calls"]["extra"], strict=True))
        ],
        "short": [{"weekday": h // 24, "hour": h % 24} for h in found["short"]],
        "planned_outages": outage_calls_out(found["outage_calls"]),
    }


def outage_calls_out(found: dict[str, Any]) -> dict[str, Any]:
    """The week's planned outages with the calls expected of each, and the rate learned."""
    learned = found["learned"]
    return {
        "learned": {"outages": learned.outages, "customers": learned.customers, "calls": learned.calls, "calls_per_customer": round(learned.rate, 4), "shares": {k: round(v, 3) for k, v in learned.shares.items()}, "assumed": learned.assumed},
        "outages": [
            {"id": o["id"], "number": o["number"], "area": o["area"], "status": o["status"], "starts_at": o["starts_at"], "ends_at": o["until"], "customers": o["customers"],
             "calls_expected": round(o["expected"], 1), "calls_this_week": round(o["in_week"], 1)}
            for o in found["outages"]
        ],
    }


def _monday(state: Any, week: str) -> date:
    return rostering.monday_of(week, today=state.clock.now().astimezone(SHANGHAI).date())


@router.get("")
def get_week(
    session: DbSession, principal: CurrentPrincipal, state: State, week: str = "", company: str | None = None, weeks: int | None = None,
    target_seconds: int | None = None, service_level: int | None = None, shrinkage: int | None = None,
) -> dict[str, Any]:
    """The week's shifts per agent, each past or running shift's ``kept`` (share of it signed
    in, minutes late, minutes left early, absent), and per hour the agents ``needed`` by the
    forecast (asked with ``weeks``, ``target_seconds``, ``service_level``, ``shrinkage``) against
    those ``on_roster``; ``short`` lists the hours with fewer. ``needed`` counts the calls
    the week's planned outages bring (``outage_calls`` an hour, ``planned_outages``) on top of
    the typical week's (``usually_needed``)."""
    forecast = {"weeks": weeks, "target_seconds": target_seconds, "service_level": service_level, "shrinkage": shrinkage}
    return week_out(rosters.week(session, actor=principal, now=state.clock.now(), monday=_monday(state, week), company=company, forecast=forecast))


@router.get("/today")
def get_today(session: DbSession, principal: CurrentPrincipal, state: State, company: str | None = None) -> dict[str, Any]:
    """Today against the forecast (日内话务跟踪): the calls offered since midnight against
    those the forecast expected by now (planned outages' included), their ``ratio`` (null
    until ten calls were expected), and each hour still ahead, the one under way first: the
    calls expected, ``projected`` at today's ratio, the agents that needs, those the forecast
    asked for, and those on the roster; ``short`` lists the hours with fewer on the roster.
    ``cover``: whom to ask to cover them (日内补位), cheapest first: ``seated`` (at the seat
    with no shift), ``stay`` (stay on after their shift), ``early`` (start their shift
    earlier), ``call_in`` (a new shift of at least four hours from an hour they can reach),
    each keeping 11 hours between shifts, 12 at most a shift, and the duty roster's absences;
    ``also``: others to try; ``uncovered``: the agents still short each hour after them. An
    ask goes on the roster with ``POST …/shifts`` (a new shift) or ``PATCH …/shifts/{id}``."""
    now = state.clock.now()
    found = today.today(session, actor=principal, now=now, company=company)
    return today_out(found, today.cover_for(session, actor=principal, now=now, found=found))


def _ask(told: dict[str, Any]) -> dict[str, Any]:
    a = told["ask"]
    return {
        "user_id": a.user_id, "name": told["name"], "login": told["login"], "phone": told["phone"], "kind": a.kind, "shift_id": told["shift_id"],
        "starts_at": a.starts_at, "ends_at": a.ends_at, "covers": [h.astimezone(SHANGHAI).hour for h in a.covers], "added_hours": a.added_hours, "week_hours": a.week_hours,
    }


def today_out(found: dict[str, Any], covering: dict[str, Any]) -> dict[str, Any]:
    t = found["today"]
    return {
        "company": found["company"], "day": found["day"], "offered_so_far": t.offered_so_far, "expected_so_far": round(t.expected_so_far, 1),
        "ratio": None if t.ratio is None else round(t.ratio, 3),
        "hours": [{"hour": h.hour, "expected": round(h.expected, 1), "projected": round(h.projected, 1), "needed": h.needed, "forecast_needed": h.forecast_needed, "on_roster": h.on_roster} for h in t.hours],
        "short": [h.hour for h in t.short],
        "cover": {
            "asks": [_ask(x) for x in covering["asks"]], "also": [_ask(x) for x in covering["also"]],
            "uncovered": [{"hour": at.astimezone(SHANGHAI).hour, "short": n} for at, n in sorted(covering["left"].items())],
        },
    }


@router.post("/generate")
def generate(body: GenerateIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    """Fill the week's gaps: the fewest shifts of ``shift_hours``, starting at ``starts``, that
    bring every hour still ahead up to the forecast's agents (``GET /calls/staffing``'s
    ``rostered``), counting the shifts already on the roster; each goes to an agent under
    ``workdays`` shifts, one a day, 11 hours' rest between. ``unfilled``: shifts nobody could
    take. A second run places nothing."""
    return rosters.generate(
        session, actor=principal, now=state.clock.now(), monday=_monday(state, body.week), company=body.company,
        shift_hours=body.shift_hours, starts=None if body.starts is None else shifts.parse_starts(body.starts), workdays=body.workdays,
        forecast={name: getattr(body, name) for name in staffing.DEFAULTS},
    )


@router.post("/clear")
def clear(body: WeekIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    """Take the week's shifts that have not begun off the roster."""
    return {"removed": rosters.clear_week(session, actor=principal, now=state.clock.now(), monday=_monday(state, body.week), company=body.company)}


@router.post("/shifts", status_code=201)
def add_shift(body: ShiftIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    starts_at = body.starts_at if body.starts_at.tzinfo else body.starts_at.replace(tzinfo=SHANGHAI)
    row = rosters.add_shift(session, actor=principal, now=state.clock.now(), user_id=body.user_id, starts_at=starts_at, hours=body.hours)
    return {"id": row.id, "user_id": row.user_id, "starts_at": row.starts_at, "ends_at": row.ends_at}


@router.patch("/shifts/{shift_id}")
def change_shift(shift_id: int, body: ShiftChangeIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    """Move a shift's start (``starts_at``: come early) or end (``ends_at``: stay on, or go
    home sooner). A begun shift keeps its start; the agent is told."""
    row = rosters.change_shift(session, actor=principal, now=state.clock.now(), shift_id=shift_id, starts_at=_local(body.starts_at), ends_at=_local(body.ends_at))
    return {"id": row.id, "user_id": row.user_id, "starts_at": row.starts_at, "ends_at": row.ends_at}


@router.delete("/shifts/{shift_id}", status_code=204)
def remove_shift(shift_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    rosters.remove_shift(session, actor=principal, now=state.clock.now(), shift_id=shift_id)
    return Response(status_code=204)
