"""Outage use cases. Each is one transaction of the caller's; every change is audited, and
the notices it causes are notification rows (and outbox rows) in that same transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from shapely.geometry import mapping
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action, RecordScope, can_see
from gridcare.auth.scoping import require, require_utility
from gridcare.core.clock import to_local
from gridcare.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal, system_principal
from gridcare.outages import affected, notices, rules, states
from gridcare.outages.models import Outage, OutageCustomer, OutageDevice
from gridcare.prepared import Prepared
from gridcare.together import Reads


def _number(session: Session, now: datetime) -> str:
    """TD<local date>-<n>. Outages are few a day, so the next number is read, not counted
    in a row of its own; the unique index refuses a concurrent twin."""
    prefix = "TD" + to_local(now).strftime("%Y%m%d") + "-"
    last = session.scalar(select(func.max(Outage.number)).where(Outage.number.like(prefix + "%")))
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:04d}"


def grid_ids_of(session: Session, outage_id: int) -> set[int]:
    return {g for g in session.scalars(select(OutageCustomer.grid_id).where(OutageCustomer.outage_id == outage_id).distinct()) if g is not None}


def visible_to(session: Session, actor: Principal, outage: Outage) -> bool:
    """Subtree scoping, or the outage touches one of the actor's grids (a rep)."""
    if can_see(actor, RecordScope(org_path=outage.org_path)):
        return True
    return bool(actor.grid_ids & grid_ids_of(session, outage.id))


def get_outage(session: Session, *, actor: Principal, outage_id: int, lock: bool = False) -> Outage:
    require(actor, Action.GRIDS_READ)
    stmt = select(Outage).where(Outage.id == outage_id)
    outage = session.scalar(stmt.with_for_update() if lock else stmt)
    if outage is None or not visible_to(session, actor, outage):
        raise NotFound(T_("outage_id: no outage %(id)s in your scope", id=outage_id))
    return outage


def devices_of(session: Session, outage_id: int) -> list[OutageDevice]:
    return list(session.scalars(select(OutageDevice).where(OutageDevice.outage_id == outage_id).order_by(OutageDevice.id)))


def _customers(session: Session, outage_id: int) -> list[OutageCustomer]:
    return list(session.scalars(select(OutageCustomer).where(OutageCustomer.outage_id == outage_id)))


def _snapshot(outage: Outage) -> dict[str, Any]:
    return {k: getattr(outage, k) for k in ("status", "kind", "area", "cause", "reason", "starts_at", "ends_at", "eta", "restored_at", "notice_days", "version", "dma")}


def _audit(session: Session, *, actor: Principal, now: datetime, outage: Outage, action: str, before: dict[str, Any] | None, extra: dict[str, Any] | None = None, new: bool = False) -> None:
    after = {**_snapshot(outage), **(extra or {})}
    audit.record(session, actor=actor, at=now, action=action, entity="outage", entity_id=outage.id, before=before, after=after, org_path=outage.org_path, new_stream=new)


def _clean_devices(devices: Sequence[str] | None) -> list[str]:
    return list(dict.fromkeys(d.strip() for d in (devices or []) if d and d.strip()))


def _check_polygon(polygon: dict[str, Any] | None, problems: list[FieldProblem]) -> Any:
    if polygon is None:
        return None
    try:
        return rules.parse_polygon(polygon)
    except ValueError as exc:
        problems.append(FieldProblem("polygon", exc.args[0]))
        return None


def _check_texts(problems: list[FieldProblem], **texts: tuple[str | None, int]) -> None:
    for name, (value, limit) in texts.items():
        if value is not None and len(value) > limit:
            problems.append(FieldProblem(name, T_("must be at most %(n)s characters", n=limit)))


def _area_text(session: Session, utility: str, devices: Sequence[str], given: str) -> str:
    """How notices name the place when the user did not: the devices' names."""
    from gridcare.network import service as network

    if given.strip():
        return given.strip()[:200]
    found = network.assets_by_code(session, utility=utility, codes=list(devices))
    return "、".join((found[c].name or c) if c in found else c for c in devices)[:200]


class Cut(NamedTuple):
    """A customer an outage newly cuts off (its OutageCustomer row is written, not loaded)."""

    customer_id: int
    grid_id: int | None
    priority: bool


_INSERT_CUSTOMERS = Prepared(
    OutageCustomer.__table__.insert(), keys=["outage_id", "customer_id", "grid_id", "supply_point", "priority", "first_notified_version", "last_notified_version", "restored_at"]
)
ANALYZE_AFTER_ROWS = 1000


def _replace_customers(session: Session, *, outage: Outage, now: datetime, devices: Sequence[str], polygon: Any) -> tuple[list[Cut], list[int]]:
    """Recompute who is affected. Returns (customers added, ids of customers no longer
    affected). The rows go in as one Core insert: a predicted feeder switch in a city of a
    million cuts off tens of thousands, and as ORM objects they kept the worker busy for
    seconds while the storm's other calls waited for triage."""
    found = affected.compute(session, utility=outage.utility, devices=devices, polygon=polygon, dma=outage.dma)
    had = set(session.scalars(select(OutageCustomer.customer_id).where(OutageCustomer.outage_id == outage.id)))
    gone = sorted(had - {c.id for c in found})
    if gone:
        session.execute(delete(OutageCustomer).where(OutageCustomer.outage_id == outage.id, OutageCustomer.customer_id.in_(gone)))
    new = [c for c in found if c.id not in had]
    first = affected.priority_ids(session, found=new, now=now)
    cut = [Cut(c.id, c.grid_id, c.id in first) for c in new]
    if new:
        _INSERT_CUSTOMERS.execute_many(
            session.connection(),
            [{"outage_id": outage.id, "customer_id": c.id, "grid_id": c.grid_id, "supply_point": c.supply_point, "priority": c.id in first, "first_notified_version": None, "last_notified_version": None, "restored_at": None} for c in new],
        )
        if len(new) >= ANALYZE_AFTER_ROWS and session.get_bind().dialect.name == "postgresql":
            # In a storm this table grows from nothing to a city within a minute, before
            # autovacuum looks at it; the plans PostgreSQL had cached for every intake's
            # "is this caller inside an outage?" were made for an empty table and scanned it
            # whole (a 1M-customer load went from 180 to 24 orders/s). Fresh statistics
            # invalidate those plans in every session.
            session.execute(text("ANALYZE outage_customers"))
    outage.org_path = rules.common_path([c.org_path for c in found], outage.org_path)
    return cut, gone


def _rows_of(session: Session, outage: Outage, cut: Sequence[Any]) -> list[OutageCustomer]:
    """The OutageCustomer rows of these customers, to record whom a notice reached."""
    if all(isinstance(r, OutageCustomer) for r in cut):
        return list(cut)
    ids = {r.customer_id for r in cut}
    return [r for r in _customers(session, outage.id) if r.customer_id in ids]


def _announce(session: Session, *, now: datetime, outage: Outage, rows: Sequence[OutageCustomer] | Sequence[Cut]) -> None:
    """Tell whom an open outage concerns, as its status allows: active at once; planned
    when a notice is due (the job sends later ones); predicted only to the reps."""
    grids = {r.grid_id for r in rows if r.grid_id is not None}
    phase = f"v{outage.version}:{outage.status}"
    notices.tell_grids(session, now=now, outage=outage, grid_ids=sorted(grids), event="outage.notice", phase=phase)
    if outage.status == states.Status.ACTIVE:
        notices.tell_customers(session, now=now, outage=outage, rows=_rows_of(session, outage, rows), event="outage.notice", phase="active")
    elif outage.status == states.Status.SCHEDULED:
        send_planned_notices(session, now=now, outage=outage, rows=_rows_of(session, outage, rows))


def send_planned_notices(session: Session, *, now: datetime, outage: Outage, rows: Sequence[OutageCustomer] | None = None) -> int:
    """The advance notice and the day's reminder to everyone affected, when due; ``rows``
    (customers an edit added) also hear the notice the others already had."""
    due = rules.planned_notices_due(starts_at=outage.starts_at, notice_days=outage.notice_days, now=now, advance_sent=outage.advance_sent_at is not None, day_sent=outage.day_sent_at is not None)
    if not (due.advance or due.day or (rows and outage.advance_sent_at is not None)):
        return 0
    everyone = [r for r in _customers(session, outage.id) if r.restored_at is None]
    sent = 0
    if due.advance:
        sent += notices.tell_customers(session, now=now, outage=outage, rows=everyone, event="outage.notice", phase="advance")
        outage.advance_sent_at = now
    elif rows and outage.advance_sent_at is not None:
        sent += notices.tell_customers(session, now=now, outage=outage, rows=list(rows), event="outage.notice", phase="advance")
    if due.day:
        sent += notices.tell_customers(session, now=now, outage=outage, rows=everyone, event="outage.notice", phase="day")
        outage.day_sent_at = now
    return sent


def create_outage(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    utility: str,
    kind: str,
    devices: Sequence[str] | None = None,
    polygon: dict[str, Any] | None = None,
    dma: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    eta: datetime | None = None,
    cause: str = "",
    reason: str = "",
    area: str = "",
    notice_days: int = rules.DEFAULT_NOTICE_DAYS,
    predicted: bool = False,
    master_order_id: int | None = None,
) -> Outage:
    """A planned outage (times, reason, notice period) or an unplanned one (starting now
    unless told), over devices, a polygon or a DMA. Affected customers are snapshotted and
    told as the status allows."""
    require(actor, Action.OUTAGES_MANAGE)
    require_utility(session, actor, utility)  # another company's network is not theirs to switch off
    codes = _clean_devices(devices)
    problems: list[FieldProblem] = []
    if utility not in rules.UTILITIES:
        problems.append(FieldProblem("utility", T_("must be one of %(choices)s", choices=", ".join(rules.UTILITIES))))
    if kind not in rules.KINDS:
        problems.append(FieldProblem("kind", T_("must be planned or unplanned")))
    if not codes and polygon is None and not dma:
        problems.append(FieldProblem("devices", T_("name the devices, draw a polygon or give a DMA")))
    if dma and utility != "water":
        problems.append(FieldProblem("dma", T_("only water outages cover a DMA")))
    if not 0 <= notice_days <= rules.MAX_NOTICE_DAYS:
        problems.append(FieldProblem("notice_days", T_("must be between %(low)s and %(high)s", low=0, high=rules.MAX_NOTICE_DAYS)))
    _check_texts(problems, cause=(cause, 200), reason=(reason, 400), area=(area, 200))
    shape = _check_polygon(polygon, problems)
    if utility in rules.UTILITIES and codes:
        problems += affected.check_devices(session, utility=utility, devices=codes)
    problems += rules.check_times(kind=kind, starts_at=starts_at, ends_at=ends_at, eta=eta or None, now=now)
    if problems:
        raise InvalidInput.many(problems)
    status = states.initial(kind, predicted=predicted)
    outage = Outage(
        number=_number(session, now), utility=utility, kind=kind, status=status.value, area=_area_text(session, utility, codes, area), cause=cause.strip(), reason=reason.strip(),
        polygon=json.dumps(mapping(shape)) if shape is not None else None, dma=dma or None, starts_at=starts_at or now, ends_at=ends_at, eta=eta,
        notice_days=notice_days if kind == "planned" else 0, org_path=actor.org_path, created_by=actor.login, version=1, master_order_id=master_order_id, created_at=now, updated_at=now,
    )
    session.add(outage)
    session.flush()
    session.add_all([OutageDevice(outage_id=outage.id, code=c) for c in codes])
    rows, _ = _replace_customers(session, outage=outage, now=now, devices=codes, polygon=shape)
    _audit(session, actor=actor, now=now, outage=outage, action="outage.create", before=None, extra={"devices": codes, "customers": len(rows)}, new=True)
    _announce(session, now=now, outage=outage, rows=rows)
    return outage


def predict(session: Session, *, now: datetime, utility: str, device: str, order_ids: Sequence[int] = (), actor: Principal | None = None) -> Outage:
    """An outage inferred from repair calls (fault triage) at ``device``: status predicted.
    Asking again for a device an open outage already covers returns that outage."""
    actor = actor or system_principal("triage")
    open_one = session.scalar(
        select(Outage).join(OutageDevice, OutageDevice.outage_id == Outage.id)
        .where(Outage.utility == utility, Outage.status.in_(states.OPEN), OutageDevice.code == device, OutageDevice.restored_at.is_(None)).order_by(Outage.id)
    )
    if open_one is not None:
        return open_one
    return create_outage(session, actor=actor, now=now, utility=utility, kind="unplanned", devices=[device], predicted=True, cause="", master_order_id=order_ids[0] if order_ids else None)


def _move(outage: Outage, command: states.Command) -> None:
    try:
        outage.status = states.next_status(outage.status, command).value
    except states.Refused as exc:
        raise Conflict(T_("%(field)s: %(reason)s", field="status", reason=exc.args[0])) from None


def confirm(session: Session, *, actor: Principal, now: datetime, outage_id: int, cause: str | None = None, eta: datetime | None = None) -> Outage:
    """A predicted outage is real (or a planned one began early): customers are told now."""
    require(actor, Action.OUTAGES_MANAGE)
    outage = get_outage(session, actor=actor, outage_id=outage_id, lock=True)
    before = _snapshot(outage)
    _move(outage, states.Command.CONFIRM)
    if cause is not None:
        outage.cause = cause.strip()[:200]
    if eta is not None:
        outage.eta = eta
    outage.version += 1
    outage.updated_at = now
    _audit(session, actor=actor, now=now, outage=outage, action="outage.confirm", before=before)
    _announce(session, now=now, outage=outage, rows=[r for r in _customers(session, outage.id) if r.restored_at is None])
    return outage


def update_outage(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    outage_id: int,
    eta: datetime | None = None,
    cause: str | None = None,
    reason: str | None = None,
    area: str | None = None,
    devices: Sequence[str] | None = None,
    polygon: dict[str, Any] | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    notice_days: int | None = None,
) -> Outage:
    """Change what is known; None leaves a field as it is. Only a change customers would be
    told about moves the version, and only customers it changes something for are told."""
    require(actor, Action.OUTAGES_MANAGE)
    outage = get_outage(session, actor=actor, outage_id=outage_id, lock=True)
    _move(outage, states.Command.UPDATE)
    before = _snapshot(outage)
    problems: list[FieldProblem] = []
    _check_texts(problems, cause=(cause, 200), reason=(reason, 400), area=(area, 200))
    shape = _check_polygon(polygon, problems)
    codes = _clean_devices(devices) if devices is not None else None
    if codes is not None:
        problems += affected.check_devices(session, utility=outage.utility, devices=codes)
    if notice_days is not None and not 0 <= notice_days <= rules.MAX_NOTICE_DAYS:
        problems.append(FieldProblem("notice_days", T_("must be between %(low)s and %(high)s", low=0, high=rules.MAX_NOTICE_DAYS)))
    new_start, new_end, new_eta = starts_at or outage.starts_at, ends_at or outage.ends_at, eta or outage.eta
    if starts_at is not None or ends_at is not None or eta is not None:
        times = rules.check_times(kind=outage.kind, starts_at=new_start, ends_at=new_end, eta=new_eta, now=now)
        problems += [p for p in times if not (p.field == "starts_at" and starts_at is None)]
    if problems:
        raise InvalidInput.many(problems)
    for name, value in (("cause", cause), ("reason", reason), ("area", area)):
        if value is not None:
            setattr(outage, name, value.strip())
    if notice_days is not None and outage.kind == "planned":
        outage.notice_days = notice_days
    times_changed = (new_start, new_end) != (outage.starts_at, outage.ends_at)
    eta_changed = new_eta != outage.eta
    outage.starts_at, outage.ends_at, outage.eta = new_start, new_end, new_eta
    added: list[Cut] = []
    area_changed = False
    if codes is not None or shape is not None:
        old_codes = [d.code for d in devices_of(session, outage.id)]
        codes = codes if codes is not None else old_codes
        if codes != old_codes:
            session.execute(delete(OutageDevice).where(OutageDevice.outage_id == outage.id))
            session.add_all([OutageDevice(outage_id=outage.id, code=c) for c in codes])
        if shape is not None:
            outage.polygon = json.dumps(mapping(shape))
        added, gone = _replace_customers(session, outage=outage, now=now, devices=codes, polygon=shape if shape is not None else affected.polygon_of(outage.polygon))
        area_changed = bool(added or gone)
    if times_changed or eta_changed or area_changed:
        outage.version += 1
    outage.updated_at = now
    _audit(session, actor=actor, now=now, outage=outage, action="outage.update", before=before, extra={"devices": codes} if codes is not None else None)
    _tell_changes(session, now=now, outage=outage, added=added, times_changed=times_changed, eta_changed=eta_changed)
    return outage


def _tell_changes(session: Session, *, now: datetime, outage: Outage, added: list[Cut], times_changed: bool, eta_changed: bool) -> None:
    if added:
        _announce(session, now=now, outage=outage, rows=added)
    waiting = [r for r in _customers(session, outage.id) if r.restored_at is None and r.last_notified_version is not None]
    if outage.status == states.Status.ACTIVE and eta_changed and outage.eta is not None:
        notices.tell_customers(session, now=now, outage=outage, rows=waiting, event="outage.eta", phase="eta")
        notices.tell_grids(session, now=now, outage=outage, grid_ids=sorted(grid_ids_of(session, outage.id)), event="outage.eta", phase="eta")
    if outage.status == states.Status.SCHEDULED and times_changed:
        # Those told the old times hear the new ones; the rest will by the job.
        notices.tell_customers(session, now=now, outage=outage, rows=waiting, event="outage.notice", phase="changed")
        notices.tell_grids(session, now=now, outage=outage, grid_ids=sorted(grid_ids_of(session, outage.id)), event="outage.notice", phase="changed")


def restore(session: Session, *, actor: Principal, now: datetime, outage_id: int, devices: Sequence[str] | None = None) -> Outage:
    """Supply is back: at the ``devices`` named (partial), or everywhere. Customers back on
    supply are told once; the outage closes when every device is back."""
    require(actor, Action.OUTAGES_MANAGE)
    outage = get_outage(session, actor=actor, outage_id=outage_id, lock=True)
    before = _snapshot(outage)
    if not states.restores_partly(outage.status):
        raise Conflict(T_("%(field)s: %(reason)s", field="status", reason=states.refusal(states.Command.RESTORE, outage.status)))
    rows = devices_of(session, outage.id)
    out = [d for d in rows if d.restored_at is None]
    codes = _clean_devices(devices)
    if codes:
        problems = [FieldProblem(f"devices[{i}]", T_("%(code)r is not a device of this outage still off", code=c)) for i, c in enumerate(codes) if c not in {d.code for d in out}]
        if outage.polygon or outage.dma:
            problems.append(FieldProblem("devices", T_("this outage is drawn as an area: restore it whole")))
        if problems:
            raise InvalidInput.many(problems)
    restoring = [d for d in out if not codes or d.code in codes]
    for d in restoring:
        d.restored_at = now
    still_out = [d.code for d in out if d.restored_at is None]
    waiting = [r for r in _customers(session, outage.id) if r.restored_at is None]
    if still_out:
        off = {c.id for c in affected.compute(session, utility=outage.utility, devices=still_out)}
        back = [r for r in waiting if r.customer_id not in off]
    else:
        back = waiting
        _move(outage, states.Command.RESTORE)
        outage.restored_at = now
    for r in back:
        r.restored_at = now
    outage.version += 1
    outage.updated_at = now
    _audit(session, actor=actor, now=now, outage=outage, action="outage.restore", before=before, extra={"devices": [d.code for d in restoring], "customers_back": len(back)})
    told = [r for r in back if r.last_notified_version is not None or outage.kind == "unplanned"]
    notices.tell_customers(session, now=now, outage=outage, rows=told, event="outage.restored", phase="restored", restored_at=now)
    notices.tell_grids(session, now=now, outage=outage, grid_ids=sorted({r.grid_id for r in back if r.grid_id is not None}), event="outage.restored", phase=f"restored:{outage.version}")
    if not still_out and outage.master_order_id is not None:
        _close_merged_calls(session, now=now, outage=outage)
    return outage


def _close_merged_calls(session: Session, *, now: datetime, outage: Outage) -> None:
    """Supply is back everywhere: the calls merged into the master order are answered (the
    restoration notice told their callers); the master stays with its rep for the repair
    report and the callback."""
    from gridcare.workorders import merging
    from gridcare.workorders import service as orders

    master = orders.get_order(session, actor=system_principal("outages"), order_id=outage.master_order_id)
    merging.close_with_parent(session, actor=system_principal("outages"), now=now, parent=master, restored=outage.number)


def cancel(session: Session, *, actor: Principal, now: datetime, outage_id: int, reason: str = "") -> Outage:
    require(actor, Action.OUTAGES_MANAGE)
    outage = get_outage(session, actor=actor, outage_id=outage_id, lock=True)
    before = _snapshot(outage)
    _move(outage, states.Command.CANCEL)
    outage.version += 1
    outage.updated_at = now
    _audit(session, actor=actor, now=now, outage=outage, action="outage.cancel", before=before, extra={"why": reason.strip()[:200]})
    # Those told it would happen hear that it will not; a prediction nobody was told of stays quiet.
    told = [r for r in _customers(session, outage.id) if r.last_notified_version is not None and r.restored_at is None]
    if told:
        notices.tell_customers(session, now=now, outage=outage, rows=told, event="outage.cancelled", phase="cancelled")
        notices.tell_grids(session, now=now, outage=outage, grid_ids=sorted({r.grid_id for r in told if r.grid_id is not None}), event="outage.cancelled", phase="cancelled")
    return outage


def begin_due(session: Session, *, now: datetime) -> int:
    """Planned outages whose start has come are active from now on."""
    begun = 0
    for outage in session.scalars(select(Outage).where(Outage.status == states.Status.SCHEDULED.value, Outage.starts_at <= now)):
        before = _snapshot(outage)
        _move(outage, states.Command.BEGIN)
        outage.updated_at = now
        _audit(session, actor=system_principal("outages"), now=now, outage=outage, action="outage.begin", before=before)
        begun += 1
    return begun


# --- reads other domains call (the read models live in queries.py) -----------------------


def outages_covering(session: Session, *, customer_ids: Sequence[int], now: datetime) -> list[dict[str, Any]]:
    """Open outages covering these customers (calls' screen pop and routing, Open311)."""
    from gridcare.outages import queries

    return queries.covering(session, customer_ids=customer_ids, now=now)


def first_covering_on(found: Sequence[dict[str, Any]], *, customer_id: int, at: datetime) -> dict[str, Any] | None:
    """Of ``outages_covering``'s answer for a later moment, the first that covered this
    customer on ``at``'s local day (Open311 reads one span for many requests' days)."""
    return rules.first_covering_on(found, customer_id=customer_id, at=at)


def outages_covering_reads(*, customer_ids: Sequence[int], now: datetime) -> Reads[list[dict[str, Any]]]:
    """``outages_covering`` as ``Reads``, to run with a screen pop's other reads (``gridcare.together``)."""
    from gridcare.outages import queries

    return queries.covering_reads(customer_ids=customer_ids, now=now)


def list_outages(session: Session, *, actor: Principal, status: str | None = None, utility: str | None = None) -> list[Outage]:
    from gridcare.outages import queries

    return queries.list_outages(session, actor=actor, status=status, utility=utility)


def planned_between(session: Session, *, utility: str, start: datetime, end: datetime, statuses: Sequence[str], limit: int = 200) -> list[dict[str, Any]]:
    """Planned outages of ``utility``'s network whose time off meets [start, end), the latest first,
    each with its customers cut off (the hotline's forecast of the calls they bring)."""
    from gridcare.outages import queries

    return queries.planned_between(session, utility=utility, start=start, end=end, statuses=statuses, limit=limit)


def affected_pairs(outage_ids: Sequence[int]) -> Any:
    """(outage_id, customer_id) of these outages' customers, as a statement to join to."""
    from gridcare.outages import queries

    return queries.affected_pairs(outage_ids)


def hotline_calls(session: Session, *, outage: Outage, now: datetime) -> dict[str, Any] | None:
    """The calls a planned outage not yet over is expected to bring the hotline (the calls
    domain's reckoning); None for any other."""
    if outage.kind != "planned" or outage.status not in (states.Status.SCHEDULED.value, states.Status.ACTIVE.value):
        return None
    from gridcare.calls import surges
    from gridcare.outages import queries

    return surges.for_outage(session, utility=outage.utility, customers=queries.counts(session, [outage.id])[outage.id]["customers"], now=now)
