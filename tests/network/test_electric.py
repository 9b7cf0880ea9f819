"""The electric tree on small hand-made networks whose answers are known, plus properties
checked against naive parent-pointer walks on random trees."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.network.topology import AssetRecord, ElectricTree, TopologyError
from tests.support.synthetic import electric_assets, lca_by_chains, parent_chain

R = AssetRecord

# Two substations:
#
#   S1 ─ F1 ─ SW1 ─ T1, T2
#        │     └── FU1 ─ T3
#        └ T4
#   S1 ─ F2 ─ FU2 ─ T5
#   S2 ─ F3 ─ T6
RECORDS = [
    R("S1", "substation", None, "North"),
    R("F1", "feeder", "S1"),
    R("SW1", "switch", "F1"),
    R("T1", "transformer", "SW1"),
    R("T2", "transformer", "SW1"),
    R("FU1", "fuse", "SW1"),
    R("T3", "transformer", "FU1"),
    R("T4", "transformer", "F1"),
    R("F2", "feeder", "S1"),
    R("FU2", "fuse", "F2"),
    R("T5", "transformer", "FU2"),
    R("S2", "substation", None, "South"),
    R("F3", "feeder", "S2"),
    R("T6", "transformer", "F3"),
]


@pytest.fixture(scope="module")
def tree() -> ElectricTree:
    return ElectricTree.build(RECORDS)


def test_it_answers_simple_look_ups(tree: ElectricTree) -> None:
    assert len(tree) == len(RECORDS)
    assert "T3" in tree and "nope" not in tree
    assert tree.kind("FU1") == "fuse"
    assert tree.parent("T3") == "FU1"
    assert tree.parent("S1") is None
    assert tree.depth("S1") == 0 and tree.depth("F1") == 1 and tree.depth("T3") == 4
    assert tree.children("S1") == ["F1", "F2"]
    assert tree.children("SW1") == ["T1", "T2", "FU1"]
    assert tree.children("T1") == []
    assert tree.substations() == ["S1", "S2"]
    assert tree.record("S2").name == "South"
    with pytest.raises(KeyError):
        tree.parent("nope")


def test_it_walks_the_upstream_chain(tree: ElectricTree) -> None:
    assert tree.upstream_chain("T3") == ["T3", "FU1", "SW1", "F1", "S1"]
    assert tree.upstream_chain("T6") == ["T6", "F3", "S2"]
    assert tree.upstream_chain("S1") == ["S1"]


def test_it_lists_downstream_sets(tree: ElectricTree) -> None:
    assert tree.downstream("SW1") == {"SW1", "T1", "T2", "FU1", "T3"}
    assert tree.downstream("T1") == {"T1"}
    assert tree.downstream("S2") == {"S2", "F3", "T6"}
    assert tree.downstream("S1") == {r.code for r in RECORDS[:11]}
    assert tree.transformers_under("F1") == ["T1", "T2", "T3", "T4"]
    assert tree.transformers_under("SW1") == ["T1", "T2", "T3"]
    assert tree.transformers_under("T5") == ["T5"]
    assert tree.transformers_under("S2") == ["T6"]


def test_it_tells_whether_one_asset_is_downstream_of_another(tree: ElectricTree) -> None:
    assert tree.is_downstream("T3", of="SW1")
    assert tree.is_downstream("T3", of="S1")
    assert tree.is_downstream("T3", of="T3")
    assert not tree.is_downstream("SW1", of="T3")
    assert not tree.is_downstream("T4", of="SW1")
    assert not tree.is_downstream("T6", of="S1")


def test_it_finds_lowest_common_ancestors(tree: ElectricTree) -> None:
    assert tree.lowest_common_ancestor(["T1", "T2"]) == "SW1"  # under one switch
    assert tree.lowest_common_ancestor(["T1", "T2", "T3"]) == "SW1"
    assert tree.lowest_common_ancestor(["T3", "T4"]) == "F1"
    assert tree.lowest_common_ancestor(["T1", "T5"]) == "S1"  # across feeders
    assert tree.lowest_common_ancestor(["T3"]) == "T3"  # one code is its own ancestor
    assert tree.lowest_common_ancestor(["T3", "SW1"]) == "SW1"  # an ancestor among them
    assert tree.lowest_common_ancestor({"T5", "T4", "T1"}) == "S1"
    with pytest.raises(ValueError, match="different substations"):
        tree.lowest_common_ancestor(["T1", "T6"])
    with pytest.raises(ValueError):
        tree.lowest_common_ancestor([])


def test_it_does_not_depend_on_record_order() -> None:
    shuffled = RECORDS[::-1]
    tree = ElectricTree.build(shuffled)
    assert tree.upstream_chain("T3") == ["T3", "FU1", "SW1", "F1", "S1"]
    assert tree.lowest_common_ancestor(["T1", "T2"]) == "SW1"
    assert set(tree.transformers_under("F1")) == {"T1", "T2", "T3", "T4"}


def problems_of(records: list[AssetRecord]) -> set[tuple[str | None, str, str]]:
    with pytest.raises(TopologyError) as caught:
        ElectricTree.build(records)
    return {(p.code, p.field, p.reason) for p in caught.value.problems}


def test_it_rejects_cycles_naming_every_member() -> None:
    found = problems_of(
        [
            R("S1", "substation", None),
            R("F1", "feeder", "S1"),
            R("A", "switch", "C"),
            R("B", "switch", "A"),
            R("C", "fuse", "B"),
            R("T", "transformer", "A"),  # hangs off the loop: not itself wrong
            R("L", "switch", "L"),
        ]
    )
    codes = {code for code, _, _ in found}
    assert codes == {"A", "B", "C", "L"}
    loops = [reason for code, _, reason in found if code in "ABC"]
    assert all("loops" in r and "A → C → B → A" in r for r in loops)
    assert ("L", "parent", "an asset cannot be its own parent") in found


def test_it_rejects_bad_kinds_and_orders_with_every_problem_named() -> None:
    found = problems_of(
        [
            R("S1", "substation", None),
            R("S2", "substation", "S1"),  # substation with a parent
            R("F1", "feeder", None),  # feeder without one
            R("F2", "feeder", "S1"),
            R("X", "breaker", "F2"),  # unknown kind
            R("Y", "switch", "X"),  # under an unknown kind: not reported again
            R("SW", "switch", "S1"),  # switch straight on a substation
            R("T1", "transformer", "F2"),
            R("SW2", "switch", "T1"),  # under a transformer
            R("F3", "feeder", "F2"),  # feeder under feeder
            R("T2", "transformer", "GHOST"),  # unknown parent
            R("F2", "feeder", "S1"),  # duplicate
            R("", "fuse", "F2"),  # no code
        ]
    )
    by_code = {code: (fld, reason) for code, fld, reason in found}
    assert set(by_code) == {"S2", "F1", "X", "SW", "SW2", "F3", "T2", "F2", None}
    assert by_code["S2"][0] == "parent" and "substation has no parent" in by_code["S2"][1]
    assert by_code["F1"] == ("parent", "a feeder needs a parent")
    assert by_code["X"][0] == "kind" and "breaker" in by_code["X"][1]
    assert "substation" in by_code["SW"][1] and "switch" in by_code["SW"][1]
    assert "transformers are leaves" in by_code["SW2"][1]
    assert "feeder cannot hang under feeder" in by_code["F3"][1]
    assert by_code["T2"] == ("parent", "unknown parent 'GHOST'")
    assert by_code["F2"] == ("code", "duplicate code")
    assert by_code[None][0] == "code"


def test_it_is_an_invalid_input_error_for_the_http_layer() -> None:
    from gridcare.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        ElectricTree.build([R("F1", "feeder", None)])
    assert caught.value.status == 422
    assert [(p.field, p.reason) for p in caught.value.problems] == [
        ("parent", "a feeder needs a parent")
    ]


def test_it_treats_an_empty_parent_as_none() -> None:
    tree = ElectricTree.build([R("S1", "substation", ""), R("F1", "feeder", "S1")])
    assert tree.parent("S1") is None


def test_it_handles_a_50000_switch_chain_without_recursion() -> None:
    chain = [R("S", "substation", None), R("F", "feeder", "S")]
    chain += [R(f"W{i}", "switch", "F" if i == 0 else f"W{i - 1}") for i in range(50_000)]
    chain.append(R("T", "transformer", "W49999"))
    tree = ElectricTree.build(chain)
    assert tree.depth("T") == 50_002
    assert len(tree.upstream_chain("T")) == 50_003
    assert tree.lowest_common_ancestor(["T", "W17"]) == "W17"
    assert tree.transformers_under("S") == ["T"]
    # A long loop is found, not recursed into, and each member's message stays short.
    chain[2] = R("W0", "switch", "W9999")
    with pytest.raises(TopologyError) as caught:
        ElectricTree.build(chain[:10_002])
    assert len(caught.value.problems) == 10_000
    assert max(len(p.reason) for p in caught.value.problems) < 200


def test_it_answers_on_50000_assets_as_the_parent_chains_do() -> None:
    records = electric_assets()
    assert len(records) == 50_020
    tree = ElectricTree.build(records)
    parent = {r.code: r.parent for r in records}
    rng = random.Random(1)
    transformers = tree.transformers_under("S0")
    assert sorted(transformers) == sorted(r.code for r in records if r.kind == "transformer" and parent_chain(parent, r.code)[-1] == "S0")
    for _ in range(300):
        group = rng.sample(transformers, 5)
        assert tree.lowest_common_ancestor(group) == lca_by_chains(parent, group)
    some = rng.sample([r.code for r in records], 300)
    assert [tree.upstream_chain(c) for c in some] == [parent_chain(parent, c) for c in some]


# ----------------------------------------------------------------------------- properties


@st.composite
def random_forests(draw: st.DrawFn) -> list[AssetRecord]:
    """A valid forest: every node's parent is an earlier node, or it starts a new tree."""
    n = draw(st.integers(1, 40))
    parents: list[int | None] = [None]
    for i in range(1, n):
        parents.append(
            draw(st.one_of(st.none(), st.integers(0, i - 1)))
            if draw(st.booleans())
            else draw(st.integers(0, i - 1))
        )
    depth: list[int] = []
    for p in parents:
        depth.append(0 if p is None else depth[p] + 1)
    has_child = {p for p in parents if p is not None}
    records = []
    for i, p in enumerate(parents):
        if depth[i] == 0:
            kind = "substation"
        elif depth[i] == 1:
            kind = "feeder"
        elif i in has_child:
            kind = draw(st.sampled_from(("switch", "fuse")))
        else:
            kind = draw(st.sampled_from(("switch", "fuse", "transformer")))
        records.append(R(f"N{i}", kind, None if p is None else f"N{p}"))
    order = draw(st.permutations(range(n)))
    return [records[i] for i in order]


def naive_chain(records: list[AssetRecord], code: str) -> list[str]:
    parent = {r.code: r.parent for r in records}
    chain = [code]
    while parent[chain[-1]] is not None:
        chain.append(parent[chain[-1]])  # type: ignore[arg-type]
    return chain


@settings(max_examples=40, deadline=None)
@given(random_forests(), st.data())
def test_it_agrees_with_parent_walks_on_random_trees(
    records: list[AssetRecord], data: st.DataObject
) -> None:
    tree = ElectricTree.build(records)
    codes = [r.code for r in records]
    for code in codes:
        assert tree.upstream_chain(code) == naive_chain(records, code)
    for b in codes:
        expected = {a for a in codes if b in naive_chain(records, a)}
        assert tree.downstream(b) == expected
        assert all(tree.is_downstream(a, of=b) == (a in expected) for a in codes)
        assert tree.transformers_under(b) == [
            c for c in tree.downstream_list(b) if tree.kind(c) == "transformer"
        ]
        assert tree.children(b) == [a for a in codes if tree.parent(a) == b]  # input order


@settings(max_examples=40, deadline=None)
@given(random_forests(), st.data())
def test_it_finds_the_lowest_common_ancestor_on_random_trees(
    records: list[AssetRecord], data: st.DataObject
) -> None:
    tree = ElectricTree.build(records)
    codes = [r.code for r in records]
    picked = data.draw(st.lists(st.sampled_from(codes), min_size=1, max_size=6))
    roots = {naive_chain(records, c)[-1] for c in picked}
    if len(roots) > 1:
        with pytest.raises(ValueError):
            tree.lowest_common_ancestor(picked)
        return
    lca = tree.lowest_common_ancestor(picked)
    assert all(tree.is_downstream(c, of=lca) for c in picked)  # an ancestor of all
    for child in tree.children(lca):  # and no child of it is
        assert not all(tree.is_downstream(c, of=child) for c in picked)
    common = set.intersection(*(set(naive_chain(records, c)) for c in picked))
    assert lca == max(common, key=tree.depth)
