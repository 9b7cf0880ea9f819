"""Periodic jobs of the analytics domain (imported at start-up): the rollup follows the
order events every minute; once a day, last month is closed into scorecard snapshots."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gridcare.jobs import periodic


@periodic("analytics.rollup", every=timedelta(minutes=1))
def refresh_rollup(ctx: Any) -> None:
    from gridcare.analytics import rollup

    with ctx.db.read() as session:
        found = rollup.pending(session)
    if found is not None:
        with ctx.db.write() as session:
            rollup.store(session, found, now=ctx.clock.now())


@periodic("analytics.snapshot", every=timedelta(hours=6))
def close_last_month(ctx: Any) -> None:
    """Snapshots are taken once; later rounds find the month closed and write nothing."""
    from gridcare.analytics import periods, rollup, scorecards
    from gridcare.core.principal import system_principal

    now = ctx.clock.now()
    with ctx.db.write() as session:
        rollup.refresh(session, now=now)
        scorecards.snapshot(session, actor=system_principal("worker"), now=now, month=periods.last_closed_month(now).label)
