"""Read models: the outage list with counts, one outage with its devices, customers by grid
and notice progress, the planned-outage calendar, the map layers, who a caller's outage is."""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, case, false, func, or_, select
from sqlalchemy.orm import Session

from gridcare.auth.rules import Action, can
from gridcare.auth.scoping import require
from gridcare.core.clock import SHANGHAI, end_of_local_day, to_local
from gridcare.core.errors import FieldProblem, InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal, Role, system_principal
from gridcare.outages import service, states
from gridcare.outages.models import Outage, OutageCallTask, OutageCustomer, OutageDevice
from gridcare.prepared import Prepared
from gridcare.together import Reads, read

CALL_STATES = ("pending", "reached", "unreachable")


def _scoped(stmt: Any, actor: Principal) -> Any:
    """The service's ``visible_to`` as a WHERE clause."""
    if actor.role is Role.CONTRACTOR:
        return stmt.where(false())
    mine = Outage.org_path.startswith(actor.org_path, autoescape=True)
    if actor.grid_ids:
        touching = select(OutageCustomer.outage_id).where(OutageCustomer.grid_id.in_(sorted(actor.grid_ids)))
        return stmt.where(or_(mine, Outage.id.in_(touching)))
    return stmt.where(mine)


def list_outages(session: Session, *, actor: Principal, status: str | None = None, utility: str | None = None, kind: str | None = None, limit: int = 200) -> list[Outage]:
    require(actor, Action.GRIDS_READ)
    problems = []
    wanted = None
    if status:
        wanted = [s.strip() for s in status.split(",") if s.strip()]
        bad = [s for s in wanted if s not in {x.value for x in states.Status} | {"open"}]
        if bad:
            problems.append(FieldProblem("status", T_("must be one of %(choices)s or open", choices=", ".join(s.value for s in states.Status))))
    if utility and utility not in ("electric", "water", "gas"):
        problems.append(FieldProblem("utility", T_("must be electric, water or gas")))
    if kind and kind not in ("planned", "unplanned"):
        problems.append(FieldProblem("kind", T_("must be planned or unplanned")))
    if problems:
        raise InvalidInput.many(problems)
    stmt = _scoped(select(Outage), actor)
    if wanted:
        expanded = {v for s in wanted for v in (states.OPEN if s == "open" else (s,))}
        stmt = stmt.where(Outage.status.in_(sorted(expanded)))
    if utility:
        stmt = stmt.where(Outage.utility == utility)
    if kind:
        stmt = stmt.where(Outage.kind == kind)
    open_first = case((Outage.status.in_(states.OPEN), 0), else_=1)
    return list(session.scalars(stmt.order_by(open_first, Outage.starts_at.desc(), Outage.id.desc()).limit(limit)))


def count_by_status(session: Session, *, actor: Principal, statuses: Sequence[str]) -> dict[str, int]:
    """How many outages the actor sees in each of ``statuses`` (the workbench's tiles)."""
    require(actor, Action.GRIDS_READ)
    stmt = _scoped(select(Outage.status, func.count()).where(Outage.status.in_(sorted(statuses))), actor).group_by(Outage.status)
    counted = dict(session.execute(stmt).all())
    return {s: counted.get(s, 0) for s in statuses}


def numbers(session: Session, *, actor: Principal, ids: Sequence[int | None]) -> dict[int, str]:
    """The numbers (TD…) of the outages among ``ids`` that the actor may open: other
    domains' pages name an outage by its number and link only those."""
    wanted = {i for i in ids if i is not None}
    if not wanted or not can(actor, Action.GRIDS_READ):
        return {}
    return dict(session.execute(_scoped(select(Outage.id, Outage.number).where(Outage.id.in_(wanted)), actor)).all())


def predicted_on(session: Session, *, utility: str, codes: set[str]) -> list[Outage]:
    """Open predicted outages with a device among ``codes`` (fault triage asks about one
    device's subtree, not about every outage)."""
    if not codes:
        return []
    ids = select(OutageDevice.outage_id).where(OutageDevice.code.in_(sorted(codes)), OutageDevice.restored_at.is_(None))
    stmt = select(Outage).where(Outage.id.in_(ids), Outage.utility == utility, Outage.status == states.Status.PREDICTED.value).order_by(Outage.id)
    return list(session.scalars(stmt))


def device_codes(session: Session, outage_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in outage_ids}
    if outage_ids:
        for d in session.scalars(select(OutageDevice).where(OutageDevice.outage_id.in_(list(outage_ids))).order_by(OutageDevice.id)):
            out[d.outage_id].append({"code": d.code, "restored_at": d.restored_at})
    return out


def counts(session: Session, outage_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per outage: customers affected, key customers among them, still off."""
    out = {i: {"customers": 0, "key_customers": 0, "still_off": 0} for i in outage_ids}
    if not outage_ids:
        return out
    stmt = select(
        OutageCustomer.outage_id, func.count(), func.sum(case((OutageCustomer.priority, 1), else_=0)), func.sum(case((OutageCustomer.restored_at.is_(None), 1), else_=0))
    ).where(OutageCustomer.outage_id.in_(list(outage_ids))).group_by(OutageCustomer.outage_id)
    for oid, n, key, off in session.execute(stmt):
        out[oid] = {"customers": int(n), "key_customers": int(key or 0), "still_off": int(off or 0)}
    return out


def by_grid(session: Session, *, outage_id: int) -> list[dict[str, Any]]:
    from gridcare.grids import service as grids

    stmt = select(OutageCustomer.grid_id, func.count(), func.sum(case((OutageCustomer.priority, 1), else_=0))).where(OutageCustomer.outage_id == outage_id).group_by(OutageCustomer.grid_id)
    rows = session.execute(stmt).all()
    names = grids.grid_names(session, ids=[r[0] for r in rows if r[0] is not None])
    out = [{"grid_id": g, "code": names.get(g, ("", ""))[0], "name": names.get(g, ("", ""))[1], "customers": int(n), "key_customers": int(k or 0)} for g, n, k in rows]
    return sorted(out, key=lambda r: (-r["customers"], r["code"]))


def affected(session: Session, *, actor: Principal, outage_id: int, limit: int = 100, offset: int = 0, priority_only: bool = False) -> tuple[list[dict[str, Any]], int]:
    """The affected customers, priority ones first, with when they were told and restored."""
    from gridcare.customers import service as customers

    service.get_outage(session, actor=actor, outage_id=outage_id)
    stmt = select(OutageCustomer).where(OutageCustomer.outage_id == outage_id)
    if priority_only:
        stmt = stmt.where(OutageCustomer.priority)
    if actor.role is Role.REP:
        stmt = stmt.where(OutageCustomer.grid_id.in_(sorted(actor.grid_ids)) if actor.grid_ids else false())
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(OutageCustomer.priority.desc(), OutageCustomer.customer_id).limit(limit).offset(offset)))
    found = customers.briefs(session, customer_ids=[r.customer_id for r in rows])
    out = []
    for r in rows:
        c = found.get(r.customer_id)
        out.append({
            "customer_id": r.customer_id, "account": c.account if c else "", "name": c.name if c else "", "address": c.address if c else "", "tags": list(c.tags) if c else [],
            "grid_id": r.grid_id, "supply_point": r.supply_point, "priority": r.priority, "notified_version": r.last_notified_version, "restored_at": r.restored_at,
            "lon": c.lon if c else None, "lat": c.lat if c else None,
        })
    return out, int(total)


def notice_progress(session: Session, *, outage_id: int) -> dict[str, int]:
    """Messages about this outage by state (queued, deferred, sent, delivered, failed, dead …)."""
    from gridcare.notify import queries as notes

    found = notes.counts(session, actor=system_principal("outages"), filters=notes.LogFilter(source=f"outage:{outage_id}"))
    out: dict[str, int] = {}
    for (state, _channel), n in found.items():
        out[state] = out.get(state, 0) + n
    return out


def call_tasks(session: Session, *, actor: Principal, outage_id: int) -> list[dict[str, Any]]:
    from gridcare.customers import service as customers
    from gridcare.grids import queries as grid_queries

    service.get_outage(session, actor=actor, outage_id=outage_id)
    tasks = list(session.scalars(select(OutageCallTask).where(OutageCallTask.outage_id == outage_id).order_by(OutageCallTask.id)))
    found = customers.briefs(session, customer_ids=[t.customer_id for t in tasks])
    phones = customers.phones_of(session, customer_ids=[t.customer_id for t in tasks])
    staff = grid_queries.staff_names(session, {t.assignee_id for t in tasks if t.assignee_id})
    out = []
    for t in tasks:
        c = found.get(t.customer_id)
        out.append({
            "id": t.id, "customer_id": t.customer_id, "account": c.account if c else "", "name": c.name if c else "", "tags": list(c.tags) if c else [],
            "phones": phones.get(t.customer_id, []), "assignee_id": t.assignee_id, "assignee": staff.get(t.assignee_id, ("", "", ""))[0] if t.assignee_id else "",
            "queue": t.queue, "state": t.state, "note": t.note, "done_by": t.done_by, "done_at": t.done_at,
        })
    return out


def merged_calls(session: Session, *, outage: Outage) -> list[Any]:
    """The master order and the calls waiting on it (what a supervisor reviews)."""
    from gridcare.workorders import merging

    return merging.children(session, parent_id=outage.master_order_id) if outage.master_order_id else []


# Built once: asked on every repair call of a storm.
_ABSORBING_LIVE = (
    OutageCustomer.restored_at.is_(None),
    or_(Outage.status == states.Status.PREDICTED.value, Outage.status == states.Status.ACTIVE.value),
    Outage.master_order_id.is_not(None),
)
_ABSORBING = Prepared(
    select(Outage.id, Outage.number, Outage.master_order_id)
    .join(OutageCustomer, OutageCustomer.outage_id == Outage.id)
    .where(OutageCustomer.customer_id == bindparam("customer_id"), Outage.utility == bindparam("utility"), *_ABSORBING_LIVE)
    .order_by(Outage.starts_at.desc(), Outage.id)
    .limit(1)
)


_ABSORBING_ANY = (
    select(OutageCustomer.customer_id, Outage.utility, Outage.id, Outage.number, Outage.master_order_id)
    .join(OutageCustomer, OutageCustomer.outage_id == Outage.id)
    .where(OutageCustomer.customer_id.in_(bindparam("customer_ids", expanding=True)), *_ABSORBING_LIVE)
    .order_by(Outage.starts_at.desc(), Outage.id)
)
_ABSORBING_AHEAD = "outages.absorbing"  # session.info: (customers asked, {(customer, utility): outage})


def read_absorbing_ahead(session: Session, *, customer_ids: Sequence[int]) -> None:
    """``absorbing`` for a group-commit batch's callers in one query, for the batch's units
    to find in this transaction."""
    wanted = set(customer_ids)
    if not wanted:
        return
    asked, found = session.info.setdefault(_ABSORBING_AHEAD, (set(), {}))
    for customer_id, utility, *outage in session.connection().execute(_ABSORBING_ANY, {"customer_ids": sorted(wanted)}):
        found.setdefault((customer_id, utility), tuple(outage))  # the first is the one ``absorbing`` picks
    asked.update(wanted)


def absorbing(session: Session, *, customer_id: int, utility: str) -> tuple[int, str, int] | None:
    """The predicted or active outage cutting this customer off that has a master order."""
    ahead = session.info.get(_ABSORBING_AHEAD)
    if ahead is not None and customer_id in ahead[0]:
        return ahead[1].get((customer_id, utility))
    return _ABSORBING.first(session.connection(), {"customer_id": customer_id, "utility": utility})  # type: ignore[return-value]


_COVERING = (
    select(
        Outage.id, Outage.number, Outage.area, Outage.kind, Outage.status, Outage.utility,
        Outage.starts_at, Outage.ends_at, Outage.eta, Outage.master_order_id, OutageCustomer.customer_id,
    )
    .join(OutageCustomer, OutageCustomer.outage_id == Outage.id)
    .where(
        OutageCustomer.customer_id.in_(bindparam("customer_ids", expanding=True)),
        OutageCustomer.restored_at.is_(None),
        or_(
            Outage.status.in_((states.Status.ACTIVE.value, states.Status.PREDICTED.value)),
            (Outage.status == states.Status.SCHEDULED.value) & (Outage.starts_at < bindparam("end_of_day")),
        ),
    )
    .order_by(Outage.starts_at.desc(), Outage.id)
)


def covering(session: Session, *, customer_ids: Sequence[int], now: datetime) -> list[dict[str, Any]]:
    """Open outages these customers are (or today will be) without supply in: predicted,
    active, and planned ones starting before the end of the local day."""
    return read(session, covering_reads(customer_ids=customer_ids, now=now))


def covering_reads(*, customer_ids: Sequence[int], now: datetime) -> Reads[list[dict[str, Any]]]:
    """``covering`` as ``Reads``, to run with a screen pop's other reads."""
    if not customer_ids:
        return Reads((), lambda _: [])
    end_of_day = end_of_local_day(now)

    def answer(rows: list[Sequence[Row[Any]]]) -> list[dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for o in rows[0]:
            entry = found.get(o.id)
            if entry is None:
                entry = found[o.id] = {
                    "id": o.id, "number": o.number, "title": f"{o.area or o.number}（{o.number}）", "kind": o.kind, "status": o.status,
                    "utility": o.utility, "starts_at": o.starts_at, "ends_at": o.ends_at, "eta": o.eta or o.ends_at, "customer_ids": [],
                    "master_order_id": o.master_order_id,
                }
            entry["customer_ids"].append(o.customer_id)
        return list(found.values())

    return Reads(((_COVERING, {"customer_ids": sorted(set(customer_ids)), "end_of_day": end_of_day}),), answer)


def month_bounds(month: str) -> tuple[date, date]:
    try:
        year, mon = (int(p) for p in month.split("-"))
        first = date(year, mon, 1)
    except ValueError:
        raise InvalidInput.field("month", T_("expected YYYY-MM, e.g. 2026-11")) from None
    return first, first.replace(day=month_calendar.monthrange(year, mon)[1])


def calendar(session: Session, *, actor: Principal, month: str) -> dict[str, list[Outage]]:
    """Planned outages by local start day ("2026-11-24") over one month."""
    first, last = month_bounds(month)
    start = datetime.combine(first, time(0), tzinfo=SHANGHAI)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    stmt = _scoped(select(Outage), actor).where(Outage.kind == "planned", Outage.starts_at >= start, Outage.starts_at < end, Outage.status != states.Status.CANCELLED.value)
    days: dict[str, list[Outage]] = {}
    for outage in session.scalars(stmt.order_by(Outage.starts_at)):
        days.setdefault(to_local(outage.starts_at).date().isoformat(), []).append(outage)
    return days


def map_layers(session: Session, *, actor: Principal, now: datetime, outages: Sequence[Outage]) -> dict[str, Any]:
    """GeoJSON for the live map: each open outage's affected area (the hull of its
    customers' points, or its drawn polygon), its devices as points, and repair-call
    clusters (open repair orders near the outage)."""
    import json

    import shapely
    from shapely.geometry import MultiPoint, mapping

    from gridcare.customers import service as customers
    from gridcare.network import service as network

    features: list[dict[str, Any]] = []
    for o in outages:
        if o.status not in states.OPEN:
            continue
        ids = list(session.scalars(select(OutageCustomer.customer_id).where(OutageCustomer.outage_id == o.id, OutageCustomer.restored_at.is_(None))))
        points = [(c.lon, c.lat) for c in customers.briefs(session, customer_ids=ids).values() if c.lon is not None and c.lat is not None]
        props = {"id": o.id, "number": o.number, "status": o.status, "kind": o.kind, "area": o.area, "customers": len(ids)}
        if o.polygon:
            features.append({"type": "Feature", "geometry": json.loads(o.polygon), "properties": {**props, "layer": "area"}})
        elif points:
            hull = shapely.buffer(MultiPoint(points).convex_hull, 0.002)
            features.append({"type": "Feature", "geometry": mapping(hull), "properties": {**props, "layer": "area"}})
        codes = [d.code for d in session.scalars(select(OutageDevice).where(OutageDevice.outage_id == o.id, OutageDevice.restored_at.is_(None)))]
        for code, asset in network.assets_by_code(session, utility=o.utility, codes=codes).items():
            if asset.lon is not None and asset.lat is not None:
                features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [asset.lon, asset.lat]}, "properties": {**props, "layer": "device", "code": code, "name": asset.name}})
        for lon, lat in points[:500]:
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {"id": o.id, "layer": "customer", "status": o.status}})
    features += call_clusters(session, actor=actor, now=now)
    return {"type": "FeatureCollection", "features": features}


def call_clusters(session: Session, *, actor: Principal, now: datetime, cell: float = 0.005) -> list[dict[str, Any]]:
    """Open repair orders binned into cells of ``cell`` degrees (about 500 m): where the
    phones ring, which is where triage looks for the faulted device."""
    from gridcare.workorders import queries as orders

    if not can(actor, Action.ORDERS_READ):
        return []
    bins: dict[tuple[int, int], list[Any]] = {}
    for o in orders.queue(session, actor=actor, now=now, limit=1000):
        if o.category == "repair" and o.lon is not None and o.lat is not None:
            bins.setdefault((round(o.lon / cell), round(o.lat / cell)), []).append(o)
    out = []
    for found in bins.values():
        lon = sum(o.lon for o in found) / len(found)
        lat = sum(o.lat for o in found) / len(found)
        out.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {"layer": "calls", "calls": len(found), "numbers": [o.number for o in found[:5]]}})
    return out


def planned_between(session: Session, *, utility: str, start: datetime, end: datetime, statuses: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """Planned outages of ``utility``'s network in ``statuses`` whose time off (start to supply back,
    or to the planned end) meets [start, end), the latest first, with their customers cut off."""
    until = func.coalesce(Outage.restored_at, Outage.ends_at, Outage.starts_at)
    stmt = (
        select(Outage.id, Outage.number, Outage.area, Outage.status, Outage.starts_at, Outage.ends_at, Outage.restored_at, Outage.version)
        .where(Outage.kind == "planned", Outage.status.in_(list(statuses)), Outage.utility == utility, Outage.starts_at < end, until >= start)
        .order_by(Outage.starts_at.desc(), Outage.id.desc())
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    cut = counts(session, [r.id for r in rows])
    return [
        {"id": r.id, "number": r.number, "area": r.area, "status": r.status, "starts_at": r.starts_at, "ends_at": r.ends_at, "restored_at": r.restored_at, "version": r.version,
         "customers": cut[r.id]["customers"]}
        for r in rows
    ]


def affected_pairs(outage_ids: Sequence[int]) -> Any:
    """(outage_id, customer_id) of the customers these outages cut off, as a statement another
    domain joins its own rows to (the calls those customers made)."""
    return select(OutageCustomer.outage_id, OutageCustomer.customer_id).where(OutageCustomer.outage_id.in_(list(outage_ids)))
