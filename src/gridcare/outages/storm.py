"""Merging the storm (故障研判 at intake): the repair calls one fault causes become one order.

Two moments of a repair intake:
- before the order is made, ``absorbing`` answers whether an open outage with a master
  order already covers the caller — then the call joins that order at once and nobody is
  dispatched for it;
- after it is made, ``after_intake`` runs the trouble-call analysis (``triage.analyse``,
  pure) over the recent repair calls under the same feeder; when the evidence passes the
  rules, a predicted outage is created at the device that explains them, the earliest call
  becomes its master order (it stays with the grid rep it went to) and the others merge
  into it.
Electric networks only for now: water calls are dispatched one by one.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy.orm import Session

from gridcare.core.errors import DomainError
from gridcare.core.principal import system_principal
from gridcare.network.electric import ElectricTree
from gridcare.outages import states
from gridcare.outages.models import Outage
from gridcare.outages.triage import TriageRules, TroubleCall, analyse, parse_rules


def rules() -> TriageRules:
    """GRIDCARE_TRIAGE_RULES (checked at start-up by config.Settings), read without building
    the settings on every repair call."""
    return _rules(os.environ.get("GRIDCARE_TRIAGE_RULES", ""))


@lru_cache(maxsize=8)
def _rules(text: str) -> TriageRules:
    return parse_rules(text)


@dataclass(frozen=True)
class Absorbed:
    outage_id: int
    outage_number: str
    master_order_id: int


def absorbing(session: Session, *, customer_id: int | None, utility: str, now: datetime) -> Absorbed | None:
    """The open outage (predicted or confirmed) covering this customer that already has a
    master order, if any."""
    from gridcare.outages import service as outages

    if customer_id is None:
        return None
    for entry in outages.outages_covering(session, customer_ids=[customer_id], now=now):
        if entry["utility"] == utility and entry.get("master_order_id") and entry["status"] in (states.Status.PREDICTED.value, states.Status.ACTIVE.value):
            return Absorbed(entry["id"], entry["number"], entry["master_order_id"])
    return None


# Per process: when each feeder was last analysed (by the clock of the calls), so a burst of
# triage messages for one feeder costs one analysis. Another process may analyse again:
# predicting is idempotent.
_analysed: dict[tuple[str, str], datetime] = {}


def covered(utility: str, supply_point: str, at: datetime) -> bool:
    """Whether an analysis of this call's feeder ran after the call was taken."""
    feeder = _feeder_of.get((utility, supply_point))
    done = _analysed.get((utility, feeder)) if feeder else None
    return done is not None and at <= done


_feeder_of: dict[tuple[str, str], str] = {}
COMMIT_MARGIN = timedelta(seconds=2)


def after_intake(session: Session, *, now: datetime, order_id: int, supply_point: str, utility: str) -> str | None:
    """Triage the new call with its neighbours under the same feeder; returns the predicted
    device, if any."""
    from gridcare.network import service as network
    from gridcare.outages import service as outages
    from gridcare.workorders import queries as orders
    from gridcare.workorders import service as order_service

    if utility != "electric":
        return None
    tree = network.electric_tree(session)
    if not tree.has(supply_point):
        return None
    chain = tree.upstream_chain(supply_point)
    scope = chain[-2] if len(chain) >= 2 else chain[-1]  # the feeder: faults do not cross it
    _feeder_of[(utility, supply_point)] = scope
    # A call taken just before may not have committed yet when the calls are read below.
    _analysed[(utility, scope)] = now - COMMIT_MARGIN
    chosen = rules()
    recent = orders.recent_repairs(session, utility=utility, since=now - chosen.window, supply_points=tree.transformers_under(scope))
    calls = [TroubleCall(oid, cid, created, tuple(tree.upstream_chain(point))) for oid, cid, created, point, _status in recent if tree.has(point)]
    standing = {oid for oid, _c, _t, _p, status in recent if status != "merged"}
    devices = {d for call in calls for d in call.chain}
    feeds, below = _feeds(session, tree)
    points = {p for d in devices for p in below.get(d, ())} | devices
    result = analyse(calls, now=now, feeds={d: feeds.get(d, 0) for d in points}, rules=chosen, points_under={d: below[d] for d in devices if d in below})
    device = result.device_of(order_id)
    if device is None:
        return None
    triage = system_principal("triage")
    if _predicted(session, utility=utility, codes={device}):
        return device  # already known: the call was (or will be) merged at intake
    under = tree.downstream(device)
    predicted = _predicted(session, utility=utility, codes=under)
    cluster = next(p for p in result.predictions if p.device == device)
    created_at = {c.order_id: c.at for c in calls}
    members = sorted(cluster.order_ids, key=lambda oid: (created_at[oid], oid))
    outage = outages.predict(session, now=now, utility=utility, device=device, order_ids=[m for m in members if m in standing] or members)
    master = outage.master_order_id or members[0]
    if outage.master_order_id is None:
        outage.master_order_id = master
    to_merge = [m for m in members if m in standing] + _supersede(session, now=now, device=device, outage=outage, master=master, older=[(o, c) for o, c in predicted if c and c <= under])
    for oid in to_merge:
        if oid == master:
            continue
        try:
            with session.begin_nested():
                order_service.execute(session, actor=triage, now=now, order_id=oid, command="merge_into", args={"parent_id": master, "note": f"predicted outage {outage.number} at {device}"})
        except DomainError:  # an order that moved on (on site, resolved …) stays its own
            continue
    return device



_FED_TTL_SECONDS = 60.0
_fed: dict[str, tuple[float, tuple[dict[str, int], dict[str, tuple[str, ...]]]]] = {}


def _feeds(session: Session, tree: ElectricTree) -> tuple[dict[str, int], dict[str, tuple[str, ...]]]:
    """Customers per supply point and supply points with customers per device above them
    (what triage.analyse calls ``feeds``), and the supply points below each device;
    rebuilt each minute."""
    from gridcare.customers import service as customers

    key = str(session.get_bind().url)
    hit = _fed.get(key)
    if hit is not None and time.monotonic() - hit[0] < _FED_TTL_SECONDS:
        return hit[1]
    feeds = dict(customers.counts_by_supply_point(session, utility="electric"))
    below: dict[str, list[str]] = {}
    for point in [p for p, n in feeds.items() if n and tree.has(p)]:
        for device in tree.upstream_chain(point)[1:]:
            feeds[device] = feeds.get(device, 0) + 1
            below.setdefault(device, []).append(point)
    built = (feeds, {d: tuple(p) for d, p in below.items()})
    _fed[key] = (time.monotonic(), built)
    return built


def forget() -> None:
    _fed.clear()
    _analysed.clear()
    _feeder_of.clear()


def _predicted(session: Session, *, utility: str, codes: set[str]) -> list[tuple[Outage, set[str]]]:
    """Open predicted outages of a utility on any of these devices, with their device codes."""
    from gridcare.outages import queries as outage_queries

    found = outage_queries.predicted_on(session, utility=utility, codes=codes)
    devices = outage_queries.device_codes(session, [o.id for o in found])
    return [(o, {d["code"] for d in devices.get(o.id, [])}) for o in found]


def _supersede(session: Session, *, now: datetime, device: str, outage: Outage, master: int, older: list[tuple[Outage, set[str]]]) -> list[int]:
    """Predicted outages below ``device`` were the first glimpse of this wider one: their
    calls move to its master and they are cancelled. Returns their master orders, to merge."""
    from gridcare.outages import service as outages
    from gridcare.workorders import service as order_service

    triage = system_principal("triage")
    masters = []
    for old, _codes in older:
        if old.id == outage.id:
            continue
        if old.master_order_id is not None and old.master_order_id != master:
            order_service.rehome_merged(session, actor=triage, now=now, from_parent=old.master_order_id, to_parent=master)
            masters.append(old.master_order_id)
        outages.cancel(session, actor=triage, now=now, outage_id=old.id, reason=f"superseded by {outage.number} at {device}")
    return masters
