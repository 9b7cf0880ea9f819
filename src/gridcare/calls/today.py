"""Today's hotline against its forecast and roster (日内话务跟踪): the calls so far against
those expected, and the hours still ahead at today's ratio (rules in ``intraday``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridcare.calls import intraday, reports, rosters
from gridcare.core.clock import SHANGHAI, as_utc


def today(session: Session, *, actor: Any, now: datetime, company: str | None = None, week: dict[str, Any] | None = None) -> dict[str, Any]:
    """The company's day so far and the hours ahead, from this week's roster (its forecast,
    planned outages and shifts; ``week``, when the caller has read it) and the calls offered
    since midnight."""
    local = now.astimezone(SHANGHAI)
    day = local.date()
    found = week or rosters.week(session, actor=actor, now=now, monday=day - timedelta(days=day.weekday()), company=company)
    first = 24 * day.weekday()
    hours = slice(first, first + 24)
    slots = found["slots"][hours]
    expected = [s.calls + extra for s, extra in zip(slots, found["outage_calls"]["extra"][hours], strict=True)]
    offered = [0] * 24
    midnight = as_utc(datetime.combine(day, time(0), tzinfo=SHANGHAI))
    if now > midnight:
        for b in reports.buckets(session, actor=actor, start=midnight, end=now, org_path=found["company_path"]):
            if b.day == day.isoformat():
                offered[b.hour] += b.calls
    asked = found["forecast"]
    tracked = intraday.track(
        expected, offered, now_hour=local.hour + local.minute / 60, aht=[s.aht_seconds for s in slots], planned=found["need"][hours], on_roster=found["on_roster"][hours],
        target_seconds=asked["target_seconds"], level=asked["service_level"] / 100, shrinkage=asked["shrinkage"] / 100,
    )
    return {"company": found["company"], "companies": found["companies"], "day": day, "offered": offered, "today": tracked}
