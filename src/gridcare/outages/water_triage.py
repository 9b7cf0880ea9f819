"""Trouble-call analysis for water (故障研判, 供水): burst and low-pressure calls grouped by
valve-bounded pipe segment and by DMA. The same pure scan as electricity
(``triage.analyse``) runs over chains service node → segment → DMA; a segment the evidence
points at becomes a predicted outage over the valves that isolate it, a whole DMA one over
the DMA. Called by ``storm.findings`` for water calls."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy.orm import Session

from gridcare.network.water import IsolationImpossible
from gridcare.outages.coverage import Coverage
from gridcare.outages.triage import TriageRules, TroubleCall, analyse

ROOT = "water"
_TTL_SECONDS = 60.0
_cache: dict[str, tuple[float, tuple[dict[str, str], dict[str, int]]]] = {}


def _layout(session: Session) -> tuple[dict[str, str], dict[str, int]]:
    """Each service node's DMA and customers per service node; rebuilt each minute."""
    from gridcare.customers import service as customers
    from gridcare.network import service as network

    key = str(session.get_bind().url)
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < _TTL_SECONDS:
        return hit[1]
    built = (network.dma_of_supply_points(session), dict(customers.counts_by_supply_point(session, utility="water")))
    _cache[key] = (time.monotonic(), built)
    return built


def scope_of(session: Session, supply_point: str) -> str | None:
    """The analysis scope of a water call: its DMA (faults do not cross it, calls are read per DMA)."""
    dma_of, _feeds = _layout(session)
    return f"dma:{dma_of[supply_point]}" if supply_point in dma_of else None


def findings(session: Session, *, now: datetime, supply_point: str, rules: TriageRules, coverage: Coverage) -> list:
    from gridcare.network import service as network
    from gridcare.outages.storm import Finding
    from gridcare.workorders import queries as orders

    net = network.water_network(session)
    if not net.has(supply_point) or net.kind(supply_point) != "service":
        return []
    dma_of, feeds = _layout(session)
    dma = dma_of.get(supply_point)
    if dma is None:
        return []
    scope = f"dma:{dma}"
    points = [p for p, d in dma_of.items() if d == dma]
    coverage.scope_of.update((("water", p), scope) for p in points)
    recent = orders.recent_repairs(session, utility="water", since=now - rules.window, supply_points=points)
    coverage.weighed(("water", scope), frozenset(oid for oid, *_rest in recent), at=now.timestamp())
    # Each service node's segment, once: the calls' chains and the segments' customers both need it.
    segment_of = {p: found for p in points if net.has(p) and (found := net.node_segment(p)) is not None}
    calls = [TroubleCall(oid, cid, at, (point, f"segment:{segment_of[point][0]}", scope, ROOT)) for oid, cid, at, point, status in recent if point in segment_of and status != "merged"]
    if not calls:
        return []
    under: dict[str, list[str]] = {scope: points, ROOT: points}
    for point, (sid, _pipe) in segment_of.items():
        under.setdefault(f"segment:{sid}", []).append(point)
    result = analyse(calls, now=now, feeds=feeds, rules=rules, points_under=under)
    pipe_of = {f"segment:{sid}": pipe for sid, pipe in segment_of.values()}
    created_at = {c.order_id: c.at for c in calls}
    out = []
    for p in result.predictions:
        members = tuple(sorted(p.order_ids, key=lambda oid: (created_at[oid], oid)))
        # A service node's customers all calling (a building) is its segment's burst: no
        # valve shuts off one service node alone.
        device = f"segment:{segment_of[p.device][0]}" if p.device in segment_of else p.device
        if device.startswith("segment:"):
            try:
                valves = tuple(sorted(net.valves_to_isolate(pipe_of[device])))
            except IsolationImpossible:
                valves = ()
            if valves:
                out.append(Finding("water", device, members, frozenset(members), valves=valves))
                continue
            out.append(Finding("water", scope, members, frozenset(members), dma=dma))
        elif p.device == scope:
            out.append(Finding("water", scope, members, frozenset(members), dma=dma))
    return sorted(out, key=lambda f: -len(f.members))


def forget() -> None:
    _cache.clear()
