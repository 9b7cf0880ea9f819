"""The electric distribution tree: substation → feeder → switches/fuses → transformer (台区).

:meth:`ElectricTree.build` validates a whole set of records at once and then numbers the
tree in pre-order. Every question outage triage asks becomes arithmetic on that numbering:

* a subtree is the contiguous slice ``[pos, end)`` of the pre-order, so "is X downstream of
  Y" is two comparisons and enumerating a subtree is a list slice;
* the lowest common ancestor of u and v (pre-order u < v) is the parent of the shallowest
  node in ``(u, v]``; a sparse table answers that range-minimum in O(1), and the LCA of a
  whole set is the LCA of its first and last nodes in pre-order.

All traversals are iterative: a 50,000-switch chain must not hit the recursion limit.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gridcare.core.i18n import T_, Label
from gridcare.network.topology import TopologyError, TopologyProblem

__all__ = ["ASSET_KINDS", "AssetRecord", "ElectricTree"]

ASSET_KINDS = ("substation", "feeder", "switch", "fuse", "transformer")

# Which kinds may hang directly under which. Switches and fuses nest to any depth, and a
# transformer may sit straight on a feeder (zero switches is "any depth" too).
_ALLOWED_PARENTS: dict[str, frozenset[str]] = {
    "feeder": frozenset({"substation"}),
    "switch": frozenset({"feeder", "switch", "fuse"}),
    "fuse": frozenset({"feeder", "switch", "fuse"}),
    "transformer": frozenset({"feeder", "switch", "fuse"}),
}


@dataclass(frozen=True)
class AssetRecord:
    """One electric asset as stored or imported. ``parent`` is None only at a substation."""

    code: str
    kind: str
    parent: str | None
    name: str = ""
    lon: float | None = None
    lat: float | None = None
    # Not hashed (dicts are unhashable); the code identifies a record.
    attributes: dict[str, Any] = field(default_factory=dict, hash=False)


# (kind, parent kind) pairs that need no further look; a root's "parent kind" is _NONE.
_NONE, _UNKNOWN = -2, -1
_FINE_PAIRS = frozenset(
    {("substation", _NONE)} | {(k, pk) for k, allowed in _ALLOWED_PARENTS.items() for pk in allowed}
)


@dataclass
class _Indexed:
    """The records as parallel lists by input index; ``up`` is the parent's index, _NONE
    for no parent and _UNKNOWN for a parent that names no record."""

    codes: list[str]
    kinds: list[str]
    parents: list[str | None]
    up: list[int]
    first: dict[str, int]  # code -> index of its first record


def _index(records: list[AssetRecord]) -> _Indexed:
    n = len(records)
    codes = [r.code for r in records]
    parents = [r.parent or None for r in records]
    # Built back to front so that a duplicated code keeps its first index.
    first = dict(zip(reversed(codes), range(n - 1, -1, -1)))
    get = first.get
    up = [_NONE if p is None else get(p, _UNKNOWN) for p in parents]
    return _Indexed(codes, [r.kind for r in records], parents, up, first)


def _explain(ix: _Indexed, i: int) -> list[TopologyProblem]:
    """Everything wrong with record ``i`` on its own (cycles aside)."""
    code, kind, parent, j = ix.codes[i], ix.kinds[i], ix.parents[i], ix.up[i]
    out: list[TopologyProblem] = []
    if kind not in ASSET_KINDS:
        out.append(
            TopologyProblem(
                code,
                "kind",
                T_(
                    "unknown kind %(kind)r; expected one of %(choices)s",
                    kind=kind,
                    choices=", ".join(ASSET_KINDS),
                ),
            )
        )
    if kind == "substation":
        if parent is not None:
            out.append(
                TopologyProblem(code, "parent", T_("a substation has no parent, got %(parent)r", parent=parent))
            )
    elif parent is None:
        if kind in ASSET_KINDS:  # of an unknown kind we cannot tell whether it needs one
            out.append(TopologyProblem(code, "parent", T_("a %(kind)s needs a parent", kind=Label("asset", kind))))
    elif j == i:
        out.append(TopologyProblem(code, "parent", T_("an asset cannot be its own parent")))
    elif j == _UNKNOWN:
        out.append(TopologyProblem(code, "parent", T_("unknown parent %(parent)r", parent=parent)))
    else:
        parent_kind = ix.kinds[j]
        allowed = _ALLOWED_PARENTS.get(kind)
        # Order is only judged between two known kinds: an unknown kind is reported once,
        # not again on each of its children.
        if allowed is not None and parent_kind in ASSET_KINDS and parent_kind not in allowed:
            if parent_kind == "transformer":
                why = T_(
                    "a %(kind)s cannot hang under transformer %(parent)r: transformers are leaves",
                    kind=kind,
                    parent=parent,
                )
            else:
                why = T_(
                    "a %(kind)s cannot hang under %(parent_kind)s %(parent)r; expected a parent of kind %(kinds)s",
                    kind=kind,
                    parent_kind=parent_kind,
                    parent=parent,
                    kinds=" or ".join(sorted(allowed)),
                )
            out.append(TopologyProblem(code, "parent", why))
    return out


def _problems(ix: _Indexed) -> list[tuple[int, TopologyProblem]]:
    """Every per-record problem, tagged with the record's index."""
    found: list[tuple[int, TopologyProblem]] = []
    first, codes, kinds, up = ix.first, ix.codes, ix.kinds, ix.up
    if len(first) != len(codes) or "" in first or None in first:
        for i, code in enumerate(codes):
            if not isinstance(code, str) or not code:
                found.append((i, TopologyProblem(None, "code", T_("record #%(i)s has no code", i=i))))
            elif first[code] != i:
                found.append((i, TopologyProblem(code, "code", T_("duplicate code"))))
    # Fast path: one pass of set look-ups, then a careful look at the few that fail it.
    suspects = [
        i
        for i, (k, j) in enumerate(zip(kinds, up))
        if j == i or (k, kinds[j] if j >= 0 else j) not in _FINE_PAIRS
    ]
    for i in suspects:
        if codes[i] and first.get(codes[i]) == i:
            found.extend((i, p) for p in _explain(ix, i))
    return found


def _cycles(
    ix: _Indexed, parent_of: list[int], stranded: list[int]
) -> list[tuple[int, TopologyProblem]]:
    """Every record on a parent-pointer loop, each named with its whole loop. Only
    ``stranded`` records (not reached from a substation) can be on one."""
    state: dict[int, int] = {}  # 1 = on the current walk, 2 = settled
    out: list[tuple[int, TopologyProblem]] = []
    for start in stranded:
        if start in state:
            continue
        walk: list[int] = []
        i = start
        while i >= 0 and i not in state:
            state[i] = 1
            walk.append(i)
            i = parent_of[i]
        if i >= 0 and state[i] == 1:  # the walk ran into itself
            loop = walk[walk.index(i) :]
            if len(loop) > 1:  # a self-parent is already reported on its own
                shown: str = " → ".join(ix.codes[k] for k in [*loop[:8], loop[0]])
                if len(loop) > 8:  # one message per member: keep each short
                    shown = T_(
                        "%(first)s → … (%(n)s assets in all) → %(last)s",
                        first=" → ".join(ix.codes[k] for k in loop[:8]),
                        n=len(loop),
                        last=ix.codes[loop[0]],
                    )
                why = T_("parent chain loops: %(loop)s", loop=shown)
                out.extend((k, TopologyProblem(ix.codes[k], "parent", why)) for k in loop)
        for k in walk:
            state[k] = 2
    return out


class ElectricTree:
    """An immutable, validated electric tree (a forest: one tree per substation).

    Unknown codes passed to any method raise :class:`KeyError`.
    """

    __slots__ = (
        "_code",
        "_depth",
        "_end",
        "_kind",
        "_parent",
        "_pos",
        "_record",
        "_roots",
        "_sparse",
        "_transformers",
    )

    def __init__(self) -> None:  # use build()
        self._code: list[str] = []
        self._pos: dict[str, int] = {}
        self._end: list[int] = []
        self._parent: list[int] = []
        self._depth: list[int] = []
        self._kind: list[str] = []
        self._record: list[AssetRecord] = []
        self._roots: list[int] = []
        self._transformers: list[int] = []
        self._sparse: list[NDArray[np.int32]] = []

    # ------------------------------------------------------------------ building

    @classmethod
    def build(cls, records: Iterable[AssetRecord]) -> ElectricTree:
        """Validate and index ``records``; raise :class:`TopologyError` listing every problem.

        Rejected: empty or duplicate codes, unknown kinds, a substation with a parent, any
        other asset without one, unknown parents, parent loops, and kind order violations
        (substation → feeder → switch/fuse … → transformer; transformers are leaves).
        An empty string parent counts as no parent.
        """
        recs = list(records)
        ix = _index(recs)
        found = _problems(ix)

        n = len(recs)
        first, kinds = ix.first, ix.kinds
        # The tree as it would be: substations are roots whatever their (reported) parent
        # says, and duplicates are left out, so one mistake is not echoed by its neighbours.
        parent_of = [_NONE if k == "substation" else j for k, j in zip(kinds, ix.up)]
        members = range(n) if len(first) == n else sorted(first.values())
        children: list[list[int]] = [[] for _ in range(n)]
        roots: list[int] = []
        for i in members:  # in input order, so children and roots are too
            j = parent_of[i]
            if j >= 0:
                children[j].append(i)
            elif kinds[i] == "substation":
                roots.append(i)

        order: list[int] = []
        stack = roots[::-1]
        while stack:
            u = stack.pop()
            order.append(u)
            kids = children[u]
            if kids:
                stack.extend(reversed(kids))  # reversed: children come out in input order

        if len(order) < len(first):
            numbered = set(order)
            stranded = [i for i in members if i not in numbered]
            found.extend(_cycles(ix, parent_of, stranded))
        if found:
            found.sort(key=lambda item: item[0])  # stable: a record's problems stay together
            raise TopologyError([p for _, p in found])

        tree = cls()
        order_np = np.asarray(order, dtype=np.intp)
        pos_of = np.empty(n, dtype=np.intp)
        pos_of[order_np] = np.arange(len(order), dtype=np.intp)
        up_np = np.asarray(parent_of, dtype=np.intp)[order_np]
        parent_pos = np.where(up_np >= 0, pos_of[np.maximum(up_np, 0)], -1)

        # Subtree sizes bottom-up (reverse pre-order), depths top-down (pre-order).
        size = [1] * len(order)
        par = parent_pos.tolist()
        for p in range(len(order) - 1, 0, -1):
            q = par[p]
            if q >= 0:
                size[q] += size[p]
        depth = [0] * len(order)
        for p in range(1, len(order)):
            q = par[p]
            if q >= 0:
                depth[p] = depth[q] + 1

        codes = ix.codes
        tree._code = [codes[u] for u in order]
        tree._pos = dict(zip(tree._code, range(len(order))))
        tree._end = [p + s for p, s in enumerate(size)]
        tree._parent = par
        tree._depth = depth
        tree._record = [recs[u] for u in order]
        tree._kind = [kinds[u] for u in order]
        tree._roots = [p for p, q in enumerate(par) if q < 0]
        tree._transformers = [p for p, k in enumerate(tree._kind) if k == "transformer"]
        tree._sparse = _sparse_table(np.asarray(depth, dtype=np.int32))
        return tree

    # ------------------------------------------------------------------ look-ups

    def __len__(self) -> int:
        return len(self._code)

    def __contains__(self, code: object) -> bool:
        return code in self._pos

    def __iter__(self) -> Iterator[str]:
        """Codes in pre-order: each asset before everything downstream of it."""
        return iter(self._code)

    def has(self, code: str) -> bool:
        return code in self._pos

    def record(self, code: str) -> AssetRecord:
        return self._record[self._pos[code]]

    def kind(self, code: str) -> str:
        return self._kind[self._pos[code]]

    def parent(self, code: str) -> str | None:
        p = self._parent[self._pos[code]]
        return None if p < 0 else self._code[p]

    def depth(self, code: str) -> int:
        """0 at a substation, 1 at a feeder, and so on."""
        return self._depth[self._pos[code]]

    def substations(self) -> list[str]:
        return [self._code[p] for p in self._roots]

    def children(self, code: str) -> list[str]:
        p = self._pos[code]
        out: list[str] = []
        c, stop = p + 1, self._end[p]
        while c < stop:  # children are the subtree slice's top level: hop subtree to subtree
            out.append(self._code[c])
            c = self._end[c]
        return out

    # ------------------------------------------------------------------ up and down

    def upstream_chain(self, code: str) -> list[str]:
        """``code`` first, then each parent in turn, its substation last."""
        p = self._pos[code]
        chain: list[str] = []
        while p >= 0:
            chain.append(self._code[p])
            p = self._parent[p]
        return chain

    def downstream(self, code: str) -> set[str]:
        """Everything fed through ``code``, including ``code`` itself."""
        p = self._pos[code]
        return set(self._code[p : self._end[p]])

    def downstream_list(self, code: str) -> list[str]:
        """As :meth:`downstream`, in pre-order (``code`` first)."""
        p = self._pos[code]
        return self._code[p : self._end[p]]

    def is_downstream(self, code: str, of: str) -> bool:
        """True when ``code`` is fed through ``of`` (or is ``of``). O(1)."""
        c, a = self._pos[code], self._pos[of]
        return a <= c < self._end[a]

    def transformers_under(self, code: str) -> list[str]:
        """Transformers in ``code``'s subtree (``code`` itself if it is one), in pre-order."""
        p = self._pos[code]
        tx = self._transformers
        lo = bisect_left(tx, p)
        hi = bisect_left(tx, self._end[p], lo)
        return [self._code[t] for t in tx[lo:hi]]

    def lowest_common_ancestor(self, codes: Iterable[str]) -> str:
        """The deepest asset every one of ``codes`` is downstream of (a code is downstream
        of itself, so one code gives itself back).

        Raises ValueError for no codes, or codes under different substations.
        """
        pos = self._pos
        lo = hi = -1
        for code in codes:
            p = pos[code]
            if lo < 0 or p < lo:
                lo = p
            hi = max(hi, p)
        if lo < 0:
            raise ValueError("lowest_common_ancestor needs at least one code")
        if lo == hi or hi < self._end[lo]:
            return self._code[lo]
        # Shallowest node in (lo, hi] is a child of the LCA on the path towards hi.
        shallow = self._shallowest(lo + 1, hi)
        anc = self._parent[shallow]
        if anc < 0:
            raise ValueError("the codes are fed from different substations; no common ancestor")
        return self._code[anc]

    def _shallowest(self, lo: int, hi: int) -> int:
        """Position of the minimum-depth node in the inclusive range [lo, hi]."""
        k = (hi - lo + 1).bit_length() - 1
        row = self._sparse[k]
        a, b = int(row[lo]), int(row[hi - (1 << k) + 1])
        return a if self._depth[a] <= self._depth[b] else b


def _sparse_table(depth: NDArray[np.int32]) -> list[NDArray[np.int32]]:
    """Row k holds, for each i, the position of the shallowest node in [i, i + 2**k)."""
    n = len(depth)
    table = [np.arange(n, dtype=np.int32)]
    k = 1
    while (1 << k) <= n:
        prev, half = table[-1], 1 << (k - 1)
        a, b = prev[: n - (1 << k) + 1], prev[half : half + n - (1 << k) + 1]
        table.append(np.where(depth[a] <= depth[b], a, b).astype(np.int32, copy=False))
        k += 1
    return table
