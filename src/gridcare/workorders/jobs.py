from __future__ import annotations

from datetime import timedelta
from typing import Any

from gridcare.jobs import periodic
from gridcare.workorders import service


@periodic("workorders.sweep", every=timedelta(seconds=30))
def sweep(ctx: Any) -> None:
    """Escalate late orders. Deadlines are stored columns, so orders that fell due while the
    platform was down escalate on the first sweep after the restart, once per rung."""
    while True:
        with ctx.db.write() as session:
            if service.sweep(session, now=ctx.clock.now()) < 500:
                return
