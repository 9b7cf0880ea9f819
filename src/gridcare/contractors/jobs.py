"""Periodic jobs of the contractors domain: tell customers of work starting soon."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gridcare.jobs import in_chunks, periodic


@periodic("contractors.notices", every=timedelta(minutes=10))
def notices(ctx: Any) -> None:
    """A stored deadline, not a timer: a worker that was down tells them on its next round."""
    from gridcare.contractors import notifying, service

    now, config = ctx.clock.now(), notifying.config(ctx.settings)
    with ctx.db.read() as session:
        due = service.find_due(session, now=now)
    # A project's customers are told in one transaction (its notice is one fact), one project at a time.
    in_chunks(ctx.db, due, lambda session, ids: service.tell_due(session, now=now, config=config, ids=ids), size=1)
