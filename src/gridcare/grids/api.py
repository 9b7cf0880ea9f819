"""REST: grids, locate, coverage, import and export."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile, status
from pydantic import BaseModel

from gridcare.auth.rules import Action
from gridcare.auth.scoping import require, utilities_held
from gridcare.core.errors import FieldProblem, InvalidInput
from gridcare.core.http import api_locale
from gridcare.core.i18n import T_, Label
from gridcare.grids import queries, service
from gridcare.grids.files import read_grid_file
from gridcare.grids.geometry import GeometryImportError, parse_grid_features
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State

router = APIRouter(prefix="/api/v1/grids", tags=["grids"], dependencies=[CsrfChecked])
MAX_UPLOAD = 50 * 1024 * 1024


class GridOut(BaseModel):
    id: int
    code: str
    name: str
    utility: str
    district: str
    area_class: str
    area_km2: float
    rep: str | None
    rep_phone: str | None
    backup: str | None
    backup_phone: str | None
    version: int
    customers: float
    meters: float
    pipe_km: float
    transformers: float
    open_orders: float


class LocatedGrid(BaseModel):
    id: int
    code: str
    name: str
    utility: str
    rep_id: int | None
    backup_id: int | None


class LocateOut(BaseModel):
    lon: float
    lat: float
    found: bool
    grid: LocatedGrid | None
    by_utility: dict[str, LocatedGrid]
    message: str


@router.get("", response_model=list[GridOut])
def list_grids(session: DbSession, principal: CurrentPrincipal, utility: str | None = None) -> list[dict[str, Any]]:
    return queries.grid_rows(session, actor=principal, utility=utility)


@router.get("/geojson")
def grids_geojson(session: DbSession, principal: CurrentPrincipal, utility: str | None = None) -> dict[str, Any]:
    """The grids as an RFC 7946 FeatureCollection, each with its rep and measures."""
    return queries.grids_geojson(session, actor=principal, utility=utility)


@router.get("/locate", response_model=LocateOut)
def locate(request: Request, session: DbSession, principal: CurrentPrincipal, lon: float = Query(..., description="WGS84 longitude"), lat: float = Query(..., description="WGS84 latitude"), utility: str | None = None) -> LocateOut:
    """The grid holding a point (per utility); ``found`` is false, with a message, when none does."""
    require(principal, Action.GRIDS_READ)
    # Another company's grid at the same point (water under electric) is not the caller's.
    held = utilities_held(session, principal)
    found = {u: g for u, g in service.locate(session, lon=lon, lat=lat, utility=utility).items() if u in held}
    by = {u: LocatedGrid(id=g.id, code=g.code, name=g.name, utility=g.utility, rep_id=g.rep_id, backup_id=g.backup_id) for u, g in found.items()}
    first = by.get(utility) if utility else (by.get("electric") or next(iter(by.values()), None))
    if first is not None:
        message = ""
    elif utility:
        message = T_("no %(utility)s grid holds (%(lon)s, %(lat)s)", utility=Label("utility", utility), lon=lon, lat=lat).in_language(api_locale(request))
    else:
        message = T_("no grid holds (%(lon)s, %(lat)s)", lon=lon, lat=lat).in_language(api_locale(request))
    return LocateOut(lon=lon, lat=lat, found=first is not None, grid=first, by_utility=by, message=message)


@router.get("/coverage")
def coverage(request: Request, session: DbSession, principal: CurrentPrincipal, utility: str = "electric", overlap_tolerance_m2: float = 1.0, gap_tolerance_m2: float = 1.0) -> dict[str, Any]:
    """Overlaps and gaps of one utility's grids, as GeoJSON with areas in m²; ``text`` says
    them one a line in the Accept-Language header's language, English when there is none."""
    report = service.coverage(session, actor=principal, utility=utility, overlap_tolerance_m2=overlap_tolerance_m2, gap_tolerance_m2=gap_tolerance_m2)
    return {"ok": report.ok, "text": report.to_text(api_locale(request)), "geojson": report.to_geojson()}


@router.post("/import", status_code=status.HTTP_200_OK)
async def import_grids(
    session: DbSession,
    principal: CurrentPrincipal,
    state: State,
    file: UploadFile = File(..., description="GeoJSON FeatureCollection (RFC 7946), GeoPackage, or zipped Shapefile"),
    org_unit_id: int = Form(...),
    crs: str = Form("WGS84"),
    repair: bool = Form(False),
) -> dict[str, Any]:
    require(principal, Action.GRIDS_MANAGE)  # before reading and parsing a file of up to MAX_UPLOAD
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput.field("file", T_("larger than %(n)s MiB", n=MAX_UPLOAD // 1024 // 1024))
    document = read_grid_file(data, filename=file.filename or "grids.geojson")
    if crs.upper().replace("-", "") not in ("WGS84", "GCJ02"):
        raise InvalidInput.field("crs", T_("must be WGS84 or GCJ02"))
    try:
        shapes = parse_grid_features(document, crs=crs.upper().replace("-", ""), repair=repair)
    except GeometryImportError as exc:
        raise InvalidInput.many([FieldProblem(f"features[{p.feature_index}]" + (f" ({p.code})" if p.code else "") + f".{p.field}", p.reason) for p in exc.problems]) from None
    summary = service.import_grids(session, actor=principal, now=state.clock.now(), shapes=shapes, org_unit_id=org_unit_id)
    return summary.__dict__


@router.get("/{grid_id}")
def get_grid(grid_id: int, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    grid = service.get_grid(session, actor=principal, grid_id=grid_id)
    row = next((r for r in queries.grid_rows(session, actor=principal, utility=grid.utility) if r["id"] == grid_id), {})
    versions = [
        {"version": v.version, "name": v.name, "rep_id": v.rep_id, "backup_id": v.backup_id, "effective_from": v.effective_from, "effective_to": v.effective_to, "reason": v.reason}
        for v in service.versions(session, actor=principal, grid_id=grid_id)
    ]
    return {**row, "geometry": json.loads(grid.geometry) if grid.geometry else None, "versions": versions}
