"""Merging the storm (故障研判 at intake): the repair calls one fault causes become one order.

Two moments of a repair intake:
- before the order is made, ``absorbing`` answers whether an open outage with a master
  order already covers the caller — then the call joins that order at once and nobody is
  dispatched for it;
- shortly after it is made, the worker's ``triage_call`` runs the trouble-call analysis
  (``triage.analyse``, pure) over the recent repair calls under the same feeder; for each
  device the evidence points at, a predicted outage is created, the earliest call becomes
  its master order (it stays with the grid rep it went to) and the others merge into it.
Water calls are grouped by valve-bounded segment and DMA (``water_triage``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy.orm import Session

from gridcare.core.errors import DomainError
from gridcare.core.principal import system_principal
from gridcare.db import Database
from gridcare.network.electric import ElectricTree
from gridcare.outages import control
from gridcare.outages.coverage import Coverage, SharedCoverage, namespace_of
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
    from gridcare.outages import queries

    if customer_id is None:
        return None
    found = queries.absorbing(session, customer_id=customer_id, utility=utility)
    return Absorbed(*found) if found is not None else None


def read_absorbing_ahead(session: Session, *, customer_ids: Sequence[int]) -> None:
    """``absorbing`` for a group-commit batch's callers at once (outages.queries)."""
    from gridcare.outages import queries

    queries.read_absorbing_ahead(session, customer_ids=customer_ids)


# A repair call is triaged by the worker TRIAGE_DELAY after it was taken, so that one
# analysis of its feeder covers every call the feeder had meanwhile: in a storm a feeder
# gets a call every few milliseconds, and one analysis per call would cost as much as the
# intake itself. What each analysis covered is kept in a Coverage (outages.coverage): this
# process's own, or the workers' shared one.
TRIAGE_DELAY = timedelta(seconds=1)
LOCAL = Coverage()


def coverage_for(redis_url: str | None, database_url: str) -> Coverage:
    """A worker's coverage: shared with the other workers when there is a Redis, else this
    process's own. Made once per worker (the triage handler keeps it in its context)."""
    return SharedCoverage(redis_url, namespace=namespace_of(database_url)) if redis_url else LOCAL


TRIAGE_LOGIN = system_principal("triage").login


@dataclass(frozen=True)
class Finding:
    """One device the evidence points at that no predicted outage names yet."""

    utility: str
    device: str
    members: tuple[int, ...]  # the calls it explains, earliest first
    standing: frozenset[int]  # those not merged into anything yet
    valves: tuple[str, ...] = ()  # water: the valves that isolate the faulted segment
    dma: str | None = None  # water: the whole DMA is out


@dataclass(frozen=True)
class Narrowing:
    """A predicted outage of fault triage that the calls since point below: one fault lower
    down, or several faults taken for one above them."""

    outage_id: int
    device: str
    devices: tuple[str, ...]


def findings(session: Session, *, now: datetime, supply_point: str, utility: str, coverage: Coverage = LOCAL) -> list[Finding]:
    return analysis(session, now=now, supply_point=supply_point, utility=utility, coverage=coverage)[0]


def _feeder(chain: list[str]) -> str:
    """The feeder of a supply point's chain up the tree: faults do not cross it."""
    return chain[-2] if len(chain) >= 2 else chain[-1]


def scope_of(session: Session, *, utility: str, supply_point: str, coverage: Coverage = LOCAL) -> str | None:
    """The scope a call is analysed in (its feeder, or its DMA), learnt for the next calls."""
    from gridcare.network import service as network

    if utility == "water":
        from gridcare.outages import water_triage

        scope = water_triage.scope_of(session, supply_point)
    elif utility == "electric" and (tree := network.electric_tree(session)).has(supply_point):
        scope = _feeder(tree.upstream_chain(supply_point))
    else:
        return None
    if scope is not None:
        coverage.scope_of[(utility, supply_point)] = scope
    return scope


def analysis(session: Session, *, now: datetime, supply_point: str, utility: str, coverage: Coverage = LOCAL) -> tuple[list[Finding], list[Narrowing]]:
    """Triage the recent calls under this call's feeder (reads only: most analyses of a
    storm find nothing new, and must not hold the writers up)."""
    from gridcare.network import service as network
    from gridcare.workorders import queries as orders

    if utility == "water":
        from gridcare.outages import water_triage

        return water_triage.findings(session, now=now, supply_point=supply_point, rules=rules(), coverage=coverage), []
    if utility != "electric":
        return [], []
    tree = network.electric_tree(session)
    if not tree.has(supply_point):
        return [], []
    chain = tree.upstream_chain(supply_point)
    scope = _feeder(chain)
    if _predicted(session, utility=utility, codes={scope}):
        return [], []  # the whole feeder is out: its calls join the outage at intake
    transformers = tree.transformers_under(scope)
    coverage.scope_of.update(((utility, point), scope) for point in transformers)
    chosen = rules()
    recent = orders.recent_repairs(session, utility=utility, since=now - chosen.window, supply_points=transformers)
    analysed = frozenset(oid for oid, *_rest in recent)
    coverage.weighed((utility, scope), analysed, at=now.timestamp())
    # A feeder's 2,000 calls come from a few dozen transformers: one walk up the tree each.
    chains = {point: tuple(tree.upstream_chain(point)) for point in {r[3] for r in recent} if tree.has(point)}
    calls = [TroubleCall(oid, cid, created, chains[point]) for oid, cid, created, point, _status in recent if point in chains]
    standing = frozenset(oid for oid, _c, _t, _p, status in recent if status != "merged")
    devices = {d for chain in chains.values() for d in chain}
    feeds, below = _feeds(session, tree)
    points = {p for d in devices for p in below.get(d, ())} | devices
    result = analyse(calls, now=now, feeds={d: feeds.get(d, 0) for d in points}, rules=chosen, points_under={d: below[d] for d in devices if d in below})
    if not result.predictions:
        return [], []
    standing_outages = _predicted(session, utility=utility, codes=tree.downstream(scope) | set(chain))
    narrowed = _narrowings(tree, standing_outages, {p.device for p in result.predictions}, analysed=analysed)
    gone = {n.device for n in narrowed}
    known = {code for o, codes in standing_outages if o.id not in {n.outage_id for n in narrowed} for code in codes}
    # Outages a supervisor drew (split, moved) stand: triage does not draw a wider one over them.
    drawn = {code for o, codes in standing_outages if o.created_by != TRIAGE_LOGIN for code in codes}
    created_at = {c.order_id: c.at for c in calls}
    found = [
        Finding(utility, p.device, tuple(sorted(p.order_ids, key=lambda oid: (created_at[oid], oid))), standing & set(p.order_ids))
        for p in result.predictions
        if not any(tree.is_downstream(p.device, k) for k in known)
        and not any(tree.is_downstream(d, p.device) for d in drawn)
        and not any(tree.is_downstream(p.device, g) for g in gone)  # the narrowing draws these
    ]
    return sorted(found, key=lambda f: -len(f.members)), narrowed


def _narrowings(tree: ElectricTree, standing: list[tuple[Outage, set[str]]], predicted: set[str], *, analysed: frozenset[int]) -> list[Narrowing]:
    """Triage's own predictions that the evidence now places lower: the analysis (which
    weighs the merged calls too) no longer names the device but names devices below it.
    Only while the outage's master call is inside the analysed window: older evidence has
    aged out of the analysis, and an old outage is the supervisor's to re-draw."""
    out = []
    for outage, codes in standing:
        if outage.created_by != TRIAGE_LOGIN or len(codes) != 1 or codes & predicted or outage.master_order_id not in analysed:
            continue
        (device,) = codes
        below = tuple(sorted(d for d in predicted if d != device and tree.is_downstream(d, device)))
        if below:
            out.append(Narrowing(outage.id, device, below))
    return out


def predict(session: Session, *, now: datetime, finding: Finding) -> tuple[int, str, list[int]]:
    """Record the predicted outage (superseding narrower ones below it); returns its master
    order, its number and the orders to merge into the master. Nothing when another
    worker predicted it meanwhile."""
    from gridcare.network import service as network
    from gridcare.outages import service as outages

    utility, device, members = finding.utility, finding.device, finding.members
    if utility == "water":
        return _predict_water(session, now=now, finding=finding)
    under = network.electric_tree(session).downstream(device)
    predicted = _predicted(session, utility=utility, codes=under)  # ``under`` holds the device itself
    if any(device in codes for _o, codes in predicted):
        return 0, "", []
    standing = [m for m in members if m in finding.standing]
    outage = outages.predict(session, now=now, utility=utility, device=device, order_ids=standing or list(members))
    master = outage.master_order_id or members[0]
    if outage.master_order_id is None:
        outage.master_order_id = master
    to_merge = standing + _supersede(session, now=now, device=device, outage=outage, master=master, older=[(o, c) for o, c in predicted if c and c <= under])
    return master, outage.number, [oid for oid in to_merge if oid != master]


def _predict_water(session: Session, *, now: datetime, finding: Finding) -> tuple[int, str, list[int]]:
    """A predicted water outage over the valves that isolate the segment, or the DMA;
    nothing when an open outage already covers the first caller."""
    from gridcare.outages import queries
    from gridcare.outages import service as outages
    from gridcare.workorders import service as order_service

    standing = [m for m in finding.members if m in finding.standing]
    if not standing:
        return 0, "", []
    first = order_service.get_order(session, actor=system_principal("triage"), order_id=standing[0]).customer_id
    if first is not None and queries.absorbing(session, customer_id=first, utility="water") is not None:
        return 0, "", []
    outage = outages.create_outage(
        session, actor=system_principal("triage"), now=now, utility="water", kind="unplanned", devices=list(finding.valves) or None,
        dma=finding.dma if not finding.valves else None, predicted=True, master_order_id=standing[0], cause="predicted from burst / low-pressure calls",
    )
    return standing[0], outage.number, standing[1:]


def merge(session: Session, *, now: datetime, master: int, order_ids: list[int], note: str) -> int:
    """Merge calls into the master order; an order that moved on (on site, resolved …)
    stays its own. Returns how many merged."""
    from gridcare.workorders import merging

    try:
        return len(merging.merge_many(session, actor=system_principal("triage"), now=now, parent_id=master, order_ids=order_ids, note=note))
    except DomainError:  # the master closed meanwhile: the calls stay with their reps
        return 0


# Calls merged per write transaction. SQLite's one writer makes intake wait for each, so
# they stay shorter there; but each also waits its turn behind intake's group commits. At
# ten a transaction, a storm on few feeders left 5,400–8,400 triage rows due when the load
# bench stopped, and 3,000 calls went to reps as pop-ups before triage merged them; at
# fifty it kept up (800–1,100 pop-ups) and intake's p99 did not move. PostgreSQL's writers
# only lock the calls they merge.
MERGES_PER_TRANSACTION = {"sqlite": 50, "postgresql": 100}


def triage_call(
    db: Database, *, now: datetime, supply_point: str, utility: str, order_id: int | None = None, taken_at: float | None = None, coverage: Coverage = LOCAL
) -> list[str]:
    """The worker's triage of one call: analyse in a read transaction, then predict and
    merge in short write transactions, so intake never waits long for the writer's lock.
    With a shared coverage, one worker at a time triages a scope, and a call another
    worker's analysis weighed meanwhile is not analysed again. Returns the devices newly
    predicted."""
    if order_id is None or not coverage.shared:
        return _triage(db, now=now, supply_point=supply_point, utility=utility, coverage=coverage)
    scope = coverage.scope_of.get((utility, supply_point))
    if scope is None:
        with db.read() as session:
            scope = scope_of(session, utility=utility, supply_point=supply_point, coverage=coverage)
    if scope is None:
        return _triage(db, now=now, supply_point=supply_point, utility=utility, coverage=coverage)
    if coverage.covers((utility, scope), order_id, taken_at=taken_at):
        return []
    with coverage.turn((utility, scope)):
        if coverage.covers((utility, scope), order_id, taken_at=taken_at):
            return []
        return _triage(db, now=now, supply_point=supply_point, utility=utility, coverage=coverage)


def _triage(db: Database, *, now: datetime, supply_point: str, utility: str, coverage: Coverage) -> list[str]:
    with db.read() as session:
        found, narrowed = analysis(session, now=now, supply_point=supply_point, utility=utility, coverage=coverage)
    predicted = []
    for n in narrowed:
        with db.write() as session:
            if control.narrow(session, now=now, outage_id=n.outage_id, device=n.device, devices=list(n.devices)):
                predicted += n.devices
    for finding in found:
        with db.write() as session:
            master, number, to_merge = predict(session, now=now, finding=finding)
        if not master:
            continue
        predicted.append(finding.device)
        per = MERGES_PER_TRANSACTION[db.dialect]
        for start in range(0, len(to_merge), per):
            with db.write() as session:
                merge(session, now=now, master=master, order_ids=to_merge[start : start + per], note=f"predicted outage {number} at {finding.device}")
    return predicted


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
    from gridcare.outages import water_triage

    water_triage.forget()
    _fed.clear()
    LOCAL.clear()


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
    from gridcare.workorders import merging

    triage = system_principal("triage")
    masters = []
    for old, _codes in older:
        if old.id == outage.id:
            continue
        if old.master_order_id is not None and old.master_order_id != master:
            merging.rehome(session, actor=triage, now=now, from_parent=old.master_order_id, to_parent=master)
            masters.append(old.master_order_id)
        outages.cancel(session, actor=triage, now=now, outage_id=old.id, reason=f"superseded by {outage.number} at {device}")
    return masters
