"""Planning use cases: basic units (imported or a lattice), barriers, listing.

Design, comparison and adoption live in ``proposals.py`` and ``adoption.py``."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.strtree import STRtree
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require, require_utility, utilities_held
from gridcare.core.errors import InvalidInput, NotFound
from gridcare.core.geo import local_projection
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal
from gridcare.planning import sources, units
from gridcare.planning.files import BARRIER_KINDS, BarrierRow, UnitRow
from gridcare.planning.models import PlanningBarrier, PlanningUnit
from gridcare.planning.workload import CATEGORIES

Progress = Callable[[str, int, int], None]
UTILITIES = ("electric", "water", "gas")


def _quiet(_stage: str, _done: int, _total: int) -> None:
    return None


def check_utility(utility: str) -> str:
    if utility not in UTILITIES:
        raise InvalidInput.field("utility", T_("must be one of %(choices)s", choices=", ".join(UTILITIES)))
    return utility


def _geojson(geom: Any) -> str:
    return json.dumps(mapping(shapely.set_precision(geom, 1e-7)), separators=(",", ":"))


# --- units ------------------------------------------------------------------------------


def list_units(session: Session, *, actor: Principal, utility: str) -> list[PlanningUnit]:
    require(actor, Action.GRIDS_READ)
    require_utility(session, actor, check_utility(utility))
    return list(session.scalars(select(PlanningUnit).where(PlanningUnit.utility == check_utility(utility)).order_by(PlanningUnit.code)))


def unit_counts(session: Session, *, actor: Principal) -> dict[str, int]:
    require(actor, Action.GRIDS_READ)
    held = utilities_held(session, actor, UTILITIES)
    return dict(session.execute(select(PlanningUnit.utility, func.count(PlanningUnit.id)).where(PlanningUnit.utility.in_(held)).group_by(PlanningUnit.utility)).all())


def import_units(session: Session, *, actor: Principal, now: datetime, utility: str, rows: Sequence[UnitRow], progress: Progress = _quiet) -> int:
    """Replace the utility's units with ``rows``; measures a row leaves out come from the
    customers, orders and network on file."""
    require(actor, Action.GRIDS_MANAGE)
    check_utility(utility)
    return _store_units(session, actor=actor, now=now, utility=utility, rows=rows, progress=progress, people=None)


def _store_units(session: Session, *, actor: Principal, now: datetime, utility: str, rows: Sequence[UnitRow], progress: Progress, people: sources.CustomerPoints | None) -> int:
    if not rows:
        raise InvalidInput.field("file", T_("has no units"))
    geoms = [r.geometry for r in rows]
    measured = _measure(session, utility=utility, polygons=geoms, now=now, progress=progress, people=people)
    session.execute(delete(PlanningUnit).where(PlanningUnit.utility == utility))
    for i, row in enumerate(rows):
        m = measured[i]
        point = row.geometry.representative_point()
        session.add(PlanningUnit(
            utility=utility, code=row.code, name=row.name, kind=row.kind, geometry=_geojson(row.geometry), lon=point.x, lat=point.y,
            customers=row.customers if row.customers is not None else m["customers"],
            meters=row.meters if row.meters is not None else m["meters"],
            line_km=row.line_km if row.line_km is not None else m["line_km"],
            orders=row.orders if row.orders is not None else m["orders"],
            monthly={} if row.orders is not None else m["monthly"],
            history_months=m["history_months"], current_grid_id=m["grid_id"], created_at=now,
        ))
    session.flush()
    audit.record(session, actor=actor, at=now, action="planning.units.import", entity="planning_units", entity_id=utility, after={"units": len(rows)})
    return len(rows)


def generate_units(
    session: Session, *, actor: Principal, now: datetime, utility: str, cell_m: float = 500.0, lattice: str = "hex", split_over: int | None = None, progress: Progress = _quiet
) -> int:
    """A square or hexagonal lattice over the service area (the union of the utility's
    grids); cells with more than ``split_over`` customers are quartered (default: 1.5
    times the mean per cell)."""
    require(actor, Action.GRIDS_MANAGE)
    check_utility(utility)
    if not (50 <= cell_m <= 20_000):
        raise InvalidInput.field("cell_m", T_("must be between %(low)s and %(high)s metres", low=50, high=20000))
    if lattice not in units.LATTICES:
        raise InvalidInput.field("lattice", T_("must be one of %(choices)s", choices=", ".join(units.LATTICES)))
    area = _service_area(session, utility=utility)
    projection = local_projection(area)
    # Built in metres, clipped in degrees: clipping before reprojecting would leave slivers
    # along the service area's edge (a straight metric edge is not straight in degrees).
    metric_area = projection.to_metric(area)
    estimate = metric_area.area / (cell_m * cell_m * (0.866 if lattice == "hex" else 1.0))
    if estimate > 20_000:
        raise InvalidInput.field("cell_m", T_("too small: about %(n)s cells; at most %(most)s", n=f"{estimate:.0f}", most=20000))
    cells = units.lattice(metric_area, cell_m=cell_m, kind=lattice, clip=False)
    people = sources.customers(session, utility=utility)
    if len(people.ids) and cells:
        metric_people = shapely.get_coordinates(projection.to_metric(shapely.points(people.lons, people.lats)))
        # A cell with well over the customers of an average one is split (down to an
        # eighth of its side), so that one unit never weighs a large part of a grid.
        most = split_over if split_over is not None else max(10, int(1.5 * len(people.ids) / len(cells)))
        cells = units.split_crowded(cells, metric_people, most=most)
    if len(cells) > 20_000:
        raise InvalidInput.field("cell_m", T_("too small: %(n)s cells; at most %(most)s", n=len(cells), most=20000))
    wgs = units.clip_cells(list(projection.to_wgs84(np.array(cells, dtype=object))), area)
    prefix = {"square": "SQ", "hex": "HX"}[lattice]
    rows = [UnitRow(code=f"{prefix}{i + 1:05d}", name=f"{prefix}{i + 1:05d}", kind="lattice", geometry=g) for i, g in enumerate(wgs)]
    return _store_units(session, actor=actor, now=now, utility=utility, rows=rows, progress=progress, people=people)


def _service_area(session: Session, *, utility: str) -> Any:
    from gridcare.grids.models import Grid

    shapes = [shape(json.loads(g)) for g in session.scalars(select(Grid.geometry).where(Grid.utility == utility, Grid.geometry.is_not(None)))]
    if not shapes:
        raise InvalidInput.field("utility", T_("no %(utility)s grids on file to cover with a lattice; import units instead", utility=Label("utility", utility)))
    return shapely.union_all(shapes).buffer(0)


def _measure(session: Session, *, utility: str, polygons: Sequence[Any], now: datetime, progress: Progress, people: sources.CustomerPoints | None) -> list[dict[str, Any]]:
    """Customers, meters, grid of today, orders by category and month, and line length of
    each polygon, in one spatial pass per source."""
    from gridcare.grids import service as grids

    n = len(polygons)
    geoms = np.array(polygons, dtype=object)
    tree = STRtree(geoms)
    out = [{"customers": 0, "meters": 0, "line_km": 0.0, "orders": {}, "monthly": {}, "grid_id": None, "history_months": 12} for _ in range(n)]
    progress("measure", 0, 4)
    people = people if people is not None else sources.customers(session, utility=utility)
    unit_of = _unit_of(tree, people.lons, people.lats)
    inside = unit_of >= 0
    np.add.at(counts := np.zeros(n, dtype=np.int64), unit_of[inside], 1)
    np.add.at(meters := np.zeros(n, dtype=np.int64), unit_of[inside], people.meters[inside])
    for i in range(n):
        out[i]["customers"], out[i]["meters"] = int(counts[i]), int(meters[i])
    progress("measure", 1, 4)
    points = shapely.point_on_surface(geoms)
    xs, ys = shapely.get_x(points), shapely.get_y(points)
    located = grids.locate_many(session, xs, ys, utility=utility) if n else np.empty(0)
    for i, g in enumerate(located.tolist()):
        out[i]["grid_id"] = int(g) if g >= 0 else None
    progress("measure", 2, 4)
    history = sources.orders(session, utility=utility)
    order_unit = _unit_of(tree, history.lons, history.lats)
    months = _full_months(history, now)
    for u, category, month in zip(order_unit.tolist(), history.categories.tolist(), history.months.tolist(), strict=True):
        if u < 0 or month not in months:
            continue
        orders, monthly = out[u]["orders"], out[u]["monthly"]
        orders[category] = orders.get(category, 0) + 1
        monthly[month] = monthly.get(month, 0) + 1
    span = _month_span(months)  # orders counted only in these months
    for row in out:
        row["history_months"] = span
    progress("measure", 3, 4)
    lines = sources.lines(session, utility=utility)
    if lines:
        projection = local_projection(geoms)
        metric_units = projection.to_metric(geoms)
        metric_lines = projection.to_metric(np.array([g for g, _ in lines], dtype=object))
        line_idx, unit_idx = STRtree(metric_units).query(metric_lines, predicate="intersects")
        lengths = shapely.length(shapely.intersection(metric_lines[line_idx], metric_units[unit_idx])) / 1000
        km = np.zeros(n)
        np.add.at(km, unit_idx, lengths)
        for i in range(n):
            out[i]["line_km"] = round(float(km[i]), 3)
    progress("measure", 4, 4)
    return out


def _unit_of(tree: STRtree, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    found = np.full(len(lons), -1, dtype=np.int64)
    if len(lons):
        point_idx, unit_idx = tree.query(shapely.points(lons, lats), predicate="intersects")
        found[point_idx] = unit_idx  # a point on a shared edge goes to one of the two
    return found


def _full_months(history: sources.OrderPoints, now: datetime) -> set[str]:
    """The months the history covers whole: not this month (still running), nor a first
    month the history starts in the middle of; a forecast would read them as a drop."""
    from gridcare.core.clock import to_local

    months = sorted(set(history.months.tolist()) - {to_local(now).strftime("%Y-%m")})
    if months and history.first_day is not None and history.first_day > 2:
        months = months[1:]
    return set(months)


def _month_span(months: Sequence[str] | set[str]) -> int:
    months = sorted(months)
    if not months:
        return 12
    y0, m0 = map(int, months[0].split("-"))
    y1, m1 = map(int, months[-1].split("-"))
    return (y1 - y0) * 12 + (m1 - m0) + 1


def unit_features(rows: Sequence[PlanningUnit], *, workload: dict[int, float] | None = None) -> dict[str, Any]:
    """The units as a GeoJSON FeatureCollection (for maps and export)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": json.loads(u.geometry),
                "properties": {
                    "code": u.code, "name": u.name, "kind": u.kind, "customers": u.customers, "meters": u.meters, "line_km": u.line_km,
                    **{f"orders_{c}": int(u.orders.get(c, 0)) for c in CATEGORIES},
                    **({"hours": round(workload.get(u.id, 0.0), 2)} if workload is not None else {}),
                },
            }
            for u in rows
        ],
    }


# --- barriers ---------------------------------------------------------------------------


def list_barriers(session: Session, *, actor: Principal, utility: str) -> list[PlanningBarrier]:
    require(actor, Action.GRIDS_READ)
    require_utility(session, actor, check_utility(utility))
    return list(session.scalars(select(PlanningBarrier).where(PlanningBarrier.utility == check_utility(utility)).order_by(PlanningBarrier.id)))


def add_barriers(session: Session, *, actor: Principal, now: datetime, utility: str, rows: Sequence[BarrierRow]) -> list[PlanningBarrier]:
    require(actor, Action.GRIDS_MANAGE)
    check_utility(utility)
    added = []
    for row in rows:
        if row.kind not in BARRIER_KINDS:
            raise InvalidInput.field("kind", T_("must be one of %(choices)s", choices=", ".join(BARRIER_KINDS)))
        barrier = PlanningBarrier(utility=utility, name=row.name[:200], kind=row.kind, geometry=_geojson(row.geometry), created_at=now)
        session.add(barrier)
        added.append(barrier)
    session.flush()
    audit.record(session, actor=actor, at=now, action="planning.barriers.add", entity="planning_barriers", entity_id=utility, after={"added": [b.id for b in added]})
    return added


def delete_barrier(session: Session, *, actor: Principal, now: datetime, barrier_id: int) -> None:
    require(actor, Action.GRIDS_MANAGE)
    barrier = session.get(PlanningBarrier, barrier_id)
    if barrier is None:
        raise NotFound(T_("barrier_id: no barrier %(id)s", id=barrier_id))
    require_utility(session, actor, barrier.utility)
    audit.record(session, actor=actor, at=now, action="planning.barriers.delete", entity="planning_barriers", entity_id=barrier.utility, before={"id": barrier.id, "name": barrier.name})
    session.delete(barrier)


def barrier_shapes(session: Session, *, utility: str, ids: Sequence[int]) -> list[Any]:
    rows = list(session.scalars(select(PlanningBarrier).where(PlanningBarrier.id.in_(list(ids)))))
    missing = set(ids) - {b.id for b in rows}
    if missing:
        raise InvalidInput.field("barrier_ids", T_("no barrier %(id)s", id=sorted(missing)[0]))
    wrong = [b.id for b in rows if b.utility != utility]
    if wrong:
        raise InvalidInput.field("barrier_ids", T_("barrier %(id)s belongs to another utility", id=wrong[0]))
    return [shape(json.loads(b.geometry)) for b in rows]
