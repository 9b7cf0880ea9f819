"""Benchmark: the in-memory network and grid queries at a city's size, each next to the
plainest code that answers the same question, timed in the same run.

    python bench/topology.py [--repeat 5] [--json]

Inputs are the seeded ones the tests check answers on (tests/support/synthetic.py):

* ``electric_build``: ``ElectricTree.build`` of 50,020 shuffled assets; baseline: a dict of
  children and one depth-first numbering, the least an indexed tree needs.
* ``electric_lca``: 10,000 lowest common ancestors of 5 transformers; baseline: walk each
  parent chain and intersect them.
* ``water_cut_off``: ``WaterNetwork.cut_off_by`` with 1,000 of ~5,000 valves shut on a
  20,000-node street grid; baseline: a breadth-first search over a dict of sets.
* ``locate_one``: 2,000 single points among 1,000 grids; baseline: shapely's STRtree
  query with the ``within`` predicate per point, smallest id kept.
* ``coverage``: ``check_coverage`` of 1,000 grids that overlap and leave gaps; baseline:
  ``shapely.union_all`` of them, which any gap check needs first.
* ``junk_import``: ``parse_electric_assets`` of a 200,000-row file whose every row is
  wrong; baseline: ``csv.reader`` over the same bytes decoded. The importer stops listing
  after MAX_PROBLEMS, so it should cost a small fraction of reading the file.

Where both answer in the same form (the ancestors, the nodes cut off, the grids), the bench
first checks that they agree. Each figure is the fastest of ``--repeat`` runs. ``ratio`` is gridcare's time over the
baseline's (below 1: faster than the plain code). With ``--json`` the last line is one
JSON object keyed by case, each with ``ms``, ``baseline_ms`` and ``ratio``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import shapely

try:
    import gridcare  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.synthetic import (  # noqa: E402
    LAYOUT_AREA,
    cut_off_by_search,
    electric_assets,
    junk_asset_csv,
    lca_by_chains,
    neighbours_of,
    street_grid,
    voronoi_grids,
    wobbly,
)

from gridcare.grids.geometry import GridLocator, check_coverage  # noqa: E402
from gridcare.network.importing import parse_electric_assets  # noqa: E402
from gridcare.network.topology import ElectricTree, WaterNetwork  # noqa: E402

AGREEING = {"electric_lca", "water_cut_off", "locate_one"}


def fastest(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def electric_cases() -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    records = electric_assets()
    tree = ElectricTree.build(records)
    parent = {r.code: r.parent for r in records}
    rng = random.Random(1)
    transformers = tree.transformers_under("S0")
    groups = [rng.sample(transformers, 5) for _ in range(10_000)]

    def plain_build() -> dict[str, int]:
        children: dict[str | None, list[str]] = {}
        for r in records:
            children.setdefault(r.parent, []).append(r.code)
        order: dict[str, int] = {}
        stack = list(children.get(None, ()))
        while stack:
            code = stack.pop()
            order[code] = len(order)
            stack.extend(children.get(code, ()))
        return order

    def plain_lca() -> list[str]:
        return [lca_by_chains(parent, group) for group in groups]

    return {
        "electric_build": (lambda: ElectricTree.build(records), plain_build),
        "electric_lca": (lambda: [tree.lowest_common_ancestor(g) for g in groups], plain_lca),
    }


def water_cases() -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    nodes, pipes = street_grid()
    net = WaterNetwork.build(nodes, pipes)
    valves = sorted(n.code for n in nodes if n.kind == "valve")
    closed = set(random.Random(5).sample(valves, 1000))
    neighbours = neighbours_of(nodes, pipes)
    sources = [n.code for n in nodes if n.kind == "source"]
    return {"water_cut_off": (lambda: net.cut_off_by(closed), lambda: cut_off_by_search(neighbours, sources, closed))}


def grid_cases() -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    grids = voronoi_grids(1000, seed=3)
    locator = GridLocator(grids)
    rng = np.random.default_rng(2)
    lons, lats = rng.uniform(114.0, 114.1, 2000), rng.uniform(22.5, 22.56, 2000)
    ids = np.array([gid for gid, _ in grids])
    tree = shapely.STRtree([g for _, g in grids])
    points = shapely.points(lons, lats)
    overlapping = wobbly(voronoi_grids(1000, seed=5), seed=5)

    def plain_locate() -> list[int]:
        out = []
        for point in points:
            hits = tree.query(point, predicate="within")
            out.append(int(ids[hits].min()) if len(hits) else -1)
        return out

    return {
        "locate_one": (lambda: [locator.locate_one(x, y) for x, y in zip(lons, lats, strict=True)], plain_locate),
        "coverage": (
            lambda: check_coverage(overlapping, boundary=LAYOUT_AREA),
            lambda: shapely.union_all([g for _, g in overlapping]),
        ),
    }


def import_cases() -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    junk = junk_asset_csv(200_000)
    return {
        "junk_import": (
            lambda: parse_electric_assets(junk, filename="junk.csv"),
            lambda: sum(1 for _ in csv.reader(io.StringIO(junk.decode("utf-8", "replace")))),
        )
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure; the fastest is kept")
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat: must be at least 1")
    results: dict[str, dict[str, float]] = {}
    for build in (electric_cases, water_cases, grid_cases, import_cases):
        for case, (ours, plain) in build().items():
            if case in AGREEING and ours() != plain():
                sys.exit(f"{case}: gridcare and the baseline answer differently")
            ms = fastest(ours, args.repeat) * 1000
            baseline_ms = fastest(plain, args.repeat) * 1000
            results[case] = {"ms": round(ms, 2), "baseline_ms": round(baseline_ms, 2), "ratio": round(ms / baseline_ms, 3)}
            print(f"{case:15} {ms:9.2f} ms   baseline {baseline_ms:9.2f} ms   ratio {ms / baseline_ms:6.3f}", flush=True)
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
