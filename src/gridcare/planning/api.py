"""REST: planning — units (import, lattice, GeoJSON), barriers, proposals (design,
compare, export, adopt, discard)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, Query, UploadFile, status

from gridcare.core.bounds import whole_number
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.uploads import MAX_IMPORT_BYTES, read_limited
from gridcare.planning import adoption, proposals, service
from gridcare.planning.files import parse_barriers, parse_units
from gridcare.planning.models import PlanningProposal
from gridcare.planning.schemas import (
    AdoptIn,
    BarrierOut,
    GridOut,
    LatticeIn,
    ProposalDetail,
    ProposalIn,
    ProposalOut,
    UnitCount,
)
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State

router = APIRouter(prefix="/api/v1/planning", tags=["planning"], dependencies=[CsrfChecked])


def detail(p: PlanningProposal) -> ProposalDetail:
    base = ProposalOut.model_validate(p).model_dump()
    grids = [GridOut(**{**g, "units": len(g["units"])}) for g in p.grids]
    return ProposalDetail(**base, grids=grids)


@router.get("/units", response_model=list[UnitCount])
def unit_counts(session: DbSession, principal: CurrentPrincipal) -> Any:
    return [UnitCount(utility=u, units=n) for u, n in sorted(service.unit_counts(session, actor=principal).items())]


@router.get("/units.geojson")
def units_geojson(session: DbSession, principal: CurrentPrincipal, utility: str = "electric") -> dict[str, Any]:
    """The units with their measures and rep-hours per month under the default weights."""
    rows = service.list_units(session, actor=principal, utility=utility)
    hours, _ = proposals.workloads(rows, proposals.weights_from(None), use_forecast=False) if rows else ([], {})
    return service.unit_features(rows, workload={u.id: float(h) for u, h in zip(rows, hours, strict=True)})


@router.post("/units", status_code=status.HTTP_201_CREATED, response_model=UnitCount)
def import_units(session: DbSession, principal: CurrentPrincipal, state: State, file: UploadFile = File(...), utility: str = Form("electric")) -> Any:
    """Replace the utility's units with a GeoJSON FeatureCollection of polygons (``code``,
    optional ``name``, ``kind``, ``customers``, ``meters``, ``line_km``, ``orders_<category>``)."""
    rows = parse_units(read_limited(file.file, MAX_IMPORT_BYTES))
    count = service.import_units(session, actor=principal, now=state.clock.now(), utility=utility, rows=rows)
    return UnitCount(utility=utility, units=count)


@router.post("/units/lattice", status_code=status.HTTP_201_CREATED, response_model=UnitCount)
def lattice(body: LatticeIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    count = service.generate_units(session, actor=principal, now=state.clock.now(), utility=body.utility, cell_m=body.cell_m, lattice=body.lattice)
    return UnitCount(utility=body.utility, units=count)


@router.get("/forecast")
def forecast(session: DbSession, principal: CurrentPrincipal, utility: str = "electric") -> dict[str, Any]:
    """Next year's orders from the units' history, with the error on the held-out months."""
    rows = service.list_units(session, actor=principal, utility=utility)
    return proposals.workloads(rows, proposals.weights_from(None), use_forecast=True)[1] if rows else {}


@router.get("/barriers", response_model=list[BarrierOut])
def barriers(session: DbSession, principal: CurrentPrincipal, utility: str = "electric") -> Any:
    return service.list_barriers(session, actor=principal, utility=utility)


@router.post("/barriers", status_code=status.HTTP_201_CREATED, response_model=list[BarrierOut])
def add_barriers(session: DbSession, principal: CurrentPrincipal, state: State, file: UploadFile = File(...), utility: str = Form("electric"), kind: str = Form("other")) -> Any:
    """Lines (rivers, major roads) or polygons (DMAs, feeder areas) as GeoJSON."""
    return service.add_barriers(session, actor=principal, now=state.clock.now(), utility=utility, rows=parse_barriers(read_limited(file.file, MAX_IMPORT_BYTES), default_kind=kind))


@router.delete("/barriers/{barrier_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_barrier(barrier_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> None:
    service.delete_barrier(session, actor=principal, now=state.clock.now(), barrier_id=barrier_id)


@router.get("/proposals", response_model=list[ProposalOut])
def list_proposals(session: DbSession, principal: CurrentPrincipal, utility: str | None = None) -> Any:
    return proposals.list_proposals(session, actor=principal, utility=utility)


@router.post("/proposals", status_code=status.HTTP_201_CREATED, response_model=ProposalDetail)
def design(body: ProposalIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    p = proposals.design_proposal(session, actor=principal, now=state.clock.now(), **body.model_dump())
    return detail(p)


@router.get("/compare")
def compare(session: DbSession, principal: CurrentPrincipal, ids: str = Query(..., description="Proposal ids, comma-separated")) -> list[dict[str, Any]]:
    """Today's grids, then each proposal: workload max/mean, Gini, compactness, radius, customers moved."""
    wanted = [whole_number(i, "ids", required=True) for i in ids.split(",") if i.strip()]
    if not wanted:
        raise InvalidInput.field("ids", T_("name at least one proposal"))
    return proposals.comparison([proposals.get_proposal(session, actor=principal, proposal_id=i) for i in wanted])


@router.get("/proposals/{proposal_id}.geojson")
def export(proposal_id: int, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    return proposals.proposal_geojson(proposals.get_proposal(session, actor=principal, proposal_id=proposal_id))


@router.get("/proposals/{proposal_id}", response_model=ProposalDetail)
def get(proposal_id: int, session: DbSession, principal: CurrentPrincipal) -> Any:
    return detail(proposals.get_proposal(session, actor=principal, proposal_id=proposal_id))


@router.post("/proposals/{proposal_id}/adopt", response_model=ProposalDetail)
def adopt(proposal_id: int, body: AdoptIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    return detail(adoption.adopt(session, actor=principal, now=state.clock.now(), proposal_id=proposal_id, effective_from=body.effective_from, rehome=body.rehome))


@router.post("/proposals/{proposal_id}/discard", response_model=ProposalDetail)
def discard(proposal_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    return detail(proposals.discard(session, actor=principal, now=state.clock.now(), proposal_id=proposal_id))
