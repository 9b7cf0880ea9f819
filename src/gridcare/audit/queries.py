"""Read-side of the audit trail, scoped like everything else."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.audit.models import AuditEntry
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require, scoped
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal


def list_entries(
    session: Session, *, actor: Principal, entity: str | None = None, entity_id: str | None = None, limit: int = 100, before_id: int | None = None
) -> list[AuditEntry]:
    require(actor, Action.AUDIT_READ)
    if not 1 <= limit <= 1000:
        raise InvalidInput.field("limit", T_("must be between %(low)s and %(high)s", low=1, high=1000))
    stmt = scoped(select(AuditEntry), actor, org_path=AuditEntry.org_path)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if before_id:
        stmt = stmt.where(AuditEntry.id < before_id)
    return list(session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit)))
