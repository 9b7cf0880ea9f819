"""Pages: planning — units and their workload, barriers, proposals with the design form;
one proposal beside today's grids (maps and scores) with its adopt form; a comparison of
several proposals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridcare.auth.rules import Action, can
from gridcare.auth.scoping import utilities_held
from gridcare.core.bounds import real_number, whole_number
from gridcare.core.clock import SHANGHAI
from gridcare.core.errors import DomainError, InvalidInput
from gridcare.core.i18n import T_
from gridcare.planning import adoption, design, proposals, service
from gridcare.planning.files import BARRIER_KINDS, parse_barriers, parse_units
from gridcare.planning.proposals import COMPARED
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.web.nav import mark_available
from gridcare.web.render import explained, locale_for, render

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])


def _back(utility: str, message: str = "", error: str = "") -> RedirectResponse:
    query = f"?utility={quote(utility)}"
    if message:
        query += f"&message={quote(message)}"
    if error:
        query += f"&error={quote(error)}"
    return RedirectResponse(f"/planning{query}", status_code=303)


@router.get("/planning", response_class=HTMLResponse)
def planning_page(request: Request, session: DbSession, principal: CurrentPrincipal, utility: str = "", message: str = "", error: str = "") -> HTMLResponse:
    # A water company's staff open on their own utility's units, not the electric ones.
    utility = service.check_utility(utility or next(iter(utilities_held(session, principal, service.UTILITIES)), "electric"))
    rows = service.list_units(session, actor=principal, utility=utility)
    hours, fc = proposals.workloads(rows, proposals.weights_from(None), use_forecast=True) if rows else ([], {})
    totals = {"units": len(rows), "customers": sum(u.customers for u in rows), "hours": round(float(sum(hours)), 1) if rows else 0.0, "line_km": round(sum(u.line_km for u in rows), 1)}
    return render(
        request, "planning/index.html", principal=principal, utility=utility, totals=totals, forecast=fc,
        barriers=service.list_barriers(session, actor=principal, utility=utility), proposals=proposals.list_proposals(session, actor=principal, utility=utility),
        can_manage=can(principal, Action.GRIDS_MANAGE), barrier_kinds=BARRIER_KINDS, message=message, error=error, max_grids=design.MAX_GRIDS,
    )


@router.post("/planning/proposals", response_model=None)
async def design_from_form(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    raw = await request.form()
    form = {k: str(v) for k, v in raw.items()}
    utility = form.get("utility", "electric")
    try:
        by = form.get("by", "k")
        with session.begin_nested():
            p = proposals.design_proposal(
                session, actor=principal, now=state.clock.now(), utility=utility, name=form.get("name", ""),
                k=whole_number(form.get("k"), "k") if by == "k" else None, capacity_hours=real_number(form.get("capacity_hours"), "capacity_hours") if by == "capacity" else None,
                minimum_disruption=form.get("minimum_disruption") == "on", use_forecast=form.get("use_forecast") == "on",
                barrier_ids=[whole_number(v, "barrier_ids", required=True) for v in raw.getlist("barrier_ids")],
            )
    except DomainError as exc:
        return _back(utility, error=explained(request, principal, exc))
    return RedirectResponse(f"/planning/proposals/{p.id}", status_code=303)


@router.post("/planning/units", response_model=None)
async def units_from_form(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    raw = await request.form()
    utility = str(raw.get("utility", "electric"))
    try:
        with session.begin_nested():
            if raw.get("action") == "lattice":
                form = {k: str(v) for k, v in raw.items()}
                count = service.generate_units(session, actor=principal, now=state.clock.now(), utility=utility, cell_m=real_number(form.get("cell_m"), "cell_m", blank=500.0), lattice=form.get("lattice", "hex"))
            else:
                upload = raw.get("file")
                if upload is None or isinstance(upload, str):
                    raise InvalidInput.field("file", T_("choose a GeoJSON file of units"))
                count = service.import_units(session, actor=principal, now=state.clock.now(), utility=utility, rows=parse_units(await upload.read()))
    except DomainError as exc:
        return _back(utility, error=explained(request, principal, exc))
    return _back(utility, message=T_("basic units: %(n)s", n=count).in_language(locale_for(request, principal)))


@router.post("/planning/barriers", response_model=None)
async def barriers_from_form(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    raw = await request.form()
    utility = str(raw.get("utility", "electric"))
    try:
        with session.begin_nested():
            if raw.get("delete"):
                service.delete_barrier(session, actor=principal, now=state.clock.now(), barrier_id=whole_number(raw.get("delete"), "delete", required=True))
                return _back(utility)
            upload = raw.get("file")
            if upload is None or isinstance(upload, str):
                raise InvalidInput.field("file", T_("choose a GeoJSON file of lines or polygons"))
            added = service.add_barriers(session, actor=principal, now=state.clock.now(), utility=utility, rows=parse_barriers(await upload.read(), default_kind=str(raw.get("kind", "other"))))
    except DomainError as exc:
        return _back(utility, error=explained(request, principal, exc))
    return _back(utility, message=T_("barriers: %(n)s", n=len(added)).in_language(locale_for(request, principal)))


@router.get("/planning/proposals/{proposal_id}", response_class=HTMLResponse)
def proposal_page(request: Request, proposal_id: int, session: DbSession, principal: CurrentPrincipal, state: State, error: str = "") -> HTMLResponse:
    p = proposals.get_proposal(session, actor=principal, proposal_id=proposal_id)
    grids = sorted(p.grids, key=lambda g: -g["workload"])
    mean = sum(g["workload"] for g in grids) / max(len(grids), 1)
    return render(
        request, "planning/proposal.html", principal=principal, p=p, grids=grids, mean=mean, rows=proposals.comparison([p]), compared=COMPARED,
        can_manage=can(principal, Action.GRIDS_MANAGE), error=error, rules=adoption.REHOME_RULES,
    )


@router.post("/planning/proposals/{proposal_id}", response_model=None)
async def proposal_action(request: Request, proposal_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        with session.begin_nested():
            if form.get("action") == "discard":
                proposals.discard(session, actor=principal, now=state.clock.now(), proposal_id=proposal_id)
            else:
                when = form.get("effective_from", "").strip()
                try:
                    effective = datetime.fromisoformat(when).replace(tzinfo=SHANGHAI) if when else None
                except ValueError:
                    raise InvalidInput.field("effective_from", T_("expected a date and time, e.g. 2027-01-01T00:00")) from None
                adoption.adopt(session, actor=principal, now=state.clock.now(), proposal_id=proposal_id, effective_from=effective, rehome=form.get("rehome", "follow"))
    except DomainError as exc:
        return RedirectResponse(f"/planning/proposals/{proposal_id}?error={quote(explained(request, principal, exc))}", status_code=303)
    return RedirectResponse(f"/planning/proposals/{proposal_id}", status_code=303)


@router.get("/planning/compare", response_class=HTMLResponse, response_model=None)
def compare_page(request: Request, session: DbSession, principal: CurrentPrincipal, ids: Annotated[list[int] | None, Query()] = None) -> Response:
    wanted = ids or []
    if not wanted:  # back to the proposals, to tick some
        problem = InvalidInput.field("ids", T_("tick at least one proposal to compare"))
        return RedirectResponse(f"/planning?error={quote(explained(request, principal, problem))}", status_code=303)
    found = [proposals.get_proposal(session, actor=principal, proposal_id=i) for i in wanted[:3]]
    return render(request, "planning/compare.html", principal=principal, found=found, rows=proposals.comparison(found), compared=COMPARED, utility=found[0].utility)


mark_available("planning")
