"""How good a set of grids is: balance, compactness, travel radius, disruption. Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from gridcare.planning.design import Neighbours, is_contiguous


def gini(values: Sequence[float] | np.ndarray) -> float:
    """0 when every rep carries the same load; towards 1 when one carries it all."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0 or x.sum() <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    # Equal loads give 0 up to rounding (hypothesis found -2.2e-16): a Gini below zero would
    # rank a design "better than perfectly balanced".
    return min(1.0, max(0.0, float((2 * (ranks * x).sum()) / (n * x.sum()) - (n + 1) / n)))


def polsby_popper(geom: Any) -> float:
    """4πA/P²: 1 for a circle, towards 0 for a sprawling shape (metric geometry)."""
    if geom.is_empty or geom.length == 0:
        return 0.0
    return float(4 * math.pi * geom.area / geom.length**2)


@dataclass(frozen=True)
class Scores:
    grids: int
    max_over_mean: float
    min_over_mean: float
    gini: float
    contiguous: bool
    compactness: float  # mean Polsby-Popper over grids (0 when no shapes were given)
    radius_km: float  # mean over grids of the farthest unit centroid from the grid centre
    max_radius_km: float
    customers_moved: int
    customers_moved_share: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def score(
    labels: np.ndarray,
    workload: np.ndarray,
    xy: np.ndarray,
    neighbours: Neighbours,
    *,
    shapes: Sequence[Any] = (),
    customers: np.ndarray | None = None,
    moved: np.ndarray | None = None,
) -> Scores:
    """Scores of a partition. ``moved`` marks the units whose customers change rep."""
    labels = np.asarray(labels)
    grids = sorted(set(labels.tolist()) - {-1})
    k = len(grids)
    loads = np.array([workload[labels == r].sum() for r in grids], dtype=float)
    mean = loads.mean() if k else 0.0
    radii = []
    for r in grids:
        pts = xy[labels == r]
        centre = pts.mean(axis=0)
        radii.append(float(np.sqrt(((pts - centre) ** 2).sum(axis=1)).max()) / 1000)
    contiguous = all(is_contiguous(neighbours, np.flatnonzero(labels == r).tolist()) for r in grids)
    total_customers = float(customers.sum()) if customers is not None else 0.0
    moved_customers = int(customers[moved].sum()) if customers is not None and moved is not None else 0
    return Scores(
        grids=k,
        max_over_mean=round(float(loads.max() / mean), 4) if mean > 0 else 0.0,
        min_over_mean=round(float(loads.min() / mean), 4) if mean > 0 else 0.0,
        gini=round(gini(loads), 4),
        contiguous=contiguous,
        compactness=round(float(np.mean([polsby_popper(s) for s in shapes])), 4) if len(shapes) else 0.0,
        radius_km=round(float(np.mean(radii)), 3) if radii else 0.0,
        max_radius_km=round(float(np.max(radii)), 3) if radii else 0.0,
        customers_moved=moved_customers,
        customers_moved_share=round(moved_customers / total_customers, 4) if total_customers else 0.0,
    )
