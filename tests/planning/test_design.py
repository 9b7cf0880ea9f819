"""The design rules on lattices whose best partitions are known, and as properties:
every grid contiguous, every unit in exactly one grid, no grid across a barrier."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, box

from gridcare.planning import design, units
from gridcare.planning.design import DesignError, DesignOptions, components, is_contiguous, partition, smallest_k


def lattice(rows: int, cols: int) -> tuple[list[list[int]], np.ndarray]:
    """Rook neighbours of a rows × cols board of 1 km cells, and their centres in metres."""
    cells = [box(c * 1000, r * 1000, (c + 1) * 1000, (r + 1) * 1000) for r in range(rows) for c in range(cols)]
    xy = np.array([[c * 1000 + 500, r * 1000 + 500] for r in range(rows) for c in range(cols)], dtype=float)
    return units.adjacency(cells), xy


def loads(labels: np.ndarray, workload: np.ndarray, k: int) -> list[float]:
    return [float(workload[labels == r].sum()) for r in range(k)]


@pytest.mark.parametrize(("rows", "cols", "k"), [(4, 4, 2), (4, 4, 4), (2, 8, 2), (6, 6, 3), (6, 6, 9)])
def test_it_splits_an_even_board_into_equal_grids(rows, cols, k):
    neighbours, xy = lattice(rows, cols)
    workload = np.ones(rows * cols)
    labels = partition(neighbours, workload, xy, k)
    assert loads(labels, workload, k) == [rows * cols / k] * k
    assert all(is_contiguous(neighbours, np.flatnonzero(labels == r).tolist()) for r in range(k))


def test_it_finds_the_one_balanced_cut_of_a_weighted_line():
    neighbours, xy = lattice(1, 5)
    workload = np.array([1.0, 1.0, 1.0, 1.0, 4.0])
    labels = partition(neighbours, workload, xy, 2)
    assert sorted(loads(labels, workload, 2)) == [4.0, 4.0]
    assert labels[4] != labels[3]


def test_a_river_makes_two_islands_and_each_gets_its_share_of_grids():
    neighbours, xy = lattice(4, 6)
    cut = units.cut_by_barriers(neighbours, xy, [LineString([(2000, -1), (2000, 4001)])])
    assert len(components(cut)) == 2
    workload = np.ones(24)
    labels = partition(cut, workload, xy, 3)
    west = set(labels[xy[:, 0] < 2000].tolist())
    east = set(labels[xy[:, 0] > 2000].tolist())
    assert len(west) == 1 and len(east) == 2 and not west & east  # 8 units west, 16 east


def test_a_dma_polygon_keeps_its_units_together():
    neighbours, xy = lattice(4, 4)
    dma = box(0, 0, 2000, 4000)
    cut = units.cut_by_barriers(neighbours, xy, [dma])
    labels = partition(cut, np.ones(16), xy, 2)
    assert len(set(labels[xy[:, 0] < 2000].tolist())) == 1 and len(set(labels[xy[:, 0] > 2000].tolist())) == 1


def test_minimum_disruption_keeps_a_balanced_board_as_it_is():
    neighbours, xy = lattice(4, 4)
    current = (xy[:, 0] > 2000).astype(np.int64)  # west and east halves, already balanced
    labels = partition(neighbours, np.ones(16), xy, 2, options=DesignOptions(keep_current=1.0), current=current, customers=np.full(16, 10.0))
    same = {int(a): int(b) for a, b in zip(labels, current, strict=True)}
    assert len(same) == 2 and all(same[int(a)] == int(b) for a, b in zip(labels, current, strict=True))


def test_it_refuses_what_cannot_be_done_naming_the_field():
    neighbours, xy = lattice(2, 2)
    with pytest.raises(DesignError) as err:
        partition(neighbours, np.ones(4), xy, 5)
    assert err.value.field == "k"
    cut = [[] for _ in range(4)]  # four islands
    with pytest.raises(DesignError, match="at least 4 grids"):
        partition(cut, np.ones(4), xy, 2)
    with pytest.raises(DesignError) as err:
        partition(neighbours, np.array([1.0, -1.0, 1.0, 1.0]), xy, 2)
    assert err.value.field == "workload"


def test_it_designs_a_thousand_grids_at_most():
    neighbours, xy = lattice(40, 30)  # 1,200 units: one grid per unit would still be allowed
    with pytest.raises(DesignError) as err:
        partition(neighbours, np.ones(1200), xy, 1001, options=DesignOptions(keep_current=1.0), current=np.zeros(1200, dtype=np.int64), customers=np.ones(1200))
    assert (err.value.field, str(err.value.reason)) == ("k", "must be at most 1000")
    design.check_k(1000)
    assert smallest_k(neighbours, np.full(1200, 2.5), 3.0, tolerance=1.0) == 1000
    with pytest.raises(DesignError) as err:
        smallest_k(neighbours, np.full(1200, 2.5), 2.9, tolerance=1.0)  # 1,035 grids
    assert err.value.field == "capacity_hours"


def test_smallest_k_leaves_room_for_imbalance():
    neighbours, _ = lattice(4, 4)
    assert smallest_k(neighbours, np.full(16, 10.0), 40.0) == 5  # 160 h × 1.05 / 40 h = 4.2
    assert smallest_k(neighbours, np.full(16, 10.0), 1000.0) == 1
    with pytest.raises(DesignError):
        smallest_k(neighbours, np.full(16, 10.0), 5.0)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(2, 7),
    cols=st.integers(2, 7),
    k=st.integers(1, 6),
    river=st.one_of(st.none(), st.integers(1, 6)),
    seed=st.integers(0, 10_000),
)
def test_every_grid_is_contiguous_and_no_grid_crosses_a_barrier(rows, cols, k, river, seed):
    neighbours, xy = lattice(rows, cols)
    if river is not None and river < cols:
        neighbours = units.cut_by_barriers(neighbours, xy, [LineString([(river * 1000, -1), (river * 1000, rows * 1000 + 1)])])
    islands = components(neighbours)
    k = min(max(k, len(islands)), rows * cols)
    workload = np.random.default_rng(seed).lognormal(0, 0.7, rows * cols)
    labels = partition(neighbours, workload, xy, k, options=DesignOptions(seed=seed))
    assert labels.shape == (rows * cols,) and set(labels.tolist()) == set(range(k))  # each unit in one grid, no grid empty
    for r in range(k):
        members = np.flatnonzero(labels == r).tolist()
        assert is_contiguous(neighbours, members)
        assert len({next(i for i, part in enumerate(islands) if u in part) for u in members}) == 1  # one side of the river


def test_balance_on_a_bigger_board_beats_the_target():
    neighbours, xy = lattice(20, 20)
    workload = np.random.default_rng(3).lognormal(0, 0.5, 400)
    labels = partition(neighbours, workload, xy, 12)
    found = loads(labels, workload, 12)
    assert max(found) / np.mean(found) <= design.BALANCE_TARGET
