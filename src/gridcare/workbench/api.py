"""REST: the workbench — what waits on the caller now, as the home page shows it."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from gridcare.core import i18n
from gridcare.core.http import api_locale
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.web.nav import pages_of
from gridcare.workbench import service
from gridcare.workorders.models import next_due

router = APIRouter(prefix="/api/v1/workbench", tags=["workbench"], dependencies=[CsrfChecked])


class TileOut(BaseModel):
    key: str = Field(description="What is counted, e.g. orders.late, tasks.open, alerts.open.")
    label: str = Field(description="The figure's name in the language of Accept-Language.")
    count: int
    href: str = Field(description="The page that lists what is counted.")
    tone: str = Field(description="alert, warn or calm: how pressing a non-zero count is.")


class NextOrderOut(BaseModel):
    id: int
    number: str
    category: str
    status: str
    escalation_level: int
    next_due_at: datetime | None = Field(description="The order's next deadline as the queue sorts it.")


class UnitTaskOut(BaseModel):
    id: int
    order_id: int
    order_number: str
    title: str
    due_at: datetime
    overdue: bool


class WorkbenchOut(BaseModel):
    as_of: datetime
    tiles: list[TileOut]
    next_orders: list[NextOrderOut] = Field(description="The caller's most urgent orders: their own if they handle orders, else their scope's.")
    unit_tasks: list[UnitTaskOut] = Field(description="Open tasks of the caller's department or contractor, soonest due first.")


@router.get("", response_model=WorkbenchOut)
def workbench(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> WorkbenchOut:
    """The figures the caller's role looks at first (their tiles on the home page), the most
    urgent orders and their unit's tasks. Each tile links to the page that lists it."""
    now = state.clock.now()
    found = service.workbench(session, actor=principal, now=now, pages=pages_of(principal.role))
    locale = api_locale(request)
    return WorkbenchOut(
        as_of=now,
        tiles=[TileOut(key=t.key, label=i18n.gettext(locale, t.label), count=t.count, href=t.href, tone=t.tone) for t in found.tiles],
        next_orders=[
            NextOrderOut(id=o.id, number=o.number, category=o.category, status=o.status, escalation_level=o.escalation_level, next_due_at=next_due(o))
            for o in found.next_orders or []
        ],
        unit_tasks=[UnitTaskOut(id=t.id, order_id=o.id, order_number=o.number, title=t.title, due_at=t.due_at, overdue=t.due_at < now) for t, o in found.unit_tasks or []],
    )
