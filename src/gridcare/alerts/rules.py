"""Rule alerts (规则预警): facts that need no baseline. Pure: orders come in as tuples.

- a customer with ``complaints`` complaints within ``complaint_days`` → suggest the
  ``sensitive`` tag (敏感客户), unless they carry it already;
- a transformer (electric) or pipe segment (water) with ``repairs`` repair orders within
  ``repair_days`` under it (重复报修);
- a grid whose repeat-call rate (重复来电: the same customer, the same category, within
  ``repeat_window``) over the last ``repeat_days`` jumps above its own past rate;
- and, for hot-topic alerts, which organisation node a topic's orders belong to, when two
  findings are one topic, and how severe one is."""

from __future__ import annotations

import os.path
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RuleSettings:
    complaints: int = 3
    complaint_days: int = 30
    repairs: int = 4  # three in a month is common on a busy transformer of the demo city
    repair_days: int = 30
    repeat_window: timedelta = timedelta(days=7)  # as intake marks repeat calls
    repeat_days: int = 7  # the recent window whose rate is compared
    repeat_baseline_days: int = 56  # the past it is compared with
    repeat_min: int = 3  # fewer repeat calls than this never alert
    repeat_ratio: float = 2.0  # recent rate ≥ this × past rate …
    repeat_margin: float = 0.05  # … and ≥ past rate + this


RULE_DEFAULTS = RuleSettings()


@dataclass(frozen=True)
class Order:
    """What the rules read of a work order."""

    id: int
    created_at: datetime
    category: str
    customer_id: int | None = None
    grid: str | None = None
    device: str | None = None  # the transformer or pipe segment over its supply point


@dataclass(frozen=True)
class RuleHit:
    kind: str  # sensitive | repeat_repairs | repeat_calls
    subject: str  # customer id, device code or grid code
    grid: str | None
    orders: tuple[int, ...]
    facts: Mapping[str, object]


def _in_window(orders: Iterable[Order], now: datetime, days: int, category: str) -> list[Order]:
    since = now - timedelta(days=days)
    return [o for o in orders if o.category == category and since <= o.created_at <= now]


def sensitive_customers(orders: Iterable[Order], *, now: datetime, tagged: set[int], settings: RuleSettings = RULE_DEFAULTS) -> list[RuleHit]:
    by_customer: dict[int, list[Order]] = defaultdict(list)
    for o in _in_window(orders, now, settings.complaint_days, "complaint"):
        if o.customer_id is not None and o.customer_id not in tagged:
            by_customer[o.customer_id].append(o)
    hits = []
    for cid, found in sorted(by_customer.items()):
        found.sort(key=lambda o: (o.created_at, o.id))
        if len(found) >= settings.complaints:
            hits.append(RuleHit("sensitive", str(cid), found[-1].grid, tuple(o.id for o in found), {"complaints": len(found), "days": settings.complaint_days}))
    return hits


def repeated_repairs(orders: Iterable[Order], *, now: datetime, settings: RuleSettings = RULE_DEFAULTS) -> list[RuleHit]:
    by_device: dict[str, list[Order]] = defaultdict(list)
    for o in _in_window(orders, now, settings.repair_days, "repair"):
        if o.device:
            by_device[o.device].append(o)
    hits = []
    for device, found in sorted(by_device.items()):
        found.sort(key=lambda o: (o.created_at, o.id))
        if len(found) >= settings.repairs:
            customers = {o.customer_id for o in found if o.customer_id is not None}
            hits.append(RuleHit("repeat_repairs", device, found[-1].grid, tuple(o.id for o in found), {"repairs": len(found), "days": settings.repair_days, "customers": len(customers)}))
    return hits


def repeat_flags(orders: Sequence[Order], window: timedelta) -> dict[int, bool]:
    """Per order: whether the same customer had an order of the same category within
    ``window`` before it."""
    last: dict[tuple[int, str], datetime] = {}
    flags: dict[int, bool] = {}
    for o in sorted(orders, key=lambda o: (o.created_at, o.id)):
        if o.customer_id is None:
            flags[o.id] = False
            continue
        key = (o.customer_id, o.category)
        prev = last.get(key)
        flags[o.id] = prev is not None and o.created_at - prev <= window
        last[key] = o.created_at
    return flags


def repeat_call_jumps(orders: Sequence[Order], *, now: datetime, settings: RuleSettings = RULE_DEFAULTS) -> list[RuleHit]:
    """Grids whose share of repeat calls over the last ``repeat_days`` is well above their
    share over the ``repeat_baseline_days`` before."""
    flags = repeat_flags(orders, settings.repeat_window)
    recent_from = now - timedelta(days=settings.repeat_days)
    past_from = recent_from - timedelta(days=settings.repeat_baseline_days)
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # recent n, recent repeats, past n, past repeats
    repeats: dict[str, list[int]] = defaultdict(list)
    for o in orders:
        if o.grid is None or not (past_from <= o.created_at <= now):
            continue
        t = tally[o.grid]
        recent = o.created_at >= recent_from
        t[0 if recent else 2] += 1
        if flags.get(o.id):
            t[1 if recent else 3] += 1
            if recent:
                repeats[o.grid].append(o.id)
    hits = []
    for grid, (n, r, pn, pr) in sorted(tally.items()):
        if n == 0 or r < settings.repeat_min:
            continue
        rate, past = r / n, (pr / pn if pn else 0.0)
        if rate >= settings.repeat_ratio * past and rate >= past + settings.repeat_margin:
            hits.append(RuleHit("repeat_calls", grid, grid, tuple(sorted(repeats[grid])), {"rate": round(rate, 4), "past_rate": round(past, 4), "repeats": r, "orders": n, "days": settings.repeat_days}))
    return hits


# --- hot-topic alerts ------------------------------------------------------------------------
TOPIC_CRITICAL_FROM = 10  # orders
SAME_TOPIC_SHARE = 0.5  # of the smaller set of orders, two findings must share to be one topic


def company_path(paths: Iterable[str]) -> str:
    """The deepest organisation node holding all of the paths ("/1/4/7/", "/1/4/9/" → "/1/4/")."""
    common = os.path.commonprefix(list(paths))
    return common[: common.rfind("/") + 1] or "/"


def same_topic(orders: Collection[int], alerted: Collection[int]) -> bool:
    """Whether a finding is the topic an open alert already tells: its wording can shift as
    calls come in (絮状物 → 白色絮状物), its orders largely do not."""
    if not orders or not alerted:
        return False
    return len(set(orders) & set(alerted)) >= SAME_TOPIC_SHARE * min(len(orders), len(alerted))


def topic_severity(orders: int) -> str:
    return "critical" if orders >= TOPIC_CRITICAL_FROM else "warning"
