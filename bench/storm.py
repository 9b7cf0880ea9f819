"""A storm of repair calls after many faults, through the HTTP API: does triage find the
faults and merge their calls?

    python bench/storm.py [--seed 7] [--faults 200] [--calls 10000] [--customers 50000] [--clients 32] [--any-faults] [--json]

Builds the demo city in a scratch SQLite database, starts `gridcare serve` (embedded mode),
injects F faults at random devices of the electric network (transformers, fuses and
switches; no fault inside another, and none that calls cannot tell from another device:
see ``mistakable``; `--any-faults` drops that condition) and posts C repair calls in a
shuffled order, as a storm arriving over a few minutes: callers from the faulted areas (some of them twice), plus
noise — calls from customers with supply, and calls with no account and a wrong address.
Then reads back the predicted outages and where each call's order ended up, and prints:
precision and recall of the predicted outage devices against the injected faults, the
share of the faulted areas' calls merged into the right outage, the share of calls that
were dispatched as orders of their own, and intake throughput and p99 latency during the
storm. Targets: precision ≥ 0.95, recall ≥ 0.95, dispatches ≤ 20 % of calls, p99 < 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from _http import Connection  # noqa: E402
from intake import start  # noqa: E402  (bench/intake.py: starts a server and waits for it)
from tests.support.live import free_port  # noqa: E402

from gridcare.auth import service as auth  # noqa: E402
from gridcare.core.clock import system_clock  # noqa: E402
from gridcare.core.principal import system_principal  # noqa: E402
from gridcare.db import Database  # noqa: E402
from gridcare.demo.loader import load_demo  # noqa: E402
from gridcare.migrations_runner import upgrade  # noqa: E402

FAULT_KINDS = {"transformer": 0.6, "fuse": 0.2, "switch": 0.2}


def pick_faults(tree, customers_at: dict[str, list[str]], faults: int, rng: random.Random, *, identifiable: bool = True) -> dict[str, list[str]]:  # noqa: ANN001
    """Devices to fail, none inside another, each leaving at least three customers without
    supply. ``identifiable``: and none that calls could not tell from another device (see
    ``mistakable``)."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for code in tree:
        by_kind[tree.kind(code)].append(code)
    chosen: dict[str, list[str]] = {}
    taken: set[str] = set()
    attempts = 0
    while len(chosen) < faults and attempts < faults * 200:
        attempts += 1
        kind = rng.choices(list(FAULT_KINDS), weights=list(FAULT_KINDS.values()))[0]
        if not by_kind[kind]:
            continue
        device = rng.choice(by_kind[kind])
        below = tree.downstream(device)
        if below & taken or any(a in chosen for a in tree.upstream_chain(device)):
            continue
        accounts = [a for t in tree.transformers_under(device) for a in customers_at.get(t, [])]
        if len(accounts) < 3:
            continue
        if identifiable and mistakable(tree, customers_at, set(chosen), device):
            continue
        chosen[device] = accounts
        taken |= below
    return chosen


def mistakable(tree, customers_at: dict[str, list[str]], chosen: set[str], device: str) -> bool:  # noqa: ANN001
    """Would failing ``device`` beside the faults ``chosen`` cut off, give or take
    EQUIVALENT_SLACK, the same customers as some other device — a fuse whose every
    transformer is then out, or a transformer whose fuse feeds only one more customer? No
    analysis of calls can tell those apart, so a score against them measures luck."""
    area = _areas(tree, customers_at)
    mine = area(device)
    for inner in tree.downstream(device) - {device}:
        if area(inner) != mine and _customers(customers_at, mine - area(inner)) <= EQUIVALENT_SLACK * _customers(customers_at, mine):
            return True
    for outer in tree.upstream_chain(device)[1:]:
        wide = area(outer)
        inside = [f for f in chosen if tree.is_downstream(f, outer)] + [device]
        out = frozenset().union(*(area(f) for f in inside))
        if len(inside) == 1 and out == wide:
            continue  # a device with one branch: the same customers, scored as one
        if _customers(customers_at, wide - out) <= EQUIVALENT_SLACK * _customers(customers_at, wide):
            return True
    return False


def _areas(tree, customers_at: dict[str, list[str]]):  # noqa: ANN001, ANN202
    def area(device: str) -> frozenset[str]:
        return frozenset(t for t in tree.transformers_under(device) if customers_at.get(t))

    return area


def _customers(customers_at: dict[str, list[str]], points: frozenset[str]) -> int:
    return sum(len(customers_at[t]) for t in points)


def plan_calls(faults: dict[str, list[str]], quiet: list[str], calls: int, rng: random.Random) -> list[tuple[str | None, str | None]]:
    """(account or None, the fault it belongs to or None) per call, shuffled."""
    noise, lost = int(calls * 0.08), int(calls * 0.04)
    storm = calls - noise - lost
    weights = [min(len(a), 60) for a in faults.values()]
    devices = list(faults)
    planned: list[tuple[str | None, str | None]] = []
    for device, n in zip(devices, np.random.default_rng(rng.randrange(1 << 30)).multinomial(storm, np.array(weights) / sum(weights)), strict=True):
        callers = list(faults[device])
        rng.shuffle(callers)  # who calls first is random, not in network order
        for k in range(int(n)):
            # Most calls are from different customers; some call again (repeat callers).
            account = callers[k % len(callers)] if rng.random() < 0.85 else rng.choice(callers)
            planned.append((account, device))
    planned += [(rng.choice(quiet), None) for _ in range(noise)]
    planned += [(None, None) for _ in range(lost)]
    rng.shuffle(planned)
    return planned


# Calls cannot tell apart a fuse that blew from every transformer under it failing at once,
# nor a transformer from the fuse above it when the fuse's only other transformer feeds one
# quiet customer: the same customers are out. The strict score counts such a prediction
# wrong (and its faults missed); the equivalent score counts it right when the customers it
# cuts off and those of the faults it covers differ by at most this share.
EQUIVALENT_SLACK = 0.05


@dataclass(frozen=True)
class Score:
    right: dict[str, str]  # prediction → the one fault with exactly its customers (strict)
    equivalent: dict[str, tuple[str, ...]]  # other predictions → the faults they stand for
    predicted: int
    faults: int

    @property
    def precision(self) -> float:
        return len(self.right) / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return len(set(self.right.values())) / self.faults if self.faults else 0.0

    @property
    def precision_equivalent(self) -> float:
        return (len(self.right) + len(self.equivalent)) / self.predicted if self.predicted else 0.0

    @property
    def recall_equivalent(self) -> float:
        found = set(self.right.values()) | {f for fs in self.equivalent.values() for f in fs}
        return len(found) / self.faults if self.faults else 0.0


def score(tree, customers_at: dict[str, list[str]], faults: dict[str, list[str]], predicted: set[str]) -> Score:  # noqa: ANN001
    """Predicted outage devices against the injected faults (see EQUIVALENT_SLACK)."""

    area = _areas(tree, customers_at)
    areas = {f: area(f) for f in faults}
    fault_of_area = {a: f for f, a in areas.items()}
    right: dict[str, str] = {}
    equivalent: dict[str, tuple[str, ...]] = {}
    for p in predicted:
        mine = area(p)
        if mine in fault_of_area:
            right[p] = fault_of_area[mine]
            continue
        inside = tuple(sorted(f for f, a in areas.items() if a <= mine))  # faults below p
        around = [f for f, a in areas.items() if mine < a]  # the fault p sits below
        out = frozenset().union(*(areas[f] for f in inside)) if inside else (areas[around[0]] if around else frozenset())
        if out and _customers(customers_at, mine ^ out) <= EQUIVALENT_SLACK * _customers(customers_at, mine | out):
            equivalent[p] = inside or (around[0],)
    return Score(right, equivalent, len(predicted), len(faults))


async def storm(base: str, token: str, planned: list[tuple[str | None, str | None]], clients: int, seed: int) -> tuple[list[int | None], list[float], float]:
    """Post the calls from ``clients`` keep-alive connections, each taking the next call when
    its last one is answered (a flood: the harshest order a storm can arrive in)."""
    ids: list[int | None] = [None] * len(planned)
    latencies: list[float] = []
    queue = list(range(len(planned)))[::-1]
    url = httpx.URL(base)

    async def worker() -> None:
        # A client of a few microseconds per request: httpx cost about as much CPU as the
        # server it measured, on the same two cores, and its share showed up as latency.
        connection = Connection(url.host, url.port or 80, {"Authorization": f"Bearer {token}"})
        try:
            while queue:
                i = queue.pop()
                account, _fault = planned[i]
                body = {"category": "repair", "channel": "hotline", "description": "停电了", "idempotency_key": f"storm-{seed}-{i}"}
                if account:
                    body["account"] = account
                else:
                    body["address"] = "不存在的路999号"
                t = time.perf_counter()
                status, answer = await connection.request("POST", "/api/v1/work-orders", body)
                latencies.append(time.perf_counter() - t)
                if status in (200, 201):
                    ids[i] = json.loads(answer)["id"]
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return ids, latencies, time.perf_counter() - started


def settle(url: str, limit_s: float = 300) -> float:
    """Wait until the worker has triaged every call (it runs right after each commit);
    returns how long that took after the last call."""
    from sqlalchemy import func, select

    from gridcare.outbox import OutboxRow

    db = Database(url)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < limit_s:
            with db.read() as session:
                left = session.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.topic == "outages.triage", OutboxRow.status.in_(("pending", "processing"))))
            if not left:
                break
            time.sleep(0.5)
    finally:
        db.dispose()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--faults", type=int, default=200)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--explain", action="store_true", help="classify the wrong predictions against the faults")
    parser.add_argument("--server-log", type=Path, help="keep gridcare's output, with its slow writers (GRIDCARE_SLOW_WRITE_MS)")
    parser.add_argument("--any-faults", action="store_true", help="draw faults independently, mistakable ones too (they score as luck: see mistakable)")
    parser.add_argument("--keep", type=Path, help="copy the storm's SQLite database here, to look into afterwards")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    from sqlalchemy import select

    from gridcare.customers.models import Customer
    from gridcare.network import service as network
    from gridcare.outages import queries as outage_queries
    from gridcare.workorders.models import WorkOrder

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/storm.sqlite3"
        upgrade(url)
        db = Database(url)
        t0 = time.perf_counter()
        load_demo(db, clock=system_clock, seed=args.seed, customers=args.customers, grids=60)
        with db.write() as session:
            tree = network.electric_tree(session)
            customers_at: dict[str, list[str]] = defaultdict(list)
            for account, point in session.execute(select(Customer.account, Customer.supply_point).where(Customer.utility == "electric", Customer.supply_point.is_not(None))):
                customers_at[point].append(account)
            agent = auth.find_user_by_login(session, login="agent")
            _row, token = auth.create_token(session, actor=system_principal("bench"), now=system_clock.now(), user_id=agent.id, name="storm")
        faults = pick_faults(tree, customers_at, args.faults, rng, identifiable=not args.any_faults)
        faulted = {a for accounts in faults.values() for a in accounts}
        quiet = [a for accounts in customers_at.values() for a in accounts if a not in faulted]
        planned = plan_calls(faults, quiet, args.calls, rng)
        built = time.perf_counter() - t0
        db.dispose()
        env = {**os.environ, "GRIDCARE_DATABASE_URL": url, "GRIDCARE_DATA_DIR": tmp, "GRIDCARE_SECRET_KEY": "bench-secret-key-0123456789", "GRIDCARE_LOG_LEVEL": "INFO" if args.server_log else "WARNING"}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start([sys.executable, "-m", "gridcare", "serve", "--port", str(port), "--no-migrate"], env, base, log=args.server_log)
        try:
            ids, latencies, seconds = asyncio.run(storm(base, token, planned, args.clients, args.seed))
            settled = settle(url)
        finally:
            proc.terminate()
            proc.wait(10)
        db = Database(url)
        with db.read() as session:
            outages = outage_queries.list_outages(session, actor=system_principal("bench"), status="predicted", utility="electric", limit=100_000)
            codes = outage_queries.device_codes(session, [o.id for o in outages])
            master_of_device = {d["code"]: o.master_order_id for o in outages for d in codes[o.id]}
            orders = {o.id: (o.status, o.parent_id) for o in session.execute(select(WorkOrder.id, WorkOrder.status, WorkOrder.parent_id).where(WorkOrder.id.in_([i for i in ids if i])))}
        db.dispose()
        if args.keep:
            import sqlite3

            with sqlite3.connect(f"{tmp}/storm.sqlite3") as source, sqlite3.connect(args.keep) as copy:
                source.backup(copy)
    scored = score(tree, customers_at, faults, set(master_of_device))
    predicted, hits = set(master_of_device), set(scored.right)
    precision, recall = scored.precision, scored.recall
    master_of_fault = {fault: master_of_device[p] for p, fault in scored.right.items()}
    storm_calls = [(i, fault) for i, (_a, fault) in enumerate(planned) if fault is not None and ids[i]]
    right = sum(1 for i, fault in storm_calls if master_of_fault.get(fault) is not None and master_of_fault[fault] in (ids[i], orders[ids[i]][1]))
    merged_share = right / len(storm_calls) if storm_calls else 0.0
    placed = [i for i in ids if i]
    dispatched = sum(1 for i in placed if orders[i][0] != "merged")
    dispatch_share = dispatched / len(planned)
    ms = np.array(latencies) * 1000
    result = {
        "precision": round(precision, 4), "recall": round(recall, 4),
        "precision_equivalent": round(scored.precision_equivalent, 4), "recall_equivalent": round(scored.recall_equivalent, 4), "merged_share": round(merged_share, 4), "dispatch_share": round(dispatch_share, 4),
        "orders_per_s": round(len(placed) / seconds, 1), "p99_ms": round(float(np.percentile(ms, 99)), 1),
    }
    print(f"demo city with {args.customers} customers built in {built:.0f} s; {len(faults)} faults injected, {len(planned)} calls ({len(placed)} accepted) in {seconds:.1f} s with {args.clients} clients")
    print(f"predicted outages {len(predicted)}, right {len(hits)}: precision {precision:.3f}, recall {recall:.3f} (targets ≥ 0.95)")
    print(
        f"counting predictions that cut off the same customers as one or more faults, give or take {EQUIVALENT_SLACK:.0%}: "
        f"precision {scored.precision_equivalent:.3f}, recall {scored.recall_equivalent:.3f} ({len(scored.equivalent)} such predictions)"
    )
    print(f"storm calls merged into the right outage: {merged_share:.1%}; orders dispatched on their own: {dispatched} = {dispatch_share:.1%} of calls (target ≤ 20%)")
    print(f"triage caught up {settled:.1f} s after the last call")
    print(f"intake during the storm: {result['orders_per_s']} orders/s, p50 {np.percentile(ms, 50):.1f} ms, p99 {result['p99_ms']} ms (target < 200 ms)")
    if args.explain:
        below, above, apart, wrong = 0, 0, 0, []
        for device in sorted(predicted - hits):
            chain = set(tree.upstream_chain(device))
            if chain & set(faults):
                below += 1
                where = f"below {min(chain & set(faults))}"
            elif any(device in tree.upstream_chain(f) for f in faults):
                above += 1
                where = "above " + "+".join(sorted(f for f in faults if device in tree.upstream_chain(f)))
            else:
                apart += 1
                where = "on noise"
            wrong.append(f"{device}({tree.kind(device)}, {where}{', equivalent' if device in scored.equivalent else ''})")
        missed = [f"{f}({tree.kind(f)}, {len(faults[f])} customers)" for f in sorted(set(faults) - set(scored.right.values()))]
        print(f"wrong predictions: {below} below a fault, {above} above one, {apart} elsewhere (noise): {', '.join(wrong)}")
        print(f"missed faults: {', '.join(missed)}")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
