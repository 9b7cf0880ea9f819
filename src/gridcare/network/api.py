"""REST: topology questions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from gridcare.network import queries
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession

router = APIRouter(prefix="/api/v1/network", tags=["network"], dependencies=[CsrfChecked])


@router.get("/{utility}/assets/{code}")
def asset(utility: str, code: str, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    a, chain = queries.asset_with_upstream(session, actor=principal, utility=utility, code=code)
    return {"code": a.code, "kind": a.kind, "name": a.name, "parent": a.parent, "lon": a.lon, "lat": a.lat, "grid_id": a.grid_id, "upstream": [c.code for c in chain]}


@router.get("/{utility}/downstream")
def downstream(utility: str, device: str, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """Supply points and customers downstream of a device (electric) or behind a valve (water)."""
    reach = queries.downstream(session, actor=principal, utility=utility, device=device)
    return {"device": device, "supply_points": reach.supply_points, "customers": reach.customers}


class IsolationIn(BaseModel):
    valves: list[str] = Field(min_length=1, max_length=500)


@router.post("/water/isolate")
def isolate(body: IsolationIn, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """Service nodes and customers cut off when these valves are closed."""
    reach = queries.cut_off_by_valves(session, actor=principal, valves=body.valves)
    return {"valves": sorted(body.valves), "supply_points": reach.supply_points, "customers": reach.customers}


@router.get("/water/dmas/{code}")
def dma(code: str, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    reach = queries.in_dma(session, actor=principal, code=code)
    return {"dma": code, "supply_points": len(reach.supply_points), "customers": reach.customers}
