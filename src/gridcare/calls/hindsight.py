"""How the forecast held (预测准确率): each of the last weeks' calls against the forecast the
roster would have had that Monday (the typical week of the weeks before it, and the calls
that week's planned outages were expected to bring). Rules in ``accuracy``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.calls import accuracy, reports, surges
from gridcare.calls import staffing as staffing_rules
from gridcare.calls import targets as hotline_targets
from gridcare.core.clock import SHANGHAI, as_utc
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.core.workdays import china_calendar

LIMITS = {"weeks_back": (1, 12)}
DEFAULT_WEEKS_BACK = 4


def _midnight(day: date) -> datetime:
    return as_utc(datetime.combine(day, time(0), tzinfo=SHANGHAI))


def held(session: Session, *, actor: Principal, now: datetime, company: str | None = None, weeks_back: int = DEFAULT_WEEKS_BACK, weeks: int | None = None) -> dict[str, Any]:
    """The ``weeks_back`` full weeks before this one, each held to the forecast made from the
    ``weeks`` weeks before it (the company's target when None)."""
    require(actor, Action.CALLS_READ)
    low, high = LIMITS["weeks_back"]
    if not low <= weeks_back <= high:
        raise InvalidInput.field("weeks_back", T_("must be between %(low)s and %(high)s", low=low, high=high))
    chosen, companies = reports.hotline_company(session, actor=actor, company=company)
    if chosen is None:
        raise InvalidInput.field("company", T_("must be one of %(choices)s", choices="—"))
    targets = hotline_targets.of(session, chosen)
    given = hotline_targets.filled({"weeks": weeks, "target_seconds": None, "service_level": None, "shrinkage": None}, targets)
    if problems := staffing_rules.problems(given):
        raise InvalidInput.many(problems)
    history = given["weeks"]
    today = now.astimezone(SHANGHAI).date()
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - timedelta(days=7 * k) for k in range(weeks_back, 0, -1)]
    first = mondays[0] - timedelta(days=7 * history)
    start, end = _midnight(first), _midnight(this_monday)
    # One read for every forecast (the calls planned outages brought left out, as the
    # forecast leaves them) and one for the calls that came (all of them: the dated week's
    # forecast counted its outages' calls).
    typical = reports.buckets(session, actor=actor, start=start, end=end, org_path=chosen.path, leave_out=surges.brought(session, company=chosen, start=start, end=end))
    came = reports.buckets(session, actor=actor, start=_midnight(mondays[0]), end=end, org_path=chosen.path)
    since = min((date.fromisoformat(b.day) for b in typical), default=this_monday)
    calendar = china_calendar()
    odd = calendar.holidays | calendar.makeup_workdays
    held_weeks = []
    for monday in mondays:
        read = [d for d in (monday - timedelta(days=7 * history - i) for i in range(7 * history)) if d >= since]
        days, _left_out = staffing_rules.usual_days(read, holidays=calendar.holidays, makeup_workdays=calendar.makeup_workdays)
        slots = staffing_rules.plan(typical, days=days) if days else []
        usual = [s.calls for s in slots] or [0.0] * 168
        extra = surges.week(session, company=chosen, now=_midnight(monday), week_start=_midnight(monday), baseline=usual)["extra"] if slots else [0.0] * 168
        offered = [0] * 168
        for b in came:
            d = date.fromisoformat(b.day)
            if monday <= d < monday + timedelta(days=7):
                offered[24 * (d - monday).days + b.hour] += b.calls
        week_days = {monday + timedelta(days=i) for i in range(7)}
        seen = {d.weekday() for d in days}
        held_weeks.append(accuracy.week(
            monday, [u + x for u, x in zip(usual, extra, strict=True)], offered, unusual=week_days & odd, unforecast={d for d in week_days if d.weekday() not in seen},
        ))
    return {
        "company": chosen.code, "companies": [{"code": u.code, "name": u.name} for u in companies], "weeks": history, "weeks_back": weeks_back,
        "targets": targets, "held": held_weeks, "overall": accuracy.overall(held_weeks),
    }
