"""Periodic jobs of the campaigns domain: release the campaigns whose send time has come."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gridcare.jobs import periodic


@periodic("campaigns.release", every=timedelta(minutes=1))
def release(ctx: Any) -> None:
    from gridcare.campaigns import service
    from gridcare.contractors import notifying

    with ctx.db.write() as session:
        service.release_due(session, now=ctx.clock.now(), config=notifying.config(ctx.settings))
