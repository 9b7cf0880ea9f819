"""What the patrol benches share: one electric company with one grid, ``count`` transformers
scattered in it (T00000, T00001, …), and the grid's assets assigned to it."""

from __future__ import annotations

import random
from datetime import datetime

from shapely.geometry import box
from sqlalchemy.orm import Session

from gridcare.auth import service as auth
from gridcare.core.principal import system_principal
from gridcare.grids import service as grids
from gridcare.network import service as network
from gridcare.network.topology import AssetRecord


def transformer_grid(session: Session, *, rng: random.Random, count: int, now: datetime) -> int:
    """The grid's id."""
    actor = system_principal("bench")
    unit = auth.create_org_unit(session, actor=actor, now=now, code="B", name="bench", kind="company", utility="electric", parent_id=None)
    grid = grids.create_grid(session, actor=actor, now=now, code="G", name="bench grid", org_unit_id=unit.id, geometry=box(112.9, 28.1, 113.0, 28.2))
    records = [AssetRecord("SUB", "substation", None, "sub", 112.95, 28.15), AssetRecord("F1", "feeder", "SUB", "feeder", 112.95, 28.14)]
    records += [AssetRecord(f"T{i:05d}", "transformer", "F1", f"T{i}", 112.9 + rng.random() * 0.1, 28.1 + rng.random() * 0.1) for i in range(count)]
    network.import_electric(session, actor=actor, now=now, records=records)
    grids.reassign_all(session, now=now, reason="bench")
    return grid.id
