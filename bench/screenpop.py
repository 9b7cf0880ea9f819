"""Benchmark: caller lookup plus screen-pop card assembly at a utility's scale.

    python bench/screenpop.py [--customers 1000000] [--calls 2000] [--seed 1] [--json]
    python bench/screenpop.py --url postgresql+psycopg://…/<a database bench/load.py kept> [--calls 1000]

Builds a scratch SQLite database (migrated like production) with N customers spread over
200 grids, each with a mobile or landline number (2 % share a number with a neighbour, as
families do), key-customer tags, 10 % of them with past work orders (some still open) and
past calls. Then, for ``--calls`` ringing calls from random customers, the number written
the way PBXs write it ("0731-…", "+86 …", an outside-line "9"), times in this process:

* ``calls.lookup.card``: match the caller's number to customers, then assemble the card
  (tags, grid and rep, open orders with countdowns, last orders and calls, outages), one
  read transaction each, as the card endpoint does; and
* the baseline: one indexed ``customer_phones.e164 = ?`` lookup per call, in its own read
  transaction.

With ``--url`` it builds nothing and opens the ringing calls of a database that
``bench/load.py --keep`` built (1,000,000 customers on PostgreSQL, say): the card alone,
without the load around it.

With ``--json`` the last line is one JSON object: ``p50_ms``, ``p99_ms``,
``baseline_p50_ms``, ``baseline_p99_ms``, ``ratio`` (p99 over baseline p99), ``cpu_ms``
(the card's mean CPU time in this process: what it holds the GIL for in a web process).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

try:
    import gridcare  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

os.environ.setdefault("GRIDCARE_PASSWORD_HASH_PROFILE", "cheapest")

from shapely.geometry import box  # noqa: E402
from sqlalchemy import select  # noqa: E402

from gridcare.auth import service as auth  # noqa: E402
from gridcare.calls import lookup  # noqa: E402
from gridcare.calls.models import CallRecord  # noqa: E402
from gridcare.core.clock import system_clock  # noqa: E402
from gridcare.core.principal import Principal, system_principal  # noqa: E402
from gridcare.customers.models import Customer, CustomerPhone, CustomerTag  # noqa: E402
from gridcare.customers.phones import match_keys  # noqa: E402
from gridcare.db import Database  # noqa: E402
from gridcare.demo.org import load_org  # noqa: E402
from gridcare.grids import service as grids  # noqa: E402
from gridcare.migrations_runner import upgrade  # noqa: E402
from gridcare.workorders.models import WorkOrder  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import phone_of, written  # noqa: E402

AREA = (112.80, 28.05, 113.20, 28.35)  # around Changsha
GRIDS = 200
BATCH = 50_000
OPEN = ("dispatched", "accepted", "arrived")
CLOSED = ("closed",)


def build(db: Database, n: int, rng: np.random.Generator, say) -> dict:  # noqa: ANN001
    actor, now = system_principal("bench"), system_clock.now()
    with db.write() as session:
        units = load_org(session, actor=actor, now=now)
        rep = auth.find_user_by_login(session, login="rep").id
        x0, y0, x1, y1 = AREA
        cols = 20
        w, h = (x1 - x0) / cols, (y1 - y0) / (GRIDS // cols)
        made = []
        for k in range(GRIDS):
            cx, cy = k % cols, k // cols
            g = grids.create_grid(session, actor=actor, now=now, code=f"G{k:04d}", name=f"网格{k}", org_unit_id=units["XC-E-FR-WY-T1"], rep_id=rep, geometry=box(x0 + cx * w, y0 + cy * h, x0 + (cx + 1) * w, y0 + (cy + 1) * h))
            made.append((g.id, g.org_path))
    grid_ids = np.array([g for g, _ in made])
    path = made[0][1]
    started = time.perf_counter()
    phone_index = np.arange(n)
    share = rng.random(n) < 0.02  # families share a number
    phone_index[share] = np.maximum(phone_index[share] - 1, 0)
    grid_of = grid_ids[rng.integers(len(grid_ids), size=n)]
    lons, lats = rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)
    tags = rng.choice(["", "", "", "", "", "", "", "", "sensitive", "major", "protected"], size=n)
    with db.engine.begin() as conn:
        for start in range(0, n, BATCH):
            stop = min(n, start + BATCH)
            conn.execute(
                Customer.__table__.insert(),
                [
                    {
                        "id": i + 1, "account": f"A{i:08d}", "name": f"客户{i}", "address": f"芙蓉区{i % 997}路{i % 211}号", "lon": float(lons[i]), "lat": float(lats[i]),
                        "utility": "electric", "supply_point": None, "grid_id": int(grid_of[i]), "org_path": path, "tags": str(tags[i]), "notes": "", "attributes": {},
                        "created_at": now, "updated_at": now,
                    }
                    for i in range(start, stop)
                ],
            )
            conn.execute(CustomerPhone.__table__.insert(), [{"customer_id": i + 1, "e164": phone_of(int(phone_index[i])), "position": 0} for i in range(start, stop)])
            tagged = [{"customer_id": i + 1, "tag": str(tags[i])} for i in range(start, stop) if tags[i]]
            if tagged:
                conn.execute(CustomerTag.__table__.insert(), tagged)
            say(f"customers {stop:,}/{n:,} ({time.perf_counter() - started:.0f} s)")
    # Past work: a tenth of the customers have orders (a few still open) and calls.
    with_history = rng.choice(n, size=n // 10, replace=False) + 1
    with db.engine.begin() as conn:
        orders = []
        for k, cid in enumerate(with_history.tolist()):
            created = now - timedelta(hours=int(rng.integers(1, 24 * 300)))
            status = OPEN[k % 3] if k % 25 == 0 else "closed"
            orders.append(
                {
                    "number": f"GDB-{k:08d}", "channel": "hotline", "category": "repair", "utility": "electric", "status": status, "description": "停电", "customer_id": cid,
                    "caller_name": "", "caller_phone": "", "address": "", "grid_id": int(grid_of[cid - 1]), "area_class": "urban", "org_path": path, "handler_id": rep,
                    "originator": "bench", "dispatch_reason": "", "created_at": created, "closed_at": None if status in OPEN else created + timedelta(hours=3),
                    "reopen_count": 0, "transfer_pending": False, "escalation_level": 0, "attributes": {}, "resolution_code": "", "resolution_note": "",
                }
            )
        for start in range(0, len(orders), BATCH):
            conn.execute(WorkOrder.__table__.insert(), orders[start : start + BATCH])
        calls = []
        for k, cid in enumerate(with_history.tolist()):
            at = now - timedelta(hours=int(rng.integers(1, 24 * 300)))
            calls.append(
                {
                    "source": "bench", "call_id": f"h{k}", "direction": "inbound", "caller": "", "caller_e164": phone_of(int(phone_index[cid - 1])), "callee": "95598",
                    "org_path": "/", "queue": "general", "agent_extension": "8001", "state": "ended", "outcome": "answered", "ringing_at": at, "answered_at": at, "ended_at": at,
                    "started_at": at, "local_day": "2026-01-01", "local_hour": 9, "wait_seconds": 5, "duration_seconds": 60, "transfers": 0, "recording_url": "",
                    "customer_id": cid, "customers_matched": 1, "created_at": at, "updated_at": at,
                }
            )
        for start in range(0, len(calls), BATCH):
            conn.execute(CallRecord.__table__.insert(), calls[start : start + BATCH])
    say(f"history: {len(orders):,} work orders, {len(calls):,} calls ({time.perf_counter() - started:.0f} s)")
    return {"phone_index": phone_index, "build_s": time.perf_counter() - started}


def percentiles(samples: list[float]) -> tuple[float, float]:
    arr = np.array(samples) * 1000
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 99))


def measure(db: Database, agent: Principal, now: datetime, ids: list[int]) -> tuple[list[float], float, list[float], int]:
    """Card times, the card's mean CPU time (ms; what it holds the GIL for), baseline times,
    and how many callers were found. Each card and each baseline lookup is one read, as the
    card endpoint makes."""
    with db.read() as session:
        callers = dict(session.execute(select(CallRecord.id, CallRecord.caller).where(CallRecord.id.in_(ids))).all())
    for call_id in ids[:50]:  # warm the locator, SLA policies and the page cache
        with db.read() as session:
            lookup.card(session, actor=agent, now=now, call_id=call_id)
    times, base, matched, cpu = [], [], 0, 0.0
    for call_id in ids:
        t = time.perf_counter()
        with db.read() as session:
            key = match_keys(callers[call_id])
            session.execute(select(CustomerPhone.customer_id).where(CustomerPhone.e164 == key[0])).all()
        base.append(time.perf_counter() - t)
        t, c = time.perf_counter(), time.process_time()
        with db.read() as session:
            card = lookup.card(session, actor=agent, now=now, call_id=call_id)
        cpu += time.process_time() - c
        times.append(time.perf_counter() - t)
        matched += bool(card["customers"])
    return times, cpu / len(ids) * 1000, base, matched


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="end with one JSON line of results")
    parser.add_argument("--db", help="build into this (new) SQLite file and keep it, to look into afterwards")
    parser.add_argument("--url", help="build nothing: open the ringing calls of a database bench/load.py built and kept (--keep)")
    args = parser.parse_args(argv)
    if args.db and Path(args.db).exists():
        parser.error(f"--db {args.db} exists; give a new file")
    if args.customers < 100 or args.calls < 10:
        parser.error("--customers must be at least 100 and --calls at least 10")
    rng = np.random.default_rng(args.seed)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    if args.url:  # a database bench/load.py built (--keep): its ringing calls, on PostgreSQL too
        db = Database(args.url)
        with db.read() as session:
            agent = auth.principal_for(session, user=auth.find_user_by_login(session, login="agent"))
            ids = list(session.scalars(select(CallRecord.id).where(CallRecord.source == "bench", CallRecord.state == "ringing").order_by(CallRecord.id).limit(args.calls)))
        label = f"{args.url.split('@')[-1]}, {len(ids):,} calls"
        times, cpu, base, matched = measure(db, agent, system_clock.now(), ids)
        db.dispose()
    else:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{args.db or tmp + '/bench.sqlite3'}"
            upgrade(url)
            db = Database(url)
            built = build(db, args.customers, rng, say)
            with db.read() as session:
                agent = auth.principal_for(session, user=auth.find_user_by_login(session, login="agent"))
            now = system_clock.now()
            picks = rng.integers(args.customers, size=args.calls)
            with db.engine.begin() as conn:
                rows = [
                    {
                        "source": "bench", "call_id": f"live{k}", "direction": "inbound", "caller": written(phone_of(int(built["phone_index"][c])), rng), "caller_e164": None,
                        "callee": "95598", "org_path": "/", "queue": "general", "agent_extension": "8001", "agent_user_id": agent.user_id, "state": "ringing", "ringing_at": now,
                        "started_at": now, "local_day": "2026-01-01", "local_hour": 9, "transfers": 0, "recording_url": "", "customers_matched": 0, "created_at": now, "updated_at": now,
                    }
                    for k, c in enumerate(picks.tolist())
                ]
                conn.execute(CallRecord.__table__.insert(), rows)
            with db.read() as session:
                ids = list(session.scalars(select(CallRecord.id).where(CallRecord.call_id.like("live%")).order_by(CallRecord.id)))
            label = f"{args.customers:,} customers, {GRIDS} grids, {len(ids):,} calls, seed {args.seed}; built in {built['build_s']:.0f} s"
            times, cpu, base, matched = measure(db, agent, now, ids)
            db.dispose()
    if matched != len(ids):
        print(f"MISMATCH: only {matched} of {len(ids)} callers found", file=sys.stderr)
        return 1
    p50, p99 = percentiles(times)
    b50, b99 = percentiles(base)
    print(f"{label}; every caller found")
    print(f"{'lookup + card (calls.lookup.card)':<40} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  CPU {cpu:.2f} ms per card")
    print(f"{'indexed phone lookup (baseline)':<40} p50 {b50:6.2f} ms  p99 {b99:6.2f} ms")
    print(f"{'ratio p99 card/baseline':<40} {p99 / b99:.2f}x")
    if args.json:
        print(json.dumps({"p50_ms": round(p50, 3), "p99_ms": round(p99, 3), "baseline_p50_ms": round(b50, 3), "baseline_p99_ms": round(b99, 3), "ratio": round(p99 / b99, 3), "cpu_ms": round(cpu, 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
