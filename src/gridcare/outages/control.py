"""Supervisor control of predicted outages (研判复核). Fault triage can be wrong: two faults
taken for one above them, a fault put one device too high or too low, a call merged that has
nothing to do with it. The supervisor splits the outage, moves it to another device or sends
single calls back; every call that no longer fits goes back to normal dispatch, and each
step is in the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.core.errors import Conflict, FieldProblem, InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal, system_principal
from gridcare.outages import rules, service, states
from gridcare.outages.models import Outage
from gridcare.workorders import merging
from gridcare.workorders.merging import Child

if TYPE_CHECKING:
    from gridcare.network.electric import ElectricTree


def _predicted(session: Session, actor: Principal, outage_id: int) -> Outage:
    require(actor, Action.OUTAGES_MANAGE)
    outage = service.get_outage(session, actor=actor, outage_id=outage_id, lock=True)
    if outage.status != states.Status.PREDICTED.value:
        raise Conflict(T_("status: only a predicted outage can be re-drawn; this one is %(status)s", status=states.status_label(outage.status)))
    if outage.utility != "electric" or outage.master_order_id is None:
        raise Conflict(T_("status: this outage has no calls merged by fault triage"))
    return outage


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput.field("reason", T_("say why, for the audit trail"))
    return text[:200]


def _calls(session: Session, outage: Outage) -> list[Child]:
    """The master order and the calls merged into it, earliest first."""
    from gridcare.workorders import service as orders

    master = orders.get_order(session, actor=system_principal("outages"), order_id=outage.master_order_id)
    head = Child(master.id, master.number, master.customer_id, master.supply_point, master.created_at)
    return [head, *merging.children(session, parent_id=master.id)]


def release_calls(session: Session, *, actor: Principal, now: datetime, outage_id: int, order_ids: Sequence[int], reason: str) -> int:
    """Calls wrongly merged into this outage go back to normal dispatch."""
    outage = _predicted(session, actor, outage_id)
    why = _reason(reason)
    merged = {c.id for c in merging.children(session, parent_id=outage.master_order_id)}
    problems = [FieldProblem(f"order_ids[{i}]", T_("order %(id)s is not merged into this outage", id=oid)) for i, oid in enumerate(order_ids) if oid not in merged]
    if not order_ids:
        problems.append(FieldProblem("order_ids", T_("name at least one merged call")))
    if problems:
        raise InvalidInput.many(problems)
    for oid in dict.fromkeys(order_ids):
        merging.release(session, actor=actor, now=now, order_id=oid, reason=f"{outage.number}: {why}")
    service._audit(session, actor=actor, now=now, outage=outage, action="outage.release", before=None, extra={"orders": list(dict.fromkeys(order_ids)), "why": why})
    return len(set(order_ids))


def rehome(session: Session, *, actor: Principal, now: datetime, outage_id: int, device: str, reason: str) -> Outage:
    """The fault is at ``device``, not where triage put it: a predicted outage there takes
    the calls it feeds, the rest go back to normal dispatch, and the first is cancelled."""
    from gridcare.network import service as network

    outage = _predicted(session, actor, outage_id)
    why = _reason(reason)
    code = (device or "").strip()
    if not code or not network.electric_tree(session).has(code):
        raise InvalidInput.field("device", T_("no electric device %(code)r", code=code) if code else T_("name the device"))
    if code in {d.code for d in service.devices_of(session, outage.id)}:
        raise InvalidInput.field("device", T_("the outage is at %(code)s already", code=code))
    return _redraw(session, actor=actor, now=now, outage=outage, codes=[code], why=why, action="outage.rehome")[0]


def split(session: Session, *, actor: Principal, now: datetime, outage_id: int, devices: Sequence[str], reason: str) -> list[Outage]:
    """The calls were two or more faults below the predicted device: one predicted outage per
    device, each with its own master order; calls under none of them go back to dispatch,
    and the first outage is cancelled as split."""
    from gridcare.network import service as network

    outage = _predicted(session, actor, outage_id)
    why = _reason(reason)
    codes = list(dict.fromkeys(d.strip() for d in devices if d and d.strip()))
    problems = rules.split_size_problems(codes)
    # Too many are refused unread: each device would be checked against every other.
    if len(codes) <= rules.MAX_SPLIT_DEVICES:
        problems.extend(_split_problems(network.electric_tree(session), codes, [d.code for d in service.devices_of(session, outage.id)]))
    if problems:
        raise InvalidInput.many(problems)
    return _redraw(session, actor=actor, now=now, outage=outage, codes=codes, why=why, action="outage.split")


def _split_problems(tree: ElectricTree, codes: list[str], above: list[str]) -> list[FieldProblem]:
    """Each device must be known, below the predicted one and under no other of the split."""
    problems: list[FieldProblem] = []
    for i, code in enumerate(codes):
        if not tree.has(code):
            problems.append(FieldProblem(f"devices[{i}]", T_("no electric device %(code)r", code=code)))
        elif code in above or not any(tree.is_downstream(code, a) for a in above):
            problems.append(FieldProblem(f"devices[{i}]", T_("%(code)s is not below %(devices)s", code=code, devices=", ".join(above))))
        elif any(other != code and tree.has(other) and tree.is_downstream(code, other) for other in codes):
            problems.append(FieldProblem(f"devices[{i}]", T_("%(code)s lies under another device of the split", code=code)))
    return problems


def narrow(session: Session, *, now: datetime, outage_id: int, device: str, devices: Sequence[str]) -> list[Outage]:
    """Fault triage re-draws its own prediction at ``device`` lower down, as the calls since
    point there (``storm.analysis``). Nothing when the outage changed meanwhile: confirmed,
    re-drawn by a supervisor or by another worker."""
    from gridcare.outages.storm import TRIAGE_LOGIN

    triage = system_principal("triage")
    outage = service.get_outage(session, actor=triage, outage_id=outage_id, lock=True)
    current = {d.code for d in service.devices_of(session, outage.id)}
    if outage.status != states.Status.PREDICTED.value or outage.created_by != TRIAGE_LOGIN or current != {device} or outage.master_order_id is None:
        return []
    why = "the calls since point below " + device
    return _redraw(session, actor=triage, now=now, outage=outage, codes=list(devices), why=why, action="outage.narrow")


def _redraw(session: Session, *, actor: Principal, now: datetime, outage: Outage, codes: list[str], why: str, action: str) -> list[Outage]:
    """Replace a predicted outage by predicted outages at ``codes`` (made by the supervisor,
    so fault triage will not draw over them again)."""
    from gridcare.network import service as network

    tree = network.electric_tree(session)
    calls = _calls(session, outage)
    groups = {code: [c for c in calls if c.supply_point and tree.has(c.supply_point) and tree.is_downstream(c.supply_point, code)] for code in codes}
    placed = {c.id for members in groups.values() for c in members}
    old_master = outage.master_order_id
    service.cancel(session, actor=actor, now=now, outage_id=outage.id, reason=f"{action.split('.')[-1]} to {', '.join(codes)}: {why}")
    made = []
    for code, members in groups.items():
        part = service.predict(session, now=now, utility=outage.utility, device=code, order_ids=[m.id for m in members], actor=actor)
        made.append(part)
        _regroup(session, actor=actor, now=now, outage=part, members=members, why=why, from_parent=old_master)
    for c in calls:
        if c.id not in placed and c.id != old_master:
            merging.release(session, actor=actor, now=now, order_id=c.id, reason=f"{outage.number}: {why}")
    service._audit(session, actor=actor, now=now, outage=outage, action=action, before=None, extra={"into": [o.number for o in made], "devices": codes, "why": why, "calls_released": len(calls) - len(placed)})
    return made


def _regroup(session: Session, *, actor: Principal, now: datetime, outage: Outage, members: list[Child], why: str, from_parent: int) -> None:
    """Make the earliest member the outage's master order and move the other members under it."""
    if not members:
        outage.master_order_id = None
        return
    master = members[0].id
    if master != from_parent:
        # A merged call becomes a master: it is dispatched like any call first.
        merging.release(session, actor=actor, now=now, order_id=master, reason=f"{outage.number}: {why}")
    merging.rehome(session, actor=actor, now=now, from_parent=from_parent, to_parent=master, only={m.id for m in members[1:]})
    outage.master_order_id = master
