"""At a patrol stop: the check-in (GPS measured against the asset, the checklist of its kind,
photos) and findings, which become work orders for the right department with the evidence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.core import i18n, phone
from gridcare.core.clock import to_local
from gridcare.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal, Role, system_principal
from gridcare.field import patrols, photos, rules
from gridcare.field.models import Checklist, Finding, FindingRoute, PatrolStop, PatrolTask
from gridcare.field.permissions import require_manage, require_work

MAX_PHOTOS = 6
DEPARTMENT_TASK_MINUTES = 3 * 24 * 60


def checklist_for(session: Session, kind: str) -> list[str]:
    row = session.get(Checklist, kind)
    return list(row.items) if row is not None else list(rules.DEFAULT_CHECKLISTS.get(kind, ()))


def set_checklist(session: Session, *, actor: Principal, now: datetime, kind: str, items: Sequence[str]) -> Checklist:
    require_manage(actor)
    if kind not in (*rules.PATROL_KINDS, "place"):
        raise InvalidInput.field("kind", T_("must be one of %(choices)s", choices=", ".join((*rules.PATROL_KINDS, "place"))))
    cleaned = [i.strip()[:200] for i in items if i.strip()]
    if not cleaned or len(cleaned) > 30:
        raise InvalidInput.field("items", T_("give %(low)s to %(high)s items", low=1, high=30))
    row = session.get(Checklist, kind)
    before = list(row.items) if row else list(rules.DEFAULT_CHECKLISTS.get(kind, ()))
    if row is None:
        row = Checklist(asset_kind=kind, items=cleaned, updated_by=actor.login, updated_at=now)
        session.add(row)
    else:
        row.items, row.updated_by, row.updated_at = cleaned, actor.login, now
    audit.record(session, actor=actor, at=now, action="checklist.set", entity="checklist", entity_id=kind, before=before, after=cleaned)
    return row


def _stop_for_work(session: Session, *, actor: Principal, stop_id: int) -> tuple[PatrolStop, PatrolTask]:
    require_work(actor)
    stop = session.get(PatrolStop, stop_id)
    if stop is None:
        raise NotFound(T_("stop_id: no patrol stop %(id)s", id=stop_id))
    task = patrols.get_task(session, actor=actor, task_id=stop.task_id)
    if task.assignee_id not in (None, actor.user_id) and actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden(T_("only the assigned rep or a supervisor records this patrol"))
    return stop, task


def _position(lon: float | None, lat: float | None) -> tuple[float, float] | None:
    if lon is None and lat is None:
        return None
    if lon is None or lat is None:
        raise InvalidInput.field("lat" if lat is None else "lon", T_("give both lon and lat, or neither"))
    if not (-180 <= lon <= 180):
        raise InvalidInput.field("lon", T_("must be between %(low)s and %(high)s", low=-180, high=180))
    if not (-90 <= lat <= 90):
        raise InvalidInput.field("lat", T_("must be between %(low)s and %(high)s", low=-90, high=90))
    return (lon, lat)


def check_in(
    session: Session, *, actor: Principal, now: datetime, stop_id: int, lon: float | None, lat: float | None, checklist: dict[str, bool] | None = None,
    note: str = "", photo_files: Sequence[tuple[str, bytes]] = (), data_dir: Path, made_at: datetime | None = None, phone_time: datetime | None = None, submission: str | None = None,
) -> PatrolStop:
    """Record the rep at a stop. Too far from the asset is rejected or flagged, as the plan
    says; every checklist item of the asset's kind must be answered. A check-in the phone
    kept while without signal counts from when it was made (``made_at`` by the phone's clock,
    ``phone_time`` that clock as it sent it; see ``phone.when_made``); sent again under the same ``submission`` it changes nothing."""
    submission = phone.submission_id(submission)
    stop, task = _stop_for_work(session, actor=actor, stop_id=stop_id)
    if submission is not None and stop.submission == submission:
        return stop
    made = phone.when_made(made_at, now, phone_time)
    if actor.role is Role.REP and not rules.may_still_check_in(status=task.status, due_on=task.due_on, grace_days=task.grace_days, made_on=to_local(made.at).date()):
        raise Conflict(T_("task_id: this patrol was missed; the supervisor has it"))
    verdict, distance = rules.check_in_verdict(
        asset=(stop.lon, stop.lat) if stop.lon is not None and stop.lat is not None else None, position=_position(lon, lat),
        max_distance_m=stop.max_distance_m, far_policy=stop.far_policy,
    )
    if verdict is rules.CheckIn.REJECTED:
        reason = (
            T_("no position received: allow location on the phone") if distance is None
            else T_("%(distance)s m from %(stop)s; check in within %(max)s m", distance=f"{distance:.0f}", stop=stop.asset_code or stop.name, max=stop.max_distance_m)
        )
        raise InvalidInput.field("lon", reason)
    items = checklist_for(session, stop.asset_kind)
    answers = {k: bool(v) for k, v in (checklist or {}).items()}
    unknown = sorted(set(answers) - set(items))
    if unknown:
        raise InvalidInput.field("checklist", T_("not on the %(kind)s checklist: %(items)s", kind=Label("kind", stop.asset_kind), items=", ".join(unknown)))
    if len(photo_files) > MAX_PHOTOS:
        raise InvalidInput.field("photos", T_("at most %(n)s photos per stop", n=MAX_PHOTOS))
    stored = [photos.store(data=data, filename=name, data_dir=data_dir, field=f"photos[{i}]") for i, (name, data) in enumerate(photo_files)]
    if len(note) > 2000:
        raise InvalidInput.field("note", T_("must be at most %(n)s characters", n=2000))
    stop.status, stop.checked_at, stop.checked_by = "checked", made.at, actor.login
    stop.sent_at, stop.claimed_at, stop.submission = made.sent_at, made.claimed_at, submission
    stop.checked_lon, stop.checked_lat = lon, lat
    stop.distance_m = round(distance, 1) if distance is not None else None
    stop.far = verdict in (rules.CheckIn.FLAGGED, rules.CheckIn.NO_POSITION)
    stop.checklist = {item: answers.get(item, False) for item in items}
    stop.note = note.strip()
    stop.photos = [*stop.photos, *stored]
    patrols.finish_if_complete(session, now=made.at, task=task)
    audit.record(
        session, actor=actor, at=now, action="patrol_stop.check_in", entity="patrol_task", entity_id=task.id, org_path=task.org_path,
        after={"stop": stop.asset_code or stop.name, "distance_m": stop.distance_m, "far": stop.far, "checklist": stop.checklist, "photos": [p["sha256"] for p in stored], **phone.for_audit(made)},
    )
    return stop


# --- findings -----------------------------------------------------------------------------


def department_for(session: Session, kind: rules.FindingKind) -> int | None:
    """The department set for this kind of finding, or the utility's department whose code
    ends with the kind's hint, or its first department."""
    from gridcare.auth import service as auth

    route = session.get(FindingRoute, kind.code)
    if route is not None:
        return route.org_unit_id
    units = [u for u in auth.list_org_units(session, actor=system_principal("field")) if u.kind == "department" and u.utility == kind.utility]
    hinted = [u for u in units if u.code.endswith(kind.department_hint)]
    chosen = hinted or units
    return chosen[0].id if chosen else None


def set_finding_route(session: Session, *, actor: Principal, now: datetime, kind: str, org_unit_id: int) -> FindingRoute:
    from gridcare.auth import service as auth

    require_manage(actor)
    if kind not in rules.FINDINGS:
        raise InvalidInput.field("kind", T_("must be one of %(choices)s", choices=", ".join(rules.FINDINGS)))
    unit = auth.get_org_unit(session, actor=actor, org_unit_id=org_unit_id)
    if unit.kind not in ("department", "contractor"):
        raise InvalidInput.field("org_unit_id", T_("%(name)s is not a department or contractor", name=unit.name))
    if unit.kind == "department" and unit.utility not in (rules.FINDINGS[kind].utility, "multi"):
        raise InvalidInput.field("org_unit_id", T_("%(name)s is a %(utility)s department; this is a %(finding_utility)s finding", name=unit.name, utility=Label("utility", unit.utility), finding_utility=Label("utility", rules.FINDINGS[kind].utility)))
    row = session.get(FindingRoute, kind)
    if row is None:
        row = FindingRoute(kind=kind, org_unit_id=unit.id, updated_by=actor.login, updated_at=now)
        session.add(row)
    else:
        row.org_unit_id, row.updated_by, row.updated_at = unit.id, actor.login, now
    audit.record(session, actor=actor, at=now, action="finding_route.set", entity="finding_route", entity_id=kind, after={"org_unit_id": unit.id})
    return row


def report_finding(
    session: Session, *, actor: Principal, now: datetime, stop_id: int, kind: str, note: str = "", lon: float | None = None, lat: float | None = None,
    photo: tuple[str, bytes] | None = None, data_dir: Path, made_at: datetime | None = None, phone_time: datetime | None = None, submission: str | None = None,
) -> Finding:
    """A finding becomes a work order (channel "patrol") at the stop, handed to the grid's rep
    by dispatch, with a task for the department and the photo attached. The same kind at the
    same stop reported again lands on the same order. Made on the phone without signal, the
    finding keeps when it was found; the order starts when it arrives, since nobody could act
    on it before. Sent again under the same ``submission`` it changes nothing."""
    from gridcare.workorders import service as orders
    from gridcare.workorders import support

    submission = phone.submission_id(submission)
    stop, task = _stop_for_work(session, actor=actor, stop_id=stop_id)
    if submission is not None:
        earlier = session.scalar(select(Finding).where(Finding.submission == submission))
        if (again := phone.sent_before(earlier, here=earlier is not None and earlier.stop_id == stop.id)) is not None:
            return again
    found = rules.FINDINGS.get(kind)
    if found is None:
        raise InvalidInput.field("kind", T_("must be one of %(choices)s", choices=", ".join(rules.FINDINGS)))
    if found.utility != task.utility:
        raise InvalidInput.field("kind", T_("%(kind)s is a %(utility)s finding; this is a %(patrol_utility)s patrol", kind=kind, utility=Label("utility", found.utility), patrol_utility=Label("utility", task.utility)))
    if len(note) > 2000:
        raise InvalidInput.field("note", T_("must be at most %(n)s characters", n=2000))
    position = _position(lon, lat)
    where = (stop.lon, stop.lat) if stop.lon is not None else position or (stop.checked_lon, stop.checked_lat)
    if photo is not None:
        photos.store(data=photo[1], filename=photo[0], data_dir=data_dir, field="photo")  # checked before anything is written
    made = phone.when_made(made_at, now, phone_time)
    # The order's text is for everyone who handles it: written in the service's language.
    label = i18n.gettext(i18n.DEFAULT, found.label)
    kept = f"，{to_local(made.at):%m-%d %H:%M} 发现，离线上传" if made.offline and made.claimed_at is None else ""
    intake = orders.Intake(
        category=found.category, channel="patrol", utility=task.utility, description=f"[巡视发现] {label}：{note.strip()}（{stop.name or stop.asset_code}{kept}）".strip(),
        address=stop.name or "", lon=where[0] if where else None, lat=where[1] if where else None, idempotency_key=f"field-finding:{stop.id}:{kind}",
        attributes={"patrol_task_id": task.id, "patrol_stop": stop.asset_code, "finding": kind},
    )
    created = orders.create_order(session, actor=actor, now=now, intake=intake)
    order = created.order
    # The rep handles the order (首问负责制) and pulls the department in; when the finder is
    # not the order's handler, the platform files the department task on their behalf.
    helper = actor if actor.user_id == order.handler_id or actor.role in (Role.SUPERVISOR, Role.ADMIN) else system_principal("field")
    department = department_for(session, found)
    if department is not None and not created.replayed:
        support.add_task(session, actor=helper, now=now, order_id=order.id, unit_id=department, title=f"{label}：{stop.name or stop.asset_code}", due_minutes=DEPARTMENT_TASK_MINUTES)
    if photo is not None:
        support.add_attachment(session, actor=actor if orders.visible_to(session, actor, order) else helper, now=now, order_id=order.id, filename=photo[0], data=photo[1], data_dir=data_dir, lon=lon, lat=lat)
    # Reported again from the page, the finding is the one already there; from a phone, each
    # of its records is kept, so that one sent again is known by its submission.
    row = session.scalar(select(Finding).where(Finding.stop_id == stop.id, Finding.kind == kind).limit(1)) if created.replayed and submission is None else None
    if row is None:
        row = Finding(
            stop_id=stop.id, kind=kind, note=note.strip(), order_id=order.id, order_number=order.number, department_id=department, lon=where[0] if where else None, lat=where[1] if where else None,
            created_by=actor.login, created_at=made.at, sent_at=made.sent_at, claimed_at=made.claimed_at, submission=submission,
        )
        session.add(row)
        session.flush()
        audit.record(
            session, actor=actor, at=now, action="patrol_finding.create", entity="patrol_task", entity_id=task.id, after={"finding": kind, "order": order.number, "stop": stop.asset_code, **phone.for_audit(made)}, org_path=task.org_path,
        )
    return row


def findings(session: Session, *, task_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Findings per stop of these tasks, with their order numbers."""
    if not task_ids:
        return {}
    rows = session.scalars(select(Finding).join(PatrolStop, PatrolStop.id == Finding.stop_id).where(PatrolStop.task_id.in_(list(task_ids))).order_by(Finding.id))
    out: dict[int, list[dict[str, Any]]] = {}
    for f in rows:
        out.setdefault(f.stop_id, []).append({"id": f.id, "kind": f.kind, "note": f.note, "order_id": f.order_id, "number": f.order_number, "found_at": f.created_at, "sent_at": f.sent_at})
    return out
