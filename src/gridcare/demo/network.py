"""Electric distribution tree and water network of the demo city.

The builders work in the city's local metric plane (metres east and north of the centre)
and hand every position they invent to a ``Placer`` supplied by the city. The placer
moves it inside a grid and returns WGS84 coordinates, so every "is this point inside its
grid" decision is taken in one place.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.random import Generator
from numpy.typing import NDArray

from gridcare.demo import names as vocab

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]
Progress = Callable[[str, int, int], None]

ASSET_KINDS = ("substation", "feeder", "switch", "fuse", "transformer")
WATER_NODE_KINDS = ("source", "junction", "valve", "hydrant", "service")
PIPE_MATERIALS = ("PE", "球墨铸铁", "钢", "PVC", "镀锌")

# Sizing rules. With ~30,000 electric accounts they give ~1,200 transformers (台区),
# ~40 feeders and ~6 substations, the proportions of a real city district.
TRANSFORMER_CUSTOMERS = 32
TRANSFORMERS_PER_SECTION = 6
TRANSFORMERS_PER_FEEDER = 30
TRANSFORMERS_PER_SUBSTATION = 200
SERVICE_NODE_CUSTOMERS = 40
SERVICES_PER_JUNCTION = 3
NEWEST_PIPE_YEAR = 2024  # fixed, not the clock: the city must not change with the date


@dataclass(frozen=True, slots=True)
class Asset:
    code: str
    kind: str
    parent: str | None
    name: str
    lon: float
    lat: float
    grid_code: str


@dataclass(frozen=True, slots=True)
class WaterNode:
    code: str
    kind: str
    name: str
    lon: float
    lat: float
    grid_code: str


@dataclass(frozen=True, slots=True)
class Pipe:
    code: str
    from_code: str
    to_code: str
    material: str
    diameter_mm: int
    year: int
    length_m: float


class Placer(Protocol):
    """Moves proposed points towards their anchors until they lie strictly inside a grid.

    Returns the final metric positions, rounded WGS84 lon/lat and grid indices. With
    ``same_grid`` the point must end in its anchor's grid, otherwise in any grid.
    """

    def __call__(
        self,
        xy: FloatArray,
        anchor: FloatArray,
        anchor_grid: IntArray,
        *,
        same_grid: bool = True,
    ) -> tuple[FloatArray, FloatArray, IntArray]: ...


@dataclass(frozen=True, slots=True)
class Site:
    """What the network builders need to know about the city around them."""

    place: Placer
    grid_codes: Sequence[str]
    grid_places: Sequence[str]  # the place a grid is named after, e.g. 五一广场
    road_of: Callable[[FloatArray], list[str]]
    community_names: Sequence[str]


@dataclass(frozen=True, slots=True)
class Consumers:
    """The accounts of one utility, positioned at their (already settled) premises."""

    xy: FloatArray
    grid: IntArray
    community: IntArray
    names: Sequence[str]
    dedicated: BoolArray  # electric only: major customers owning a transformer (专变)


# ---------------------------------------------------------------------------------------
# Small numeric helpers shared with the city builder.


def nearest_centre(points: FloatArray, centres: FloatArray) -> IntArray:
    out = np.empty(len(points), dtype=np.intp)
    step = max(1, 2_000_000 // max(1, len(centres)))
    for start in range(0, len(points), step):
        chunk = points[start : start + step]
        d2 = ((chunk[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        out[start : start + step] = d2.argmin(axis=1)
    return out


def kmeans(
    points: FloatArray,
    k: int,
    rng: Generator,
    *,
    weights: FloatArray | None = None,
    iters: int = 20,
) -> tuple[FloatArray, IntArray]:
    """Weighted Lloyd iterations from a k-means++ start; clusters may come back empty."""
    n = len(points)
    if n == 0:
        raise ValueError("kmeans needs at least one point")
    k = max(1, min(k, n))
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    centres = np.empty((k, 2))
    centres[0] = points[rng.choice(n, p=w / w.sum())]
    d2 = ((points - centres[0]) ** 2).sum(axis=1)
    for j in range(1, k):
        score = w * d2
        total = score.sum()
        pick = int(rng.choice(n, p=score / total)) if total > 0 else int(rng.integers(n))
        centres[j] = points[pick]
        d2 = np.minimum(d2, ((points - centres[j]) ** 2).sum(axis=1))
    for _ in range(iters):
        labels = nearest_centre(points, centres)
        mass = np.bincount(labels, w, minlength=k)
        filled = mass > 0
        moved = centres.copy()
        for axis in (0, 1):
            moved[filled, axis] = (
                np.bincount(labels, w * points[:, axis], minlength=k)[filled] / mass[filled]
            )
        converged = bool(np.abs(moved - centres).max() < 0.5)
        centres = moved
        if converged:
            break
    return centres, nearest_centre(points, centres)


def prim_forest(points: FloatArray, roots: Sequence[int]) -> tuple[IntArray, list[int]]:
    """Minimum spanning forest grown from several roots at once.

    Returns each node's parent (-1 for roots) and the order nodes joined, so a reverse
    walk visits children before parents.
    """
    n = len(points)
    parent = np.full(n, -1, dtype=np.intp)
    joined = np.zeros(n, dtype=bool)
    best = np.full(n, np.inf)
    order: list[int] = []

    def absorb(v: int) -> None:
        joined[v] = True
        order.append(v)
        d = np.hypot(points[:, 0] - points[v, 0], points[:, 1] - points[v, 1])
        better = ~joined & (d < best)
        best[better] = d[better]
        parent[better] = v

    for r in roots:
        absorb(int(r))
    parent[list(roots)] = -1
    for _ in range(n - len(roots)):
        v = int(np.where(joined, np.inf, best).argmin())
        absorb(v)
    return parent, order


def groups(keys: IntArray, values: IntArray) -> Iterator[tuple[int, IntArray]]:
    """(key, values with that key) in ascending key order, values keeping their order."""
    if len(keys) == 0:
        return
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    cuts = np.flatnonzero(np.diff(sorted_keys)) + 1
    for chunk in np.split(order, cuts):
        yield int(keys[chunk[0]]), values[chunk]


def _cluster(points: FloatArray, capacity: int, rng: Generator) -> tuple[FloatArray, IntArray]:
    k = math.ceil(len(points) / capacity)
    if k <= 1:
        return points.mean(axis=0, keepdims=True), np.zeros(len(points), dtype=np.intp)
    return kmeans(points, k, rng, iters=8)


def _toward(a: FloatArray, b: FloatArray, metres: float) -> FloatArray:
    """a moved ``metres`` towards b (rows), staying at a where the two coincide."""
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])
    scale = np.divide(metres, length, out=np.zeros_like(length), where=length > 0)
    return a + d * np.minimum(scale, 1.0)[:, None]


def _unique_name(base: str, used: set[str], suffix: str = "") -> str:
    name, k = f"{base}{suffix}", 2
    while name in used:
        name = f"{base}{vocab.cn_numeral(k) if k < 100 else k}{suffix}"
        k += 1
    used.add(name)
    return name


# ---------------------------------------------------------------------------------------
# Electric distribution: substation -> 10 kV feeder -> section switches -> fuses -> 台区.


@dataclass(slots=True)
class _Draft:
    """Positions and names of one asset kind before placement and coding."""

    xy: list[FloatArray]
    anchor: list[FloatArray]
    grid: list[int]
    name: list[str]
    parent: list[int]  # index into the parent kind's draft; meaning depends on the kind

    @classmethod
    def empty(cls) -> _Draft:
        return cls([], [], [], [], [])

    def add(self, xy: FloatArray, anchor: FloatArray, grid: int, name: str, parent: int) -> int:
        self.xy.append(np.asarray(xy, dtype=float))
        self.anchor.append(np.asarray(anchor, dtype=float))
        self.grid.append(int(grid))
        self.name.append(name)
        self.parent.append(parent)
        return len(self.name) - 1


def _settle(site: Site, draft: _Draft, *, same_grid: bool) -> tuple[FloatArray, FloatArray,
                                                                     IntArray]:
    if not draft.name:
        empty = np.empty((0, 2))
        return empty, empty, np.empty(0, dtype=np.intp)
    return site.place(
        np.array(draft.xy), np.array(draft.anchor), np.array(draft.grid, dtype=np.intp),
        same_grid=same_grid,
    )


def build_electric(
    cons: Consumers, site: Site, rng: Generator, progress: Progress
) -> tuple[list[Asset], list[str]]:
    """The distribution tree and, per account, the code of the transformer feeding it."""
    steps = 4
    progress("electric", 0, steps)
    if len(cons.xy) == 0:
        progress("electric", steps, steps)
        return [], []

    tx = _Draft.empty()
    supply = np.full(len(cons.xy), -1, dtype=np.intp)
    for i in np.flatnonzero(cons.dedicated).tolist():
        angle = rng.uniform(0.0, 2 * math.pi)
        offset = 12.0 * np.array([math.cos(angle), math.sin(angle)])
        supply[i] = tx.add(cons.xy[i] + offset, cons.xy[i], cons.grid[i],
                           f"{cons.names[i]}专变", -1)
    shared = np.flatnonzero(~cons.dedicated)
    for community, members in groups(cons.community[shared], shared):
        centres, labels = _cluster(cons.xy[members], TRANSFORMER_CUSTOMERS, rng)
        number = 0
        for j, centre in enumerate(centres):
            served = members[labels == j]
            if served.size == 0:
                continue
            number += 1
            anchor = served[np.hypot(*(cons.xy[served] - centre).T).argmin()]
            name = f"{site.community_names[community]}{number}#配变"
            supply[served] = tx.add(centre, cons.xy[anchor], cons.grid[anchor], name, -1)
    tx_xy, tx_ll, tx_grid = _settle(site, tx, same_grid=True)
    n_tx = len(tx_xy)
    progress("electric", 1, steps)

    load = np.bincount(supply, minlength=n_tx).astype(float)
    n_sub = int(np.clip(round(n_tx / TRANSFORMERS_PER_SUBSTATION), 1, 12))
    if n_tx >= 20:
        n_sub = max(n_sub, 2)
    centres, sub_of_tx = kmeans(tx_xy, n_sub, rng, weights=load + 1.0, iters=25)
    used_labels = np.unique(sub_of_tx)
    sub_of_tx = np.searchsorted(used_labels, sub_of_tx)
    centres = centres[used_labels]
    subs = _Draft.empty()
    for s, centre in enumerate(centres):
        members = np.flatnonzero(sub_of_tx == s)
        anchor = members[np.hypot(*(tx_xy[members] - centre).T).argmin()]
        subs.add(centre, tx_xy[anchor], tx_grid[anchor], "", -1)
    sub_xy, sub_ll, sub_grid = _settle(site, subs, same_grid=False)
    used_names: set[str] = set()
    subs.name = [_unique_name(site.grid_places[g], used_names, "变电站") for g in sub_grid]
    progress("electric", 2, steps)

    tx_roads = site.road_of(tx_xy)
    feeders, switches, fuses = _Draft.empty(), _Draft.empty(), _Draft.empty()
    tx_parent: list[tuple[str, int]] = [("", -1)] * n_tx
    used_roots: set[str] = set()
    for s in range(len(sub_xy)):
        members = np.flatnonzero(sub_of_tx == s)
        n_feeders = max(1, round(len(members) / TRANSFORMERS_PER_FEEDER))
        for wedge in _wedges(tx_xy[members] - sub_xy[s], n_feeders):
            chain = members[wedge]
            root = _feeder_root([tx_roads[i] for i in chain.tolist()], used_roots)
            heading = _toward(sub_xy[s][None], tx_xy[chain].mean(axis=0)[None], 150.0)[0]
            f = feeders.add(heading, sub_xy[s], sub_grid[s], f"10kV {root}线", s)
            _feeder_sections(rng, f, root, chain, tx_xy, tx_grid, heading, switches, fuses,
                             tx_parent)
    fd_xy, fd_ll, fd_grid = _settle(site, feeders, same_grid=False)
    sw_xy, sw_ll, sw_grid = _settle(site, switches, same_grid=False)
    fu_xy, fu_ll, fu_grid = _settle(site, fuses, same_grid=False)
    progress("electric", 3, steps)

    codes = {
        "substation": [f"SUB{i + 1:02d}" for i in range(len(sub_xy))],
        "feeder": [f"FDR{i + 1:03d}" for i in range(len(fd_xy))],
        "switch": [f"SW{i + 1:05d}" for i in range(len(sw_xy))],
        "fuse": [f"FU{i + 1:05d}" for i in range(len(fu_xy))],
        "transformer": [f"TX{i + 1:05d}" for i in range(n_tx)],
    }

    def parent_code(kind: str, index: int) -> str:
        return codes[kind][index]

    assets: list[Asset] = []

    def emit(kind: str, draft: _Draft, ll: FloatArray, grid: IntArray,
             parents: Sequence[str | None]) -> None:
        for i, (code, name) in enumerate(zip(codes[kind], draft.name, strict=True)):
            assets.append(Asset(code, kind, parents[i], name, float(ll[i, 0]), float(ll[i, 1]),
                                site.grid_codes[grid[i]]))

    emit("substation", subs, sub_ll, sub_grid, [None] * len(sub_xy))
    emit("feeder", feeders, fd_ll, fd_grid,
         [parent_code("substation", p) for p in feeders.parent])
    emit("switch", switches, sw_ll, sw_grid,
         [parent_code("feeder", -p - 1) if p < 0 else parent_code("switch", p)
          for p in switches.parent])
    emit("fuse", fuses, fu_ll, fu_grid, [parent_code("switch", p) for p in fuses.parent])
    emit("transformer", tx, tx_ll, tx_grid, [parent_code(k, i) for k, i in tx_parent])
    progress("electric", steps, steps)
    return assets, [codes["transformer"][i] for i in supply.tolist()]


def _wedges(rel: FloatArray, n: int) -> list[IntArray]:
    """Split points around a substation into n angular wedges of similar size."""
    angle = np.arctan2(rel[:, 1], rel[:, 0])
    order = np.argsort(angle, kind="stable")
    ordered = angle[order]
    # Start the first wedge after the widest empty sector so no wedge straddles it.
    gaps = np.diff(np.append(ordered, ordered[0] + 2 * math.pi))
    order = np.roll(order, -(int(gaps.argmax()) + 1))
    return [w for w in np.array_split(order, n) if w.size]


def _feeder_root(roads: list[str], used: set[str]) -> str:
    """Name a feeder after the road most of its transformers sit on, as utilities do."""
    ranked = [road for road, _ in Counter(roads).most_common()]
    for road in ranked:
        root = vocab.line_root(road)
        if root not in used:
            used.add(root)
            return root
    base = vocab.line_root(ranked[0])
    for numeral in ("Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "Ⅵ", "Ⅶ", "Ⅷ", "Ⅸ", "Ⅹ"):
        if base + numeral not in used:
            used.add(base + numeral)
            return base + numeral
    return _unique_name(base, used)


def _feeder_sections(
    rng: Generator,
    feeder: int,
    root: str,
    chain: IntArray,
    tx_xy: FloatArray,
    tx_grid: IntArray,
    head: FloatArray,
    switches: _Draft,
    fuses: _Draft,
    tx_parent: list[tuple[str, int]],
) -> None:
    """Sectionalising switches in series along the feeder, fused branches off each one."""
    distance = np.hypot(*(tx_xy[chain] - head).T)
    chain = chain[np.argsort(distance, kind="stable")]
    previous_xy, previous = head, -feeder - 1  # negative: the feeder itself
    n_sections = math.ceil(len(chain) / TRANSFORMERS_PER_SECTION)
    for k, section in enumerate(np.array_split(chain, n_sections), start=1):
        first = int(section[0])
        at = _toward(tx_xy[first][None], previous_xy[None], 40.0)[0]
        sw = switches.add(at, tx_xy[first], tx_grid[first], f"{root}线#{k}开关", previous)
        rel = tx_xy[section] - at
        around = section[np.argsort(np.arctan2(rel[:, 1], rel[:, 0]), kind="stable")]
        start, branch = 0, 0
        while start < len(around):
            size = int(rng.integers(1, 4))
            members = around[start : start + size]
            start += size
            if rng.random() < 0.75:
                branch += 1
                lead = int(members[0])
                fu_at = _toward(tx_xy[lead][None], at[None], 20.0)[0]
                fu = fuses.add(fu_at, tx_xy[lead], tx_grid[lead],
                               f"{root}线#{k}-{branch}熔断器", sw)
                for t in members.tolist():
                    tx_parent[t] = ("fuse", fu)
            else:
                for t in members.tolist():
                    tx_parent[t] = ("switch", sw)
        previous_xy, previous = at, sw


# ---------------------------------------------------------------------------------------
# Water: sources -> mains (spanning forest plus a few loops) -> service nodes.


def build_water(
    cons: Consumers, site: Site, rng: Generator, progress: Progress
) -> tuple[list[WaterNode], list[Pipe], list[str]]:
    """Nodes, pipes and, per account, the code of the service node it draws from."""
    steps = 4
    progress("water", 0, steps)
    if len(cons.xy) == 0:
        progress("water", steps, steps)
        return [], [], []

    svc = _Draft.empty()
    supply = np.full(len(cons.xy), -1, dtype=np.intp)
    demand_list: list[int] = []
    everyone = np.arange(len(cons.xy))
    for community, members in groups(cons.community, everyone):
        centres, labels = _cluster(cons.xy[members], SERVICE_NODE_CUSTOMERS, rng)
        number = 0
        for j, centre in enumerate(centres):
            served = members[labels == j]
            if served.size == 0:
                continue
            number += 1
            anchor = served[np.hypot(*(cons.xy[served] - centre).T).argmin()]
            name = f"{site.community_names[community]}{number}号水表井"
            supply[served] = svc.add(centre, cons.xy[anchor], cons.grid[anchor], name, -1)
            demand_list.append(int(served.size))
    svc_xy, svc_ll, svc_grid = _settle(site, svc, same_grid=True)
    svc_demand = np.array(demand_list, dtype=float)
    progress("water", 1, steps)

    n_junctions = max(1, round(len(svc_xy) / SERVICES_PER_JUNCTION))
    centres, svc_junction = kmeans(svc_xy, n_junctions, rng, weights=svc_demand, iters=20)
    used_labels = np.unique(svc_junction)
    svc_junction = np.searchsorted(used_labels, svc_junction)
    centres = centres[used_labels]
    junctions = _Draft.empty()
    for j, centre in enumerate(centres):
        members = np.flatnonzero(svc_junction == j)
        anchor = members[np.hypot(*(svc_xy[members] - centre).T).argmin()]
        junctions.add(centre, svc_xy[anchor], svc_grid[anchor], "", -1)
    jn_xy, jn_ll, jn_grid = _settle(site, junctions, same_grid=False)
    jn_demand = np.bincount(svc_junction, svc_demand, minlength=len(jn_xy))

    n_sources = 1 if len(jn_xy) < 40 else (2 if len(jn_xy) < 300 else 3)
    src_centres, _ = kmeans(jn_xy, n_sources, rng, iters=15)
    sources = _Draft.empty()
    for centre in src_centres:
        # Treatment plants sit out towards the river banks, away from the core they feed.
        outward = centre + 1500.0 * centre / max(float(np.hypot(*centre)), 1.0)
        anchor = int(np.hypot(*(jn_xy - centre).T).argmin())
        sources.add(outward, jn_xy[anchor], jn_grid[anchor], "", -1)
    src_xy, src_ll, src_grid = _settle(site, sources, same_grid=False)
    sources.name = [vocab.WATER_PLANTS[i % len(vocab.WATER_PLANTS)]
                    + ("" if i < len(vocab.WATER_PLANTS) else str(i)) for i in range(len(src_xy))]
    progress("water", 2, steps)

    n_src = len(src_xy)
    main_xy = np.vstack([src_xy, jn_xy])
    main_grid = np.concatenate([src_grid, jn_grid])
    parent, order = prim_forest(main_xy, range(n_src))
    downstream = np.concatenate([np.zeros(n_src), jn_demand])
    for v in reversed(order):
        if parent[v] >= 0:
            downstream[parent[v]] += downstream[v]
    total = max(float(downstream[:n_src].sum()), 1.0)

    # (from, to, diameter, wants a valve); main-node indices, sources first.
    mains: list[tuple[int, int, int, bool]] = []
    for v in order:
        p = int(parent[v])
        if p >= 0:
            valve = p < n_src or rng.random() < 0.55
            mains.append((p, v, _main_diameter(downstream[v] / total), valve))
    for a, b in _loop_pairs(main_xy, parent, n_src):
        mains.append((a, b, int(rng.choice([150, 200])), True))  # loops always valved

    valves = _Draft.empty()
    for a, b, _, wants_valve in mains:
        if wants_valve:
            valves.add(main_xy[a] + 0.25 * (main_xy[b] - main_xy[a]), main_xy[a],
                       main_grid[a], "", len(valves.name))
    vl_xy, vl_ll, vl_grid = _settle(site, valves, same_grid=False)

    hydrants = _Draft.empty()
    for j in range(len(jn_xy)):
        if rng.random() < 0.4:
            angle = rng.uniform(0.0, 2 * math.pi)
            at = jn_xy[j] + 12.0 * np.array([math.cos(angle), math.sin(angle)])
            hydrants.add(at, jn_xy[j], jn_grid[j], "", n_src + j)
    hy_xy, hy_ll, hy_grid = _settle(site, hydrants, same_grid=False)
    progress("water", 3, steps)

    _name_by_road(site, junctions, jn_xy, "节点")
    _name_by_road(site, valves, vl_xy, "阀门")
    _name_by_road(site, hydrants, hy_xy, "消火栓")
    node_codes = {
        "source": [f"WSR{i + 1:02d}" for i in range(n_src)],
        "junction": [f"WJ{i + 1:05d}" for i in range(len(jn_xy))],
        "valve": [f"WV{i + 1:05d}" for i in range(len(vl_xy))],
        "hydrant": [f"WH{i + 1:05d}" for i in range(len(hy_xy))],
        "service": [f"WS{i + 1:05d}" for i in range(len(svc_xy))],
    }
    nodes: list[WaterNode] = []
    for kind, draft, ll, grid in (
        ("source", sources, src_ll, src_grid),
        ("junction", junctions, jn_ll, jn_grid),
        ("valve", valves, vl_ll, vl_grid),
        ("hydrant", hydrants, hy_ll, hy_grid),
        ("service", svc, svc_ll, svc_grid),
    ):
        for i, code in enumerate(node_codes[kind]):
            nodes.append(WaterNode(code, kind, draft.name[i], float(ll[i, 0]), float(ll[i, 1]),
                                   site.grid_codes[grid[i]]))

    main_codes = node_codes["source"] + node_codes["junction"]
    pipes = _pipes(rng, mains, main_xy, main_codes, vl_xy, node_codes["valve"], hy_xy,
                   hydrants.parent, node_codes["hydrant"], svc_xy, svc_demand, svc_junction,
                   node_codes["service"], n_src)
    progress("water", steps, steps)
    return nodes, pipes, [node_codes["service"][i] for i in supply.tolist()]


def _main_diameter(share: float) -> int:
    """Nominal diameter from the share of all water customers downstream of a main."""
    for threshold, diameter in ((0.5, 1000), (0.3, 800), (0.15, 600), (0.08, 500), (0.04, 400),
                                (0.02, 300), (0.008, 200), (0.003, 150)):
        if share > threshold:
            return diameter
    return 100


def _service_diameter(customers: float) -> int:
    for limit, diameter in ((5, 32), (15, 50), (30, 75)):
        if customers <= limit:
            return diameter
    return 110


def _loop_pairs(xy: FloatArray, parent: IntArray, n_src: int) -> list[tuple[int, int]]:
    """A few short cross-connections between junctions: real networks are meshed a little."""
    n = len(xy)
    junctions = np.arange(n_src, n)
    if len(junctions) < 4:
        return []
    tree = {(min(int(p), v), max(int(p), v)) for v, p in enumerate(parent.tolist()) if p >= 0}
    tree_lengths = [math.dist(xy[a], xy[b]) for a, b in tree]
    limit = 2.5 * float(np.median(tree_lengths))
    candidates: dict[tuple[int, int], float] = {}
    for j in junctions.tolist():
        d = np.hypot(*(xy[junctions] - xy[j]).T)
        for k in junctions[np.argsort(d, kind="stable")[1:5]].tolist():
            pair = (min(j, k), max(j, k))
            length = math.dist(xy[j], xy[k])
            if pair not in tree and length <= limit:
                candidates[pair] = length
    wanted = max(1, round(0.04 * len(junctions)))
    ranked = sorted(candidates.items(), key=lambda item: (item[1], item[0]))
    return [pair for pair, _ in ranked[:wanted]]


def _name_by_road(site: Site, draft: _Draft, xy: FloatArray, noun: str) -> None:
    counters: Counter[str] = Counter()
    names = []
    for road in site.road_of(xy) if len(xy) else []:
        counters[road] += 1
        names.append(f"{road}{counters[road]}号{noun}")
    draft.name = names


def _material(rng: Generator, diameter: int, year: int) -> str:
    if diameter <= 63:
        return "镀锌" if year < 2000 else ("PE" if rng.random() < 0.8 else "PVC")
    if diameter <= 200:
        if year < 1995:
            return "钢" if rng.random() < 0.4 else "球墨铸铁"
        if year < 2010:
            return "PVC" if rng.random() < 0.5 else "球墨铸铁"
        return "PE" if rng.random() < 0.6 else "球墨铸铁"
    if year < 1990:
        return "钢" if rng.random() < 0.5 else "球墨铸铁"
    return "球墨铸铁" if rng.random() < 0.85 else "钢"


def _main_year(rng: Generator, at: FloatArray) -> int:
    # The old core was piped first; the fringe was laid as the city spread outwards.
    year = 1972 + 44 * min(float(np.hypot(*at)) / 13_000.0, 1.0) + rng.normal(0.0, 5.0)
    return int(np.clip(round(year), 1965, NEWEST_PIPE_YEAR))


def _pipes(
    rng: Generator,
    mains: list[tuple[int, int, int, bool]],
    main_xy: FloatArray,
    main_codes: list[str],
    valve_xy: FloatArray,
    valve_codes: list[str],
    hydrant_xy: FloatArray,
    hydrant_parent: list[int],
    hydrant_codes: list[str],
    svc_xy: FloatArray,
    svc_demand: FloatArray,
    svc_junction: IntArray,
    svc_codes: list[str],
    n_src: int,
) -> list[Pipe]:
    pipes: list[Pipe] = []

    def add(a: str, b: str, pa: FloatArray, pb: FloatArray, diameter: int, year: int) -> None:
        pipes.append(Pipe(f"WP{len(pipes) + 1:06d}", a, b, _material(rng, diameter, year),
                          diameter, year, round(math.dist(pa, pb), 1)))

    main_year = np.zeros(len(main_xy), dtype=int)
    valve = 0
    for a, b, diameter, wants_valve in mains:
        year = _main_year(rng, main_xy[b])
        main_year[b] = max(main_year[b], year)
        if wants_valve:
            add(main_codes[a], valve_codes[valve], main_xy[a], valve_xy[valve], diameter, year)
            add(valve_codes[valve], main_codes[b], valve_xy[valve], main_xy[b], diameter, year)
            valve += 1
        else:
            add(main_codes[a], main_codes[b], main_xy[a], main_xy[b], diameter, year)
    for h, owner in enumerate(hydrant_parent):
        year = max(int(main_year[owner]), 1980) + int(rng.integers(0, 8))
        add(main_codes[owner], hydrant_codes[h], main_xy[owner], hydrant_xy[h], 100,
            min(year, NEWEST_PIPE_YEAR))
    for s, junction in enumerate(svc_junction.tolist()):
        owner = n_src + junction
        year = min(int(main_year[owner]) + int(rng.integers(0, 16)), NEWEST_PIPE_YEAR)
        add(main_codes[owner], svc_codes[s], main_xy[owner], svc_xy[s],
            _service_diameter(float(svc_demand[s])), year)
    return pipes
