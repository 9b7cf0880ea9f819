"""bench/storm.py's scoring of predicted outage devices against injected faults: the strict
score wants the exact customers of one fault; the equivalent score also accepts a prediction
whose customers are those of the faults it covers, give or take a few."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gridcare.network.electric import AssetRecord, ElectricTree

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from storm import mistakable, pick_faults, score  # noqa: E402

# SUB → FDR → SW1 → FU1 → T1 (40), T2 (30); FU2 → T3 (50), T4 (1); FU3 → T5 (20)
TREE = ElectricTree.build(
    [
        AssetRecord("SUB", "substation", None),
        AssetRecord("FDR", "feeder", "SUB"),
        AssetRecord("SW1", "switch", "FDR"),
        AssetRecord("FU1", "fuse", "SW1"),
        AssetRecord("FU2", "fuse", "SW1"),
        AssetRecord("FU3", "fuse", "SW1"),
        AssetRecord("T1", "transformer", "FU1"),
        AssetRecord("T2", "transformer", "FU1"),
        AssetRecord("T3", "transformer", "FU2"),
        AssetRecord("T4", "transformer", "FU2"),
        AssetRecord("T5", "transformer", "FU3"),
    ]
)
CUSTOMERS = {t: [f"{t}-{i}" for i in range(n)] for t, n in {"T1": 40, "T2": 30, "T3": 50, "T4": 1, "T5": 20}.items()}


def faults(*devices: str) -> dict[str, list[str]]:
    return {d: [a for t in TREE.transformers_under(d) for a in CUSTOMERS.get(t, [])] for d in devices}


def test_the_exact_device_is_right_on_both_scores() -> None:
    s = score(TREE, CUSTOMERS, faults("FU1", "T5"), {"FU1", "T5"})
    assert (s.precision, s.recall, s.precision_equivalent, s.recall_equivalent) == (1.0, 1.0, 1.0, 1.0)


def test_a_fuse_for_all_its_failed_transformers_is_equivalent_not_strictly_right() -> None:
    s = score(TREE, CUSTOMERS, faults("T1", "T2", "T5"), {"FU1", "T5"})
    assert (s.precision, s.recall) == (0.5, pytest.approx(1 / 3))
    assert s.equivalent == {"FU1": ("T1", "T2")}
    assert (s.precision_equivalent, s.recall_equivalent) == (1.0, 1.0)


def test_a_transformer_for_its_fuse_with_one_quiet_customer_beside_it_is_equivalent() -> None:
    s = score(TREE, CUSTOMERS, faults("FU2"), {"T3"})
    assert s.recall == 0.0 and s.equivalent == {"T3": ("FU2",)} and s.recall_equivalent == 1.0


@pytest.mark.parametrize(
    ("injected", "predicted"),
    [
        (("T1",), {"FU1"}),  # 30 of 70 customers told of an outage they do not have
        (("FU1",), {"T1"}),  # 30 customers out with nobody sent
        (("T1", "T5"), {"SW1"}),  # a switch over two faults and three quiet transformers
        (("T1",), {"T5"}),  # elsewhere altogether
    ],
)
def test_a_prediction_off_by_more_than_the_slack_is_wrong_on_both_scores(injected: tuple[str, ...], predicted: set[str]) -> None:
    s = score(TREE, CUSTOMERS, faults(*injected), predicted)
    assert s.precision == s.precision_equivalent == 0.0 and s.recall == s.recall_equivalent == 0.0


@pytest.mark.parametrize(
    ("chosen", "device"),
    [
        ({"T1"}, "T2"),  # with T1 out too, FU1's every customer is out: the fuse blew, say the calls
        (set(), "FU2"),  # T4 feeds one customer: FU2 out looks like T3 out
        (set(), "T3"),  # and the other way round
    ],
)
def test_faults_that_calls_cannot_tell_from_another_device_are_mistakable(chosen: set[str], device: str) -> None:
    assert mistakable(TREE, CUSTOMERS, chosen, device)


@pytest.mark.parametrize(
    ("chosen", "device"),
    [
        (set(), "T1"),  # T2's thirty customers keep supply
        ({"T1"}, "T5"),  # T5 is FU3's only transformer: the same customers, scored as one device
        (set(), "FU1"),
        ({"FU1"}, "T5"),  # SW1's other fuse keeps supply
    ],
)
def test_faults_with_their_own_customers_are_not_mistakable(chosen: set[str], device: str) -> None:
    assert not mistakable(TREE, CUSTOMERS, chosen, device)


def test_an_identifiable_draw_holds_no_mistakable_fault_and_an_independent_one_may() -> None:
    import random

    for seed in range(20):
        drawn = pick_faults(TREE, CUSTOMERS, 3, random.Random(seed))
        assert not any(mistakable(TREE, CUSTOMERS, set(drawn) - {d}, d) for d in drawn)
    independent = [pick_faults(TREE, CUSTOMERS, 3, random.Random(seed), identifiable=False) for seed in range(20)]
    assert any(mistakable(TREE, CUSTOMERS, set(drawn) - {d}, d) for drawn in independent for d in drawn)
