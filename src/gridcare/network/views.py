"""Page: the network (/network) — look a device up (what it is, what feeds it, which supply
points and customers it feeds, by grid); for water, which customers closing some valves cuts
off, and which a DMA holds. Read-only: every form is a GET, so a result is a link to share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gridcare.auth.rules import Action
from gridcare.auth.scoping import require, require_utility, utilities_held
from gridcare.core.errors import DomainError, Forbidden, NotFound
from gridcare.core.i18n import N_
from gridcare.network import queries
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession
from gridcare.web.nav import mark_available
from gridcare.web.render import render

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])

UTILITIES = ("electric", "water")  # the networks this domain models; gas has none yet
MAX_VALVES = 500  # as the REST endpoint
LISTED = 60  # supply points and fed devices listed by code; the counts cover them all
_SPLIT = re.compile(r"[\s,，、;；]+")


@dataclass
class Problem:
    """One line for the page: a message id with its values, translated in the template."""

    message: str
    values: dict[str, Any] = field(default_factory=dict)


def _codes(text: str) -> list[str]:
    """Codes as typed: split on commas (Chinese ones too), semicolons and spaces; each once."""
    return list(dict.fromkeys(c for c in _SPLIT.split(text) if c))


def _shortened(codes: list[str], shown: int = 5) -> str:
    return ", ".join(codes[:shown]) + (" …" if len(codes) > shown else "")


def _problem(exc: DomainError, *, question: str, code: str, utility: str) -> Problem:
    if isinstance(exc, Forbidden):
        if utility == "water":
            return Problem(N_("The water network belongs to a company outside your scope."))
        return Problem(N_("The electric network belongs to a company outside your scope."))
    if isinstance(exc, NotFound) and question == "asset":
        if utility == "water":
            return Problem(N_("No node of the water network has the code %(code)s."), {"code": code})
        return Problem(N_("No device of the electric network has the code %(code)s."), {"code": code})
    if isinstance(exc, NotFound) and question == "dma":
        return Problem(N_("No DMA has the code %(code)s."), {"code": code})
    return Problem(N_("Could not answer: %(detail)s"), {"detail": exc.detail})


def _visible_grids(session: Any, principal: Any, ids: list[int | None]) -> dict[int, tuple[str, str]]:
    """Code and name of each grid the principal may see; a rep sees their own grids only, so
    the others are counted without their names (as the grids pages would refuse them)."""
    from gridcare.grids import service as grids

    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {g.id: (g.code, g.name) for g in grids.list_grids(session, actor=principal, retired=True) if g.id in wanted}


def _grids(session: Any, principal: Any, shares: list[queries.GridShare]) -> list[dict[str, Any]]:
    """One row per grid in the principal's scope, most customers first; then one row for the
    other grids together, and one for customers outside every grid."""
    names = _visible_grids(session, principal, [s.grid_id for s in shares])
    rows = [{"id": s.grid_id, "code": names[s.grid_id][0], "name": names[s.grid_id][1], "customers": s.customers, "key": s.key_customers} for s in shares if s.grid_id in names]
    others = [s for s in shares if s.grid_id is not None and s.grid_id not in names]
    if others:
        rows.append({"id": None, "others": len(others), "customers": sum(s.customers for s in others), "key": sum(s.key_customers for s in others)})
    rows += [{"id": None, "customers": s.customers, "key": s.key_customers} for s in shares if s.grid_id is None]
    return rows


def _reach(session: Any, principal: Any, reach: queries.Reach) -> dict[str, Any]:
    return {
        "points": len(reach.supply_points),
        "customers": reach.customers,
        "grids": _grids(session, principal, queries.customers_by_grid(session, reach=reach)),
        "listed": [(p, reach.per_point.get(p, 0)) for p in reach.supply_points[:LISTED]],
        "more": max(0, len(reach.supply_points) - LISTED),
    }


def _lookup(session: Any, principal: Any, utility: str, code: str) -> dict[str, Any]:
    asset, chain = queries.asset_with_upstream(session, actor=principal, utility=utility, code=code)
    names = _visible_grids(session, principal, [asset.grid_id])
    fed = queries.children(session, utility=utility, code=code)
    out: dict[str, Any] = {
        "asset": asset,
        "grid": {"id": asset.grid_id, "code": names[asset.grid_id][0], "name": names[asset.grid_id][1]} if asset.grid_id in names else None,
        "grid_hidden": asset.grid_id is not None and asset.grid_id not in names,
        "chain": list(reversed(chain)),  # substation first, the device last
        "parent": chain[1] if len(chain) > 1 else None,
        "fed": fed[:LISTED],
        "fed_more": max(0, len(fed) - LISTED),
        "reach": None,
    }
    # Downstream means something for an electric device, a valve (what closing it cuts off)
    # and a service node (its own customers); not for a junction, hydrant or source.
    if utility == "electric" or asset.kind in ("valve", "service"):
        out["reach"] = _reach(session, principal, queries.downstream(session, actor=principal, utility=utility, device=code))
    return out


def _isolation(session: Any, principal: Any, valves: list[str]) -> dict[str, Any] | Problem:
    if len(valves) > MAX_VALVES:
        return Problem(N_("At most %(n)s valves at a time."), {"n": MAX_VALVES})
    unknown, not_valves = queries.valve_problems(session, actor=principal, valves=valves)
    if unknown:
        return Problem(N_("Not in the water network: %(codes)s."), {"codes": ", ".join(unknown)})
    if not_valves:
        return Problem(N_("Only valves close; these are not valves: %(codes)s."), {"codes": ", ".join(a.code for a in not_valves)})
    return _reach(session, principal, queries.cut_off_by_valves(session, actor=principal, valves=valves))


@router.get("/network", response_class=HTMLResponse)
def network_page(request: Request, session: DbSession, principal: CurrentPrincipal, utility: str = "", code: str = "", valves: str = "", dma: str = "") -> HTMLResponse:
    require(principal, Action.GRIDS_READ)
    held = utilities_held(session, principal, UTILITIES)
    utility = utility.strip() or (held[0] if held else "electric")
    code, dma, valve_list = code.strip(), dma.strip(), _codes(valves)
    context: dict[str, Any] = {"utility": utility, "held": held, "code": code, "valves": ", ".join(valve_list), "valves_title": _shortened(valve_list), "dma": dma, "dmas": [], "lookup": None, "isolation": None, "in_dma": None, "problem": None}
    status, question = 200, "utility"
    try:
        if not held:  # a contractor, or staff of a utility with no network here: the page says so
            status = 403
        elif utility not in UTILITIES:
            context["problem"], status = Problem(N_("Choose the electric or the water network.")), 422
        else:
            require_utility(session, principal, utility)
            if code:
                question = "asset"
                context["lookup"] = _lookup(session, principal, utility, code)
            if utility == "water" and valve_list:
                question = "valves"
                found = _isolation(session, principal, valve_list)
                context["isolation" if isinstance(found, dict) else "problem"] = found
                status = 200 if isinstance(found, dict) else 422
            if utility == "water" and dma:
                question = "dma"
                reach = queries.in_dma(session, actor=principal, code=dma)
                context["in_dma"] = {"code": dma, **_reach(session, principal, reach)}
    except DomainError as exc:
        context["problem"], status = _problem(exc, question=question, code=dma if question == "dma" else code, utility=utility), exc.status
    if "water" in held:
        context["dmas"] = queries.dma_codes(session, actor=principal)
    return render(request, "network/index.html", principal=principal, status_code=status, **context)


mark_available("network")
