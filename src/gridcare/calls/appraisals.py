"""The agents' month (座席考评): one company's agents, each with the calls they answered,
the callers' rating, the quality checks of their calls and how their shifts were kept,
beside the team's, flagged where a supervisor should look (rules in ``appraisal``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.calls import appraisal, periods, quality, reports, rosters, stats
from gridcare.core.clock import SHANGHAI, as_utc
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal, system_principal
from gridcare.notify import templates

templates.register_directory(Path(__file__).resolve().parent / "messages")


def _midnight(day: date) -> datetime:
    return as_utc(datetime.combine(day, time(0), tzinfo=SHANGHAI))


def month(session: Session, *, actor: Principal, now: datetime, month: str | None = None, company: str | None = None) -> dict[str, Any]:
    """The agents of ``company``'s hotline in ``month`` ("2026-11"; blank: this month, so far)."""
    require(actor, Action.CALLS_QA)
    return _month(session, actor=actor, now=now, month=month, company=company)


def mine(session: Session, *, actor: Principal, now: datetime, month: str | None = None) -> dict[str, Any]:
    """The reader's own month beside their team's (no colleague's row): what an agent is
    appraised on, seen as the supervisor sees it. ``agent`` is None for a reader who is not one
    of the hotline's agents."""
    require(actor, Action.CALLS_READ)
    chosen, _ = rosters.company(session, actor, None)
    found = _month(session, actor=system_principal("calls"), now=now, month=month, company=chosen.code)
    own = next((a for a in found["agents"] if a.user_id == actor.user_id), None)
    return {k: found[k] for k in ("company", "month", "current", "team")} | {"agent": own}


def _month(session: Session, *, actor: Principal, now: datetime, month: str | None, company: str | None) -> dict[str, Any]:
    from gridcare.auth import service as auth

    today = now.astimezone(SHANGHAI).date()
    first, after = periods.month(month, today=today)
    if first > today:
        raise InvalidInput.field("month", T_("must not be in the future"))
    chosen, companies = rosters.company(session, actor, company)
    start, end = _midnight(first), _midnight(after)
    found = reports.buckets(session, actor=actor, start=start, end=end, org_path=chosen.path)
    by_agent = stats.group(found, lambda b: b.agent_id)
    seated = {u.id: u for u in rosters.agents(session, actor, chosen.path)}
    # Those who answered calls count too, though they left the hotline or gave up their extension.
    gone = {i for i in by_agent if i is not None} - set(seated)
    users = seated | ({u.id: u for u in auth.list_users(session, actor=actor) if u.id in gone} if gone else {})
    ids = sorted(users)
    qa_by = {int(r["key"]): r for r in quality.results(session, actor=actor, start=start, end=end) if r["key"]}
    kept = rosters.kept_shifts(session, rosters.shifts_between(session, ids, start, end), start=start, end=end, now=now)
    listed = []
    for i in ids:
        user, figures, checked = users[i], by_agent.get(i, stats.Figures()), qa_by.get(i)
        begun = [s.kept for s in kept.get(i, []) if s.kept.share is not None]
        listed.append(appraisal.AgentMonth(
            i, user.display_name or user.login, user.login, figures, checked["scored"] if checked else 0, checked["average"] if checked else None,
            len(begun), sum(1 for k in begun if not k.absent and not k.late_minutes), sum(1 for k in begun if k.absent), sum(k.late_minutes for k in begun),
            sum(k.share or 0.0 for k in begun) / len(begun) if begun else None,
        ))
    agents, team = appraisal.appraise(listed)
    return {
        "company": chosen.code, "companies": [{"code": u.code, "name": u.name} for u in companies], "month": first, "current": first <= today < after,
        "agents": agents, "team": team,
    }


DIGEST_DAYS = 7  # into a month, last month's flags are still news to its supervisors


def tell_month(session: Session, *, now: datetime) -> list[tuple[str, str]]:
    """In the first week of a month, each company's hotline supervisors hear which agents
    last month's appraisal flags (once per company and month). Returns (company, month) told."""
    from gridcare.auth import service as auth
    from gridcare.notify import service as notify

    today = now.astimezone(SHANGHAI).date()
    if today.day > DIGEST_DAYS:
        return []
    last = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    actor = system_principal("calls")
    told = []
    for company, listeners in auth.companies_with_supervisors(session):
        flagged = [a for a in _month(session, actor=actor, now=now, month=last, company=company.code)["agents"] if a.flags]
        if not flagged:
            continue
        context = {"company": company.name, "month": last, "count": len(flagged), "agents": [{"name": a.name, "flags": a.flags} for a in flagged[:8]]}
        for user_id in listeners:
            notify.notify_user(session, now=now, user_id=user_id, event="agents.month", context=context, dedupe=f"agents-month:{company.code}:{last}")
        told.append((company.code, last))
    return told
