"""Data collection (基础信息采集): reps submit changes they see in their grid, a reviewer
approves or rejects them. An approval updates the customer or asset record (with its
history); road works near pipes or lines start a watch, a patrol at the place that recurs
until someone closes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import RecordScope, can_see
from gridcare.auth.scoping import scoped
from gridcare.core import phone
from gridcare.core.clock import to_local
from gridcare.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal
from gridcare.field import records, rules, sites
from gridcare.field.models import DataChange, PatrolStop, PatrolTask, Watch
from gridcare.field.permissions import require_manage, require_read, require_work

WATCH_EVERY_DAYS = 7


def _scope(change: DataChange | Watch) -> RecordScope:
    return RecordScope(org_path=change.org_path, grid_id=change.grid_id, gridded=True)


def _view(change: DataChange) -> dict[str, Any]:
    return {"kind": change.kind, "customer_id": change.customer_id, "asset_code": change.asset_code, "payload": change.payload, "lon": change.lon, "lat": change.lat, "status": change.status}


def submit(
    session: Session, *, actor: Principal, now: datetime, kind: str, payload: dict[str, Any], utility: str | None = None, customer_id: int | None = None,
    asset_code: str | None = None, lon: float | None = None, lat: float | None = None, note: str = "",
    made_at: datetime | None = None, phone_time: datetime | None = None, submission: str | None = None,
) -> DataChange:
    """A change for review. One kept on the phone without signal counts from when it was made
    (see ``phone.when_made``); sent again under the same ``submission`` it changes nothing."""
    from gridcare.customers import service as customers
    from gridcare.grids import service as grids
    from gridcare.network.models import Asset

    require_work(actor)
    submission = phone.submission_id(submission)
    if submission is not None:
        earlier = session.scalar(select(DataChange).where(DataChange.submission == submission))
        if (again := phone.sent_before(earlier, here=earlier is not None and earlier.submitted_by == actor.login)) is not None:
            return again
    payload = {str(k): str(v).strip() for k, v in (payload or {}).items() if v is not None and str(v).strip()}
    if (lon is None) != (lat is None):
        raise InvalidInput.field("lat" if lat is None else "lon", T_("give both lon and lat, or neither"))
    if lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):  # type: ignore[operator]
        raise InvalidInput.field("lon", T_("not a WGS84 position"))
    customer = customers.get_customer(session, actor=actor, customer_id=customer_id) if customer_id is not None else None
    utility = utility or (customer.utility if customer else None) or "electric"
    if utility not in ("electric", "water", "gas"):
        raise InvalidInput.field("utility", T_("must be electric, water or gas"))
    asset = None
    if asset_code:
        asset = session.scalar(select(Asset).where(Asset.utility == utility, Asset.code == asset_code.strip()))
        if asset is None:
            raise InvalidInput.field("asset_code", T_("no %(utility)s asset %(code)r", utility=Label("utility", utility), code=asset_code))
    problems = [FieldProblem(f, r) for f, r in rules.change_problems(kind, payload, has_customer=customer is not None, has_asset=asset is not None, has_position=lon is not None)]
    if len(note) > 2000:
        problems.append(FieldProblem("note", T_("must be at most %(n)s characters", n=2000)))
    if problems:
        raise InvalidInput.many(problems)
    grid = None
    if customer is not None and customer.grid_id is not None:
        grid_id, org_path = customer.grid_id, customer.org_path
    else:
        if lon is not None:
            grid = grids.locate(session, lon=lon, lat=lat, utility=utility).get(utility)  # type: ignore[arg-type]
        if grid is None and asset is not None and asset.grid_id is not None:
            grid = grids.summary(session, grid_id=asset.grid_id, utility=utility)
        grid_id, org_path = (grid.id, grid.org_path) if grid else (None, actor.org_path)
    made = phone.when_made(made_at, now, phone_time)
    change = DataChange(
        kind=kind, utility=utility, grid_id=grid_id, org_path=org_path, customer_id=customer.id if customer else None, asset_code=asset.code if asset else None, payload=payload,
        lon=lon, lat=lat, note=note.strip(), status="pending", submitted_by=actor.login, submitted_at=made.at, sent_at=made.sent_at, claimed_at=made.claimed_at, submission=submission,
        reason="", before={}, after={},
    )
    session.add(change)
    session.flush()
    audit.record(
        session, actor=actor, at=now, action="data_change.submit", entity="data_change", entity_id=change.id, after={**_view(change), **phone.for_audit(made)}, org_path=change.org_path, new_stream=True,
    )
    return change


def get_change(session: Session, *, actor: Principal, change_id: int) -> DataChange:
    require_read(actor)
    change = session.get(DataChange, change_id)
    if change is None or not (can_see(actor, _scope(change)) or change.submitted_by == actor.login):
        raise NotFound(T_("change_id: no data change %(id)s in your scope", id=change_id))
    return change


def changes(session: Session, *, actor: Principal, status: str | None = "pending", mine: bool = False, limit: int = 200) -> list[DataChange]:
    require_read(actor)
    stmt = select(DataChange).where(DataChange.submitted_by == actor.login) if mine else scoped(select(DataChange), actor, org_path=DataChange.org_path, grid_id=DataChange.grid_id)
    if status:
        stmt = stmt.where(DataChange.status == status)
    return list(session.scalars(stmt.order_by(DataChange.submitted_at.desc(), DataChange.id.desc()).limit(limit)))


def review(session: Session, *, actor: Principal, now: datetime, change_id: int, approve: bool, reason: str = "") -> DataChange:
    """Approve (the record changes, with history) or reject (nothing changes; the reason
    says why). Only a pending change can be reviewed."""
    require_manage(actor)
    change = get_change(session, actor=actor, change_id=change_id)
    if change.status != "pending":
        raise Conflict(T_("change_id: change %(id)s is already %(status)s", id=change.id, status=Label("change", change.status)))
    before_view = _view(change)
    if not approve:
        if not reason.strip():
            raise InvalidInput.field("reason", T_("say why the change is rejected"))
        change.status, change.reason = "rejected", reason.strip()[:2000]
    else:
        change.before, change.after = _apply(session, actor=actor, now=now, change=change)
        change.status, change.reason = "approved", reason.strip()[:2000]
    change.reviewed_by, change.reviewed_at = actor.login, now
    audit.record(session, actor=actor, at=now, action=f"data_change.{change.status}", entity="data_change", entity_id=change.id, before=before_view, after={**_view(change), "reason": change.reason, "applied": change.after}, org_path=change.org_path)
    return change


def _apply(session: Session, *, actor: Principal, now: datetime, change: DataChange) -> tuple[dict[str, Any], dict[str, Any]]:
    from gridcare.customers import service as customers

    p = change.payload
    if change.kind == "new_resident":
        customer = customers.create_customer(
            session, actor=actor, now=now, account=p["account"], name=p["name"], phones=[p["phone"]], address=p.get("address", ""), utility=change.utility, lon=change.lon, lat=change.lat,
        )
        change.customer_id = customer.id
        return {}, {"customer_id": customer.id, "account": customer.account, "name": customer.name}
    if change.kind == "shop_transfer":
        return records.update_customer(session, actor=actor, now=now, customer_id=change.customer_id, name=p.get("name"), phone=p.get("phone"), address=p.get("address"))  # type: ignore[arg-type]
    if change.kind == "new_building":
        building = {"name": p["name"], "households": p.get("households", ""), "address": p.get("address", ""), "added_on": to_local(now).date().isoformat(), "change_id": change.id}
        return records.note_building(session, actor=actor, now=now, utility=change.utility, asset_code=change.asset_code, building=building)  # type: ignore[arg-type]
    # Road works: a watch when pipes or lines are within reach.
    near = sites.network_points_near(session, utility=change.utility, lon=change.lon, lat=change.lat, reach_m=rules.ROAD_WORKS_REACH_M)  # type: ignore[arg-type]
    if not near:
        return {}, {"near": []}
    watch = open_watch(session, actor=actor, now=now, change=change, near=near)
    return {}, {"watch_id": watch.id, "near": near}


# --- watches ------------------------------------------------------------------------------


def open_watch(session: Session, *, actor: Principal, now: datetime, change: DataChange, near: list[str]) -> Watch:
    from gridcare.field import patrols
    from gridcare.grids import service as grids

    summary = grids.summary(session, grid_id=change.grid_id, utility=change.utility) if change.grid_id else None
    watch = Watch(
        change_id=change.id, title=f"施工看护：{change.payload.get('description', '')[:60]}", utility=change.utility, grid_id=change.grid_id, org_path=change.org_path,
        assignee_id=summary.rep_id if summary else None, lon=change.lon, lat=change.lat, near=near[:20], every_days=WATCH_EVERY_DAYS, starts_on=to_local(now).date(),
        status="open", created_at=now,
    )
    session.add(watch)
    session.flush()
    audit.record(session, actor=actor, at=now, action="watch.open", entity="watch", entity_id=watch.id, after={"change_id": change.id, "near": watch.near}, org_path=watch.org_path, new_stream=True)
    patrols.generate(session, now=now, days=0, plan_ids=[], watch_ids=[watch.id])  # today's task exists at once
    return watch


def watches(session: Session, *, actor: Principal, status: str | None = "open", limit: int = 200, offset: int = 0) -> list[Watch]:
    """Watches in scope, newest first; every status when ``status`` is empty."""
    require_read(actor)
    stmt = scoped(select(Watch), actor, org_path=Watch.org_path, grid_id=Watch.grid_id)
    if status:
        stmt = stmt.where(Watch.status == status)
    stmt = stmt.order_by(Watch.created_at.desc(), Watch.id.desc()).limit(max(1, min(limit, 1000))).offset(max(0, offset))
    return list(session.scalars(stmt))


def close_watch(session: Session, *, actor: Principal, now: datetime, watch_id: int) -> Watch:
    """The works are over: no more tasks; open ones not started are withdrawn."""
    require_work(actor)
    watch = session.get(Watch, watch_id)
    if watch is None or not can_see(actor, _scope(watch)):
        raise NotFound(T_("watch_id: no watch %(id)s in your scope", id=watch_id))
    if watch.status == "closed":
        raise Conflict(T_("watch_id: watch %(id)s is already closed", id=watch.id))
    watch.status, watch.closed_at, watch.closed_by = "closed", now, actor.login
    untouched = [
        t for t in session.scalars(select(PatrolTask.id).where(PatrolTask.watch_id == watch.id, PatrolTask.status == "open"))
        if session.scalar(select(PatrolStop.id).where(PatrolStop.task_id == t, PatrolStop.status != "pending").limit(1)) is None
    ]
    if untouched:
        session.execute(delete(PatrolStop).where(PatrolStop.task_id.in_(untouched)))
        session.execute(delete(PatrolTask).where(PatrolTask.id.in_(untouched)))
    audit.record(session, actor=actor, at=now, action="watch.close", entity="watch", entity_id=watch.id, after={"withdrawn_tasks": len(untouched)}, org_path=watch.org_path)
    return watch
