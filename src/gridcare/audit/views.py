from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gridcare.audit import queries
from gridcare.web.deps import CurrentPrincipal, DbSession
from gridcare.web.render import render

router = APIRouter(include_in_schema=False)


def _flat(record: dict[str, object], prefix: str = "") -> dict[str, object]:
    """Nested records as dotted fields ("payload.households"), so that a change shows as the
    fields that changed, not as a Python dict; lists read as JSON."""
    flat: dict[str, object] = {}
    for key, value in record.items():
        if isinstance(value, dict) and value:
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value
    return flat


def _changes(before: str, after: str) -> list[tuple[str, object, object]]:
    """The fields that changed, for display."""
    old, new = json.loads(before) or {}, json.loads(after) or {}
    if not isinstance(old, dict) or not isinstance(new, dict):
        return [("", old, new)]
    old, new = _flat(old), _flat(new)
    return [(k, old.get(k), new.get(k)) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: DbSession, principal: CurrentPrincipal, entity: str | None = None, entity_id: str | None = None, before_id: int | None = None) -> HTMLResponse:
    rows = queries.list_entries(session, actor=principal, entity=entity or None, entity_id=entity_id or None, limit=100, before_id=before_id)
    entries = [(r, _changes(r.before, r.after)) for r in rows]
    return render(request, "admin/audit.html", principal=principal, entries=entries, entity=entity or "", entity_id=entity_id or "")
