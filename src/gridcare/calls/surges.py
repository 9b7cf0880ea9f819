"""What planned outages bring to a company hotline's week (计划停电话务): the calls per
customer cut off, learned from its past planned outages, and the calls the week's own are
expected to bring, hour by hour (rules in ``surge``). Outages are the outages domain's: read
through its service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from gridcare.calls import surge
from gridcare.calls.models import CallRecord
from gridcare.core.clock import SHANGHAI
from gridcare.outages import service as outages

# A planned outage still ahead or under way carries calls; one restored early carries its last.
COMING = ("scheduled", "active", "restored")


@dataclass(frozen=True)
class Hotline:
    """What these reads need of a company: the utility whose outages count, and the path its
    hotline's calls are kept under (an org unit serves as well)."""

    utility: str
    path: str


def _end(found: dict[str, Any]) -> datetime:
    return found["restored_at"] or found["ends_at"] or found["starts_at"]


def _in_windows(company: Any, windows: dict[int, tuple[datetime, datetime]], *columns: Any) -> Any:
    """``columns`` of the calls to the company's hotline that the customers of these outages
    made within each one's window (outage id to window)."""
    pairs = outages.affected_pairs(list(windows)).subquery()
    return (
        select(*(pairs.c.outage_id if c == "outage_id" else c for c in columns))
        .join(pairs, pairs.c.customer_id == CallRecord.customer_id)
        .where(
            CallRecord.direction == "inbound", CallRecord.org_path.startswith(company.path, autoescape=True),
            or_(*(and_(pairs.c.outage_id == oid, CallRecord.started_at >= first, CallRecord.started_at < last) for oid, (first, last) in windows.items())),
        )
    )


def learned(session: Session, *, company: Any, now: datetime) -> surge.Learned:
    """The rate and phases of the calls the company's planned outages of the last
    ``surge.HISTORY`` brought, from those whose window has closed (restored two hours ago)."""
    past = [
        p for p in outages.planned_between(session, utility=company.utility, start=now - surge.HISTORY, end=now, statuses=("restored",), limit=surge.MAX_LEARNED)
        if surge.window(p["starts_at"], _end(p))[1] <= now
    ]
    if not past:
        return surge.learn([])
    calls: dict[int, list[datetime]] = {}
    for oid, at in session.execute(_in_windows(company, {p["id"]: surge.window(p["starts_at"], _end(p)) for p in past}, "outage_id", CallRecord.started_at)):
        calls.setdefault(oid, []).append(at)
    return surge.learn([surge.Past(p["starts_at"], _end(p), p["customers"], calls.get(p["id"], [])) for p in past])


def brought(session: Session, *, company: Any, start: datetime, end: datetime) -> Any:
    """The ids of the calls in [start, end) that planned outages brought (their customers'
    calls in their windows), as a statement to leave them out by; None when there were none:
    the typical week is the week without them, and the roster adds a dated week's own."""
    found = outages.planned_between(session, utility=company.utility, start=start - surge.AFTER, end=end + surge.BEFORE, statuses=COMING, limit=4 * surge.MAX_LEARNED)
    if not found:
        return None
    return _in_windows(company, {o["id"]: surge.window(o["starts_at"], _end(o)) for o in found}, CallRecord.id).where(CallRecord.started_at >= start, CallRecord.started_at < end)


def week(session: Session, *, company: Any, now: datetime, week_start: datetime, baseline: Sequence[float]) -> dict[str, Any]:
    """The planned outages whose calls fall in the week from ``week_start`` (a local Monday
    00:00), each with the calls expected in all, within the week and in each of its hours,
    the rate they were reckoned at, and the extra calls per hour of the week from them all
    (``baseline``: the typical week's)."""
    end = week_start + timedelta(hours=surge.WEEK_HOURS)
    found = outages.planned_between(session, utility=company.utility, start=week_start - surge.AFTER, end=end + surge.BEFORE, statuses=COMING)
    rate = learned(session, company=company, now=now)
    extra = [0.0] * surge.WEEK_HOURS
    listed = []
    for o in sorted(found, key=lambda o: (o["starts_at"], o["id"])):
        coming = surge.Coming(o["starts_at"], _end(o), o["customers"])
        hours = surge.spread(coming, rate, week_start=week_start, baseline=baseline)
        extra = [a + b for a, b in zip(extra, hours, strict=True)]
        listed.append(o | {"until": _end(o), "expected": coming.customers * rate.rate, "in_week": sum(hours), "hours": hours})
    return {"learned": rate, "outages": listed, "extra": extra}


def for_outage(session: Session, *, utility: str, customers: int, now: datetime) -> dict[str, Any] | None:
    """The calls a planned outage is expected to bring its company's hotline, in all and by
    phase, at the rate learned (``learned``); None when no company runs that utility."""
    from gridcare.auth.scoping import company_paths

    paths = sorted(company_paths(session, utility))
    if not paths:
        return None
    rate = learned(session, company=Hotline(utility, paths[0]), now=now)
    expected = customers * rate.rate
    return {"calls": expected, "by_phase": {name: expected * rate.shares.get(name, 0.0) for name in surge.PHASES}, "learned": rate}


def ahead(session: Session, *, company: Any, now: datetime, days: int = 14) -> list[dict[str, Any]]:
    """The company's planned outages of the next ``days`` not yet begun, soonest first, each
    with the calls it is expected to bring and the Monday of its week (its roster's)."""
    found = outages.planned_between(session, utility=company.utility, start=now, end=now + timedelta(days=days), statuses=("scheduled",))
    if not found:
        return []
    rate = learned(session, company=company, now=now)
    out = []
    for o in sorted(found, key=lambda o: (o["starts_at"], o["id"])):
        day = o["starts_at"].astimezone(SHANGHAI).date()
        out.append(o | {"until": _end(o), "expected": o["customers"] * rate.rate, "monday": day - timedelta(days=day.weekday())})
    return out
