"""Periodic jobs of the contractors domain: tell customers of work starting soon."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gridcare.jobs import periodic


@periodic("contractors.notices", every=timedelta(minutes=10))
def notices(ctx: Any) -> None:
    """A stored deadline, not a timer: a worker that was down tells them on its next round."""
    from gridcare.contractors import notifying, service

    with ctx.db.write() as session:
        service.tell_due(session, now=ctx.clock.now(), config=notifying.config(ctx.settings))
