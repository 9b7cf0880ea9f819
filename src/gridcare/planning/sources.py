"""What the units are measured from: customers, meters, orders, lines and pipes.

Read-only queries over other domains' tables that their services do not offer in bulk
(every order's place and month, every meter's customer, every pipe's shape); nothing here
writes. Points come back as arrays so a unit layer of thousands is measured in one pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridcare.core.clock import to_local


@dataclass(frozen=True)
class Points:
    lons: np.ndarray
    lats: np.ndarray


@dataclass(frozen=True)
class CustomerPoints(Points):
    ids: np.ndarray
    grid_ids: np.ndarray
    meters: np.ndarray


@dataclass(frozen=True)
class OrderPoints(Points):
    categories: np.ndarray
    months: np.ndarray  # "YYYY-MM" in Shanghai time
    first_day: int | None  # day of month of the earliest order (Shanghai time)


def customers(session: Session, *, utility: str) -> CustomerPoints:
    from gridcare.customers import service as customer_service
    from gridcare.customers.models import Meter

    ids, lons, lats, grids, utilities = customer_service.locations(session)
    mine = utilities == utility
    per_customer = dict(session.execute(select(Meter.customer_id, func.count(Meter.id)).group_by(Meter.customer_id)).all())
    ids = ids[mine]
    meters = np.fromiter((per_customer.get(int(i), 1) for i in ids), dtype=np.int64, count=len(ids))
    return CustomerPoints(lons=lons[mine], lats=lats[mine], ids=ids, grid_ids=grids[mine], meters=meters)


def orders(session: Session, *, utility: str, since: datetime | None = None) -> OrderPoints:
    """Every order of the utility with a place: its own, else its customer's."""
    from gridcare.customers.models import Customer
    from gridcare.workorders.models import WorkOrder

    stmt = (
        select(WorkOrder.category, WorkOrder.created_at, func.coalesce(WorkOrder.lon, Customer.lon), func.coalesce(WorkOrder.lat, Customer.lat))
        .outerjoin(Customer, Customer.id == WorkOrder.customer_id)
        .where(WorkOrder.utility == utility, WorkOrder.parent_id.is_(None))
    )
    if since is not None:
        stmt = stmt.where(WorkOrder.created_at >= since)
    rows = [r for r in session.execute(stmt) if r[2] is not None and r[3] is not None]
    first = min((r[1] for r in rows), default=None)
    return OrderPoints(
        first_day=to_local(first).day if first is not None else None,
        lons=np.array([r[2] for r in rows], dtype=float),
        lats=np.array([r[3] for r in rows], dtype=float),
        categories=np.array([r[0] for r in rows], dtype=object),
        months=np.array([to_local(r[1]).strftime("%Y-%m") for r in rows], dtype=object),
    )


def lines(session: Session, *, utility: str) -> list[tuple[object, float]]:
    """Network lines with their length in km: water pipes as drawn (or node to node), electric
    lines as the straight span from each asset to its parent."""
    from gridcare.network.models import Asset, Pipe

    found: list[tuple[object, float]] = []
    if utility == "water":
        nodes = {r.code: (r.lon, r.lat) for r in session.execute(select(Asset.code, Asset.lon, Asset.lat).where(Asset.utility == "water", Asset.lon.is_not(None)))}
        for p in session.execute(select(Pipe.geometry, Pipe.from_code, Pipe.to_code, Pipe.length_m)):
            geom = shape(json.loads(p.geometry)) if p.geometry else None
            if geom is None and p.from_code in nodes and p.to_code in nodes:
                geom = shapely.LineString([nodes[p.from_code], nodes[p.to_code]])
            if geom is not None:
                found.append((geom, float(p.length_m or 0) / 1000))
        return found
    assets = {r.code: (r.lon, r.lat, r.parent) for r in session.execute(select(Asset.code, Asset.lon, Asset.lat, Asset.parent).where(Asset.utility == utility, Asset.lon.is_not(None)))}
    for lon, lat, parent in assets.values():
        if parent in assets:
            plon, plat, _ = assets[parent]
            found.append((shapely.LineString([(lon, lat), (plon, plat)]), 0.0))
    return found
