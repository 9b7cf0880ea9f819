from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from gridcare.audit import queries
from gridcare.web.deps import CurrentPrincipal, DbSession

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    stream: str
    seq: int
    at: datetime
    actor: str
    origin: str
    action: str
    entity: str
    entity_id: str
    before: str
    after: str
    hash: str


@router.get("", response_model=list[AuditEntryOut])
def list_entries(session: DbSession, principal: CurrentPrincipal, entity: str | None = None, entity_id: str | None = None, limit: int = 100, before_id: int | None = None) -> list[AuditEntryOut]:
    rows = queries.list_entries(session, actor=principal, entity=entity, entity_id=entity_id, limit=limit, before_id=before_id)
    return [AuditEntryOut.model_validate(r) for r in rows]
