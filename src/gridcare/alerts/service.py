"""Alert use cases: scan the orders (detector and rules), raise alerts once per open cell or
rule, tell the supervisors of the grid's company, acknowledge with a note, close, and
apply a suggested ``sensitive`` tag. Services never commit: the job, request or CLI does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gridcare.alerts import counts, detector, rules, titles
from gridcare.alerts.models import Alert
from gridcare.audit import service as audit
from gridcare.auth.rules import Action, RecordScope, can_see
from gridcare.auth.scoping import require
from gridcare.core import i18n
from gridcare.core.clock import SHANGHAI, to_local
from gridcare.core.errors import Conflict, InvalidInput, NotFound
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal, system_principal

if TYPE_CHECKING:
    from gridcare.grids.models import Grid

Progress = Callable[[str, int, int], None]
OPEN_STATUSES = ("open", "acknowledged")
KINDS = ("spike", "sensitive", "repeat_repairs", "repeat_calls", "topic")
SPIKE_CATEGORIES = ("complaint", "consultation", "praise", "reconnection", "repair", "service_request", "suggestion")
MAX_NOTE = 1000


@dataclass(frozen=True)
class ScanResult:
    raised: int  # new alerts
    refreshed: int  # open alerts whose evidence grew
    cells: int  # cells judged


def _grids(session: Session) -> dict[str, Grid]:
    from gridcare.grids import service as grids

    return {g.code: g for g in grids.list_grids(session, actor=system_principal("alerts"))}


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI).astimezone(UTC)


def _supervisors(session: Session, org_path: str) -> list[int]:
    """Active supervisors whose unit holds the grid: the grid's company and any level above."""
    from gridcare.auth import service as auth

    return auth.supervisors_over(session, org_path=org_path)


def _raise(session: Session, *, now: datetime, key: str, values: dict[str, Any]) -> tuple[Alert, bool]:
    """The open alert of ``key``, new or existing (then its evidence is refreshed when the
    new one is stronger). Returns (alert, created)."""
    existing = session.scalar(select(Alert).where(Alert.open_key == key))
    if existing is None:
        # A closed alert is not raised again for the same cell, nor for a rule with no
        # new order behind it (a dismissed suggestion stays dismissed).
        last = session.scalar(select(Alert).where(Alert.key == key, Alert.status == "closed").order_by(Alert.id.desc()).limit(1))
        if last is not None and (values["kind"] == "spike" or set(values["order_ids"]) <= set(last.order_ids or ())):
            return last, False
        alert = Alert(key=key, open_key=key, status="open", raised_at=now, updated_at=now, note="", notified=0, **values)
        try:
            with session.begin_nested():
                session.add(alert)
                session.flush()
        except IntegrityError:  # a concurrent scan raised it first
            existing = session.scalar(select(Alert).where(Alert.open_key == key))
            if existing is None:
                raise
        else:
            actor = system_principal("alerts")
            audit.record(session, actor=actor, at=now, action="alert.raise", entity="alert", entity_id=alert.id, after={"kind": alert.kind, "key": key, "title": alert.title}, org_path=alert.org_path, new_stream=True)
            alert.notified = _tell_supervisors(session, now=now, alert=alert)
            return alert, True
    stronger = (values.get("score") or 0) > (existing.score or 0) or len(values.get("order_ids") or ()) > len(existing.order_ids or ())
    if stronger:
        for name in ("observed", "expected", "score", "evidence", "order_ids", "title", "severity", "window_start", "window_end"):
            if name in values:
                setattr(existing, name, values[name])
        existing.updated_at = now
    return existing, False


def _tell_supervisors(session: Session, *, now: datetime, alert: Alert) -> int:
    from gridcare.alerts import notifying

    told = 0
    for user_id in _supervisors(session, alert.org_path):
        notifying.alert_raised(session, now=now, user_id=user_id, alert=alert)
        told += 1
    return told


# --- scans -------------------------------------------------------------------------------


def _complete_days(since: datetime, now: datetime) -> list[date]:
    first, today = to_local(since).date(), to_local(now).date()
    return [first + timedelta(days=i) for i in range((today - first).days)]


def _complete_hours(since: datetime, now: datetime) -> list[datetime]:
    """Local hour starts h with since ≤ h and h + 1 h ≤ now."""
    start = to_local(since).replace(minute=0, second=0, microsecond=0)
    if start < to_local(since):
        start += timedelta(hours=1)
    out = []
    while start + timedelta(hours=1) <= to_local(now):
        out.append(start)
        start += timedelta(hours=1)
    return out


Found = list[tuple[str, dict[str, Any]]]  # (alert key, its values): what a scan would raise


def find_spikes(session: Session, *, now: datetime, since: datetime, hourly: bool = True, daily: bool = True, settings: detector.Settings = detector.DEFAULTS, progress: Progress | None = None) -> tuple[Found, int]:
    """Judge every complete local day (all categories) and hour (repairs) from ``since`` to
    ``now`` against its seasonal baseline: the alerts to raise and the cells judged. Reads
    only (the orders of the whole range and its history once), so the worker can look in a
    read transaction and take the writer only for what it found."""
    days = _complete_days(since, now) if daily else []
    hours = _complete_hours(since, now) if hourly else []
    if not days and not hours:
        return [], 0
    first_day = min([*days, *(h.date() for h in hours)])
    read_from = _local_midnight(first_day - timedelta(weeks=settings.window_weeks))
    grids = _grids(session)
    codes = {g.id: g.code for g in grids.values()}
    cells = counts.cell_counts(counts.order_rows(session, since=read_from, until=now), codes)
    categories = list(SPIKE_CATEGORIES)
    steps: list[tuple[date, int | None]] = [(d, None) for d in days] + [(h.date(), h.hour) for h in hours]
    found: Found = []
    judged = 0
    for i, (day, hour) in enumerate(steps):
        cats = categories if hour is None else list(counts.HOURLY_CATEGORIES)
        series = detector.build_series(cells, day=day, hour=hour, settings=settings, categories=cats, grids=list(grids))
        series = [s for s in series if s.category in cats]
        judged += len(series)
        found += [_spike(flag, grids[flag.series.grid], settings) for flag in detector.detect(series, settings)]
        if progress:
            progress("cells", i + 1, len(steps))
    return found, judged


def raise_found(session: Session, *, now: datetime, found: Found) -> tuple[int, int]:
    """Raise (or refresh) the alerts a scan found: (raised, refreshed)."""
    raised = 0
    for key, values in found:
        raised += _raise(session, now=now, key=key, values=values)[1]
    return raised, len(found) - raised


def scan_spikes(session: Session, *, now: datetime, since: datetime, hourly: bool = True, daily: bool = True, settings: detector.Settings = detector.DEFAULTS, progress: Progress | None = None) -> ScanResult:
    """``find_spikes`` and raise them in the same transaction."""
    found, judged = find_spikes(session, now=now, since=since, hourly=hourly, daily=daily, settings=settings, progress=progress)
    return ScanResult(*raise_found(session, now=now, found=found), judged)


def _spike(flag: detector.Flag, grid: Grid, settings: detector.Settings) -> tuple[str, dict[str, Any]]:
    s, j = flag.series, flag.judgement
    start = _local_midnight(s.day) + (timedelta(hours=s.hour) if s.hour is not None else timedelta(0))
    end = start + (timedelta(hours=1) if s.hour is not None else timedelta(days=1))
    when = f"{s.day:%m-%d}" + (f" {s.hour:02d}:00" if s.hour is not None else "")
    # One alert per grid × category × local day: the later hours of one storm refresh it.
    key = f"spike:{grid.code}:{s.category}:{s.day.isoformat()}:{'h' if s.hour is not None else 'd'}"
    evidence = {**flag.evidence, "hour": s.hour, "title_args": {"grid": grid.name, "when": when, "category": s.category, "observed": s.observed, "expected": f"{j.expected:.1f}"}}
    return key, {
        "kind": "spike", "severity": "critical" if j.score >= 2 * settings.threshold and s.observed >= 2 * settings.min_count else "warning", "utility": grid.utility, "grid_id": grid.id, "grid_code": grid.code,
        "category": s.category, "subject": grid.code, "title": _stored_title("spike", evidence),
        "observed": float(s.observed), "expected": j.expected, "score": j.score, "window_start": start, "window_end": end,
        "evidence": evidence, "order_ids": [], "org_path": grid.org_path,
    }  # fmt: skip


def _stored_title(kind: str, evidence: dict[str, Any]) -> str:
    """The title kept with the alert is in the company's language, Chinese."""
    return titles.alert_title(kind, evidence, "", i18n.translator(i18n.DEFAULT))[:300]


def find_rule_alerts(session: Session, *, now: datetime, settings: rules.RuleSettings = rules.RULE_DEFAULTS) -> Found:
    """The rule alerts as of ``now`` (reads only)."""
    from gridcare.customers import service as customers

    days = max(settings.complaint_days, settings.repair_days, settings.repeat_days + settings.repeat_baseline_days) + 8
    grids = _grids(session)
    codes = {g.id: g.code for g in grids.values()}
    rows = counts.order_rows(session, since=now - timedelta(days=days), until=now + timedelta(seconds=1))
    orders = counts.rule_orders(session, rows, codes)
    complainers = sorted({o.customer_id for o in orders if o.category == "complaint" and o.customer_id is not None})
    briefs = customers.briefs(session, customer_ids=complainers)
    tagged = {cid for cid, b in briefs.items() if "sensitive" in b.tags}
    hits = rules.sensitive_customers(orders, now=now, tagged=tagged, settings=settings) + rules.repeated_repairs(orders, now=now, settings=settings) + rules.repeat_call_jumps(orders, now=now, settings=settings)
    return [(f"{hit.kind}:{hit.subject}", _rule_values(hit, grids.get(hit.grid or ""), briefs)) for hit in hits]


def scan_rules(session: Session, *, now: datetime, settings: rules.RuleSettings = rules.RULE_DEFAULTS) -> ScanResult:
    found = find_rule_alerts(session, now=now, settings=settings)
    return ScanResult(*raise_found(session, now=now, found=found), len(found))


def _rule_values(hit: rules.RuleHit, grid: Grid | None, briefs: dict[int, Any]) -> dict[str, Any]:
    f = hit.facts
    if hit.kind == "sensitive":
        b = briefs.get(int(hit.subject))
        args: dict[str, Any] = {"who": f"{b.name}（{b.account}）" if b else f"#{hit.subject}"}
        severity, category = "warning", "complaint"
    elif hit.kind == "repeat_repairs":
        args = {"device": hit.subject.split(":", 1)[1]}
        severity, category = "critical" if int(f["repairs"]) >= 6 else "warning", "repair"  # type: ignore[call-overload]
    else:
        args = {"grid": grid.name if grid else hit.subject, "rate": f"{float(f['rate']):.0%}", "past": f"{float(f['past_rate']):.0%}"}  # type: ignore[arg-type]
        severity, category = "warning", ""
    evidence = {**f, "title_args": args}
    return {
        "kind": hit.kind, "severity": severity, "utility": grid.utility if grid else "", "grid_id": grid.id if grid else None, "grid_code": grid.code if grid else "",
        "category": category, "subject": hit.subject, "title": _stored_title(hit.kind, evidence), "observed": float(len(hit.orders)), "expected": None, "score": None,
        "window_start": None, "window_end": None, "evidence": evidence, "order_ids": list(hit.orders), "org_path": grid.org_path if grid else "/",
    }


def _since(now: datetime, since: datetime | None, daily: bool) -> datetime:
    since = since or (_local_midnight(to_local(now).date() - timedelta(days=1)) if daily else now - timedelta(hours=1))
    if since.tzinfo is None:
        raise InvalidInput.field("since", T_("give a time zone (e.g. +08:00)"))
    if since > now:
        raise InvalidInput.field("since", T_("must not be in the future"))
    if now - since > detector.LONGEST_SCAN:
        raise InvalidInput.field("since", T_("must be within the last %(days)s days", days=detector.LONGEST_SCAN.days))
    return since


def find(
    session: Session, *, now: datetime, since: datetime | None = None, hourly: bool = True, daily: bool = True, with_rules: bool = True, with_topics: bool = False, progress: Progress | None = None,
) -> tuple[Found, int]:
    """What ``scan`` would raise, read only: (found, cells judged)."""
    from gridcare.alerts import topic_alerts

    found, judged = find_spikes(session, now=now, since=_since(now, since, daily), hourly=hourly, daily=daily, progress=progress)
    ruled = find_rule_alerts(session, now=now) if with_rules else []
    topics = topic_alerts.find_topic_alerts(session, now=now, stored_title=_stored_title) if with_topics else []
    return found + ruled + topics, judged + len(ruled) + len(topics)


def scan(
    session: Session, *, now: datetime, since: datetime | None = None, hourly: bool = True, daily: bool = True, with_rules: bool = True, with_topics: bool = False, progress: Progress | None = None,
) -> ScanResult:
    """Spikes since ``since`` (default: the last complete day and hour) and, with
    ``with_rules``, the rule alerts as of now; with ``with_topics``, the hot topics of the
    last hours (the hourly job looks for them)."""
    found, judged = find(session, now=now, since=since, hourly=hourly, daily=daily, with_rules=with_rules, with_topics=with_topics, progress=progress)
    return ScanResult(*raise_found(session, now=now, found=found), judged)


# --- one alert ---------------------------------------------------------------------------


def get_alert(session: Session, *, actor: Principal, alert_id: int, lock: bool = False) -> Alert:
    require(actor, Action.ORDERS_READ)
    stmt = select(Alert).where(Alert.id == alert_id)
    alert = session.scalar(stmt.with_for_update() if lock else stmt)
    if alert is None or not can_see(actor, RecordScope(org_path=alert.org_path, grid_id=alert.grid_id, gridded=alert.grid_id is not None)):
        raise NotFound(T_("alert_id: no alert %(id)s in your scope", id=alert_id))
    return alert


def _note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise InvalidInput.field("note", T_("say what was found or done (a few words)"))
    if len(note) > MAX_NOTE:
        raise InvalidInput.field("note", T_("must be at most %(n)s characters", n=MAX_NOTE))
    return note


def acknowledge(session: Session, *, actor: Principal, now: datetime, alert_id: int, note: str) -> Alert:
    """The supervisor has seen it and says what is being done (要求备注)."""
    require(actor, Action.ORDERS_SUPERVISE)
    text = _note(note, required=True)
    alert = get_alert(session, actor=actor, alert_id=alert_id, lock=True)
    if alert.status != "open":
        raise Conflict(T_("status: alert %(id)s is %(status)s, only an open alert can be acknowledged", id=alert_id, status=Label("alert.status", alert.status)))
    alert.status, alert.acknowledged_by, alert.acknowledged_at, alert.note, alert.updated_at = "acknowledged", actor.login, now, text, now
    session.flush()
    audit.record(session, actor=actor, at=now, action="alert.acknowledge", entity="alert", entity_id=alert.id, before={"status": "open"}, after={"status": alert.status, "note": text}, org_path=alert.org_path)
    return alert


def close(session: Session, *, actor: Principal, now: datetime, alert_id: int, note: str = "") -> Alert:
    """Resolve the alert; the same cell or rule may alert again afterwards."""
    require(actor, Action.ORDERS_SUPERVISE)
    text = _note(note, required=False)
    alert = get_alert(session, actor=actor, alert_id=alert_id, lock=True)
    if alert.status == "closed":
        raise Conflict(T_("status: alert %(id)s is closed already", id=alert_id))
    before = alert.status
    alert.status, alert.open_key, alert.closed_by, alert.closed_at, alert.updated_at = "closed", None, actor.login, now, now
    if text:
        alert.note = f"{alert.note}\n{text}".strip()
    session.flush()
    audit.record(session, actor=actor, at=now, action="alert.close", entity="alert", entity_id=alert.id, before={"status": before}, after={"status": "closed", "note": text}, org_path=alert.org_path)
    return alert


def apply_sensitive_tag(session: Session, *, actor: Principal, now: datetime, alert_id: int) -> Alert:
    """Take the suggestion of a ``sensitive`` alert: tag the customer and close the alert."""
    from gridcare.customers import service as customers

    require(actor, Action.ORDERS_SUPERVISE)  # before anything about the alert is told
    alert = get_alert(session, actor=actor, alert_id=alert_id, lock=True)
    if alert.kind != "sensitive":
        raise InvalidInput.field("alert_id", T_("alert %(id)s suggests no tag (it is a %(kind)s alert)", id=alert_id, kind=Label("alert", alert.kind, msgid=titles.KIND_LABELS.get(alert.kind))))
    if alert.status == "closed":
        raise Conflict(T_("status: alert %(id)s is closed already", id=alert_id))
    customers.add_tag(session, actor=actor, now=now, customer_id=int(alert.subject), tag="sensitive")
    return close(session, actor=actor, now=now, alert_id=alert_id, note="已标记为敏感客户")
