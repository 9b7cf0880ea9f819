"""REST: topology questions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gridcare.auth.rules import Action
from gridcare.auth.scoping import require, require_utility
from gridcare.customers import service as customers
from gridcare.network import service
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession

router = APIRouter(prefix="/api/v1/network", tags=["network"], dependencies=[CsrfChecked])


@router.get("/{utility}/assets/{code}")
def asset(utility: str, code: str, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    a = service.get_asset(session, actor=principal, utility=utility, code=code)
    chain = service.upstream_chain(session, actor=principal, utility=utility, supply_point=code) if utility == "electric" else []
    return {"code": a.code, "kind": a.kind, "name": a.name, "parent": a.parent, "lon": a.lon, "lat": a.lat, "grid_id": a.grid_id, "upstream": [c.code for c in chain]}


@router.get("/{utility}/downstream")
def downstream(utility: str, device: str, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """Supply points and customers downstream of a device (electric) or behind a valve (water)."""
    service.get_asset(session, actor=principal, utility=utility, code=device)
    points = sorted(service.downstream_supply_points(session, utility=utility, device=device))
    per_point = customers.counts_by_supply_point(session, codes=points)
    return {"device": device, "supply_points": points, "customers": sum(per_point.values())}


def _water_network(session: DbSession, principal: CurrentPrincipal) -> None:
    require(principal, Action.GRIDS_READ)
    require_utility(session, principal, "water")


class IsolationIn(BaseModel):
    valves: list[str] = Field(min_length=1, max_length=500)


@router.post("/water/isolate")
def isolate(body: IsolationIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """Service nodes and customers cut off when these valves are closed."""
    _water_network(session, principal)
    points = sorted(service.supply_points_cut_off_by_valves(session, valves=set(body.valves)))
    per_point = customers.counts_by_supply_point(session, codes=points)
    return {"valves": sorted(body.valves), "supply_points": points, "customers": sum(per_point.values())}


@router.get("/water/dmas/{code}")
def dma(code: str, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    _water_network(session, principal)
    points = sorted(service.supply_points_in_dma(session, dma_code=code))
    per_point = customers.counts_by_supply_point(session, codes=points)
    return {"dma": code, "supply_points": len(points), "customers": sum(per_point.values())}
