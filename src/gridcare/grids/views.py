"""Pages: the grid map, a grid's page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gridcare.customers import service as customers
from gridcare.grids import queries, service
from gridcare.web.deps import CurrentPrincipal, DbSession
from gridcare.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/grids", response_class=HTMLResponse)
def grid_map(request: Request, session: DbSession, principal: CurrentPrincipal, utility: str = "electric", measure: str = "customers") -> HTMLResponse:
    rows = queries.grid_rows(session, actor=principal, utility=utility)
    if measure not in queries.MEASURES:
        measure = "customers"
    return render(request, "grids/map.html", principal=principal, rows=rows, utility=utility, measure=measure, measures=queries.MEASURES)


@router.get("/grids/{grid_id}", response_class=HTMLResponse)
def grid_page(grid_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, page: int = 1) -> HTMLResponse:
    grid = service.get_grid(session, actor=principal, grid_id=grid_id)
    row = next(r for r in queries.grid_rows(session, actor=principal, utility=grid.utility) if r["id"] == grid_id)
    page = max(1, page)
    people, total = customers.search(session, actor=principal, grid_id=grid_id, limit=50, offset=(page - 1) * 50)
    from gridcare.customers.queries import summaries
    from gridcare.network import service as network

    return render(
        request,
        "grids/detail.html",
        principal=principal,
        grid=grid,
        row=row,
        customers=summaries(session, people),
        total=total,
        page=page,
        pages=max(1, (total + 49) // 50),
        versions=service.versions(session, actor=principal, grid_id=grid_id),
        assets=network.counts_by_grid(session).get(grid_id, {}),
    )
