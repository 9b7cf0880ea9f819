"""Periodic jobs of the arrears domain: flag overdue follow-ups to their reps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gridcare.jobs import periodic


@periodic("arrears.overdue", every=timedelta(minutes=15))
def overdue(ctx: Any) -> None:
    from gridcare.arrears import service
    from gridcare.contractors import notifying

    with ctx.db.write() as session:
        service.flag_overdue(session, now=ctx.clock.now(), config=notifying.config(ctx.settings))
