"""Scoping in SQL: the same rule as ``rules.can_see``, as a WHERE clause, so lists never load
what the principal may not see."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, false, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from gridcare.auth.models import OrgUnit
from gridcare.auth.rules import Action, can, holds_utility
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


def company_paths(session: Session, utility: str) -> list[str]:
    return list(session.scalars(select(OrgUnit.path).where(OrgUnit.kind == "company", OrgUnit.utility == utility)))


def require_utility(session: Session, actor: Principal, utility: str) -> None:
    """Utility-wide records (network, SLA rules, grid designs) of another company are refused."""
    if not holds_utility(actor, company_paths(session, utility)):
        raise Forbidden(f"utility: {utility} belongs to a company outside your scope")


def utilities_held(session: Session, actor: Principal, candidates: tuple[str, ...] = ("electric", "water", "gas")) -> list[str]:
    return [u for u in candidates if holds_utility(actor, company_paths(session, u))]
