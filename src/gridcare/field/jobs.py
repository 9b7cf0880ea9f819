"""Periodic jobs of the field domain (imported at start-up): patrol tasks generated ahead,
late and missed patrols flagged to the supervisors, visit plans kept in step with the tags
and overdue visits flagged to the reps. Each job is idempotent, so a worker that was down
catches up on its first round."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gridcare.jobs import in_chunks, periodic


@periodic("field.generate", every=timedelta(hours=1))
def generate_tasks(ctx: Any) -> None:
    from gridcare.field import patrols

    with ctx.db.write() as session:
        patrols.generate(session, now=ctx.clock.now())


@periodic("field.overdue", every=timedelta(minutes=15))
def flag_overdue(ctx: Any) -> None:
    from gridcare.field import patrols, visits

    now = ctx.clock.now()
    with ctx.db.read() as session:
        late_patrols = patrols.find_overdue(session, now=now)
        late_visits = visits.find_overdue(session, now=now)
    in_chunks(ctx.db, late_patrols, lambda session, ids: patrols.flag_overdue(session, now=now, ids=ids))
    in_chunks(ctx.db, late_visits, lambda session, ids: visits.flag_overdue(session, now=now, ids=ids))


@periodic("field.visit_plans", every=timedelta(hours=6))
def sync_visit_plans(ctx: Any) -> None:
    from gridcare.field import visits

    with ctx.db.write() as session:
        visits.sync_plans(session, now=ctx.clock.now())
