"""A deterministic synthetic city around Changsha for demos, tests and load benchmarks.

``build_city`` is a pure function of its arguments (no database, clock or network). It
works in a local metric plane, metres east and north of the city centre, and converts to
WGS84 lon/lat only for the records it returns:

1. an irregular service area and a road network;
2. communities (小区 in town, 村 outside) placed along the roads, denser in urban cores;
3. grids: Voronoi cells of weighted k-means seeds clipped to the area, so that busy
   areas get small grids, then districts grown over the grid adjacency graph;
4. premises and accounts with names, phones, structured addresses and tags;
5. the electric tree and the water network (``network.py``) and the water DMAs.

The steps live in ``terrain.py`` (1, 2), ``gridding.py`` (3, and the region growing
the DMAs reuse) and ``households.py`` (4, 5), the records in ``records.py``; this module
draws the random streams, runs the steps in order and exports the result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import shapely
from shapely import Polygon

from gridcare.demo import names as vocab
from gridcare.demo.gridding import (
    _adjacency,
    _fill_empty_grids,
    _grid_cells,
    _grow,
    _locate_communities,
    _organise,
    _rebalance,
    _spread_seeds,
    _staff,
)
from gridcare.demo.households import (
    _accounts,
    _premises,
)
from gridcare.demo.records import (
    AREA_CLASSES,
    TAGS,
    UTILITIES,
    Address,
    Asset,
    City,
    Customer,
    District,
    Dma,
    Grid,
    Pipe,
    Progress,
    Staff,
    WaterNode,
)
from gridcare.demo.terrain import (
    _communities,
    _Density,
    _Frame,
    _roads,
    _service_area,
    _to_wgs84,
)

__all__ = [
    "AREA_CLASSES", "TAGS", "UTILITIES", "Address", "Asset", "City", "Customer", "District",
    "Dma", "Grid", "Pipe", "Staff", "WaterNode", "build_city", "city_digest",
    "city_to_geojson_grids", "iter_customer_rows",
]

DMA_COUNT = 8

_STREAMS = ("area", "roads", "communities", "grids", "districts", "premises", "names",
            "accounts", "electric", "water", "dmas")


# ---------------------------------------------------------------------------------------
# Build


def build_city(
    *,
    seed: int = 7,
    customers: int = 50_000,
    grids: int = 60,
    progress: Progress | None = None,
) -> City:
    """Generate the demo city; the same arguments always give the same city."""
    if grids < 1:
        raise ValueError("grids must be at least 1")
    if customers < 5 * grids:
        raise ValueError("need at least 5 customers per grid")
    report: Progress = progress or (lambda stage, done, total: None)
    rngs = dict(zip(_STREAMS, (np.random.default_rng(s) for s in
                                np.random.SeedSequence(seed % 2**128).spawn(len(_STREAMS))),
                    strict=True))

    report("layout", 0, 2)
    area = _service_area(rngs["area"])
    density = _Density.create(rngs["area"])
    roads = _roads(rngs["roads"], area, density)
    report("layout", 2, 2)

    report("communities", 0, 1)
    comm = _communities(rngs["communities"], area, roads, density, customers, grids)
    report("communities", 1, 1)

    report("grids", 0, 2)
    cells = _grid_cells(rngs["grids"], area, comm, grids)
    frame = _Frame(cells)
    comm.grid = _locate_communities(comm, cells, frame)
    _fill_empty_grids(rngs["grids"], comm, cells, frame)
    _rebalance(comm, grids, customers, int(np.clip(customers // (grids * 10), 3, 20)))
    comm.set_radius()
    report("grids", 1, 2)

    districts, cells, frame, grid_meta = _organise(rngs["districts"], comm, cells, frame,
                                                   roads)
    report("grids", 2, 2)

    report("premises", 0, 1)
    comm.road, along, side = roads.nearest(comm.xy)
    comm.number = 2 * (along // 30).astype(np.intp) + np.where(side > 0, 1, 2)
    n_est = int(comm.estate.sum())
    comm.name = (vocab.estate_names(rngs["names"], n_est)
                 + vocab.village_names(rngs["names"], len(comm.size) - n_est))
    phonebook = vocab.PhoneBook(rngs["accounts"])
    staff, reps, backups = _staff(rngs["names"], phonebook, cells, grid_meta)
    prem = _premises(rngs["premises"], rngs["names"], comm, frame, grid_meta, roads.names,
                     phonebook)
    report("premises", 1, 1)

    customers_out, assets, nodes, pipes = _accounts(rngs, prem, comm, frame, grid_meta, roads,
                                                    customers, report)

    report("dmas", 0, 1)
    centroids = np.array([c.centroid.coords[0] for c in cells])
    neighbours = _adjacency(cells)
    dma_seeds = _spread_seeds(rngs["dmas"], centroids, min(DMA_COUNT, len(cells)))
    dma_of = _grow(centroids, neighbours, dma_seeds)
    dmas = tuple(
        Dma(f"DMA{k + 1:02d}", f"{grid_meta.place[s]}计量分区",
            shapely.coverage_union_all(frame.grids[dma_of == k]))
        for k, s in enumerate(dma_seeds)
    )
    report("dmas", 1, 1)

    grid_records = tuple(
        Grid(grid_meta.code[g], grid_meta.name[g], grid_meta.district[g],
             grid_meta.area_class[g], reps[g], backups[g],
             ("electric",) if grid_meta.e_only[g] else UTILITIES, frame.grids[g])
        for g in range(len(cells))
    )
    service_area = shapely.coverage_union_all(frame.grids)
    if not isinstance(service_area, Polygon):
        service_area = _to_wgs84(area)
    return City(seed, service_area, districts, grid_records, staff, customers_out, assets,
                nodes, pipes, dmas)


# ---------------------------------------------------------------------------------------
# Exports


def iter_customer_rows(city: City) -> Iterator[dict[str, Any]]:
    """Customers as flat rows with the import columns; lists are ";"-joined."""
    for c in city.customers:
        yield {
            "account": c.account,
            "name": c.name,
            "phones": ";".join(c.phones),
            "address": c.address.text,
            "lon": c.lon,
            "lat": c.lat,
            "utility": c.utility,
            "supply_point": c.supply_point,
            "tags": ";".join(c.tags),
            "meters": ";".join(c.meters),
            "grid_code": c.grid_code,
        }


def _listify(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_listify(v) for v in value]
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    return value


def city_to_geojson_grids(city: City) -> dict[str, Any]:
    """Grids as an RFC 7946 FeatureCollection (WGS84, exterior rings counter-clockwise)."""
    features = []
    for g in city.grids:
        geometry = shapely.geometry.mapping(shapely.orient_polygons(g.polygon))
        features.append({
            "type": "Feature",
            "id": g.code,
            "geometry": _listify(geometry),
            "properties": {
                "code": g.code,
                "name": g.name,
                "rep": g.rep.login,
                "rep_name": g.rep.name,
                "backup": g.backup.login,
                "district": g.district,
                "area_class": g.area_class,
                "utilities": list(g.utilities),
            },
        })
    return {"type": "FeatureCollection", "features": features}


def city_digest(city: City) -> str:
    """SHA-256 of a canonical serialisation: equal digests mean identical cities."""
    h = hashlib.sha256()

    def feed(item: Any) -> None:
        h.update(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode())
        h.update(b"\n")

    def wkb(geometry: Any) -> str:
        return shapely.to_wkb(geometry, hex=True)

    feed([city.seed, wkb(city.service_area)])
    for d in city.districts:
        feed([d.code, d.name, wkb(d.polygon)])
    for s in city.staff:
        feed([s.login, s.name, s.phone])
    for g in city.grids:
        feed([g.code, g.name, g.district, g.area_class, g.rep.login, g.backup.login,
              list(g.utilities), wkb(g.polygon)])
    for c in city.customers:
        a = c.address
        feed([c.account, c.name, list(c.phones), a.city, a.district, a.road, a.number,
              a.community, a.building, a.unit_room, a.text, c.lon, c.lat, c.utility,
              c.supply_point, list(c.tags), list(c.meters), c.grid_code, c.segment])
    for x in city.assets:
        feed([x.code, x.kind, x.parent, x.name, x.lon, x.lat, x.grid_code])
    for n in city.water_nodes:
        feed([n.code, n.kind, n.name, n.lon, n.lat, n.grid_code])
    for p in city.water_pipes:
        feed([p.code, p.from_code, p.to_code, p.material, p.diameter_mm, p.year, p.length_m])
    for m in city.dmas:
        feed([m.code, m.name, m.kind, wkb(m.polygon)])
    return h.hexdigest()
