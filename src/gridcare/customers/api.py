"""REST: customer search, detail (with upstream chain), phone lookup, import."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel

from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.core.errors import InvalidInput
from gridcare.core.http import api_locale
from gridcare.core.i18n import T_, in_language
from gridcare.customers import queries, service
from gridcare.customers.importing import parse_customers
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State

router = APIRouter(prefix="/api/v1/customers", tags=["customers"], dependencies=[CsrfChecked])
MAX_UPLOAD = 200 * 1024 * 1024


class CustomerOut(BaseModel):
    id: int
    account: str
    name: str
    address: str
    utility: str
    lon: float | None
    lat: float | None
    phones: list[str]
    tags: list[str]
    grid_id: int | None
    grid_code: str | None
    supply_point: str | None


class CustomerPage(BaseModel):
    total: int
    items: list[CustomerOut]


@router.get("", response_model=CustomerPage)
def search(session: DbSession, principal: CurrentPrincipal, q: str = "", grid_id: int | None = None, tag: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    if not 1 <= limit <= 500:
        raise InvalidInput.field("limit", T_("must be between %(low)s and %(high)s", low=1, high=500))
    rows, total = service.search(session, actor=principal, query=q, grid_id=grid_id, tag=tag, limit=limit, offset=max(0, offset))
    return {"total": total, "items": queries.summaries(session, rows)}


@router.get("/lookup", response_model=list[CustomerOut])
def lookup(session: DbSession, principal: CurrentPrincipal, phone: str) -> list[dict[str, Any]]:
    """Customers with this phone number, however it is formatted (+86, 0731-, spaces …)."""
    return queries.summaries_by_phone(session, actor=principal, phone=phone)


class Suggestion(CustomerOut):
    score: float
    matched: list[str]


@router.get("/suggest", response_model=list[Suggestion])
def suggest(session: DbSession, principal: CurrentPrincipal, address: str, limit: int = 8) -> list[dict[str, Any]]:
    """Customers (and so grids) matching an address a caller gave, best first."""
    found = service.suggest_by_address(session, actor=principal, text=address, limit=max(1, min(limit, 50)))
    rows = queries.summaries(session, [c for c, _s, _m in found])
    return [{**row, "score": round(score, 3), "matched": list(matched)} for row, (_c, score, matched) in zip(rows, found, strict=True)]


@router.get("/{customer_id}")
def detail(customer_id: int, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    return queries.detail(session, actor=principal, customer_id=customer_id)


@router.post("/import")
async def import_file(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    state: State,
    file: UploadFile = File(..., description="CSV (UTF-8 or GBK) or XLSX with account, name, phones, address, lon, lat, utility, supply_point, tags, meters, notes"),
    org_unit_id: int = Form(...),
    skip_bad_rows: bool = Form(False),
    crs: str = Form("WGS84"),
) -> dict[str, Any]:
    from gridcare.auth import service as auth

    require(principal, Action.GRIDS_MANAGE)  # before reading and parsing a file of up to 200 MiB
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput.field("file", T_("larger than %(n)s MiB", n=200))
    unit = auth.get_org_unit(session, actor=principal, org_unit_id=org_unit_id)
    crs = crs.upper().replace("-", "")
    if crs not in ("WGS84", "GCJ02"):
        raise InvalidInput.field("crs", T_("must be %(first)s or %(second)s", first="WGS84", second="GCJ02"))
    parsed = parse_customers(data, filename=file.filename or "", crs=crs)
    result = service.import_customers(session, actor=principal, now=state.clock.now(), parsed=parsed, org_path=unit.path, skip_bad_rows=skip_bad_rows)
    locale = api_locale(request)
    return {**result.__dict__, "problems_detail": [{"line": p.line, "field": p.field, "reason": in_language(p.reason, locale)} for p in parsed.problems[:1000]]}
