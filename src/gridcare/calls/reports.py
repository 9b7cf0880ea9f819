"""Call statistics: volumes by hour, day, queue, agent and line (the hotline and every
local repair line alike), answer and abandon rates, ASA, AHT. One grouped query; the
figures are computed by ``stats``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gridcare.auth.rules import Action
from gridcare.auth.scoping import require, scoped
from gridcare.calls import periods, shifts, stats, surges
from gridcare.calls import staffing as staffing_rules
from gridcare.calls.lines import line_names
from gridcare.calls.models import CallRecord, SeatSpell
from gridcare.core.clock import SHANGHAI, as_utc
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.core.workdays import china_calendar

GROUPS = ("hour", "day", "queue", "agent", "line")
MAX_DAYS = 366


def buckets(
    session: Session, *, actor: Principal, start: datetime, end: datetime, target_seconds: int = stats.SERVICE_LEVEL_SECONDS, org_path: str | None = None,
    leave_out: Any = None,
) -> list[stats.Bucket]:
    """The calls of [start, end) grouped by plain columns, within ``org_path`` when given,
    but those whose ids ``leave_out`` (a statement) selects; ``within_target`` counts those
    answered within ``target_seconds``."""
    require(actor, Action.CALLS_READ)
    if end <= start:
        raise InvalidInput.field("to", T_("must be after %(other)s", other="from"))
    periods.check_span(start, end, max_days=MAX_DAYS)
    within = case((CallRecord.outcome == "answered", case((CallRecord.wait_seconds <= target_seconds, 1), else_=0)), else_=0)
    cols = (CallRecord.local_day, CallRecord.local_hour, CallRecord.queue, CallRecord.agent_user_id, CallRecord.line_id, CallRecord.outcome)
    stmt = scoped(
        select(
            *cols, func.count(), func.coalesce(func.sum(CallRecord.wait_seconds), 0), func.coalesce(func.sum(CallRecord.duration_seconds), 0), func.sum(within),
            func.count(CallRecord.satisfaction), func.coalesce(func.sum(CallRecord.satisfaction), 0), func.sum(case((CallRecord.resolved_on_call, 1), else_=0)),
        ),
        actor,
        org_path=CallRecord.org_path,
    )
    stmt = stmt.where(CallRecord.direction == "inbound", CallRecord.started_at >= start, CallRecord.started_at < end)
    if org_path:
        stmt = stmt.where(CallRecord.org_path.startswith(org_path, autoescape=True))
    if leave_out is not None:
        stmt = stmt.where(CallRecord.id.not_in(leave_out))
    stmt = stmt.group_by(*cols)
    return [stats.Bucket(r[0], int(r[1]), r[2] or "", r[3], r[4], r[5], int(r[6]), int(r[7]), int(r[8]), int(r[9] or 0), int(r[10]), int(r[11]), int(r[12] or 0)) for r in session.execute(stmt)]


def _rows(found: dict[Any, stats.Figures], label: dict[Any, str] | None = None, key_name: str = "key") -> list[dict[str, Any]]:
    rows = []
    for key, figures in found.items():
        row = {key_name: key, **figures.as_dict()}
        if label is not None:
            row["name"] = label.get(key, "—")
        rows.append(row)
    return sorted(rows, key=lambda r: (-int(r["offered"]) - int(r["in_progress"]), str(r[key_name])))


def figures(session: Session, *, actor: Principal, start: datetime, end: datetime) -> dict[str, Any]:
    """Every breakdown of the period at once (the statistics page shows them all)."""
    from gridcare.grids import queries as grid_queries

    found = buckets(session, actor=actor, start=start, end=end)
    agents = stats.group(found, lambda b: b.agent_id)
    lines = stats.group(found, lambda b: b.line_id)
    staff = grid_queries.staff_names(session, {a for a in agents if a is not None})
    line_label = {k: v for k, v in line_names(session, ids=[k for k in lines if k is not None]).items()}
    line_label[None] = "hotline"
    by_day = stats.group(found, lambda b: b.day)
    return {
        "from": start,
        "to": end,
        "total": stats.total(found).as_dict(),
        "hour": [{"hour": h, **f.as_dict()} for h, f in enumerate(stats.by_hour(found))],
        "day": [{"day": d, **by_day[d].as_dict()} for d in sorted(by_day)],
        "queue": _rows(stats.group(found, lambda b: b.queue or "—"), key_name="queue"),
        "agent": _rows(agents, {k: v[0] for k, v in staff.items()} | {None: "—"}, key_name="agent_id"),
        "line": _rows(lines, line_label, key_name="line_id"),
    }


def staffing(session: Session, *, actor: Principal, now: datetime, weeks: int | None = None, target_seconds: int | None = None,
             service_level: int | None = None, shrinkage: int | None = None, company: str | None = None, details: bool = True) -> dict[str, Any]:
    """Agents each hour of the week needs to answer ``service_level`` % of calls within
    ``target_seconds``, from the calls of the last ``weeks`` full weeks up to today (or of
    the days since the first call, when that is later), public holidays and make-up working
    days left out (``left_out``), next to how many answered then;
    ``shrinkage`` % of rostered time is off the phones. The calls planned outages brought are
    left out too (``outage_calls_left_out``): the roster adds a dated week's own. One
    company's hotline at a time (``company``, its code; the first the reader sees by
    default): two companies' agents
    are not one pool, and Erlang C over both would promise what neither can do. A figure not
    given (None) is the company's target (``targets``), or the default where it set none."""
    from gridcare.calls import targets as hotline_targets

    chosen, companies = hotline_company(session, actor=actor, company=company)
    held = hotline_targets.of(session, chosen)
    given = hotline_targets.filled({"weeks": weeks, "target_seconds": target_seconds, "service_level": service_level, "shrinkage": shrinkage}, held)
    if problems := staffing_rules.problems(given):
        raise InvalidInput.many(problems)
    return _forecast(session, actor=actor, now=now, chosen=chosen, companies=companies, held=held, given=given, details=details)


def _forecast(
    session: Session, *, actor: Principal, now: datetime, chosen: Any, companies: list[Any], held: dict[str, Any], given: dict[str, int], details: bool = True,
) -> dict[str, Any]:
    """``staffing`` for a company already chosen, with its targets read and the figures checked.
    ``details``: with what only the forecast page shows (the agents signed in each hour, the
    calls left out for planned outages, the outages of the next two weeks); the roster, which
    reads the need alone, goes without them."""
    weeks, target_seconds, service_level, shrinkage = (given[k] for k in ("weeks", "target_seconds", "service_level", "shrinkage"))
    today = now.astimezone(SHANGHAI).date()
    first = today - timedelta(days=7 * weeks)
    start, end = (as_utc(datetime.combine(d, time(0), tzinfo=SHANGHAI)) for d in (first, today))
    path = chosen.path if chosen is not None else None
    # The calls planned outages brought are no usual hour's: a dated week's roster adds its own.
    brought = surges.brought(session, company=chosen, start=start, end=end) if chosen is not None else None
    found = buckets(session, actor=actor, start=start, end=end, target_seconds=target_seconds, org_path=path, leave_out=brought)
    outage_calls = session.scalar(select(func.count()).select_from(brought.subquery())) if details and brought is not None else 0
    # A hotline newer than the weeks asked for is averaged over the days it has taken calls.
    since = min((date.fromisoformat(b.day) for b in found), default=first)
    read = [first + timedelta(days=i) for i in range(7 * weeks) if first + timedelta(days=i) >= since]
    calendar = china_calendar()
    days, left_out = staffing_rules.usual_days(read, holidays=calendar.holidays, makeup_workdays=calendar.makeup_workdays)
    slots = staffing_rules.plan(
        found, days=days, target_seconds=target_seconds, level=service_level / 100, shrinkage=shrinkage / 100,
        duty=_on_duty(session, actor=actor, org_path=path, start=start, end=end, days=days, now=now) if details else None,
    )
    read_from = as_utc(datetime.combine(read[0], time(0), tzinfo=SHANGHAI)) if read else start
    return {
        "from": read_from, "to": end, **given, "left_out": left_out, "outage_calls_left_out": outage_calls,
        "outages_ahead": surges.ahead(session, company=chosen, now=now) if details and chosen is not None else [], "company": chosen.code if chosen is not None else None,
        "companies": [{"code": u.code, "name": u.name} for u in companies], "slots": slots, "targets": held,
    }


def hotline_company(session: Session, *, actor: Principal, company: str | None) -> tuple[Any, list[Any]]:
    """The company whose hotline is read (``company``, its code; the first the reader sees,
    by id, when None) and all the reader sees; None chosen when they see none."""
    from gridcare.auth import service as auth

    companies = sorted((u for u in auth.list_org_units(session, actor=actor) if u.kind == "company"), key=lambda u: u.id)  # the first set up first
    chosen = next((u for u in companies if u.code == company), None) if company else (companies[0] if companies else None)
    if company and chosen is None:
        raise InvalidInput.field("company", T_("must be one of %(choices)s", choices=", ".join(u.code for u in companies) or "—"))
    return chosen, companies


def _on_duty(session: Session, *, actor: Principal, org_path: str | None, start: datetime, end: datetime, days: list[date], now: datetime) -> dict[tuple[int, int], float] | None:
    """Agents signed in per weekday and hour, from the seat spells; None when the hotline
    keeps none (its agents never set their status here)."""
    stmt = scoped(select(SeatSpell.started_at, SeatSpell.ended_at), actor, org_path=SeatSpell.org_path)
    if org_path:
        stmt = stmt.where(SeatSpell.org_path.startswith(org_path, autoescape=True))
    spells = session.execute(stmt.where(SeatSpell.started_at >= start - staffing_rules.LONGEST_SPELL, SeatSpell.started_at < end)).all()
    if not spells and session.scalar(stmt.with_only_columns(SeatSpell.id).limit(1)) is None:
        return None  # asked only when the weeks read hold no sign-in
    return staffing_rules.on_duty([(as_utc(a), as_utc(b) if b is not None else None) for a, b in spells], days=days, now=now, zone=SHANGHAI)


def shift_plan(session: Session, *, actor: Principal, now: datetime, shift_hours: int | None = None, starts: frozenset[int] | None = None,
               workdays: int | None = None, **forecast: Any) -> dict[str, Any]:
    """The forecast (``staffing``'s, asked with ``forecast``) and the fewest shifts of
    ``shift_hours`` starting at ``starts`` (hours of the day) that roster its head count in
    every hour; ``workdays`` shifts a week make one agent. What is not given (None) is the
    company's target."""
    from gridcare.calls import targets as hotline_targets

    chosen, companies = hotline_company(session, actor=actor, company=forecast.get("company"))
    held = hotline_targets.of(session, chosen)
    asked = hotline_targets.filled({name: forecast.get(name) for name in staffing_rules.DEFAULTS}, held)
    rules = hotline_targets.filled({"shift_hours": shift_hours, "workdays": workdays}, held)
    if found := staffing_rules.problems(asked) + shifts.problems(rules):  # every bad figure named at once
        raise InvalidInput.many(found)
    shift_hours, workdays = rules["shift_hours"], rules["workdays"]
    starts = shifts.parse_starts(held["starts"]) if starts is None else starts
    found_forecast = _forecast(session, actor=actor, now=now, chosen=chosen, companies=companies, held=held, given=asked)
    planned = shifts.plan([s.rostered for s in found_forecast["slots"]], shift_hours=shift_hours, starts=starts, workdays=workdays)
    return found_forecast | {"shift_hours": shift_hours, "starts": sorted(starts), "workdays": workdays, "plan": planned}
