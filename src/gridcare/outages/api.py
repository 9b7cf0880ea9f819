"""REST: outages — list (``?status=predicted`` for those inferred from calls), create,
change, confirm, restore (whole or per device), cancel, affected customers, call list."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from gridcare.core.principal import Principal
from gridcare.outages import call_list, control, queries, service, states
from gridcare.outages.models import Outage
from gridcare.outages.schemas import (
    CallOutcomeIn,
    CancelIn,
    ConfirmIn,
    DeviceOut,
    HotlineCalls,
    OutageDetail,
    OutageIn,
    OutageOut,
    OutagePatch,
    RehomeIn,
    ReleasedOut,
    ReleaseIn,
    RestoreIn,
    SplitIn,
)
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State

router = APIRouter(prefix="/api/v1/outages", tags=["outages"], dependencies=[CsrfChecked])


def rows(session: Session, outages: list[Outage]) -> list[OutageOut]:
    ids = [o.id for o in outages]
    devices, counts = queries.device_codes(session, ids), queries.counts(session, ids)
    return [OutageOut.model_validate(o).model_copy(update={"devices": [DeviceOut(**d) for d in devices[o.id]], **counts[o.id]}) for o in outages]


def detail(session: Session, actor: Principal, outage: Outage, now: datetime | None = None) -> OutageDetail:
    """The outage in full; with ``now``, the calls it is expected to bring the hotline too."""
    base = rows(session, [outage])[0]
    expected = service.hotline_calls(session, outage=outage, now=now) if now is not None else None
    return OutageDetail(
        **base.model_dump(),
        polygon=json.loads(outage.polygon) if outage.polygon else None,
        by_grid=queries.by_grid(session, outage_id=outage.id),
        notices=queries.notice_progress(session, outage_id=outage.id),
        commands=[c.value for c in states.available(outage.status)],
        hotline_calls=HotlineCalls(
            calls=round(expected["calls"], 1), **{k: round(v, 1) for k, v in expected["by_phase"].items()},
            calls_per_customer=round(expected["learned"].rate, 4), assumed=expected["learned"].assumed,
        ) if expected else None,
    )


@router.get("", response_model=list[OutageOut])
def list_outages(session: DbSession, principal: CurrentPrincipal, status: str | None = None, utility: str | None = None, kind: str | None = None, limit: int = 200) -> Any:
    """Outages in your scope, open ones first. ``status``: predicted, scheduled, active,
    restored, cancelled, or open (the first three); several comma-separated."""
    return rows(session, queries.list_outages(session, actor=principal, status=status, utility=utility, kind=kind, limit=max(1, min(limit, 1000))))


@router.post("", response_model=OutageDetail, status_code=status.HTTP_201_CREATED)
def create(body: OutageIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    outage = service.create_outage(session, actor=principal, now=state.clock.now(), **body.model_dump())
    return detail(session, principal, outage, state.clock.now())


@router.get("/map")
def live_map(session: DbSession, principal: CurrentPrincipal, state: State, utility: str | None = None) -> dict[str, Any]:
    """GeoJSON of open outages: affected areas, devices off, customers off, call clusters."""
    outages = queries.list_outages(session, actor=principal, status="open", utility=utility)
    return queries.map_layers(session, actor=principal, now=state.clock.now(), outages=outages)


@router.get("/calendar")
def calendar(session: DbSession, principal: CurrentPrincipal, month: str) -> dict[str, list[OutageOut]]:
    """Planned outages by local start day over ``month`` (YYYY-MM)."""
    return {day: rows(session, found) for day, found in queries.calendar(session, actor=principal, month=month).items()}


@router.get("/{outage_id}", response_model=OutageDetail)
def get(outage_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """The outage with its devices' areas by grid, notices sent and the commands it takes; a
    planned one not yet over with the calls it is expected to bring the hotline."""
    return detail(session, principal, service.get_outage(session, actor=principal, outage_id=outage_id), state.clock.now())


@router.patch("/{outage_id}", response_model=OutageDetail)
def update(outage_id: int, body: OutagePatch, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """Change the ETA, cause, devices or times; customers hear only what changed for them."""
    outage = service.update_outage(session, actor=principal, now=state.clock.now(), outage_id=outage_id, **body.model_dump(exclude_unset=True))
    return detail(session, principal, outage)


@router.post("/{outage_id}/restore", response_model=OutageDetail)
def restore(outage_id: int, body: RestoreIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    outage = service.restore(session, actor=principal, now=state.clock.now(), outage_id=outage_id, devices=body.devices)
    return detail(session, principal, outage)


@router.post("/{outage_id}/split", response_model=list[OutageDetail])
def split(outage_id: int, body: SplitIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """A predicted outage was two or more faults: one predicted outage per device named;
    calls under none of them go back to normal dispatch; this one is cancelled."""
    made = control.split(session, actor=principal, now=state.clock.now(), outage_id=outage_id, devices=body.devices, reason=body.reason)
    return [detail(session, principal, o) for o in made]


@router.post("/{outage_id}/rehome", response_model=OutageDetail)
def rehome(outage_id: int, body: RehomeIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """The fault is at another device: a predicted outage there replaces this one and keeps
    the calls it feeds; the others go back to normal dispatch."""
    return detail(session, principal, control.rehome(session, actor=principal, now=state.clock.now(), outage_id=outage_id, device=body.device, reason=body.reason))


@router.post("/{outage_id}/release", response_model=ReleasedOut)
def release(outage_id: int, body: ReleaseIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    """Calls wrongly merged into a predicted outage go back to normal dispatch."""
    return ReleasedOut(released=control.release_calls(session, actor=principal, now=state.clock.now(), outage_id=outage_id, order_ids=body.order_ids, reason=body.reason))


@router.post("/{outage_id}/confirm", response_model=OutageDetail)
def confirm(outage_id: int, body: ConfirmIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    outage = service.confirm(session, actor=principal, now=state.clock.now(), outage_id=outage_id, cause=body.cause, eta=body.eta)
    return detail(session, principal, outage)


@router.post("/{outage_id}/cancel", response_model=OutageDetail)
def cancel(outage_id: int, body: CancelIn, session: DbSession, principal: CurrentPrincipal, state: State) -> Any:
    outage = service.cancel(session, actor=principal, now=state.clock.now(), outage_id=outage_id, reason=body.reason)
    return detail(session, principal, outage)


@router.get("/{outage_id}/customers")
def customers(outage_id: int, session: DbSession, principal: CurrentPrincipal, limit: int = 100, offset: int = 0, priority: bool = False) -> dict[str, Any]:
    """Affected customers, priority ones first, with the version they were last told of."""
    found, total = queries.affected(session, actor=principal, outage_id=outage_id, limit=max(1, min(limit, 1000)), offset=max(0, offset), priority_only=priority)
    return {"total": total, "customers": found}


@router.get("/{outage_id}/calls")
def calls(outage_id: int, session: DbSession, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """The call list of priority customers, with who was reached."""
    return queries.call_tasks(session, actor=principal, outage_id=outage_id)


@router.post("/{outage_id}/calls")
def record_call(outage_id: int, body: CallOutcomeIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    task = call_list.record_call(session, actor=principal, now=state.clock.now(), outage_id=outage_id, task_id=body.task_id, state=body.state, note=body.note)
    return {"id": task.id, "state": task.state, "note": task.note, "done_by": task.done_by, "done_at": task.done_at}
