"""The water network: nodes (sources, junctions, valves, hydrants, service nodes) joined by
pipes.

Water can flow either way along a pipe (networks are looped), so the graph is undirected
and "supplied" means "connected to some source". A closed valve is a node that blocks flow
through itself; the water on either side of it stays where it is.

Valve-bounded segments (the stretch a crew shuts off for a burst) are the connected
components of the graph with the valve nodes taken out. They are computed once, on first
use, so grouping burst calls by segment is a dictionary look-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress
from typing import Any

from gridcare.core.i18n import T_
from gridcare.network.topology import TopologyError, TopologyProblem

__all__ = ["WATER_NODE_KINDS", "IsolationImpossible", "WaterNetwork", "WaterNode", "WaterPipe"]

WATER_NODE_KINDS = ("source", "junction", "valve", "hydrant", "service")

_FLIP = bytes.maketrans(b"\x00\x01", b"\x01\x00")


@dataclass(frozen=True)
class WaterNode:
    code: str
    kind: str
    lon: float | None = None
    lat: float | None = None
    # Not hashed (dicts are unhashable); the code identifies a node.
    attributes: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class WaterPipe:
    code: str
    from_code: str
    to_code: str
    material: str | None = None
    diameter_mm: int | None = None
    year: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict, hash=False)


class IsolationImpossible(TopologyError):
    """The pipe's valve-bounded segment contains a source: no set of valves cuts it off."""


@dataclass(frozen=True)
class _Segments:
    of_pipe: list[int]  # segment id of every pipe
    nodes: list[list[int]]  # non-valve nodes inside each segment (empty between two valves)
    pipes: list[list[int]]


class WaterNetwork:
    """An immutable, validated water network. Unknown codes raise :class:`KeyError`."""

    def __init__(self, nodes: list[WaterNode], pipes: list[WaterPipe]) -> None:  # use build()
        self._nodes = nodes
        self._codes = [n.code for n in nodes]
        self._index = {c: i for i, c in enumerate(self._codes)}
        self._kind = [n.kind for n in nodes]
        self._is_valve = [k == "valve" for k in self._kind]
        self._sources = [i for i, k in enumerate(self._kind) if k == "source"]
        self._service_idx = [i for i, k in enumerate(self._kind) if k == "service"]
        self._service_codes = [self._codes[i] for i in self._service_idx]
        self._pipes = pipes
        self._pipe_index = {p.code: i for i, p in enumerate(pipes)}
        self._ends = [(self._index[p.from_code], self._index[p.to_code]) for p in pipes]
        # Two parallel incidence lists per node: the neighbour and the pipe leading to it.
        self._nbr: list[list[int]] = [[] for _ in nodes]
        self._via: list[list[int]] = [[] for _ in nodes]
        for j, (a, b) in enumerate(self._ends):
            self._nbr[a].append(b)
            self._via[a].append(j)
            self._nbr[b].append(a)
            self._via[b].append(j)

    @classmethod
    def build(cls, nodes: Iterable[WaterNode], pipes: Iterable[WaterPipe]) -> WaterNetwork:
        """Validate and index; raise :class:`TopologyError` listing every problem.

        Rejected: empty or duplicate node codes, unknown node kinds, empty or duplicate pipe
        codes, pipes naming unknown nodes, pipes from a node to itself, and a network with
        no source. Nodes cut off from every source are allowed (``cut_off_by(set())``
        lists them), since real GIS data has them and refusing the import helps nobody.
        """
        node_list, pipe_list = list(nodes), list(pipes)
        problems: list[TopologyProblem] = []
        seen: set[str] = set()
        for i, n in enumerate(node_list):
            if not isinstance(n.code, str) or not n.code:
                problems.append(TopologyProblem(None, "code", T_("node #%(i)s has no code", i=i)))
            elif n.code in seen:
                problems.append(TopologyProblem(n.code, "code", T_("duplicate node code")))
            else:
                seen.add(n.code)
            if n.kind not in WATER_NODE_KINDS:
                problems.append(
                    TopologyProblem(
                        n.code or None,
                        "kind",
                        T_(
                            "unknown kind %(kind)r; expected one of %(choices)s",
                            kind=n.kind,
                            choices=", ".join(WATER_NODE_KINDS),
                        ),
                    )
                )
        seen_pipes: set[str] = set()
        for i, p in enumerate(pipe_list):
            code = p.code if isinstance(p.code, str) and p.code else None
            if code is None:
                problems.append(TopologyProblem(None, "code", T_("pipe #%(i)s has no code", i=i)))
            elif code in seen_pipes:
                problems.append(TopologyProblem(code, "code", T_("duplicate pipe code")))
            else:
                seen_pipes.add(code)
            for fname, ref in (("from_code", p.from_code), ("to_code", p.to_code)):
                if ref not in seen:
                    problems.append(TopologyProblem(code, fname, T_("unknown node %(code)r", code=ref)))
            if p.from_code == p.to_code and p.from_code in seen:
                problems.append(
                    TopologyProblem(
                        code, "to_code", T_("pipe starts and ends at the same node %(code)r", code=p.to_code)
                    )
                )
        if not any(n.kind == "source" for n in node_list):
            problems.append(TopologyProblem(None, "kind", T_("the network has no source")))
        if problems:
            raise TopologyError(problems)
        return cls(node_list, pipe_list)

    # ------------------------------------------------------------------ look-ups

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, code: object) -> bool:
        return code in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes)

    def has(self, code: str) -> bool:
        return code in self._index

    def has_pipe(self, code: str) -> bool:
        return code in self._pipe_index

    def node(self, code: str) -> WaterNode:
        return self._nodes[self._index[code]]

    def pipe(self, code: str) -> WaterPipe:
        return self._pipes[self._pipe_index[code]]

    def kind(self, code: str) -> str:
        return self._kind[self._index[code]]

    def sources(self) -> list[str]:
        return [self._codes[i] for i in self._sources]

    def neighbours(self, code: str) -> list[str]:
        return [self._codes[j] for j in self._nbr[self._index[code]]]

    def pipes_at(self, code: str) -> list[str]:
        return [self._pipes[j].code for j in self._via[self._index[code]]]

    # ------------------------------------------------------------------ supply

    def _closed(self, valves: Iterable[str]) -> list[int]:
        if isinstance(valves, str):  # a bare string would be read as one valve per character
            raise TypeError("closed_valves must be a collection of codes, not a string")
        problems: list[TopologyProblem] = []
        out: list[int] = []
        for code in valves:
            i = self._index.get(code)
            if i is None:
                problems.append(TopologyProblem(code, "closed_valves", T_("unknown node")))
            elif not self._is_valve[i]:
                problems.append(
                    TopologyProblem(
                        code,
                        "closed_valves",
                        T_("not a valve (it is a %(kind)s); only valves close", kind=self._kind[i]),
                    )
                )
            else:
                out.append(i)
        if problems:
            raise TopologyError(problems)
        return out

    def _supplied(self, closed: list[int]) -> bytearray:
        """1 for every node water reaches, and for every closed valve (never "cut off")."""
        reached = bytearray(len(self._nodes))
        for c in closed:
            reached[c] = 1
        queue = [s for s in self._sources if not reached[s]]
        for s in queue:
            reached[s] = 1
        nbr = self._nbr
        i = 0
        while i < len(queue):  # breadth-first; a list with a read index beats deque here
            for v in nbr[queue[i]]:
                if not reached[v]:
                    reached[v] = 1
                    queue.append(v)
            i += 1
        return reached

    def cut_off_by(self, closed_valves: Iterable[str]) -> set[str]:
        """Nodes that can reach no source once ``closed_valves`` are shut.

        The closed valves themselves are not listed: they are the boundary, not supply
        points. Nodes already disconnected from every source are listed even with no
        valve closed. Raises :class:`TopologyError` naming every unknown or non-valve code.
        """
        reached = self._supplied(self._closed(closed_valves))
        return set(compress(self._codes, reached.translate(_FLIP)))

    def service_nodes_cut_off_by(self, closed_valves: Iterable[str]) -> set[str]:
        """As :meth:`cut_off_by`, only the ``service`` nodes (the customers' supply points)."""
        reached = self._supplied(self._closed(closed_valves))
        return {c for c, i in zip(self._service_codes, self._service_idx) if not reached[i]}

    def upstream_path_to_source(
        self, node_code: str, closed_valves: Iterable[str] = ()
    ) -> list[str]:
        """A shortest path (fewest pipes) from ``node_code`` to a source, in node codes:
        ``node_code`` first, the source last. Empty when no source can be reached.

        With ``closed_valves`` the path avoids them (the start itself may be one).
        """
        start = self._index[node_code]
        blocked = set(self._closed(closed_valves))
        back = {start: -1}
        queue = [start]
        i = 0
        while i < len(queue):
            u = queue[i]
            i += 1
            if self._kind[u] == "source":
                path: list[str] = []
                while u >= 0:
                    path.append(self._codes[u])
                    u = back[u]
                path.reverse()  # collected source-first by following the search back
                return path
            for v in self._nbr[u]:
                if v not in back and v not in blocked:
                    back[v] = u
                    queue.append(v)
        return []

    # ------------------------------------------------------------------ segments

    @cached_property
    def _segments(self) -> _Segments:
        n = len(self._nodes)
        valve, nbr = self._is_valve, self._nbr
        comp = [-1] * n
        seg_nodes: list[list[int]] = []
        for s in range(n):
            if valve[s] or comp[s] >= 0:
                continue
            sid = len(seg_nodes)
            comp[s] = sid
            members = [s]
            k = 0
            while k < len(members):
                for v in nbr[members[k]]:
                    if comp[v] < 0 and not valve[v]:
                        comp[v] = sid
                        members.append(v)
                k += 1
            seg_nodes.append(members)
        between: dict[tuple[int, int], int] = {}  # pipes running straight from valve to valve
        of_pipe: list[int] = []
        for a, b in self._ends:
            if not valve[a]:
                of_pipe.append(comp[a])
            elif not valve[b]:
                of_pipe.append(comp[b])
            else:
                key = (a, b) if a < b else (b, a)
                if key not in between:
                    between[key] = len(seg_nodes)
                    seg_nodes.append([])
                of_pipe.append(between[key])
        seg_pipes: list[list[int]] = [[] for _ in seg_nodes]
        for j, sid in enumerate(of_pipe):
            seg_pipes[sid].append(j)
        return _Segments(of_pipe, seg_nodes, seg_pipes)

    def segment_id(self, pipe_code: str) -> int:
        """A number shared by exactly the pipes of one valve-bounded segment (stable for
        this network object only): the key for grouping burst reports."""
        return self._segments.of_pipe[self._pipe_index[pipe_code]]

    def node_segment(self, code: str) -> tuple[int, str] | None:
        """The segment a non-valve node lies in, as (segment id, one of its pipes); None for
        a valve or a node without pipes. Groups burst and low-pressure calls (故障研判)."""
        i = self._index[code]
        if self._is_valve[i] or not self._via[i]:
            return None
        pipe = self._via[i][0]
        return self._segments.of_pipe[pipe], self._pipes[pipe].code

    def segment_of(self, pipe_code: str) -> set[str]:
        """The pipes that go dry together with ``pipe_code`` when its segment is isolated:
        every pipe reachable from it without passing through a valve."""
        segs = self._segments
        sid = segs.of_pipe[self._pipe_index[pipe_code]]
        return {self._pipes[j].code for j in segs.pipes[sid]}

    def segment_nodes(self, pipe_code: str) -> set[str]:
        """The non-valve nodes inside ``pipe_code``'s segment (empty between two valves)."""
        segs = self._segments
        sid = segs.of_pipe[self._pipe_index[pipe_code]]
        return {self._codes[i] for i in segs.nodes[sid]}

    def valves_to_isolate(self, pipe_code: str) -> set[str]:
        """The valves to close so that no source feeds ``pipe_code``'s segment.

        The standard burst search: walk out from the pipe through non-valve nodes; the
        valves met bound the segment. A bounding valve is kept only if water can reach it
        from a source without crossing the segment or another bounding valve, so a valve
        that only leads into a dead end (no source behind it) is not asked for, and the
        set is the smallest subset of the bounding valves that isolates the segment.

        Raises :class:`IsolationImpossible` when a source lies inside the segment.
        """
        segs = self._segments
        sid = segs.of_pipe[self._pipe_index[pipe_code]]
        interior = segs.nodes[sid]
        inside_sources = sorted(self._codes[i] for i in interior if self._kind[i] == "source")
        if inside_sources:
            raise IsolationImpossible(
                [
                    TopologyProblem(
                        pipe_code,
                        "pipe",
                        T_(
                            "no valve separates this pipe from source %(sources)s",
                            sources=", ".join(map(repr, inside_sources)),
                        ),
                    )
                ]
            )

        valve, nbr, via = self._is_valve, self._nbr, self._via
        bounding: set[int] = set()
        if interior:
            for u in interior:
                bounding.update(v for v in nbr[u] if valve[v])
        else:
            bounding.update(self._ends[self._pipe_index[pipe_code]])
        seg_pipes = set(segs.pipes[sid])

        reached = bytearray(len(self._nodes))
        for u in interior:
            reached[u] = 1  # never entered: the search must go round the segment
        queue = [s for s in self._sources]
        for s in queue:
            reached[s] = 1
        needed: set[int] = set()
        i = 0
        while i < len(queue):
            u = queue[i]
            i += 1
            if u in bounding:
                needed.add(u)
                continue  # closing it anyway: what lies behind it cannot feed the segment
            for v, j in zip(nbr[u], via[u]):
                if not reached[v] and j not in seg_pipes:
                    reached[v] = 1
                    queue.append(v)
        return {self._codes[v] for v in needed}
