"""Outbox handlers and periodic jobs of this domain, imported at start-up (main.load_plugins).

Screen pops ride the shared "push" topic (worker.py), so only the QA sampling job, the
checks of the roster against planned outages and against today's calls, and the one for
handovers nobody took over are here."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from gridcare.calls import quality
from gridcare.core.clock import SHANGHAI
from gridcare.core.principal import system_principal
from gridcare.jobs import periodic


def yesterday(now: datetime) -> tuple[datetime, datetime]:
    """Yesterday in local time: the day whose calls have all ended by now."""
    today = datetime.combine(now.astimezone(SHANGHAI).date(), time(0), tzinfo=SHANGHAI)
    return today - timedelta(days=1), today


@periodic("calls.qa_sample", every=timedelta(hours=1))
def sample_yesterday(ctx: Any) -> None:
    """Pick yesterday's calls for review. Hourly, not daily: a worker that was down at
    midnight catches up, and a repeated run adds nothing (the sample is a hash of the ids)."""
    now = ctx.clock.now()
    start, end = yesterday(now)
    with ctx.db.write() as session:
        quality.sample(session, actor=system_principal("worker"), now=now, start=start, end=end)


@periodic("calls.outage_roster", every=timedelta(minutes=30))
def outage_roster(ctx: Any) -> None:
    """Tell the hotline's supervisors of planned outages that leave the roster short. Each is
    told once per version of the outage, so a run every half hour repeats nothing."""
    from gridcare.calls import outage_roster as checks

    with ctx.db.write() as session:
        checks.tell(session, now=ctx.clock.now())


@periodic("calls.busy_day", every=timedelta(minutes=15))
def busy_day(ctx: Any) -> None:
    """Tell the hotline's supervisors when today runs well above the forecast with hours ahead
    short; each step once a day, so a run every quarter hour repeats nothing."""
    from gridcare.calls import busy_day as checks

    with ctx.db.write() as session:
        checks.tell(session, now=ctx.clock.now())


@periodic("calls.month_digest", every=timedelta(hours=1))
def month_digest(ctx: Any) -> None:
    """In a month's first week, tell the hotline's supervisors which agents last month's
    appraisal flags; once per company and month, so the hourly run repeats nothing."""
    from gridcare.calls import appraisals

    with ctx.db.write() as session:
        appraisals.tell_month(session, now=ctx.clock.now())


@periodic("calls.handover_late", every=timedelta(minutes=5))
def handover_late(ctx: Any) -> None:
    """Tell the supervisors of handovers nobody took over in time; each once."""
    from gridcare.calls import handovers

    with ctx.db.write() as session:
        handovers.tell_late(session, now=ctx.clock.now())
