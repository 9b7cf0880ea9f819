"""Scoping in SQL: the same rule as ``rules.can_see``, as a WHERE clause, so lists never load
what the principal may not see."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, false
from sqlalchemy.orm import InstrumentedAttribute

from gridcare.auth.rules import Action, can
from gridcare.core.errors import Forbidden
from gridcare.core.principal import Principal, Role

S = TypeVar("S", bound=Select[Any])


def require(actor: Principal, action: Action) -> None:
    if not can(actor, action):
        raise Forbidden(f"role {actor.role.value} may not {action.value}")


def scoped(
    stmt: S,
    actor: Principal,
    *,
    org_path: InstrumentedAttribute[str],
    grid_id: InstrumentedAttribute[Any] | None = None,
    contractor_id: InstrumentedAttribute[Any] | None = None,
) -> S:
    if actor.role is Role.CONTRACTOR:
        if contractor_id is None or actor.org_unit_id is None:
            return stmt.where(false())
        return stmt.where(contractor_id == actor.org_unit_id)
    stmt = stmt.where(org_path.startswith(actor.org_path, autoescape=True))
    if actor.role is Role.REP and grid_id is not None:
        stmt = stmt.where(grid_id.in_(sorted(actor.grid_ids)) if actor.grid_ids else false())
    return stmt
