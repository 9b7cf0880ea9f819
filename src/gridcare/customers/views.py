"""Pages: customer search and the customer page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gridcare.customers import queries, service
from gridcare.web.deps import CurrentPrincipal, DbSession
from gridcare.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/customers", response_class=HTMLResponse)
def customer_search(request: Request, session: DbSession, principal: CurrentPrincipal, q: str = "", tag: str = "", page: int = 1) -> HTMLResponse:
    page = max(1, page)
    rows, total = service.search(session, actor=principal, query=q, tag=tag or None, limit=50, offset=(page - 1) * 50)
    return render(request, "customers/search.html", principal=principal, customers=queries.summaries(session, rows), total=total, q=q, tag=tag, page=page, pages=max(1, (total + 49) // 50), tags=service.TAGS)


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(customer_id: int, request: Request, session: DbSession, principal: CurrentPrincipal) -> HTMLResponse:
    return render(request, "customers/detail.html", principal=principal, c=queries.detail(session, actor=principal, customer_id=customer_id))
