"""Pages: the contact-card page (grids with their public links, PDFs to print) and the
public, phone-sized report page behind the cards' QR code (``/r/<token>``)."""

from __future__ import annotations

import io
from functools import lru_cache
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from gridcare.cards import rules, service
from gridcare.cards.api import client_of
from gridcare.core.errors import DomainError
from gridcare.core.i18n import N_
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State, WritesOnGet
from gridcare.web.nav import mark_available
from gridcare.web.render import render

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])
# The public page speaks to residents, not operators: their language, no field names.
PUBLIC_ERRORS = {
    "phone": N_("Please enter a valid mainland mobile number."),
    "code": N_("The code is wrong or has expired; check the SMS, or ask for a new code."),
    "description": N_("Please describe the problem (at most 1000 characters)."),
}
TOO_MANY = N_("Too many attempts; please try again later, or call your grid rep.")


def public_error(exc: DomainError) -> str:
    if exc.status == 429:
        return TOO_MANY
    fields = [p.field for p in exc.problems]
    return next((PUBLIC_ERRORS[f] for f in fields if f in PUBLIC_ERRORS), exc.detail)


@router.get("/cards", response_class=HTMLResponse, dependencies=[WritesOnGet])
def cards_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> HTMLResponse:
    cards = service.cards_for(session, actor=principal, now=state.clock.now(), base_url=str(request.base_url))
    # On screen too: a rep can let a customer scan the code from the rep's phone. The codes
    # are images of their own, loaded as they scroll into view: drawing one costs ~8 ms, and
    # a city's administrator sees every grid's card.
    codes = {c.grid_code: urlsplit(c.url).path + "/qr.svg" for c in cards}  # type: ignore[attr-defined]
    return render(request, "cards/list.html", principal=principal, cards=cards, codes=codes)


@lru_cache(maxsize=2048)
def _qr_svg(url: str) -> bytes:
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=3, border=2, xmldecl=False)
    return out.getvalue()


@router.get("/r/{token}/qr.svg")
def report_page_qr(token: str, request: Request, session: DbSession) -> Response:
    """The QR code of a card's report page, as printed on the card: public like the page."""
    service.grid_for_token(session, token=token)
    return Response(_qr_svg(service.report_url(str(request.base_url), token)), media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=86400"})


def _report_page(request: Request, session: DbSession, token: str, *, step: str = "phone", form: dict | None = None, error: str = "", number: str = "", status_code: int = 200) -> HTMLResponse:
    from gridcare.auth import service as auth
    from gridcare.customers.phones import display_phone

    grid = service.grid_for_token(session, token=token)
    rep = auth.find_user(session, user_id=grid.rep_id) if grid.rep_id else None
    return render(
        request, "cards/report.html", principal=None, grid=grid, token=token, step=step, form=form or {}, error=error, number=number, categories=rules.PUBLIC_CATEGORIES,
        rep_name=rep.display_name if rep else "", rep_phone=display_phone(rep.phone) if rep and rep.phone else "", rep_tel=rep.phone if rep else "", status_code=status_code,
    )


@router.get("/r/{token}", response_class=HTMLResponse)
def report_page(token: str, request: Request, session: DbSession) -> HTMLResponse:
    return _report_page(request, session, token)


@router.post("/r/{token}", response_model=None)
async def report_form(token: str, request: Request, session: DbSession, state: State) -> Response:
    """Step 1 sends the code; step 2 files the report with it."""
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
    now, client = state.clock.now(), client_of(request)
    try:
        with session.begin_nested():
            if form.get("step") == "code":
                service.request_code(session, now=now, token=token, phone=form.get("phone", ""), client=client)
                return _report_page(request, session, token, step="report", form=form)
            filed = service.submit_report(session, now=now, token=token, phone=form.get("phone", ""), code=form.get("code", ""), category=form.get("category", ""),
                                          description=form.get("description", ""), client=client, name=form.get("name", ""), address=form.get("address", ""))
    except DomainError as exc:
        step = "phone" if form.get("step") == "code" else "report"
        return _report_page(request, session, token, step=step, form=form, error=public_error(exc), status_code=exc.status)
    if filed.problem is not None:
        return _report_page(request, session, token, step="report", form=form, error=public_error(filed.problem), status_code=422)
    return _report_page(request, session, token, step="done", number=filed.number or "")


mark_available("cards")
