"""REST for the agents' month (座席考评)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from gridcare.calls import appraisal, appraisals
from gridcare.web.deps import CurrentPrincipal, DbSession, State

router = APIRouter(prefix="/api/v1/calls", tags=["calls"])


def _r(x: float | None, n: int) -> float | None:
    return None if x is None else round(x, n)


def agent_out(a: appraisal.AgentMonth) -> dict[str, Any]:
    return {
        "user_id": a.user_id, "name": a.name, "login": a.login, "answered": a.answered, "aht_seconds": _r(a.aht, 1), "rated": a.rated, "rating": _r(a.rating, 2),
        "resolution_rate": _r(a.resolution_rate, 4), "qa_scored": a.qa_scored, "qa_average": a.qa_average, "shifts_begun": a.shifts_begun, "on_time": a.on_time,
        "absent": a.absent, "late_minutes": a.late_minutes, "signed_in_share": _r(a.signed_in_share, 3), "flags": a.flags,
    }


@router.get("/appraisal")
def get_appraisal(
    session: DbSession, principal: CurrentPrincipal, state: State, company: str | None = None,
    month: str = Query("", max_length=7, description="2026-11; blank: this month so far"),
) -> dict[str, Any]:
    """The agents' month (座席考评), for supervisors: each agent of ``company``'s hotline with
    the calls they answered, talk time, the callers' rating (1–5) and the share resolved on the
    call, their calls' quality checks (average of 100, how many), and their shifts (begun, on
    time, absent, minutes late, share of the time signed in); ``flags`` name what to look at
    (absent, late, qa_fail, rating_low, aht_high: against the team where that is fairer);
    ``team``: the agents together. Agents with most flags first."""
    found = appraisals.month(session, actor=principal, now=state.clock.now(), month=month, company=company)
    return _head(found) | {"agents": [agent_out(a) for a in found["agents"]]}


@router.get("/appraisal/me")
def get_my_appraisal(session: DbSession, principal: CurrentPrincipal, state: State, month: str = Query("", max_length=7, description="2026-11; blank: this month so far")) -> dict[str, Any]:
    """The reader's own month, as ``GET /calls/appraisal`` gives their row (``agent``; null
    for a reader who is not one of the hotline's agents), beside the team's figures: no colleague's row."""
    found = appraisals.mine(session, actor=principal, now=state.clock.now(), month=month)
    return _head(found) | {"agent": None if found["agent"] is None else agent_out(found["agent"])}


def _head(found: dict[str, Any]) -> dict[str, Any]:
    t = found["team"]
    return {
        "company": found["company"], "month": found["month"].strftime("%Y-%m"), "current": found["current"],
        "team": {
            "answered": t.answered, "aht_seconds": _r(t.aht, 1), "aht_median_seconds": _r(t.aht_median, 1), "rating": _r(t.rating, 2),
            "resolution_rate": _r(t.resolution_rate, 4), "qa_average": _r(t.qa_average, 1), "on_time_rate": _r(t.on_time_rate, 4), "absent": t.absent,
        },
    }
