"""Periodic jobs of the alerts domain: the hourly repair cells and the hot topics every hour,
the daily cells and the rule alerts once a day (shortly after local midnight, when yesterday is complete)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gridcare.alerts import service
from gridcare.jobs import in_chunks, periodic


@periodic("alerts.hourly", every=timedelta(hours=1))
def hourly(ctx: Any) -> None:
    """The repair cells of the last two complete hours (a round that ran late still sees the
    hour before, and the dedupe key makes a second look at the same hour harmless), and the
    hot topics of the last hours."""
    now = ctx.clock.now()
    with ctx.db.read() as session:
        found, _ = service.find(session, now=now, since=now - timedelta(hours=2), daily=False, with_rules=False, with_topics=True)
    in_chunks(ctx.db, found, lambda session, chunk: service.raise_found(session, now=now, found=list(chunk)))


@periodic("alerts.daily", every=timedelta(days=1))
def daily(ctx: Any) -> None:
    now = ctx.clock.now()
    with ctx.db.read() as session:
        found, _ = service.find(session, now=now, hourly=False, with_rules=True)
    in_chunks(ctx.db, found, lambda session, chunk: service.raise_found(session, now=now, found=list(chunk)))
