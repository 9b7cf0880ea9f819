"""Grid design: U Voronoi units cut into G grids, gridcare's design next to spopt's AZP.

    python bench/plan.py [--units 2000] [--grids 61] [--seed 1] [--no-baseline] [--json]

The units are a Voronoi tessellation of a 20 km square with a denser, busier centre and a
skewed workload per unit (lognormal), the way a city's communities look. The baseline, run
in the same process on the same units, is spopt's strongest configuration for this job:
AZP with an objective that sums the squared distance of each region's workload from the
mean (found in earlier trials: region-k-means and SKATER balance far worse).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import shapely

try:
    import gridcare  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gridcare.planning import design, metrics, units  # noqa: E402

SIDE_M = 20_000.0


def make_units(count: int, seed: int) -> tuple[list, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centre = rng.normal(SIDE_M / 2, SIDE_M / 6, size=(count // 2, 2))
    spread = rng.uniform(0, SIDE_M, size=(count - count // 2, 2))
    pts = np.clip(np.vstack([centre, spread]), 1, SIDE_M - 1)
    frame = shapely.box(0, 0, SIDE_M, SIDE_M)
    cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=frame)
    polys = [shapely.intersection(c, frame) for c in shapely.get_parts(cells)]
    polys = [p for p in polys if not p.is_empty]
    centroids = shapely.get_coordinates(shapely.centroid(np.array(polys, dtype=object)))
    dist = np.sqrt(((centroids - SIDE_M / 2) ** 2).sum(axis=1)) / SIDE_M
    workload = rng.lognormal(mean=np.log(20) - dist, sigma=0.5)
    return polys, centroids, workload


def run_gridcare(neighbours: list[list[int]], workload: np.ndarray, xy: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    labels = design.partition(neighbours, workload, xy, k, options=design.DesignOptions(seed=seed))
    return labels, time.perf_counter() - start


def run_azp(polys: list, neighbours: list[list[int]], workload: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, float]:
    import geopandas as gpd
    from libpysal.weights import W
    from spopt.region import AZP
    from spopt.region.objective_function import ObjectiveFunction

    target = float(workload.sum()) / k

    class Balance(ObjectiveFunction):
        """Sum over regions of (workload - mean)²: what a balanced design minimises."""

        def __call__(self, labels, attr):  # type: ignore[no-untyped-def]
            loads = np.bincount(labels, weights=attr[:, 0])
            return float(((loads - target) ** 2).sum())

        def update(self, moving_area, recipient_region, labels, attr):  # type: ignore[no-untyped-def]
            w = float(attr[moving_area, 0])
            donor = float(attr[labels == labels[moving_area], 0].sum())
            recipient = float(attr[labels == recipient_region, 0].sum())
            return 2 * w * (w - (donor - recipient))

    gdf = gpd.GeoDataFrame({"workload": workload}, geometry=polys)
    w = W({i: list(n) for i, n in enumerate(neighbours)}, silence_warnings=True)
    start = time.perf_counter()
    model = AZP(gdf, w, ["workload"], n_clusters=k, random_state=seed, objective_func=Balance())
    model.solve()
    return np.asarray(model.labels_, dtype=np.int64), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--grids", type=int, default=61)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    polys, xy, workload = make_units(args.units, args.seed)
    neighbours = units.adjacency(polys)
    labels, seconds = run_gridcare(neighbours, workload, xy, args.grids, args.seed)
    shapes = units.dissolve(polys, labels, args.grids)
    ours = metrics.score(labels, workload, xy, neighbours, shapes=shapes)
    figures = {
        "units": len(polys),
        "grids": args.grids,
        "seconds": round(seconds, 2),
        "max_over_mean": ours.max_over_mean,
        "min_over_mean": ours.min_over_mean,
        "gini": ours.gini,
        "contiguous": ours.contiguous,
        "compactness": ours.compactness,
        "radius_km": ours.radius_km,
    }
    print(f"gridcare: {len(polys)} units -> {args.grids} grids in {seconds:.2f} s")
    print(f"  max/mean {ours.max_over_mean:.3f}  min/mean {ours.min_over_mean:.3f}  gini {ours.gini:.4f}  contiguous {ours.contiguous}  compactness {ours.compactness:.3f}  radius {ours.radius_km:.2f} km")
    if not args.no_baseline:
        base_labels, base_seconds = run_azp(polys, neighbours, workload, args.grids, args.seed)
        base = metrics.score(base_labels, workload, xy, neighbours, shapes=units.dissolve(polys, base_labels, args.grids))
        print(f"spopt AZP (balance objective): {base_seconds:.2f} s")
        print(f"  max/mean {base.max_over_mean:.3f}  min/mean {base.min_over_mean:.3f}  gini {base.gini:.4f}  contiguous {base.contiguous}  compactness {base.compactness:.3f}  radius {base.radius_km:.2f} km")
        print(f"ratio: time {seconds / base_seconds:.3f}, max/mean {ours.max_over_mean / base.max_over_mean:.3f}")
        figures.update(
            baseline_seconds=round(base_seconds, 2),
            baseline_max_over_mean=base.max_over_mean,
            baseline_min_over_mean=base.min_over_mean,
            baseline_gini=base.gini,
            baseline_contiguous=base.contiguous,
            baseline_compactness=base.compactness,
            time_ratio=round(seconds / base_seconds, 3),
        )
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
