"""Who an outage cuts off, from the topology: customers downstream of the devices for
electricity; for water, those cut off by closing the valves together, fed by the service
nodes named, or inside the DMA; or simply everyone inside a drawn polygon."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gridcare.core.errors import FieldProblem, InvalidInput, NotFound
from gridcare.core.i18n import T_, Label
from gridcare.customers import service as customers
from gridcare.customers.service import CustomerBrief
from gridcare.network import service as network
from gridcare.outages import rules


def check_devices(session: Session, *, utility: str, devices: Sequence[str]) -> list[FieldProblem]:
    known = network.assets_by_code(session, utility=utility, codes=list(devices))
    return [FieldProblem(f"devices[{i}]", T_("no %(utility)s device %(code)r", utility=Label("utility", utility), code=code)) for i, code in enumerate(devices) if code not in known]


def supply_points(session: Session, *, utility: str, devices: Sequence[str]) -> set[str]:
    if not devices:
        return set()
    if utility != "water":
        found: set[str] = set()
        for code in devices:
            found |= network.downstream_supply_points(session, utility=utility, device=code)
        return found
    # Valves isolate together: closing two valves may cut off what neither cuts alone.
    kinds = {code: a.kind for code, a in network.assets_by_code(session, utility="water", codes=list(devices)).items()}
    valves = {c for c in devices if kinds.get(c) == "valve"}
    found = network.supply_points_cut_off_by_valves(session, valves=valves) if valves else set()
    for code in devices:
        if code not in valves:
            found |= network.downstream_supply_points(session, utility="water", device=code)
    return found


def polygon_of(text: str | None) -> Any:
    return rules.parse_polygon(json.loads(text)) if text else None


def compute(session: Session, *, utility: str, devices: Sequence[str], polygon: Any = None, dma: str | None = None) -> list[CustomerBrief]:
    """The affected customers, each once, by id."""
    points = supply_points(session, utility=utility, devices=devices)
    if dma:
        try:
            points |= network.supply_points_in_dma(session, dma_code=dma)
        except NotFound as exc:
            raise InvalidInput.field("dma", exc.problems[0].reason if exc.problems else exc.detail) from None
    found = {c.id: c for c in customers.briefs_on_supply_points(session, utility=utility, codes=sorted(points))}
    if polygon is not None:
        found.update({c.id: c for c in customers.briefs_in_polygon(session, utility=utility, polygon=polygon)})
    return [found[k] for k in sorted(found)]


def priority_ids(session: Session, *, found: Sequence[CustomerBrief], now: datetime) -> set[int]:
    from gridcare.workorders import queries as orders

    complained = orders.recent_complainers(session, customer_ids=[c.id for c in found], since=now - rules.COMPLAINT_LOOKBACK)
    return {c.id for c in found if rules.is_priority(c.tags, complained_recently=c.id in complained)}
