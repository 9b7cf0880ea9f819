"""Grid design: cut basic units into k contiguous, compact grids of balanced workload.

Pure: units come in as an adjacency list (barriers already removed), workloads and
projected centroids in metres; the answer is a grid index per unit. Decision 015 says why
this is ours and not spopt's AZP: seeds by weighted k-means, growth of the lightest region,
then a local search that moves boundary units between neighbouring grids while both stay
contiguous (the donor is checked with a BFS that stops once the moved unit's neighbours
have found each other again).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gridcare.core.i18n import T_

Neighbours = Sequence[Sequence[int]]
BALANCE_TARGET = 1.05  # the heaviest grid's workload over the mean that a design aims under
# One rep per grid: a city has hundreds at most. Minimum disruption holds a k × units matrix
# of floats, several gigabytes for one grid per unit of a big city.
MAX_GRIDS = 1000


class DesignError(ValueError):
    """The request cannot be met (more grids than units, fewer grids than islands …)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class DesignOptions:
    compactness: float = 4.0  # weight of the spread term against the balance term
    keep_current: float = 0.0  # minimum disruption: weight of customers leaving their grid
    seed: int = 0
    max_rounds: int = 400
    relax_steps: int = 1  # times the compactness weight is cut tenfold before the balance chains


def components(neighbours: Neighbours) -> list[list[int]]:
    """Connected components of the unit graph (islands made by barriers or water)."""
    n = len(neighbours)
    seen = [False] * n
    found: list[list[int]] = []
    for start in range(n):
        if seen[start]:
            continue
        seen[start] = True
        part, stack = [start], [start]
        while stack:
            u = stack.pop()
            for v in neighbours[u]:
                if not seen[v]:
                    seen[v] = True
                    part.append(v)
                    stack.append(v)
        found.append(part)
    return found


def is_contiguous(neighbours: Neighbours, members: Sequence[int]) -> bool:
    """Every unit of ``members`` reachable from any other through ``members`` only."""
    inside = set(members)
    if not inside:
        return False
    start = next(iter(inside))
    seen, stack = {start}, [start]
    while stack:
        u = stack.pop()
        for v in neighbours[u]:
            if v in inside and v not in seen:
                seen.add(v)
                stack.append(v)
    return len(seen) == len(inside)


def check_k(k: int) -> None:
    if k < 1:
        raise DesignError("k", T_("must be at least %(n)s", n=1))
    if k > MAX_GRIDS:
        raise DesignError("k", T_("must be at most %(n)s", n=MAX_GRIDS))


def _share_seeds(parts: list[list[int]], workload: np.ndarray, k: int) -> list[int]:
    """Grids per island in proportion to workload (largest remainder), each at least one."""
    if k < len(parts):
        raise DesignError("k", T_("at least %(n)s grids are needed: barriers leave %(n)s separate areas", n=len(parts)))
    if k > sum(len(p) for p in parts):
        raise DesignError("k", T_("at most %(n)s grids: one per unit", n=sum(len(p) for p in parts)))
    loads = np.array([workload[p].sum() for p in parts], dtype=float) + 1e-9
    share = np.ones(len(parts), dtype=int)
    spare = k - len(parts)
    if spare:
        ideal = loads / loads.sum() * k
        for _ in range(spare):
            room = np.array([share[i] < len(parts[i]) for i in range(len(parts))])
            gap = np.where(room, ideal - share, -np.inf)
            share[int(np.argmax(gap))] += 1
    return [int(s) for s in share]


def _seed_units(units: list[int], xy: np.ndarray, workload: np.ndarray, count: int, seed: int) -> list[int]:
    if count == 1:
        centre = np.average(xy[units], axis=0, weights=workload[units] + 1e-9)
        return [units[int(np.argmin(((xy[units] - centre) ** 2).sum(axis=1)))]]
    from sklearn.cluster import KMeans

    points = xy[units]
    km = KMeans(n_clusters=count, n_init=1, random_state=seed).fit(points, sample_weight=workload[units] + 1e-9 * workload.mean() + 1e-12)
    chosen: list[int] = []
    taken: set[int] = set()
    for centre in km.cluster_centers_:
        order = np.argsort(((points - centre) ** 2).sum(axis=1))
        for i in order:
            if units[int(i)] not in taken:
                taken.add(units[int(i)])
                chosen.append(units[int(i)])
                break
    return chosen


def _grow(neighbours: Neighbours, xy: np.ndarray, workload: np.ndarray, seeds: list[int], home_bonus: np.ndarray | None) -> np.ndarray:
    """Grow every region from its seed, always feeding the lightest one its nearest free unit."""
    n = len(neighbours)
    labels = np.full(n, -1, dtype=np.int64)
    loads = [0.0] * len(seeds)
    anchors = xy[seeds]
    frontier: list[list[tuple[float, int]]] = [[] for _ in seeds]
    turn: list[tuple[float, int]] = []
    scale = float(np.mean((xy - xy.mean(axis=0)) ** 2)) * 4 / max(len(seeds), 1) + 1e-9
    for r, s in enumerate(seeds):
        labels[s] = r
        loads[r] = float(workload[s])
        for v in neighbours[s]:
            frontier[r].append((_cost(xy, anchors, r, v, home_bonus, scale), v))
        heapq.heapify(frontier[r])
        turn.append((loads[r], r))
    heapq.heapify(turn)
    while turn:
        _, r = heapq.heappop(turn)
        heap = frontier[r]
        while heap and labels[heap[0][1]] >= 0:
            heapq.heappop(heap)
        if not heap:
            continue  # boxed in: the local search feeds it later
        _, u = heapq.heappop(heap)
        labels[u] = r
        loads[r] += float(workload[u])
        for v in neighbours[u]:
            if labels[v] < 0:
                heapq.heappush(heap, (_cost(xy, anchors, r, v, home_bonus, scale), v))
        heapq.heappush(turn, (loads[r], r))
    return labels


def _cost(xy: np.ndarray, anchors: np.ndarray, r: int, v: int, home_bonus: np.ndarray | None, scale: float) -> float:
    d = float(((xy[v] - anchors[r]) ** 2).sum()) / scale
    if home_bonus is not None:
        d -= float(home_bonus[r, v])
    return d


class _Search:
    """Boundary moves between neighbouring grids; every move keeps both grids contiguous."""

    def __init__(self, neighbours: Neighbours, xy: np.ndarray, workload: np.ndarray, labels: np.ndarray, k: int, *, compactness: float, stay: np.ndarray | None) -> None:
        self.nb = [list(map(int, x)) for x in neighbours]
        self.x = [float(a) for a in xy[:, 0]]
        self.y = [float(a) for a in xy[:, 1]]
        self.w = [float(a) for a in workload]
        self.labels = [int(a) for a in labels]
        self.k = k
        self.members: list[set[int]] = [set() for _ in range(k)]
        self.load = [0.0] * k
        self.sx, self.sy = [0.0] * k, [0.0] * k
        for u, r in enumerate(self.labels):
            self.members[r].add(u)
            self.load[r] += self.w[u]
            self.sx[r] += self.x[u]
            self.sy[r] += self.y[u]
        self.target = sum(self.w) / k
        spread = sum(self._d2(u, self.labels[u]) for u in range(len(self.labels))) / max(len(self.labels), 1)
        # Balance is measured in target loads squared, spread in the mean squared distance
        # of the start, so the weights mean the same whatever the units' size and workload.
        self.balance_scale = 1.0 / (self.target**2 + 1e-12)
        self.spread_scale = compactness / (spread * len(self.labels) / k + 1e-12) * 0.05
        self.stay = stay  # (k, n) penalty of a unit leaving grid r's current customers; None: no care
        self.stay_scale = 1.0

    def _d2(self, u: int, r: int) -> float:
        n = len(self.members[r]) or 1
        dx = self.x[u] - self.sx[r] / n
        dy = self.y[u] - self.sy[r] / n
        return dx * dx + dy * dy

    def delta(self, u: int, a: int, b: int) -> float:
        w = self.w[u]
        balance = 2 * w * (w - (self.load[a] - self.load[b])) * self.balance_scale
        spread = (self._d2(u, b) - self._d2(u, a)) * self.spread_scale
        move = 0.0
        if self.stay is not None:
            move = float(self.stay[b, u] - self.stay[a, u]) * self.stay_scale
        return balance + spread + move

    def still_whole(self, u: int, a: int) -> bool:
        """Does grid ``a`` stay connected without ``u``? Stop as soon as u's neighbours meet."""
        labels, nb = self.labels, self.nb
        ends = [v for v in nb[u] if labels[v] == a]
        if not ends:
            return False  # a lone unit: its grid would vanish
        if len(ends) == 1:
            return True
        want = set(ends)
        seen = {u, ends[0]}
        stack = [ends[0]]
        want.discard(ends[0])
        while stack:
            v = stack.pop()
            for t in nb[v]:
                if t not in seen and labels[t] == a:
                    seen.add(t)
                    if t in want:
                        want.discard(t)
                        if not want:
                            return True
                    stack.append(t)
        return False

    def move(self, u: int, a: int, b: int) -> None:
        self.labels[u] = b
        self.members[a].discard(u)
        self.members[b].add(u)
        w = self.w[u]
        self.load[a] -= w
        self.load[b] += w
        self.sx[a] -= self.x[u]
        self.sy[a] -= self.y[u]
        self.sx[b] += self.x[u]
        self.sy[b] += self.y[u]

    def candidates(self, a: int) -> list[tuple[float, int, int]]:
        labels, nb = self.labels, self.nb
        found: list[tuple[float, int, int]] = []
        if len(self.members[a]) <= 1:
            return found
        for u in self.members[a]:
            seen_b: set[int] = set()
            for v in nb[u]:
                b = labels[v]
                if b != a and b not in seen_b:
                    seen_b.add(b)
                    d = self.delta(u, a, b)
                    if d < -1e-12:
                        found.append((d, u, b))
        found.sort()
        return found

    def region_graph(self) -> list[set[int]]:
        touching: list[set[int]] = [set() for _ in range(self.k)]
        labels = self.labels
        for u, nbs in enumerate(self.nb):
            a = labels[u]
            for v in nbs:
                if labels[v] != a:
                    touching[a].add(labels[v])
        return touching

    def eject(self, a: int, graph: list[set[int]], depth: int = 8) -> bool:
        """Pass load from ``a`` along a chain of neighbouring grids to a lighter one: each
        grid on the way gives about what it received. Kept only if every grid on the
        chain ends lighter than ``a`` was; undone otherwise."""
        start = self.load[a]
        parent = {a: -1}
        frontier = [a]
        for _ in range(depth):
            nxt = []
            for x in frontier:
                for y in graph[x]:
                    if y not in parent:
                        parent[y] = x
                        nxt.append(y)
            frontier = nxt
        ends = sorted((r for r in parent if r != a and self.load[r] < start - 1e-9), key=lambda r: self.load[r])
        for z in ends[:10]:
            path = [z]
            while parent[path[-1]] != -1:
                path.append(parent[path[-1]])
            path.reverse()
            done: list[tuple[int, int, int]] = []
            given = (start - self.load[z]) / 2  # what would level the two ends
            ok = True
            for x, y in zip(path, path[1:], strict=False):
                u = self._handover(x, y, given, ceiling=start, last=y == z)
                if u is None:
                    ok = False
                    break
                self.move(u, x, y)
                done.append((u, x, y))
                given = self.w[u]
            if ok and max(self.load[r] for r in path) < start - 1e-9:
                return True
            for u, x, y in reversed(done):
                self.move(u, y, x)
        return False

    def _handover(self, x: int, y: int, wanted: float, *, ceiling: float, last: bool) -> int | None:
        """The unit of ``x`` next to ``y`` whose workload is closest to ``wanted`` (for the
        first grid, half the gap to the chain's end; then what the grid just received)."""
        if len(self.members[x]) <= 1:
            return None
        labels, nb = self.labels, self.nb
        # x must end under the chain's ceiling; so must the chain's end, which gives nothing on.
        floor = self.load[x] - ceiling
        room = ceiling - self.load[y] if last else float("inf")
        options = sorted(
            (abs(self.w[u] - wanted), u)
            for u in self.members[x]
            if floor < self.w[u] < room and any(labels[v] == y for v in nb[u])
        )
        for _, u in options[:8]:
            if self.still_whole(u, x):
                return u
        return None

    def balance_by_chains(self, limit: int, *, good_enough: float = 1.01) -> None:
        for _ in range(limit):
            if max(self.load) <= good_enough * self.target:
                return
            graph = self.region_graph()
            heaviest = sorted(range(self.k), key=lambda r: -self.load[r])[:3]
            if not any(self.eject(a, graph) for a in heaviest):
                return

    def run(self, rounds: int) -> int:
        moves = 0
        for _ in range(rounds):
            moved = 0
            for a in sorted(range(self.k), key=lambda r: -self.load[r]):
                for _ in range(len(self.members[a])):
                    done = False
                    for _d, u, b in self.candidates(a)[:12]:
                        if self.still_whole(u, a):
                            self.move(u, a, b)
                            moved += 1
                            done = True
                            break
                    if not done:
                        break
            moves += moved
            if not moved:
                break
        return moves


def _stay_penalty(current: np.ndarray, customers: np.ndarray, seeds_home: list[int], k: int, weight: float) -> np.ndarray:
    """penalty[r, u]: the customers of unit u that leave their grid when u lands in region r."""
    per_grid = max(float(customers.sum()) / k, 1.0)
    home = np.array(seeds_home)
    away = (current[None, :] != home[:, None]) | (current[None, :] < 0)
    return away * (customers[None, :] / per_grid) * weight


def partition(
    neighbours: Neighbours,
    workload: np.ndarray,
    xy: np.ndarray,
    k: int,
    *,
    options: DesignOptions = DesignOptions(),
    current: np.ndarray | None = None,
    customers: np.ndarray | None = None,
) -> np.ndarray:
    """A grid index (0..k-1) per unit: every grid contiguous in ``neighbours``, workloads
    near ``sum / k``. With ``current`` (today's grid per unit, -1 for none) and
    ``options.keep_current`` > 0, units prefer to stay with their grid of today."""
    n = len(neighbours)
    workload = np.asarray(workload, dtype=float)
    xy = np.asarray(xy, dtype=float)
    check_k(k)
    if n == 0:
        raise DesignError("units", T_("there are no units to design grids from"))
    if (workload < 0).any() or not np.isfinite(workload).all():
        raise DesignError("workload", T_("must be finite and not negative"))
    parts = components(neighbours)
    shares = _share_seeds(parts, workload, k)
    seeds: list[int] = []
    minimal = current is not None and customers is not None and options.keep_current > 0
    for part, count in zip(parts, shares, strict=True):
        if minimal:
            seeds.extend(_seeds_from_current(part, xy, workload, np.asarray(current), count, options.seed))
        else:
            seeds.extend(_seed_units(part, xy, workload, count, options.seed))
    stay = None
    if minimal:
        assert current is not None and customers is not None
        homes = [int(current[s]) for s in seeds]
        stay = _stay_penalty(np.asarray(current), np.asarray(customers, dtype=float), homes, k, options.keep_current)
    labels = _grow(neighbours, xy, workload, seeds, None if stay is None else -stay)
    search = _Search(neighbours, xy, workload, labels, k, compactness=options.compactness, stay=stay)
    search.run(options.max_rounds)
    # A last pass on balance alone: the spread term may hold back the few moves that
    # bring the heaviest grids down to the target.
    for _ in range(options.relax_steps):
        search.spread_scale *= 0.1
        search.run(options.max_rounds)
    search.balance_by_chains(limit=4 * k)
    search.run(options.max_rounds)
    # Minimum disruption yields to balance step by step: each round lets a few more
    # customers change grid, until the heaviest grid is within the target.
    while stay is not None and search.stay_scale > 1e-3 and max(search.load) > BALANCE_TARGET * search.target:
        search.stay_scale *= 0.5
        search.run(options.max_rounds)
        search.balance_by_chains(limit=k, good_enough=BALANCE_TARGET)
    return np.array(search.labels, dtype=np.int64)


def _seeds_from_current(part: list[int], xy: np.ndarray, workload: np.ndarray, current: np.ndarray, count: int, seed: int) -> list[int]:
    """Seeds at the heart of today's biggest grids, so each new grid grows from an old one."""
    grids: dict[int, list[int]] = {}
    for u in part:
        if current[u] >= 0:
            grids.setdefault(int(current[u]), []).append(u)
    ranked = sorted(grids.values(), key=lambda us: -float(workload[us].sum()))[:count]
    seeds: list[int] = []
    for us in ranked:
        centre = np.average(xy[us], axis=0, weights=workload[us] + 1e-9)
        seeds.append(us[int(np.argmin(((xy[us] - centre) ** 2).sum(axis=1)))])
    if len(seeds) < count:
        rest = [u for u in part if u not in set(seeds)]
        extra = _seed_units(rest, xy, workload, count - len(seeds), seed) if rest else []
        seeds.extend(extra)
    return seeds


def smallest_k(neighbours: Neighbours, workload: np.ndarray, capacity: float, *, tolerance: float = 1.05) -> int:
    """The fewest grids whose mean workload fits one rep's ``capacity`` with room for the
    imbalance the design leaves (``tolerance`` × mean for the heaviest grid)."""
    if capacity <= 0:
        raise DesignError("capacity_hours", T_("must be more than %(n)s", n=0))
    total = float(np.sum(workload))
    k = max(int(np.ceil(total * tolerance / capacity)), len(components(neighbours)), 1)
    if k > len(neighbours):
        raise DesignError("capacity_hours", T_("too small: even one grid per unit exceeds %(capacity)g hours", capacity=capacity))
    if k > MAX_GRIDS:
        raise DesignError("capacity_hours", T_("too small: it takes %(n)s grids; at most %(most)s", n=k, most=MAX_GRIDS))
    return k
