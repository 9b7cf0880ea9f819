"""Trouble-call analysis (故障研判), pure: which upstream device best explains a burst of
repair calls, so the calls can be merged into one outage instead of dispatched one by one.

The network comes in as each call's chain of devices from the customer's supply point up
to the source (electric: transformer → switch → feeder → substation; water: pipe segment →
valve area → DMA), and for each device how many children carry customers. No database, no
clock: the calls, the known outages and the rules are arguments.

A device is *explained* (predicted faulted) when:
- it is a supply point (the first device of a chain), at least ``min_customers_leaf``
  distinct customers under it called, and they are at least ``min_leaf_share`` of the
  customers it feeds — two unrelated calls under a transformer feeding eighty customers
  are not a fault; or
- it is further up, callers sit under at least ``min_children`` of its direct children (so
  one faulted branch does not incriminate the device above it), the supply points with
  callers are at least ``min_point_share`` of the supply points it feeds, and at least
  ``min_customers_upstream`` distinct customers called.
  When ``points_under`` lists the supply points below each device, a device is also
  refused when the silence of its supply points nobody called from is too unlikely for an
  outage of the whole device: with the call rate r seen under it, ``(1 - r) ** silent
  customers < silence_alpha`` (one branch calling hard while big ones stay quiet is that
  branch's fault, not the device's).
The prediction for a call is the top-most explained device of its chain: the lowest device
that explains the whole cluster. Two faults under one feeder stay two faults, because a
feeder with two troubled transformers out of twenty is not explained by itself; a device
with a single branch is never blamed for it (the branch explains the same customers).

``feeds[d]`` tells how many customers a supply point feeds, and how many supply points
(with customers) a device further up feeds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class TriageRules:
    window: timedelta = timedelta(minutes=30)
    min_customers_leaf: int = 3
    min_leaf_share: float = 0.1
    min_children: int = 2
    min_point_share: float = 0.4
    min_customers_upstream: int = 3
    silence_alpha: float = 1e-4

    def __post_init__(self) -> None:
        if self.window <= timedelta(0):
            raise ValueError("window must be positive")
        if self.min_customers_leaf < 1 or self.min_children < 1 or self.min_customers_upstream < 1:
            raise ValueError("minimum counts must be at least 1")
        if not 0 < self.min_point_share <= 1 or not 0 <= self.min_leaf_share <= 1:
            raise ValueError("shares are between 0 and 1")


_RULE_FIELDS = {
    "window": ("window", lambda v: timedelta(minutes=float(v))),
    "leaf": ("min_customers_leaf", int),
    "leaf_share": ("min_leaf_share", float),
    "children": ("min_children", int),
    "point_share": ("min_point_share", float),
    "upstream": ("min_customers_upstream", int),
    "alpha": ("silence_alpha", float),
}


def parse_rules(text: str) -> TriageRules:
    """Rules written as data, e.g. "window=30;leaf=3;point_share=0.4" (unnamed ones keep
    their defaults). Raises ValueError naming the bad part."""
    values: dict[str, object] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, _, raw = part.partition("=")
        if name.strip() not in _RULE_FIELDS or not raw.strip():
            raise ValueError(f"{part!r}: expected NAME=VALUE with NAME one of {', '.join(_RULE_FIELDS)}")
        field_name, convert = _RULE_FIELDS[name.strip()]
        try:
            values[field_name] = convert(raw.strip())
        except ValueError:
            raise ValueError(f"{part!r}: {raw.strip()!r} is not a number") from None
    return TriageRules(**values)  # type: ignore[arg-type]


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
    feeds: Mapping[str, int],
    rules: TriageRules = TriageRules(),
    known: Sequence[KnownOutage] = (),
    points_under: Mapping[str, Sequence[str]] | None = None,
) -> TriageResult:
    """Sort the calls of the window into known outages, new predictions, single calls and
    calls that cannot be placed (``feeds``: see the module's docstring)."""
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

    explained = _explained(open_calls, feeds, rules, points_under or {})
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


def _explained(calls: Sequence[TroubleCall], feeds: Mapping[str, int], rules: TriageRules, points_under: Mapping[str, Sequence[str]]) -> set[str]:
    customers: dict[str, set[object]] = defaultdict(set)
    children_called: dict[str, set[str]] = defaultdict(set)  # device → direct children with callers
    points_called: dict[str, set[str]] = defaultdict(set)  # device → supply points with callers
    depth: dict[str, int] = {}
    for call in calls:
        who = _who(call)
        for i, device in enumerate(call.chain):
            customers[device].add(who)
            points_called[device].add(call.chain[0])
            depth[device] = max(depth.get(device, 0), i)
            if i > 0:
                children_called[device].add(call.chain[i - 1])
    explained: set[str] = set()
    for device, who in customers.items():
        if depth[device] == 0 and device not in children_called:
            fed = feeds.get(device)
            if len(who) >= rules.min_customers_leaf and (not fed or len(who) / fed >= rules.min_leaf_share):
                explained.add(device)
            continue
        points = len(points_called[device])
        total = max(feeds.get(device, points), points, 1)
        if len(children_called[device]) >= rules.min_children and points / total >= rules.min_point_share and len(who) >= rules.min_customers_upstream:
            if not _too_quiet(device, who, points_called[device], feeds, points_under, rules):
                explained.add(device)
    return explained


def _too_quiet(device: str, who: set[object], called: set[str], feeds: Mapping[str, int], points_under: Mapping[str, Sequence[str]], rules: TriageRules) -> bool:
    below = points_under.get(device)
    if not below:
        return False
    customers = sum(feeds.get(p, 0) for p in below)
    silent = sum(feeds.get(p, 0) for p in below if p not in called)
    if customers <= 0 or silent <= 0:
        return False
    rate = min(len(who) / customers, 1.0)
    return (1.0 - rate) ** silent < rules.silence_alpha
