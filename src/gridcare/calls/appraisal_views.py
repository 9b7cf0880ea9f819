"""The page of the agents' month (座席考评), and the same as a spreadsheet."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from gridcare.calls import appraisal, appraisals
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import N_, translator
from gridcare.web.deps import CurrentPrincipal, DbSession, State
from gridcare.web.render import explained, locale_for, render

router = APIRouter(include_in_schema=False)


@router.get("/calls/appraisal", response_class=HTMLResponse)
def appraisal_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, month: str = "", company: str = "") -> HTMLResponse:
    now, error = state.clock.now(), ""
    try:
        found = appraisals.month(session, actor=principal, now=now, month=month, company=company or None)
    except InvalidInput as exc:
        error = explained(request, principal, exc)
        found = appraisals.month(session, actor=principal, now=now)
    return render(
        request, "calls/appraisal.html", principal=principal, found=found, error=error, shown=month if error else found["month"].strftime("%Y-%m"),
        flag_labels=appraisal.FLAGS, qa_pass=appraisal.QA_PASS, on_time=appraisal.ON_TIME, aht_over=appraisal.AHT_OVER, min_answered=appraisal.MIN_ANSWERED, status_code=422 if error else 200,
    )


@router.get("/calls/appraisal/me", response_class=HTMLResponse)
def my_month_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, month: str = "") -> HTMLResponse:
    now, error = state.clock.now(), ""
    try:
        found = appraisals.mine(session, actor=principal, now=now, month=month)
    except InvalidInput as exc:
        error = explained(request, principal, exc)
        found = appraisals.mine(session, actor=principal, now=now)
    return render(
        request, "calls/my_month.html", principal=principal, found=found, error=error, shown=month if error else found["month"].strftime("%Y-%m"),
        flag_labels=appraisal.FLAGS, status_code=422 if error else 200,
    )


@router.get("/calls/appraisal.csv", response_model=None)
def appraisal_csv(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, month: str = "", company: str = "") -> Response:
    """The month as a spreadsheet, a row per agent, in the reader's language."""
    from gridcare.analytics.tables import Table, to_csv

    found = appraisals.month(session, actor=principal, now=state.clock.now(), month=month, company=company or None)
    say = translator(locale_for(request, principal))
    heads = (
        N_("Agent"), N_("Login"), N_("Calls answered"), N_("Talk time (s)"), N_("Callers' rating"), N_("Resolved on the call (%)"), N_("Calls checked"),
        N_("Quality score"), N_("Shifts begun"), N_("Shifts on time"), N_("absent"), N_("Minutes late"), N_("Signed in (%)"), N_("To look at"),
    )
    table = Table("appraisal", [say(h) for h in heads])
    for a in found["agents"]:
        table.rows.append([
            a.name, a.login, a.answered, None if a.aht is None else round(a.aht), None if a.rating is None else round(a.rating, 2),
            None if a.resolution_rate is None else round(100 * a.resolution_rate, 1), a.qa_scored, a.qa_average, a.shifts_begun, a.on_time, a.absent, a.late_minutes,
            None if a.signed_in_share is None else round(100 * a.signed_in_share), "; ".join(say(appraisal.FLAGS[f]) for f in a.flags),
        ])
    name = f"appraisal-{found['company']}-{found['month']:%Y-%m}.csv"
    return Response(to_csv(table), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'})
