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

With the network's customer counts (``points_under``, as the platform always passes), the
rules above only say which devices may be blamed; which ones are is a likelihood scan over
the tree (``_scan``): each device's evidence is the log-likelihood ratio of its callers
calling at their own rate rather than at the background rate (at least ``background``;
measured at the quiet supply points, then outside the faults found), and the non-nested
set of devices with the most evidence, less ``min_evidence`` per fault, wins. Scattered calls in a busy hour are not a
fault; two faulted branches beside quiet ones are two faults, not their parent's.
"""

from __future__ import annotations

import math
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
    # The likelihood scan (with the network's customer counts): the calls per customer in
    # a window without a fault, at least; and the evidence one more fault must add.
    background: float = 0.001
    min_evidence: float = 8.0

    def __post_init__(self) -> None:
        if self.window <= timedelta(0):
            raise ValueError("window must be positive")
        if self.min_customers_leaf < 1 or self.min_children < 1 or self.min_customers_upstream < 1:
            raise ValueError("minimum counts must be at least 1")
        if not 0 < self.min_point_share <= 1 or not 0 <= self.min_leaf_share <= 1 or not 0 < self.background < 1:
            raise ValueError("shares are between 0 and 1")
        if self.min_evidence < 0:
            raise ValueError("evidence must not be negative")


_RULE_FIELDS = {
    "window": ("window", lambda v: timedelta(minutes=float(v))),
    "leaf": ("min_customers_leaf", int),
    "leaf_share": ("min_leaf_share", float),
    "children": ("min_children", int),
    "point_share": ("min_point_share", float),
    "upstream": ("min_customers_upstream", int),
    "alpha": ("silence_alpha", float),
    "background": ("background", float),
    "evidence": ("min_evidence", float),
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

    # Calls share their supply point's chain: what depends on the chain alone is worked out
    # once per chain (a storm's feeder has 2,000 calls under a few dozen transformers).
    by_known: dict[str, list[int]] = defaultdict(list)
    open_calls: list[TroubleCall] = []
    known_of: dict[tuple[str, ...], str | None] = {}
    for call in placed:
        if call.chain not in known_of:
            known_of[call.chain] = next((k.key for k in known if k.devices.intersection(call.chain)), None)
        hit = known_of[call.chain]
        if hit is not None:
            by_known[hit].append(call.order_id)
        else:
            open_calls.append(call)

    explained = _scan(open_calls, feeds, rules, points_under) if points_under else _explained(open_calls, feeds, rules, {})
    grouped: dict[str, list[TroubleCall]] = defaultdict(list)
    single: list[int] = []
    top_of: dict[tuple[str, ...], str | None] = {}
    for call in open_calls:
        if call.chain not in top_of:
            top_of[call.chain] = next((d for d in reversed(call.chain) if d in explained), None)
        top = top_of[call.chain]
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


def _scan(calls: Sequence[TroubleCall], feeds: Mapping[str, int], rules: TriageRules, points_under: Mapping[str, Sequence[str]]) -> set[str]:
    """The faults that best explain the calls, knowing how many customers each device
    feeds: the set of non-nested devices maximising the evidence (log-likelihood ratio of
    "customers below call at their own rate" against "they call at the background rate"),
    less ``min_evidence`` per fault. A tree dynamic programme, so a parent is blamed only
    when one fault there explains the calls better than faults in its branches — two
    faulted branches beside quiet ones stay two faults; scattered calls stay single."""
    who_at: dict[str, set[object]] = defaultdict(set)  # device → distinct callers below it
    points_called: dict[str, set[str]] = defaultdict(set)
    children: dict[str, set[str]] = defaultdict(set)
    parent: dict[str, str] = {}
    callers: dict[tuple[str, ...], set[object]] = defaultdict(set)
    for call in calls:
        callers[call.chain].add(_who(call))
    for chain, who in callers.items():  # one walk up each called chain, not one per call
        for i, device in enumerate(chain):
            who_at[device] |= who
            points_called[device].add(chain[0])
            if i > 0:
                children[device].add(chain[i - 1])
                parent[chain[i - 1]] = device

    def customers(device: str) -> int:
        below = points_under.get(device)
        n = sum(feeds.get(p, 0) for p in below) if below else feeds.get(device, 0)
        return max(n, len(who_at[device]), 1)

    roots = [d for d in who_at if d not in parent]
    scopes = [_lowest_common(root, children) for root in roots]
    background = max(rules.background, max((_quiet_rate(scope, who_at, feeds, points_under, rules) for scope in scopes), default=0.0))

    def candidate(device: str) -> bool:
        k = len(who_at[device])
        if device not in children:  # a supply point
            return k >= rules.min_customers_leaf and k / customers(device) >= rules.min_leaf_share
        # A device whose quiet branches are too big to be out with it is not a candidate:
        # faults in the branches that called explain the calls better.
        return len(children[device]) >= rules.min_children and k >= rules.min_customers_upstream and not _too_quiet(device, who_at[device], points_called[device], feeds, points_under, rules)

    best: dict[str, tuple[float, bool]] = {}  # device → (score, blamed itself)

    def solve(device: str) -> float:
        if device in best:
            return best[device][0]
        split = sum(solve(c) for c in children.get(device, ()))
        own = evidence(len(who_at[device]), customers(device), background) - rules.min_evidence if candidate(device) else float("-inf")
        best[device] = (own, True) if own > split and own > 0 else (split, False)
        return best[device][0]

    chosen: set[str] = set()

    def pick(device: str) -> None:
        if best[device][1]:
            chosen.add(device)
            return
        for c in children.get(device, ()):
            pick(c)

    def scan() -> set[str]:
        best.clear()
        chosen.clear()
        for root in roots:
            solve(root)
            pick(root)
        return set(chosen)

    # The background is first the rate at the supply points that look quiet, which
    # undercounts it (noise that called three times under a small point is left out); then
    # the rate outside the faults found, which does not, until the faults stop changing.
    # Only upwards: a rate measured outside "faults" that are really noise would confirm them.
    found = scan()
    for _ in range(_BACKGROUND_ROUNDS):
        outside = max((_rate_outside(scope, found, who_at, feeds, points_under) for scope in scopes), default=0.0)
        refined = max(rules.background, outside)
        if refined <= background:
            break
        background = refined
        again = scan()
        if again == found:
            break
        found = again
    return found


def evidence(k: int, n: int, background: float) -> float:
    """Log-likelihood ratio of k callers among n customers calling at rate k/n rather than
    at the background rate (0 when they call no more than the background)."""
    if n <= 0 or k <= 0 or k / n <= background:
        return 0.0
    rate = min(k / n, 1.0)
    own = k * math.log(rate / background)
    if k < n:
        own += (n - k) * math.log((1 - rate) / (1 - background))
    return own


def _lowest_common(root: str, children: Mapping[str, set[str]]) -> str:
    """The lowest device above every call (the calls of one feeder: the feeder)."""
    device = root
    while len(children.get(device, ())) == 1:
        device = next(iter(children[device]))
    return device


_BACKGROUND_ROUNDS = 4


def _rate_outside(scope: str, faults: set[str], who_at: Mapping[str, set[object]], feeds: Mapping[str, int], points_under: Mapping[str, Sequence[str]]) -> float:
    """Calls per customer at the supply points under ``scope`` that no fault in ``faults``
    cuts off."""
    out = {p for f in faults for p in points_under.get(f, (f,))}
    calls = customers = 0
    for point in points_under.get(scope, ()):
        if point not in out:
            calls += len(who_at.get(point, ()))
            customers += feeds.get(point, 0)
    return calls / customers if customers else 0.0


def _quiet_rate(scope: str, who_at: Mapping[str, set[object]], feeds: Mapping[str, int], points_under: Mapping[str, Sequence[str]], rules: TriageRules) -> float:
    """Calls per customer at the supply points under ``scope`` that look quiet: one caller
    at most, or fewer than the leaf rules' share of their customers."""
    calls = customers = 0
    for point in points_under.get(scope, ()):
        k, n = len(who_at.get(point, ())), feeds.get(point, 0)
        if k <= 1 or (n and k / n < rules.min_leaf_share):
            calls += k
            customers += n
    return calls / customers if customers else 0.0
