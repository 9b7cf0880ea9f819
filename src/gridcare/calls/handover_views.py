"""The shift handover pages (交接班): hand over, take over, and the log of the last days."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridcare.auth.rules import Action, can
from gridcare.calls import handover, handovers
from gridcare.core.bounds import whole_number
from gridcare.core.errors import DomainError, InvalidInput
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.web.render import explained, render

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])

DAYS = (1, 2, 7, 31)  # the log's choices


def _labels() -> dict[str, str]:
    from gridcare.workbench.rules import BY_KEY

    return {k: BY_KEY[k].label for k in handover.FIGURES}


def _tiles(figures: dict[str, int]) -> list[Any]:
    """The handed-over figures as the workbench shows them, in its tones."""
    from gridcare.workbench.rules import BY_KEY, Tile, tone

    return [Tile(k, BY_KEY[k].label, BY_KEY[k].href, n, tone(BY_KEY[k], n)) for k, n in figures.items()]


def _page(request: Request, session: Any, principal: Any, state: Any, *, company: str, days: str, error: str = "", done: str = "", typed: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:
    now = state.clock.now()
    try:
        found = handovers.log(session, actor=principal, now=now, company=company or None, days=whole_number(days, "days", blank=2))
    except InvalidInput as exc:
        error, status = explained(request, principal, exc), 422
        found = handovers.log(session, actor=principal, now=now)
    gives = can(principal, Action.CALLS_HANDOVER) and principal.user_id is not None
    draft = handovers.draft(session, actor=principal, now=now, company=found["company"]) if gives else None
    return render(
        request, "calls/handover.html", principal=principal, found=found, draft=draft, typed=typed or {}, tiles=_tiles(draft["figures"]) if draft else [], now=now, days_choices=DAYS,
        waiting=handovers.waiting_for(session, actor=principal, now=now), error=error, done=done, status_code=status,
    )


@router.get("/calls/handover", response_class=HTMLResponse)
def handover_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, company: str = "", days: str = "", error: str = "", done: str = "") -> HTMLResponse:
    return _page(request, session, principal, state, company=company, days=days, error=error, done=done)


@router.post("/calls/handover", response_model=None)
def handover_give(
    request: Request, session: DbSession, principal: CurrentPrincipal, state: State, notes: str = Form(""), follow_ups: str = Form(""), company: str = Form(""),
) -> Response:
    try:
        with session.begin_nested():
            row = handovers.give(session, actor=principal, now=state.clock.now(), notes=notes, follow_ups=handover.parse_follow_ups(follow_ups), company=company or None)
    except DomainError as exc:
        # What was typed stays in the form: a handover is written at the end of a long shift.
        return _page(request, session, principal, state, company=company, days="", error=explained(request, principal, exc), typed={"notes": notes, "follow_ups": follow_ups}, status=exc.status)
    return RedirectResponse(f"/calls/handover/{row.id}?done=given", status_code=303)


@router.get("/calls/handover/{handover_id}", response_class=HTMLResponse)
def handover_detail(request: Request, handover_id: int, session: DbSession, principal: CurrentPrincipal, state: State, error: str = "", done: str = "") -> HTMLResponse:
    found = handovers.detail(session, actor=principal, now=state.clock.now(), handover_id=handover_id)
    return render(request, "calls/handover_detail.html", principal=principal, found=found, h=found["handover"], labels=_labels(), error=error, done=done)


@router.post("/calls/handover/{handover_id}/receive", response_model=None)
def handover_receive(request: Request, handover_id: int, session: DbSession, principal: CurrentPrincipal, state: State, note: str = Form("")) -> Response:
    try:
        with session.begin_nested():
            handovers.receive(session, actor=principal, now=state.clock.now(), handover_id=handover_id, note=note)
    except DomainError as exc:
        return RedirectResponse(f"/calls/handover/{handover_id}?" + urlencode({"error": explained(request, principal, exc)}), status_code=303)
    return RedirectResponse(f"/calls/handover/{handover_id}?done=received", status_code=303)
