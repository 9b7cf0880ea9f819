from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gridcare.audit import queries
from gridcare.web.deps import CurrentPrincipal, DbSession
from gridcare.web.render import render

router = APIRouter(include_in_schema=False)


def _changes(before: str, after: str) -> list[tuple[str, object, object]]:
    """The fields that changed, for display."""
    old, new = json.loads(before) or {}, json.loads(after) or {}
    if not isinstance(old, dict) or not isinstance(new, dict):
        return [("", old, new)]
    return [(k, old.get(k), new.get(k)) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: DbSession, principal: CurrentPrincipal, entity: str | None = None, entity_id: str | None = None, before_id: int | None = None) -> HTMLResponse:
    rows = queries.list_entries(session, actor=principal, entity=entity or None, entity_id=entity_id or None, limit=100, before_id=before_id)
    entries = [(r, _changes(r.before, r.after)) for r in rows]
    return render(request, "admin/audit.html", principal=principal, entries=entries, entity=entity or "", entity_id=entity_id or "")
