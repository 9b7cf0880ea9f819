"""REST for how the forecast held (预测准确率): the last weeks' calls against their forecast."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from gridcare.calls import accuracy, hindsight, staffing
from gridcare.web.deps import CurrentPrincipal, DbSession, State

router = APIRouter(prefix="/api/v1/calls/staffing", tags=["calls"])


@router.get("/accuracy")
def get_accuracy(
    session: DbSession, principal: CurrentPrincipal, state: State, company: str | None = None,
    weeks_back: int = Query(hindsight.DEFAULT_WEEKS_BACK, ge=hindsight.LIMITS["weeks_back"][0], le=hindsight.LIMITS["weeks_back"][1], description="Full weeks before this one to check"),
    weeks: int | None = Query(None, ge=staffing.LIMITS["weeks"][0], le=staffing.LIMITS["weeks"][1], description="Weeks of calls each forecast is made from; left out: the company's target"),
) -> dict[str, Any]:
    """How the forecast held: each of the ``weeks_back`` full weeks before this one, its calls
    hour by hour against the forecast the roster would have had that Monday (the typical week
    of the ``weeks`` weeks before it, and that week's planned outages' calls). ``accuracy``: one
    less the sum of every hour's miss over the calls that came (``daily``: of every day's);
    ``bias``: (expected − came) ÷ came, above nought when the forecast expected more; ``ceiling`` (``ceiling_daily``): the
    accuracy chance alone allows, calls arriving at random (Poisson) at the rate expected, what
    the accuracy is read against; ``under``:
    hours a quarter busier than expected, by three calls or more; ``recurring``: the hours of the week (weekday 0 is
    Monday) under-forecast in two weeks or more and half the weeks checked, a trend the
    forecast's average lags. Days listed, not counted,
    say why (``left_out``): ``holiday`` (a public holiday or make-up working day) or
    ``unforecast`` (a weekday the forecast read none of, the hotline being newer). Null figures: no calls came, or none before the week to forecast it from."""
    return as_json(hindsight.held(session, actor=principal, now=state.clock.now(), company=company, weeks_back=weeks_back, weeks=weeks))


def _share(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def as_json(found: dict[str, Any]) -> dict[str, Any]:
    o = found["overall"]
    return {
        "company": found["company"], "weeks": found["weeks"], "weeks_back": found["weeks_back"],
        "overall": {
            "accuracy": _share(o.accuracy), "daily": _share(o.daily), "ceiling": _share(o.ceiling), "ceiling_daily": _share(o.ceiling_daily), "bias": _share(o.bias), "hours_under": o.hours_under, "weeks_known": o.weeks,
        },
        "recurring": [
            {"weekday": r.weekday, "hour": r.hour, "weeks_under": r.weeks_under, "weeks": r.weeks, "expected": round(r.expected, 1), "offered": round(r.offered, 1)}
            for r in accuracy.recurring(found["held"])
        ],
        "held": [
            {
                "monday": w.monday, "expected": round(w.expected, 1), "offered": w.offered, "accuracy": _share(w.accuracy), "daily": _share(w.daily),
                "ceiling": _share(w.ceiling), "ceiling_daily": _share(w.ceiling_daily), "bias": _share(w.bias), "forecast_known": w.forecast_known,
                "days": [{"day": d.day, "expected": round(d.expected, 1), "offered": d.offered, "error": _share(d.error), "left_out": d.left_out} for d in w.days],
                "under": [{"day": u.day, "hour": u.hour, "expected": round(u.expected, 1), "offered": u.offered} for u in w.under],
            }
            for w in found["held"]
        ],
    }
