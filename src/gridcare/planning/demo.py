"""Demo planning data: a hexagonal lattice of basic units over the demo city's electric
service area, measured from the demo customers, network and order history, and one
proposal that re-cuts today's electric grids with minimum disruption. Deterministic."""

from __future__ import annotations

from collections.abc import Callable

from gridcare.core.clock import Clock
from gridcare.core.principal import system_principal
from gridcare.db import Database

CELL_M = 1000.0  # about 450 cells, crowded ones quartered: a few seconds to measure and design


def load_demo(db: Database, clock: Clock, *, seed: int, progress: Callable[[str, int, int], None]) -> None:
    from sqlalchemy import func, select

    from gridcare.grids.models import Grid
    from gridcare.planning import proposals, service

    actor = system_principal("demo")
    with db.write() as session:
        if not session.scalar(select(func.count(Grid.id)).where(Grid.utility == "electric", Grid.geometry.is_not(None))):
            return
        progress("planning units", 0, 2)
        service.generate_units(session, actor=actor, now=clock.now(), utility="electric", cell_m=CELL_M, lattice="hex")
        progress("planning units", 1, 2)
        today = session.scalar(select(func.count(Grid.id)).where(Grid.utility == "electric", Grid.geometry.is_not(None)))
        proposals.design_proposal(
            session, actor=actor, now=clock.now(), utility="electric", name="均衡工作量（最小调整）", k=int(today), minimum_disruption=True, use_forecast=True, seed=seed,
        )
        progress("planning units", 2, 2)
