"""The hotline's supervisors hear of a planned outage that leaves the roster short: the hours
its calls raise the need in where fewer agents are on the roster than it now asks for.
Planned outages are set by the dispatchers, days ahead; the roster is the hotline's. This
job joins them, so nobody has to look."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from gridcare.auth import service as auth
from gridcare.calls import rosters, surge
from gridcare.core.clock import SHANGHAI
from gridcare.core.principal import system_principal
from gridcare.notify import service as notify
from gridcare.notify import templates
from gridcare.outages import service as outages

templates.register_directory(Path(__file__).resolve().parent / "messages")

AHEAD = timedelta(days=14)  # a roster is filled a week or two ahead


def _span_text(week_start: datetime, spans: list[tuple[int, int, int, int]]) -> str:
    """"12-16 09:00–15:00 (3/5)": dates, not weekday names, so one text serves every language."""
    out = []
    for start, hours, on, needed in spans:
        first = (week_start + timedelta(hours=start)).astimezone(SHANGHAI)
        last = (week_start + timedelta(hours=start + hours)).astimezone(SHANGHAI)
        until = f"{last:%H:%M}" if last.date() == first.date() else f"{last:%m-%d %H:%M}"
        out.append(f"{first:%m-%d %H:%M}–{until} ({on}/{needed})")
    return ", ".join(out)


def short(session: Session, *, company: Any, now: datetime) -> list[dict[str, Any]]:
    """The company's planned outages of the next ``AHEAD`` whose calls leave hours still ahead
    short on the roster, each with those hours and the Monday of their week."""
    actor = system_principal("calls")
    coming = outages.planned_between(session, utility=company.utility, start=now, end=now + AHEAD + surge.BEFORE, statuses=("scheduled",))
    weeks: dict[Any, Any] = {}
    found = []
    for o in sorted(coming, key=lambda o: (o["starts_at"], o["id"])):
        first, last = surge.window(o["starts_at"], o["ends_at"] or o["starts_at"])
        first = max(first, now)
        spans_by_week = []
        day = first.astimezone(SHANGHAI).date()
        while day <= last.astimezone(SHANGHAI).date():
            monday = day - timedelta(days=day.weekday())
            if monday not in weeks:
                weeks[monday] = rosters.week(session, actor=actor, now=now, monday=monday, company=company.code)
            week = weeks[monday]
            start = datetime.combine(monday, datetime.min.time(), tzinfo=SHANGHAI)
            own = next((x["hours"] for x in week["outage_calls"]["outages"] if x["id"] == o["id"]), [0.0] * surge.WEEK_HOURS)
            mine = surge.answers_for(own, week["outage_calls"]["extra"])
            if spans := surge.short_in_window(week["need"], week["usual_need"], week["on_roster"], week_start=start, first=first, last=last, mine=mine):
                spans_by_week.append((monday, _span_text(start, spans)))
            day = monday + timedelta(days=7)
        if spans_by_week:
            found.append(o | {"weeks": spans_by_week})
    return found


def tell(session: Session, *, now: datetime) -> list[str]:
    """Each company's supervisors hear of each planned outage that leaves its roster short,
    once for each version of the outage (new times are news). Returns the outages' numbers."""
    told = []
    for company, listeners in auth.companies_with_supervisors(session):
        for o in short(session, company=company, now=now):
            context = {
                "number": o["number"], "area": o["area"], "starts": f"{o['starts_at'].astimezone(SHANGHAI):%m-%d %H:%M}", "week": o["weeks"][0][0].isoformat(),
                "hours": "; ".join(text for _monday, text in o["weeks"]),
            }
            for user_id in listeners:
                notify.notify_user(session, now=now, user_id=user_id, event="roster.outage_short", context=context, urgent=False, source=("outage", o["id"]),
                                   dedupe=f"outage-roster:{o['id']}:{o['version']}")
            told.append(o["number"])
    return told
