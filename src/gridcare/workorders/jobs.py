from __future__ import annotations

from datetime import timedelta
from typing import Any

from gridcare.jobs import UNFINISHED, periodic
from gridcare.workorders import service

SWEEP_CHUNK = 25
# Chunks per round: then the worker delivers a batch of the outbox before going on.
SWEEP_CHUNKS_PER_ROUND = 4


@periodic("workorders.sweep", every=timedelta(seconds=30))
def sweep(ctx: Any) -> str | None:
    """Escalate late orders. Deadlines are stored columns, so orders that fell due while the
    platform was down escalate on the first sweep after the restart, once per rung."""
    now = ctx.clock.now()
    with ctx.db.read() as session:
        if not service.anything_due(session, now=now):
            return None  # the usual round: no writer taken
    for _ in range(SWEEP_CHUNKS_PER_ROUND):
        # Small transactions: after downtime thousands fall due at once, and intake waits for the writer.
        with ctx.db.write() as session:
            if service.sweep(session, now=ctx.clock.now(), limit=SWEEP_CHUNK) < SWEEP_CHUNK:
                return None
    return UNFINISHED
