"""The page of how the forecast held (预测准确率): the last weeks' calls against their forecast,
week by week and day by day, with the hours it fell short."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gridcare.calls import accuracy, hindsight
from gridcare.core.bounds import whole_number
from gridcare.core.errors import InvalidInput
from gridcare.web.deps import CurrentPrincipal, DbSession, State
from gridcare.web.render import explained, render

router = APIRouter(include_in_schema=False)


@router.get("/calls/staffing/accuracy", response_class=HTMLResponse)
def accuracy_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> HTMLResponse:
    now, params, error = state.clock.now(), request.query_params, ""
    try:
        found = hindsight.held(
            session, actor=principal, now=now, company=params.get("company") or None,
            weeks_back=whole_number(params.get("weeks_back"), "weeks_back", blank=hindsight.DEFAULT_WEEKS_BACK), weeks=whole_number(params.get("weeks"), "weeks"),
        )
    except InvalidInput as exc:
        error = explained(request, principal, exc)
        found = hindsight.held(session, actor=principal, now=now)
    shown = {k: params.get(k, "") if error else found[k] for k in ("weeks", "weeks_back")}
    return render(
        request, "calls/accuracy.html", principal=principal, found=found, unders=accuracy.worst_hours(found["held"]), recurring=accuracy.recurring(found["held"]), shown=shown, error=error, tone=accuracy.tone,
        limits=hindsight.LIMITS["weeks_back"], status_code=422 if error else 200,
    )
