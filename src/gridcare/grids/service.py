"""Grid use cases. Issue 3 adds geometry, versions, coverage and assignment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require, scoped
from gridcare.core.errors import Conflict, InvalidInput, NotFound
from gridcare.core.principal import Principal
from gridcare.grids.models import Grid


def grid_ids_for_rep(session: Session, *, user_id: int) -> frozenset[int]:
    """Grids a user answers for, as rep or as backup."""
    rows = session.scalars(select(Grid.id).where(or_(Grid.rep_id == user_id, Grid.backup_id == user_id)))
    return frozenset(rows)


def list_grids(session: Session, *, actor: Principal) -> list[Grid]:
    require(actor, Action.GRIDS_READ)
    stmt = scoped(select(Grid), actor, org_path=Grid.org_path, grid_id=Grid.id).order_by(Grid.code)
    return list(session.scalars(stmt))


def create_grid(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    code: str,
    name: str,
    org_unit_id: int,
    rep_id: int | None = None,
    backup_id: int | None = None,
) -> Grid:
    from gridcare.auth import service as auth

    require(actor, Action.GRIDS_MANAGE)
    code = code.strip()
    if not code:
        raise InvalidInput.field("code", "must not be empty")
    if session.scalar(select(Grid.id).where(Grid.code == code)) is not None:
        raise Conflict(f"code: grid {code!r} already exists", problems=[])
    unit = auth.get_org_unit(session, actor=actor, org_unit_id=org_unit_id)
    for field, user_id in (("rep_id", rep_id), ("backup_id", backup_id)):
        if user_id is not None and auth.find_user(session, user_id=user_id) is None:
            raise NotFound(f"{field}: no user {user_id}")
    grid = Grid(
        code=code,
        name=name.strip() or code,
        utility=unit.utility,
        org_unit_id=unit.id,
        org_path=unit.path,
        rep_id=rep_id,
        backup_id=backup_id,
        created_at=now,
    )
    session.add(grid)
    session.flush()
    audit.record(
        session,
        actor=actor,
        at=now,
        action="grid.create",
        entity="grid",
        entity_id=grid.id,
        after={"code": grid.code, "name": grid.name, "org_unit_id": unit.id, "rep_id": rep_id, "backup_id": backup_id},
        org_path=unit.path,
    )
    return grid
