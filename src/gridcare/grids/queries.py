"""Read models for grid pages and the API: measures per grid, GeoJSON for the map."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gridcare.auth.models import User
from gridcare.core.i18n import N_
from gridcare.core.principal import Principal
from gridcare.customers import service as customers
from gridcare.grids import service as grids
from gridcare.grids.models import Grid
from gridcare.network import service as network

MEASURES = {
    "customers": N_("Customers"),
    "meters": N_("Meters"),
    "pipe_km": N_("Pipe length (km)"),
    "transformers": N_("Transformers"),
    "open_orders": N_("Open work orders"),
}


def staff_names(session: Session, ids: set[int]) -> dict[int, tuple[str, str, str]]:
    ids.discard(None)  # type: ignore[arg-type]
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name, User.phone, User.login).where(User.id.in_(ids)))
    return {r.id: (r.display_name, r.phone or "", r.login) for r in rows}


def measures(session: Session) -> dict[int, dict[str, float]]:
    from gridcare.customers.models import Customer, Meter

    out: dict[int, dict[str, float]] = {}
    for grid_id, n in customers.counts_by_grid(session).items():
        out.setdefault(grid_id, {})["customers"] = n
    meter_rows = session.execute(select(Customer.grid_id, func.count(Meter.id)).join(Meter, Meter.customer_id == Customer.id).where(Customer.grid_id.is_not(None)).group_by(Customer.grid_id))
    for grid_id, n in meter_rows:
        out.setdefault(grid_id, {})["meters"] = n
    for grid_id, metres in network.pipe_length_by_grid(session).items():
        out.setdefault(grid_id, {})["pipe_km"] = round(metres / 1000, 2)
    for grid_id, kinds in network.counts_by_grid(session).items():
        out.setdefault(grid_id, {})["transformers"] = kinds.get("transformer", 0)
    from gridcare.workorders.queries import open_counts_by_grid

    for grid_id, n in open_counts_by_grid(session).items():
        out.setdefault(grid_id, {})["open_orders"] = n
    return out


def grid_rows(session: Session, *, actor: Principal, utility: str | None = None) -> list[dict[str, Any]]:
    visible = [g for g in grids.list_grids(session, actor=actor) if utility in (None, g.utility)]
    names = staff_names(session, {g.rep_id for g in visible} | {g.backup_id for g in visible})
    values = measures(session)
    rows = []
    for g in visible:
        rep, backup = names.get(g.rep_id), names.get(g.backup_id)
        m = values.get(g.id, {})
        rows.append(
            {
                "id": g.id,
                "code": g.code,
                "name": g.name,
                "utility": g.utility,
                "district": g.district,
                "area_class": g.area_class,
                "area_km2": round((g.area_m2 or 0) / 1e6, 2),
                "rep": rep[0] if rep else None,
                "rep_phone": rep[1] if rep else None,
                "backup": backup[0] if backup else None,
                "backup_phone": backup[1] if backup else None,
                "version": g.version,
                **{key: m.get(key, 0) for key in MEASURES},
            }
        )
    return rows


def grids_geojson(session: Session, *, actor: Principal, utility: str | None = None) -> dict[str, Any]:
    rows = {r["id"]: r for r in grid_rows(session, actor=actor, utility=utility)}
    geometries = dict(session.execute(select(Grid.id, Grid.geometry).where(Grid.id.in_(list(rows)), Grid.geometry.is_not(None))).all()) if rows else {}
    features = [{"type": "Feature", "id": gid, "geometry": json.loads(geo), "properties": rows[gid]} for gid, geo in geometries.items()]
    return {"type": "FeatureCollection", "features": features}
