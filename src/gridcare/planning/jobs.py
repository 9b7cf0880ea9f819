"""Periodic jobs and outbox handlers of the planning domain (imported at start-up)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gridcare.jobs import periodic


@periodic("planning.adopt_due", every=timedelta(minutes=5))
def adopt_due(ctx: Any) -> None:
    """A proposal adopted for a later date is a stored date, not a timer: a worker that was
    down applies it on its first round after."""
    from gridcare.core.principal import system_principal
    from gridcare.planning import adoption

    with ctx.db.write() as session:
        adoption.apply_due(session, actor=system_principal("worker"), now=ctx.clock.now())
