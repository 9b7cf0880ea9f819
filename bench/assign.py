"""Benchmark: how fast do we assign points to grids?

    python bench/assign.py [--points N] [--grids G] [--seed S] [--json]

Builds G irregular grids (Voronoi cells clipped to a rectangle around Shenzhen, so
they look like real 网格) and N uniformly random points, then times, best of 3:

* ``GridLocator.locate`` (gridcare's locator, including nothing but the call), and
* the plain baseline: ``shapely.points`` + ``STRtree(grids).query(points,
  predicate="within")`` mapped to grid ids.

Both answers must agree on every point that is not on a grid border (the baseline's
``within`` drops border points; the locator assigns them by its tie rule). With
``--json`` the last output line is a JSON object with ``points_per_s``,
``baseline_points_per_s`` and ``ratio``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import shapely

try:
    import gridcare  # noqa: F401
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "src"))

from gridcare.grids.locate import GridLocator

T = TypeVar("T")

# A Shenzhen-sized service area (~82 x 44 km)
AREA = (113.80, 22.45, 114.60, 22.85)


def make_grids(count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` Voronoi cells tiling AREA exactly (neighbours share their edges)."""
    x0, y0, x1, y1 = AREA
    rect = shapely.box(x0, y0, x1, y1)
    seeds = shapely.multipoints(
        np.column_stack((rng.uniform(x0, x1, count), rng.uniform(y0, y1, count)))
    )
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=rect))
    cells = shapely.intersection(cells, rect)
    return cells[shapely.area(cells) > 0]


def baseline(
    tree: shapely.STRtree, ids: np.ndarray, lons: np.ndarray, lats: np.ndarray
) -> np.ndarray:
    points = shapely.points(lons, lats)
    pt, k = tree.query(points, predicate="within")
    out = np.full(len(lons), -1, dtype=np.int64)
    out[pt] = ids[k]
    return out


def best_of(runs: int, fn: Callable[[], T]) -> tuple[float, T]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--grids", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--json", action="store_true", help="end with one JSON line of results")
    args = parser.parse_args(argv)
    if args.points < 1 or args.grids < 1:
        parser.error("--points and --grids must be positive")

    rng = np.random.default_rng(args.seed)
    cells = make_grids(args.grids, rng)
    ids = np.arange(len(cells), dtype=np.int64) * 10 + 7  # ids need not be 0..n-1
    x0, y0, x1, y1 = AREA
    lons = rng.uniform(x0, x1, args.points)
    lats = rng.uniform(y0, y1, args.points)

    start = time.perf_counter()
    locator = GridLocator(zip(ids.tolist(), cells, strict=True))
    build_s = time.perf_counter() - start
    tree = shapely.STRtree(cells)

    ours_s, ours = best_of(3, lambda: locator.locate(lons, lats))
    base_s, base = best_of(3, lambda: baseline(tree, ids, lons, lats))

    # Disagreement is only allowed on borders, where the baseline's `within` says -1.
    differ = np.flatnonzero(ours != base)
    if differ.size:
        by_id = dict(zip(ids.tolist(), cells, strict=True))
        on_border = [
            base[i] == -1
            and ours[i] != -1
            and shapely.intersects_xy(by_id[int(ours[i])].boundary, lons[i], lats[i])
            for i in differ
        ]
        if not all(on_border):
            bad = differ[~np.array(on_border)]
            print(f"MISMATCH on {bad.size} non-border points, e.g. index {bad[0]}", file=sys.stderr)
            return 1
    unassigned = int(np.count_nonzero(ours == -1))

    pps, base_pps = args.points / ours_s, args.points / base_s
    ratio = pps / base_pps
    print(f"{args.points:,} points, {len(cells):,} grids, seed {args.seed}")
    print(f"locator build: {build_s * 1000:.0f} ms; raster {locator.stats}")
    print(
        f"answers agree off borders ({differ.size} border points differ, {unassigned} unassigned)"
    )
    print()
    print(f"{'method':<34}{'best of 3 (s)':>14}{'points/s':>16}")
    print(f"{'GridLocator.locate':<34}{ours_s:>14.3f}{pps:>16,.0f}")
    print(f"{'STRtree.query(within) baseline':<34}{base_s:>14.3f}{base_pps:>16,.0f}")
    print(f"{'ratio':<34}{'':>14}{ratio:>15.2f}x")
    if args.json:
        print(
            json.dumps(
                {
                    "points_per_s": round(pps),
                    "baseline_points_per_s": round(base_pps),
                    "ratio": round(ratio, 3),
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
