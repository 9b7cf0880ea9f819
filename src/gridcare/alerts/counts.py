"""Read-only queries the alerts read: order counts per grid × category × local day (× hour),
the orders the rules look at, and the device (transformer or pipe segment) over a supply
point. ``gridcare.workorders.queries`` has no aggregation of this shape, so it lives here,
over the work-order table read-only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.alerts import rules
from gridcare.alerts.detector import CellKey
from gridcare.core.clock import to_local
from gridcare.workorders.models import WorkOrder

HOURLY_CATEGORIES = ("repair",)  # repairs follow the hour (storms, evening peaks); the rest the day


@dataclass(frozen=True)
class OrderRow:
    id: int
    grid_id: int
    category: str
    created_at: datetime
    customer_id: int | None
    supply_point: str | None
    utility: str


def order_rows(session: Session, *, since: datetime, until: datetime, categories: tuple[str, ...] | None = None) -> list[OrderRow]:
    stmt = select(WorkOrder.id, WorkOrder.grid_id, WorkOrder.category, WorkOrder.created_at, WorkOrder.customer_id, WorkOrder.supply_point, WorkOrder.utility).where(
        WorkOrder.created_at >= since, WorkOrder.created_at < until, WorkOrder.grid_id.is_not(None)
    )
    if categories:
        stmt = stmt.where(WorkOrder.category.in_(categories))
    return [OrderRow(*r) for r in session.execute(stmt.order_by(WorkOrder.created_at, WorkOrder.id))]


def cell_counts(rows: list[OrderRow], codes: dict[int, str]) -> dict[CellKey, int]:
    """Daily counts of every category and hourly counts of the hourly ones, by local time."""
    counts: Counter[CellKey] = Counter()
    for r in rows:
        local = to_local(r.created_at)
        grid = codes.get(r.grid_id)
        if grid is None:
            continue
        counts[(grid, r.category, local.date(), None)] += 1
        if r.category in HOURLY_CATEGORIES:
            counts[(grid, r.category, local.date(), local.hour)] += 1
    return dict(counts)


def orders_in_cell(session: Session, *, grid_id: int, category: str, start: datetime, end: datetime, limit: int = 200) -> list[WorkOrder]:
    stmt = select(WorkOrder).where(WorkOrder.grid_id == grid_id, WorkOrder.category == category, WorkOrder.created_at >= start, WorkOrder.created_at < end)
    return list(session.scalars(stmt.order_by(WorkOrder.created_at, WorkOrder.id).limit(limit)))


def orders_by_id(session: Session, ids: list[int]) -> list[WorkOrder]:
    if not ids:
        return []
    return list(session.scalars(select(WorkOrder).where(WorkOrder.id.in_(ids[:500])).order_by(WorkOrder.created_at, WorkOrder.id)))


def order_places(session: Session, ids: Sequence[int]) -> dict[int, tuple[int | None, str, str]]:
    """id -> (grid_id, category, org_path) of these orders, in one read per thousand."""
    found: dict[int, tuple[int | None, str, str]] = {}
    wanted = sorted(set(ids))
    for i in range(0, len(wanted), 1000):
        stmt = select(WorkOrder.id, WorkOrder.grid_id, WorkOrder.category, WorkOrder.org_path).where(WorkOrder.id.in_(wanted[i:i + 1000]))
        found.update({order_id: (grid_id, category, path) for order_id, grid_id, category, path in session.execute(stmt)})
    return found


class Devices:
    """Supply point → the transformer (electric) or the pipe feeding the service node
    (water), via ``gridcare.network.service``; cached for one scan."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._found: dict[tuple[str, str], str | None] = {}
        self._tree: Any = None
        self._water: Any = None

    def of(self, utility: str, supply_point: str | None) -> str | None:
        if not supply_point:
            return None
        key = (utility, supply_point)
        if key not in self._found:
            try:
                self._found[key] = self._electric(supply_point) if utility == "electric" else self._pipe(supply_point)
            except KeyError:  # a supply point the network does not know
                self._found[key] = None
        return self._found[key]

    def _electric(self, code: str) -> str | None:
        from gridcare.network import service as network

        if self._tree is None:
            self._tree = network.electric_tree(self.session)
        chain = self._tree.upstream_chain(code)
        kinds = {a.code: a.kind for a in network.assets_by_code(self.session, utility="electric", codes=chain).values()}
        return next((c for c in chain if kinds.get(c) == "transformer"), chain[0] if chain else None)

    def _pipe(self, code: str) -> str | None:
        from gridcare.network import service as network

        if self._water is None:
            self._water = network.water_network(self.session)
        path = self._water.upstream_path_to_source(code)
        if len(path) < 2:
            return None
        for pipe_code in self._water.pipes_at(path[0]):
            pipe = self._water.pipe(pipe_code)
            if path[1] in (pipe.from_code, pipe.to_code):
                return pipe_code
        return None


def rule_orders(session: Session, rows: list[OrderRow], codes: dict[int, str]) -> list[rules.Order]:
    """The rows as the rules read them, repairs placed on their device. Orders without a
    supply point of their own (older imports) take their customer's."""
    from gridcare.customers import service as customers

    missing = sorted({r.customer_id for r in rows if r.category == "repair" and not r.supply_point and r.customer_id is not None})
    fallback = {cid: b.supply_point for cid, b in customers.briefs(session, customer_ids=missing).items()} if missing else {}
    devices = Devices(session)
    out = []
    for r in rows:
        device = None
        if r.category == "repair":
            device = devices.of(r.utility, r.supply_point or fallback.get(r.customer_id or -1))
            device = f"{r.utility}:{device}" if device else None
        out.append(rules.Order(id=r.id, created_at=r.created_at, category=r.category, customer_id=r.customer_id, grid=codes.get(r.grid_id), device=device))
    return out

