"""REST: contact cards — the printable PDF of grids' cards and stickers (staff), and the
public report API behind the QR code (anonymous: an SMS code, then the report)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from gridcare.cards import pdf, service
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State, WritesOnGet

# Staff routes check CSRF; the public ones are anonymous, reached from a phone's browser or
# an app, and guarded by the SMS code and the rate limits instead.
router = APIRouter(prefix="/api/v1/cards", tags=["cards"])
staff = APIRouter(dependencies=[CsrfChecked])


class CodeIn(BaseModel):
    phone: str = Field(max_length=40)


class ReportIn(BaseModel):
    phone: str = Field(max_length=40)
    code: str = Field(max_length=10)
    category: str = Field(default="repair", description="repair, consultation, complaint, suggestion or praise")
    description: str = Field(max_length=1000)
    name: str = Field(default="", max_length=50)
    address: str = Field(default="", max_length=200)


def client_of(request: Request) -> str:
    return request.client.host if request.client else "?"


@staff.get("/grids", dependencies=[WritesOnGet])
def grids(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> list[dict[str, Any]]:
    """Grids in your scope with their rep and the public report link of their cards."""
    cards = service.cards_for(session, actor=principal, now=state.clock.now(), base_url=str(request.base_url))
    return [{"grid_code": c.grid_code, "grid_name": c.grid_name, "rep_name": c.rep_name, "rep_phone": c.rep_phone, "url": c.url} for c in cards]  # type: ignore[attr-defined]


@staff.get("/pdf", response_model=None, dependencies=[WritesOnGet])
def cards_pdf(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, grid: Annotated[list[str] | None, Query()] = None) -> Response:
    """The PDF: one A4 page per grid (``grid`` codes; all in your scope when none)."""
    cards = service.cards_for(session, actor=principal, now=state.clock.now(), base_url=str(request.base_url), grid_codes=grid, data_dir=state.settings.data_dir)
    name = f"cards-{grid[0]}.pdf" if grid and len(grid) == 1 else "cards.pdf"
    return Response(pdf.render(cards), media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})  # type: ignore[arg-type]


@router.post("/public/{token}/code", status_code=status.HTTP_202_ACCEPTED)
def request_code(token: str, body: CodeIn, request: Request, session: DbSession, state: State) -> dict[str, Any]:
    """Send a confirmation code to the phone (limited per phone and per address: 429)."""
    row = service.request_code(session, now=state.clock.now(), token=token, phone=body.phone, client=client_of(request))
    return {"sent": True, "expires_at": row.expires_at}


@router.post("/public/{token}/reports", status_code=status.HTTP_201_CREATED, response_model=None)
def report(token: str, body: ReportIn, request: Request, session: DbSession, state: State) -> Any:
    """File the report with the code; it becomes a work order with the grid's rep."""
    from gridcare.core.http import domain_problem

    filed = service.submit_report(session, now=state.clock.now(), token=token, phone=body.phone, code=body.code, category=body.category, description=body.description,
                                  client=client_of(request), name=body.name, address=body.address)
    if filed.problem is not None:  # the failed attempt is counted: this transaction commits
        return domain_problem(request, filed.problem)
    return JSONResponse({"number": filed.number}, status_code=201)


router.include_router(staff)
