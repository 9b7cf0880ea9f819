"""City-sized synthetic networks and grid layouts, seeded: the tests check answers on them
against plain references, and bench/topology.py times the same inputs."""

from __future__ import annotations

import random

import numpy as np
import shapely
from shapely.geometry import box

from gridcare.network.topology import AssetRecord, WaterNode, WaterPipe

LAYOUT_AREA = box(114.0, 22.5, 114.1, 22.56)


def electric_assets(n_substations: int = 20, seed: int = 7) -> list[AssetRecord]:
    """~2,500 assets per substation: 25 feeders of 40 switches/fuses and 59 transformers,
    shuffled so that no parent is sure to come before its children."""
    rng = random.Random(seed)
    out: list[AssetRecord] = []
    for s in range(n_substations):
        out.append(AssetRecord(f"S{s}", "substation", None))
        for f in range(25):
            devices = [f"S{s}F{f}"]
            out.append(AssetRecord(devices[0], "feeder", f"S{s}"))
            for k in range(40):
                code = f"S{s}F{f}D{k}"
                out.append(AssetRecord(code, rng.choice(("switch", "fuse")), rng.choice(devices)))
                devices.append(code)
            out.extend(AssetRecord(f"S{s}F{f}T{k}", "transformer", rng.choice(devices)) for k in range(59))
    rng.shuffle(out)
    return out


def parent_chain(parent: dict[str, str | None], code: str) -> list[str]:
    """``code``, then each parent in turn: the plainest upstream chain."""
    out = [code]
    up = parent[code]
    while up is not None:
        out.append(up)
        up = parent[up]
    return out


def lca_by_chains(parent: dict[str, str | None], group: list[str]) -> str:
    """The plainest lowest common ancestor: the first of one chain that all chains share."""
    shared = set.intersection(*(set(parent_chain(parent, c)) for c in group))
    return next(a for a in parent_chain(parent, group[0]) if a in shared)


def street_grid(n: int = 20_000, seed: int = 3) -> tuple[list[WaterNode], list[WaterPipe]]:
    """A meshed street grid, a quarter of its nodes valves, two sources at the corners."""
    rng = random.Random(seed)
    side = int(n**0.5)
    nodes = [
        WaterNode(f"N{i}", "source" if i in (0, n - 1) else rng.choice(("junction", "junction", "valve", "service")))
        for i in range(n)
    ]
    pipes: list[WaterPipe] = []
    for i in range(n):
        if (i + 1) % side and i + 1 < n:
            pipes.append(WaterPipe(f"P{len(pipes)}", f"N{i}", f"N{i + 1}", "PE", 110, 2010))
        if i + side < n:
            pipes.append(WaterPipe(f"P{len(pipes)}", f"N{i}", f"N{i + side}", "PE", 110, 2010))
    return nodes, pipes


def neighbours_of(nodes: list[WaterNode], pipes: list[WaterPipe]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {n.code: set() for n in nodes}
    for pipe in pipes:
        out[pipe.from_code].add(pipe.to_code)
        out[pipe.to_code].add(pipe.from_code)
    return out


def cut_off_by_search(neighbours: dict[str, set[str]], sources: list[str], closed: set[str]) -> set[str]:
    """The plainest answer to "who is cut off once these valves are shut": a search from the
    sources that does not pass a closed valve; the closed valves are not listed."""
    reached = set(sources)
    queue = list(sources)
    while queue:
        for v in neighbours[queue.pop()]:
            if v not in reached and v not in closed:
                reached.add(v)
                queue.append(v)
    return neighbours.keys() - reached - closed


def voronoi_grids(count: int, seed: int) -> list[tuple[int, shapely.Geometry]]:
    """``count`` Voronoi cells tiling LAYOUT_AREA, with ids unrelated to position or order."""
    rng = np.random.default_rng(seed)
    lon0, lat0, lon1, lat1 = LAYOUT_AREA.bounds
    seeds = shapely.multipoints(np.column_stack((rng.uniform(lon0, lon1, count), rng.uniform(lat0, lat1, count))))
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=LAYOUT_AREA)), LAYOUT_AREA)
    ids = rng.permutation(count) * 3 + 1
    return [(int(i), c) for i, c in zip(ids, cells, strict=True) if not c.is_empty]


def wobbly(grids: list[tuple[int, shapely.Geometry]], seed: int) -> list[tuple[str, shapely.Geometry]]:
    """Every cell grown or shrunk a little, so that neighbours overlap or leave gaps."""
    rng = np.random.default_rng(seed)
    return [(f"G{gid}", shapely.buffer(g, float(rng.uniform(-2e-5, 2e-5)), join_style="mitre")) for gid, g in grids]


def junk_asset_csv(lines: int = 200_000) -> bytes:
    """An asset file whose every row is wrong: GBK bytes where UTF-8 is expected, an unknown
    kind."""
    return b"code,kind,parent\n" + b"\xa1\xa1,nonsense,\n" * lines
