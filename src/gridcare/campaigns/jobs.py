"""Periodic jobs of the campaigns domain: release the campaigns whose send time has come."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gridcare.jobs import in_chunks, periodic


@periodic("campaigns.release", every=timedelta(minutes=1))
def release(ctx: Any) -> None:
    from gridcare.campaigns import service
    from gridcare.contractors import notifying

    now, config = ctx.clock.now(), notifying.config(ctx.settings)
    with ctx.db.read() as session:
        due = service.find_due(session, now=now)
    # A campaign goes out in one transaction (all its messages or none), one campaign at a time.
    in_chunks(ctx.db, due, lambda session, ids: service.release_due(session, now=now, config=config, ids=ids), size=1)
