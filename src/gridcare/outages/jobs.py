from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from gridcare import outbox
from gridcare.jobs import periodic
from gridcare.outages import rules, service, states
from gridcare.outages.models import Outage


def send_due_notices(session: Any, *, now: Any) -> int:
    """Planned notices that fell due (the advance one, the day's reminder), then begin the
    planned outages whose start has come. Returns messages recorded."""
    horizon = now + timedelta(days=rules.MAX_NOTICE_DAYS + 1)
    stmt = select(Outage).where(
        Outage.status == states.Status.SCHEDULED.value, Outage.starts_at <= horizon, (Outage.advance_sent_at.is_(None)) | (Outage.day_sent_at.is_(None))
    ).order_by(Outage.starts_at)
    sent = sum(service.send_planned_notices(session, now=now, outage=o) for o in session.scalars(stmt).all())
    service.begin_due(session, now=now)
    return sent


@periodic("outages.notices", every=timedelta(minutes=5))
def notices(ctx: Any) -> None:
    """Notices are stored deadlines, not timers: a worker that was down sends the ones that
    fell due meanwhile on its first round."""
    with ctx.db.write() as session:
        send_due_notices(session, now=ctx.clock.now())


@outbox.handler("outages.triage", lane="triage")
def triage(message: outbox.Message, ctx: Any) -> None:
    """Triage a repair call with its feeder's recent calls (outages.storm). A storm brings
    many calls per second under one feeder: a call the feeder's last analysis already
    weighed is skipped, whichever worker ran it."""
    from gridcare.outages import storm

    data = message.payload
    coverage = ctx.extras.get("triage_coverage")
    if coverage is None:
        coverage = ctx.extras["triage_coverage"] = storm.coverage_for(ctx.settings.redis_url, ctx.db.url)
    utility, point, order_id, taken_at = data["utility"], data["supply_point"], int(data["order_id"]), data.get("taken_at")
    if coverage.covered(utility, point, order_id, taken_at=taken_at):
        return
    storm.triage_call(ctx.db, now=ctx.clock.now(), supply_point=point, utility=utility, order_id=order_id, taken_at=taken_at, coverage=coverage)
