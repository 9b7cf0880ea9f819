"""Network use cases: import assets and pipes, and the topology questions every later
capability asks (upstream chain, customers downstream, customers cut off by valves)."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from shapely.geometry import mapping
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require, require_utility
from gridcare.core.errors import FieldProblem, InvalidInput, NotFound
from gridcare.core.geo import distance_m
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal
from gridcare.network.models import Asset, Dma, Pipe
from gridcare.network.topology import AssetRecord, ElectricTree, WaterNetwork, WaterNode, WaterPipe


@dataclass(frozen=True)
class NetworkImport:
    assets: int
    pipes: int
    dmas: int


def _replace(session: Session, *, utility: str) -> None:
    session.execute(delete(Asset).where(Asset.utility == utility))
    if utility == "water":
        session.execute(delete(Pipe))
        session.execute(delete(Dma))


def import_electric(session: Session, *, actor: Principal, now: datetime, records: Sequence[AssetRecord]) -> NetworkImport:
    """Replace the electric network with a validated tree (the importer validated rows)."""
    require(actor, Action.GRIDS_MANAGE)
    ElectricTree.build(records)  # raises TopologyError naming every problem
    _replace(session, utility="electric")
    rows = [{"utility": "electric", "code": r.code, "kind": r.kind, "parent": r.parent, "name": r.name, "lon": r.lon, "lat": r.lat, "attributes": dict(r.attributes)} for r in records]
    if rows:
        session.execute(Asset.__table__.insert(), rows)
    audit.record(session, actor=actor, at=now, action="network.import", entity="network", entity_id="electric", after={"assets": len(rows)})
    _forget(session)
    return NetworkImport(len(rows), 0, 0)


def import_water(session: Session, *, actor: Principal, now: datetime, nodes: Sequence[WaterNode], pipes: Sequence[WaterPipe], dmas: Sequence[tuple[str, Any]] = (), pipe_geometries: dict[str, Any] | None = None) -> NetworkImport:
    require(actor, Action.GRIDS_MANAGE)
    WaterNetwork.build(nodes, pipes)
    _replace(session, utility="water")
    if nodes:
        session.execute(Asset.__table__.insert(), [{"utility": "water", "code": n.code, "kind": n.kind, "parent": None, "name": str(n.attributes.get("name", "")), "lon": n.lon, "lat": n.lat, "attributes": dict(n.attributes)} for n in nodes])
    where = {n.code: (n.lon, n.lat) for n in nodes}
    geoms = pipe_geometries or {}
    pipe_rows = []
    for p in pipes:
        a, b = where.get(p.from_code), where.get(p.to_code)
        length = float(distance_m(a[0], a[1], b[0], b[1])) if a and b and None not in (*a, *b) else None
        geom = geoms.get(p.code)
        pipe_rows.append(
            {"code": p.code, "from_code": p.from_code, "to_code": p.to_code, "material": p.material or "", "diameter_mm": p.diameter_mm, "year": p.year, "length_m": length, "geometry": json.dumps(mapping(geom)) if geom is not None else None}
        )
    if pipe_rows:
        session.execute(Pipe.__table__.insert(), pipe_rows)
    if dmas:
        session.execute(Dma.__table__.insert(), [{"code": code, "name": code, "geometry": json.dumps(mapping(g))} for code, g in dmas])
    audit.record(session, actor=actor, at=now, action="network.import", entity="network", entity_id="water", after={"nodes": len(nodes), "pipes": len(pipe_rows), "dmas": len(dmas)})
    _forget(session)
    return NetworkImport(len(nodes), len(pipe_rows), len(dmas))


# --- topology, cached per process and rebuilt when the network changes -----------------

_lock = threading.Lock()
_trees: dict[tuple[str, str], tuple[tuple[Any, ...], Any]] = {}


def _stamp(session: Session, utility: str) -> tuple[Any, ...]:
    row = session.execute(select(func.count(Asset.id), func.max(Asset.id)).where(Asset.utility == utility)).one()
    return tuple(row)


def _forget(session: Session) -> None:
    key = str(session.get_bind().url)
    with _lock:
        for k in [k for k in _trees if k[0] == key]:
            del _trees[k]


def electric_tree(session: Session) -> ElectricTree:
    key = (str(session.get_bind().url), "electric")
    stamp = _stamp(session, "electric")
    with _lock:
        hit = _trees.get(key)
        if hit and hit[0] == stamp:
            return hit[1]
    rows = session.execute(select(Asset.code, Asset.kind, Asset.parent, Asset.name, Asset.lon, Asset.lat).where(Asset.utility == "electric")).all()
    tree = ElectricTree.build([AssetRecord(code=r.code, kind=r.kind, parent=r.parent, name=r.name, lon=r.lon, lat=r.lat, attributes={}) for r in rows])
    with _lock:
        _trees[key] = (stamp, tree)
    return tree


def water_network(session: Session) -> WaterNetwork:
    key = (str(session.get_bind().url), "water")
    stamp = _stamp(session, "water") + tuple(session.execute(select(func.count(Pipe.id))).one())
    with _lock:
        hit = _trees.get(key)
        if hit and hit[0] == stamp:
            return hit[1]
    nodes = [WaterNode(code=r.code, kind=r.kind, lon=r.lon, lat=r.lat, attributes={}) for r in session.execute(select(Asset.code, Asset.kind, Asset.lon, Asset.lat).where(Asset.utility == "water"))]
    pipes = [WaterPipe(code=r.code, from_code=r.from_code, to_code=r.to_code, material=r.material, diameter_mm=r.diameter_mm, year=r.year, attributes={}) for r in session.scalars(select(Pipe))]
    net = WaterNetwork.build(nodes, pipes)
    with _lock:
        _trees[key] = (stamp, net)
    return net


def get_asset(session: Session, *, actor: Principal, utility: str, code: str) -> Asset:
    require(actor, Action.GRIDS_READ)
    require_utility(session, actor, utility)
    asset = session.scalar(select(Asset).where(Asset.utility == utility, Asset.code == code))
    if asset is None:
        raise NotFound(T_("code: no %(utility)s asset %(code)r", utility=Label("utility", utility), code=code))
    return asset


def assets_by_code(session: Session, *, utility: str, codes: Sequence[str]) -> dict[str, Asset]:
    if not codes:
        return {}
    return {a.code: a for a in session.scalars(select(Asset).where(Asset.utility == utility, Asset.code.in_(list(codes))))}


def upstream_chain(session: Session, *, actor: Principal, utility: str, supply_point: str) -> list[Asset]:
    """The devices feeding a supply point, nearest first (transformer … substation; or the
    water path back to a source)."""
    require(actor, Action.GRIDS_READ)
    if utility == "electric":
        codes = electric_tree(session).upstream_chain(supply_point)
    else:
        codes = water_network(session).upstream_path_to_source(supply_point)
    found = assets_by_code(session, utility=utility, codes=codes)
    return [found[c] for c in codes if c in found]


def downstream_supply_points(session: Session, *, utility: str, device: str) -> set[str]:
    if utility == "electric":
        tree = electric_tree(session)
        return set(tree.transformers_under(device))
    net = water_network(session)
    return net.service_nodes_cut_off_by({device}) if net.kind(device) == "valve" else {device}


def supply_points_cut_off_by_valves(session: Session, *, valves: set[str]) -> set[str]:
    net = water_network(session)
    unknown = sorted(v for v in valves if not net.has(v))
    if unknown:
        raise InvalidInput.many([FieldProblem("valves", T_("no valve %(code)r", code=v)) for v in unknown])
    return net.service_nodes_cut_off_by(valves)


def dma_of_supply_points(session: Session) -> dict[str, str]:
    """The DMA of every water service node inside one (fault triage groups calls by DMA)."""
    import shapely
    from shapely.geometry import shape

    rows = session.execute(select(Asset.code, Asset.lon, Asset.lat).where(Asset.utility == "water", Asset.kind == "service", Asset.lon.is_not(None))).all()
    found: dict[str, str] = {}
    if not rows:
        return found
    lons = np.array([r.lon for r in rows], dtype=float)
    lats = np.array([r.lat for r in rows], dtype=float)
    for dma in session.execute(select(Dma.code, Dma.geometry).order_by(Dma.code)):
        for i in np.flatnonzero(shapely.contains_xy(shape(json.loads(dma.geometry)), lons, lats)):
            found.setdefault(rows[i].code, dma.code)
    return found


def supply_points_in_dma(session: Session, *, dma_code: str) -> set[str]:
    import shapely
    from shapely.geometry import shape

    dma = session.scalar(select(Dma).where(Dma.code == dma_code))
    if dma is None:
        raise NotFound.field("dma", T_("no DMA %(code)r", code=dma_code))
    polygon = shape(json.loads(dma.geometry))
    rows = session.execute(select(Asset.code, Asset.lon, Asset.lat).where(Asset.utility == "water", Asset.kind == "service")).all()
    if not rows:
        return set()
    lons = np.array([r.lon for r in rows], dtype=float)
    lats = np.array([r.lat for r in rows], dtype=float)
    inside = shapely.contains_xy(polygon, lons, lats)
    return {rows[i].code for i in np.flatnonzero(inside)}


def counts(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Asset.kind, func.count()).group_by(Asset.kind)).all())


def counts_by_grid(session: Session) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for grid_id, kind, n in session.execute(select(Asset.grid_id, Asset.kind, func.count()).where(Asset.grid_id.is_not(None)).group_by(Asset.grid_id, Asset.kind)):
        out.setdefault(grid_id, {})[kind] = n
    return out


def pipe_length_by_grid(session: Session) -> dict[int, float]:
    return {g: float(v or 0) for g, v in session.execute(select(Pipe.grid_id, func.sum(Pipe.length_m)).where(Pipe.grid_id.is_not(None)).group_by(Pipe.grid_id))}


# --- grid assignment (called by the grids service) -------------------------------------


def locations(session: Session) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from gridcare.grids.service import located_rows

    return located_rows(session, Asset)


def apply_grid_assignment(session: Session, *, moves: list[tuple[int, int | None, int | None]]) -> None:
    session.execute(update(Asset), [{"id": aid, "grid_id": new} for aid, _old, new in moves])
    # A pipe belongs to the grid of its upstream node: cheap, and stable when grids move.
    session.execute(
        update(Pipe).values(grid_id=select(Asset.grid_id).where(Asset.utility == "water", Asset.code == Pipe.from_code).scalar_subquery())
    )
