"""Trouble-call analysis (故障研判), pure: which upstream device best explains a burst of
repair calls, so the calls can be merged into one outage instead of dispatched one by one.

The network comes in as each call's chain of devices from the customer's supply point up
to the source (electric: transformer → switch → feeder → substation; water: pipe segment →
valve area → DMA), and for each device how many children carry customers. No database, no
clock: the calls, the known outages and the rules are arguments.

A device is *explained* (predicted faulted) when:
- it is a supply point (the first device of a chain) and at least ``min_customers_leaf``
  distinct customers under it called; or
- it is further up, at least ``min_children`` of its children show evidence, those are at
  least ``min_child_share`` of its children that carry customers, and at least
  ``min_customers_upstream`` distinct customers called under it. A supply point shows
  evidence when anyone under it called; a device further up only when it is explained
  itself — so a feeder is blamed when its switches are, not when two of its twenty
  transformers each have their own fault.
The prediction for a call is the top-most explained device of its chain: the lowest device
that explains the whole cluster. Two faults under one feeder stay two faults, because a
feeder with two troubled transformers out of twenty is not explained by itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class TriageRules:
    window: timedelta = timedelta(minutes=30)
    min_customers_leaf: int = 2
    min_children: int = 2
    min_child_share: float = 0.5
    min_customers_upstream: int = 3

    def __post_init__(self) -> None:
        if self.window <= timedelta(0):
            raise ValueError("window must be positive")
        if self.min_customers_leaf < 1 or self.min_children < 1 or self.min_customers_upstream < 1:
            raise ValueError("minimum counts must be at least 1")
        if not 0 < self.min_child_share <= 1:
            raise ValueError("min_child_share is a share: 0 < share ≤ 1")


@dataclass(frozen=True)
class TroubleCall:
    order_id: int
    customer_id: int | None
    at: datetime
    chain: tuple[str, ...] = ()  # supply point first, source last; empty: not on the network


@dataclass(frozen=True)
class KnownOutage:
    key: str  # the outage's id or number, as the caller likes
    devices: frozenset[str]


@dataclass(frozen=True)
class Prediction:
    device: str
    order_ids: tuple[int, ...]
    customers: int


@dataclass(frozen=True)
class TriageResult:
    predictions: tuple[Prediction, ...]
    known: Mapping[str, tuple[int, ...]]  # known outage key → the calls it explains
    single: tuple[int, ...]  # on the network, explained by nothing: dispatch as usual
    unplaced: tuple[int, ...]  # not on the network (unknown customer or address)
    outside_window: tuple[int, ...] = field(default=())

    def device_of(self, order_id: int) -> str | None:
        for p in self.predictions:
            if order_id in p.order_ids:
                return p.device
        return None


def analyse(
    calls: Sequence[TroubleCall],
    *,
    now: datetime,
    children: Mapping[str, int],
    rules: TriageRules = TriageRules(),
    known: Sequence[KnownOutage] = (),
) -> TriageResult:
    """Sort the calls of the window into known outages, new predictions, single calls and
    calls that cannot be placed. ``children[d]`` is how many children of device ``d`` carry
    customers (supply points need no entry)."""
    recent = [c for c in calls if now - rules.window <= c.at <= now]
    late = tuple(c.order_id for c in calls if not (now - rules.window <= c.at <= now))
    unplaced = tuple(c.order_id for c in recent if not c.chain)
    placed = [c for c in recent if c.chain]

    by_known: dict[str, list[int]] = defaultdict(list)
    open_calls: list[TroubleCall] = []
    for call in placed:
        hit = next((k.key for k in known if k.devices.intersection(call.chain)), None)
        if hit is not None:
            by_known[hit].append(call.order_id)
        else:
            open_calls.append(call)

    explained = _explained(open_calls, children, rules)
    grouped: dict[str, list[TroubleCall]] = defaultdict(list)
    single: list[int] = []
    for call in open_calls:
        top = next((d for d in reversed(call.chain) if d in explained), None)
        if top is None:
            single.append(call.order_id)
        else:
            grouped[top].append(call)
    predictions = tuple(
        Prediction(device, tuple(sorted(c.order_id for c in group)), len({_who(c) for c in group}))
        for device, group in sorted(grouped.items())
    )
    return TriageResult(predictions, {k: tuple(sorted(v)) for k, v in sorted(by_known.items())}, tuple(sorted(single)), tuple(sorted(unplaced)), late)


def _who(call: TroubleCall) -> object:
    # A call with no customer still counts once: it is somebody.
    return call.customer_id if call.customer_id is not None else ("call", call.order_id)


def _explained(calls: Sequence[TroubleCall], children: Mapping[str, int], rules: TriageRules) -> set[str]:
    customers: dict[str, set[object]] = defaultdict(set)
    child_of: dict[str, set[str]] = defaultdict(set)  # device → its children that had calls
    depth: dict[str, int] = {}
    for call in calls:
        who = _who(call)
        for i, device in enumerate(call.chain):
            customers[device].add(who)
            depth[device] = max(depth.get(device, 0), i)
            if i > 0:
                child_of[device].add(call.chain[i - 1])
    explained: set[str] = set()
    # Bottom-up: a device's children are decided before the device itself.
    for device in sorted(customers, key=lambda d: depth[d]):
        if depth[device] == 0 and device not in child_of:
            if len(customers[device]) >= rules.min_customers_leaf:
                explained.add(device)
            continue
        with_evidence = {c for c in child_of[device] if c in explained or (depth[c] == 0 and c not in child_of)}
        total = max(children.get(device, len(with_evidence)), len(with_evidence), 1)
        if (
            len(with_evidence) >= rules.min_children
            and len(with_evidence) / total >= rules.min_child_share
            and len(customers[device]) >= rules.min_customers_upstream
        ):
            explained.add(device)
    return explained
