"""The water network on a small hand-made network whose answers are known, plus
properties on random graphs checked against a union-find reference."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcare.network.topology import (
    IsolationImpossible,
    TopologyError,
    WaterNetwork,
    WaterNode,
    WaterPipe,
)
from tests.support.synthetic import cut_off_by_search, neighbours_of, street_grid

# Two independent systems.
#
#   S1 ─p1─ J1 ─p2─ VA ─p3─ J2 ─p7─ C1        the loop J1-VA-J2-J3-VB-J1 feeds J2 and J3
#            └─p4─ VB ─p5─ J3 ─p8─ C2        from both sides; p6 joins J2 and J3
#                          (J2 ─p6─ J3)
#
#   S2 ─p9─ J4 ─p10─ VC ─p11─ J5 ─p12─ C3
#                             └─p13─ VD ─p14─ J6 ─p15─ H1     a dead-end branch
#                                    VD ─p16─ VE ─p17─ C4     a pipe between two valves
NODES = {
    "S1": "source",
    "J1": "junction",
    "VA": "valve",
    "VB": "valve",
    "J2": "junction",
    "J3": "junction",
    "C1": "service",
    "C2": "service",
    "S2": "source",
    "J4": "junction",
    "VC": "valve",
    "J5": "junction",
    "C3": "service",
    "VD": "valve",
    "J6": "junction",
    "H1": "hydrant",
    "VE": "valve",
    "C4": "service",
}
PIPES = {
    "p1": ("S1", "J1"),
    "p2": ("J1", "VA"),
    "p3": ("VA", "J2"),
    "p4": ("J1", "VB"),
    "p5": ("VB", "J3"),
    "p6": ("J2", "J3"),
    "p7": ("J2", "C1"),
    "p8": ("J3", "C2"),
    "p9": ("S2", "J4"),
    "p10": ("J4", "VC"),
    "p11": ("VC", "J5"),
    "p12": ("J5", "C3"),
    "p13": ("J5", "VD"),
    "p14": ("VD", "J6"),
    "p15": ("J6", "H1"),
    "p16": ("VD", "VE"),
    "p17": ("VE", "C4"),
}


def network(
    nodes: dict[str, str] = NODES, pipes: dict[str, tuple[str, str]] = PIPES
) -> WaterNetwork:
    return WaterNetwork.build(
        [WaterNode(code, kind) for code, kind in nodes.items()],
        [WaterPipe(code, a, b, "PE", 110, 2010) for code, (a, b) in pipes.items()],
    )


@pytest.fixture(scope="module")
def net() -> WaterNetwork:
    return network()


def test_it_cuts_nothing_when_the_loop_feeds_around_one_closed_valve(net: WaterNetwork) -> None:
    assert net.cut_off_by(set()) == set()
    assert net.cut_off_by({"VA"}) == set()
    assert net.cut_off_by({"VB"}) == set()


def test_it_cuts_a_known_set_when_both_loop_valves_close(net: WaterNetwork) -> None:
    assert net.cut_off_by({"VA", "VB"}) == {"J2", "J3", "C1", "C2"}
    assert net.service_nodes_cut_off_by({"VA", "VB"}) == {"C1", "C2"}
    # the other system keeps its own source
    assert net.cut_off_by({"VC"}) == {"J5", "C3", "VD", "J6", "H1", "VE", "C4"}  # open valves too
    assert net.cut_off_by({"VD"}) == {"J6", "H1", "VE", "C4"}
    assert net.cut_off_by({"VE"}) == {"C4"}
    assert net.service_nodes_cut_off_by({"VC", "VA", "VB"}) == {"C1", "C2", "C3", "C4"}


def test_it_refuses_to_close_what_is_not_a_valve(net: WaterNetwork) -> None:
    with pytest.raises(TopologyError) as caught:
        net.cut_off_by({"J1", "VA", "NOPE"})
    assert {(p.code, p.field) for p in caught.value.problems} == {
        ("J1", "closed_valves"),
        ("NOPE", "closed_valves"),
    }
    assert any("junction" in p.reason for p in caught.value.problems)
    with pytest.raises(TypeError):
        net.cut_off_by("VA")  # a string is not a set of codes


def test_it_isolates_a_pipe_between_two_valves(net: WaterNetwork) -> None:
    assert net.valves_to_isolate("p6") == {"VA", "VB"}
    assert net.valves_to_isolate("p7") == {"VA", "VB"}
    assert net.valves_to_isolate("p16") == {"VD"}  # VE only leads on to a dead end


def test_it_isolates_a_dead_end_branch_with_the_one_upstream_valve(net: WaterNetwork) -> None:
    assert net.valves_to_isolate("p14") == {"VD"}
    assert net.valves_to_isolate("p15") == {"VD"}
    assert net.valves_to_isolate("p17") == {"VE"}
    # J5's segment is bounded by VC and VD, but nothing behind VD can feed it
    assert net.valves_to_isolate("p12") == {"VC"}


def test_it_cannot_isolate_a_segment_holding_a_source(net: WaterNetwork) -> None:
    with pytest.raises(IsolationImpossible) as caught:
        net.valves_to_isolate("p1")
    assert "S1" in caught.value.problems[0].reason


def test_it_groups_pipes_by_valve_bounded_segment(net: WaterNetwork) -> None:
    assert net.segment_of("p6") == {"p3", "p5", "p6", "p7", "p8"}
    assert net.segment_of("p8") == net.segment_of("p6")
    assert net.segment_id("p3") == net.segment_id("p7") != net.segment_id("p2")
    assert net.segment_of("p1") == {"p1", "p2", "p4"}
    assert net.segment_of("p16") == {"p16"}
    assert net.segment_nodes("p6") == {"J2", "J3", "C1", "C2"}
    assert net.segment_nodes("p16") == set()


def test_it_finds_a_shortest_path_to_a_source(net: WaterNetwork) -> None:
    assert net.upstream_path_to_source("C2") == ["C2", "J3", "VB", "J1", "S1"]
    assert net.upstream_path_to_source("C2", closed_valves={"VB"}) == [
        "C2",
        "J3",
        "J2",
        "VA",
        "J1",
        "S1",
    ]
    assert net.upstream_path_to_source("C2", closed_valves={"VA", "VB"}) == []
    assert net.upstream_path_to_source("S2") == ["S2"]
    assert net.upstream_path_to_source("H1") == ["H1", "J6", "VD", "J5", "VC", "J4", "S2"]


def test_it_answers_look_ups(net: WaterNetwork) -> None:
    assert net.has("VA") and not net.has("p1") and net.has_pipe("p1")
    assert net.kind("H1") == "hydrant"
    assert net.sources() == ["S1", "S2"]
    assert sorted(net.neighbours("J1")) == ["S1", "VA", "VB"]
    assert net.pipe("p9").diameter_mm == 110


def test_it_rejects_bad_networks_naming_every_problem() -> None:
    with pytest.raises(TopologyError) as caught:
        WaterNetwork.build(
            [
                WaterNode("A", "junction"),
                WaterNode("A", "valve"),
                WaterNode("B", "tank"),
                WaterNode("", "junction"),
            ],
            [
                WaterPipe("p1", "A", "Z"),
                WaterPipe("p2", "B", "B"),
                WaterPipe("p1", "A", "B"),
                WaterPipe("p3", "Y", "A"),
            ],
        )
    found = {(p.code, p.field) for p in caught.value.problems}
    assert found == {
        ("A", "code"),  # duplicate node
        ("B", "kind"),  # unknown kind
        (None, "code"),  # node without a code
        ("p1", "to_code"),  # unknown node Z
        ("p2", "to_code"),  # self-loop
        ("p1", "code"),  # duplicate pipe
        ("p3", "from_code"),  # unknown node Y
        (None, "kind"),  # no source
    }
    assert any("no source" in p.reason for p in caught.value.problems)


def test_it_keeps_nodes_with_no_path_to_a_source_and_reports_them_cut_off() -> None:
    net = network({"S": "source", "A": "junction", "B": "service"}, {"p": ("S", "A")})
    assert net.cut_off_by(set()) == {"B"}
    assert net.upstream_path_to_source("B") == []


def test_it_answers_cut_off_by_on_20000_nodes_as_a_plain_search_does() -> None:
    nodes, pipes = street_grid()
    net = WaterNetwork.build(nodes, pipes)
    valves = sorted(n.code for n in nodes if n.kind == "valve")
    neighbours = neighbours_of(nodes, pipes)
    sources = [n.code for n in nodes if n.kind == "source"]
    for seed, count in ((5, 1000), (6, 3000), (7, 0)):
        closed = set(random.Random(seed).sample(valves, count))
        expected = cut_off_by_search(neighbours, sources, closed)
        assert net.cut_off_by(closed) == expected
        assert count < 3000 or expected  # the harder cut really strands somebody


# ----------------------------------------------------------------------------- properties


@st.composite
def random_networks(draw: st.DrawFn, connected: bool = False) -> WaterNetwork:
    n = draw(st.integers(2, 30))
    kinds = ["source"] + [
        draw(st.sampled_from(("junction", "valve", "valve", "service", "source", "hydrant")))
        for _ in range(n - 1)
    ]
    edges: list[tuple[int, int]] = []
    if connected:  # a random spanning tree first, so every node reaches node 0
        edges += [(i, draw(st.integers(0, i - 1))) for i in range(1, n)]
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n))
    edges += [(a, b) for a, b in extra if a != b]
    return network(
        {f"N{i}": k for i, k in enumerate(kinds)},
        {f"P{j}": (f"N{a}", f"N{b}") for j, (a, b) in enumerate(edges)},
    )


def reference_cut_off(net: WaterNetwork, closed: set[str]) -> set[str]:
    """Union-find over open nodes: a node is fed when its component holds a source."""
    parent = {c: c for c in net}

    def find(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for code in net:
        if code in closed:
            continue
        for other in net.neighbours(code):
            if other not in closed:
                parent[find(code)] = find(other)
    fed = {find(s) for s in net.sources()}
    return {c for c in net if c not in closed and find(c) not in fed}


def wet_pipes(net: WaterNetwork, closed: set[str]) -> set[str]:
    """Pipes water enters: those with an open end that is itself fed."""
    cut = reference_cut_off(net, closed)
    wet = set()
    for code in net:
        if code not in closed and code not in cut:
            wet.update(net.pipes_at(code))
    return wet


@settings(max_examples=50, deadline=None)
@given(random_networks(connected=True))
def test_it_cuts_nothing_with_no_valve_closed_when_all_connect(net: WaterNetwork) -> None:
    assert net.cut_off_by(set()) == set()


@settings(max_examples=50, deadline=None)
@given(random_networks(), st.data())
def test_it_is_monotone_in_the_closed_valves(net: WaterNetwork, data: st.DataObject) -> None:
    valves = sorted(c for c in net if net.kind(c) == "valve")
    small = set(data.draw(st.lists(st.sampled_from(valves), unique=True))) if valves else set()
    more = small | (
        set(data.draw(st.lists(st.sampled_from(valves), unique=True))) if valves else set()
    )
    cut_small, cut_more = net.cut_off_by(small), net.cut_off_by(more)
    assert cut_small == reference_cut_off(net, small)
    assert cut_more == reference_cut_off(net, more)
    # closing more never reconnects a node (a node that is now closed is no longer listed)
    assert cut_small <= cut_more | more
    assert net.service_nodes_cut_off_by(more) == {c for c in cut_more if net.kind(c) == "service"}


@settings(max_examples=50, deadline=None)
@given(random_networks(), st.data())
def test_it_isolates_with_the_fewest_bounding_valves(
    net: WaterNetwork, data: st.DataObject
) -> None:
    pipes = sorted({p for c in net for p in net.pipes_at(c)})
    if not pipes:
        return
    pipe = data.draw(st.sampled_from(pipes))
    segment = net.segment_of(pipe)
    assert pipe in segment
    assert all(net.segment_of(p) == segment for p in segment)
    try:
        valves = net.valves_to_isolate(pipe)
    except IsolationImpossible:
        assert any(net.kind(c) == "source" for c in net.segment_nodes(pipe))
        return
    assert not wet_pipes(net, valves) & segment  # isolated
    for v in valves:  # and every valve is needed
        assert wet_pipes(net, valves - {v}) & segment


@settings(max_examples=50, deadline=None)
@given(random_networks(), st.data())
def test_it_finds_shortest_paths_to_sources(net: WaterNetwork, data: st.DataObject) -> None:
    start = data.draw(st.sampled_from(sorted(net)))
    path = net.upstream_path_to_source(start)
    if start in net.cut_off_by(set()):
        assert path == []
        return
    assert path[0] == start and net.kind(path[-1]) == "source"
    assert all(b in net.neighbours(a) for a, b in pairwise(path))
    # no source is closer: breadth-first distances from the start
    dist = {start: 0}
    frontier = [start]
    while frontier:
        later = []
        for c in frontier:
            for n in net.neighbours(c):
                if n not in dist:
                    dist[n] = dist[c] + 1
                    later.append(n)
        frontier = later
    assert len(path) - 1 == min(d for c, d in dist.items() if net.kind(c) == "source")
