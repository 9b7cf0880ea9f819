"""Triage's merge step: a storm's standing repair calls merged into their outage's master
order, as the worker does it (`outages.storm.merge`: state machine, timeline, audit chain,
pop-ups stopped, each caller's SMS), against the bare writes of a merge on the same database
in the same run (one UPDATE of the orders and one multi-row INSERT of their timeline rows
per chunk).

    python bench/merge.py [--calls 600] [--database postgresql|sqlite] [--json]

Builds the lean demo city in a scratch database and takes three sets of ``--calls`` repair
orders from different customers. It merges the first in chunks of 10 (both databases'
chunk before session 24), the second in this database's shipped chunk
(`MERGES_PER_TRANSACTION`), and writes the third the bare way. With ``--json`` the last line holds ``ms_per_call_10``,
``ms_per_call_shipped``, ``baseline_ms_per_call`` and ``ratio`` (baseline over shipped).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from _common import scratch_database
from _loadbuild import prepare


def _orders(db, accounts: list[str], tag: str) -> list[int]:
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal
    from gridcare.workorders import service

    agent = system_principal("bench")
    made = []
    for i, account in enumerate(accounts):
        with db.write() as session:
            intake = service.Intake(category="repair", channel="hotline", account=account, description="停电", idempotency_key=f"{tag}{i}")
            made.append(service.create_order(session, actor=agent, now=system_clock.now(), intake=intake).order.id)
    return made


def _merged(db, master: int, calls: list[int], per: int) -> float:
    from gridcare.core.clock import system_clock
    from gridcare.outages import storm

    started, merged = time.perf_counter(), 0
    for start in range(0, len(calls), per):
        with db.write() as session:
            merged += storm.merge(session, now=system_clock.now(), master=master, order_ids=calls[start : start + per], note="bench")
    assert merged == len(calls), f"merged {merged} of {len(calls)}"
    return time.perf_counter() - started


def _bare(db, master: int, calls: list[int], per: int) -> float:
    from sqlalchemy import insert, update

    from gridcare.core.clock import system_clock
    from gridcare.workorders.models import OrderEvent, WorkOrder

    started = time.perf_counter()
    for start in range(0, len(calls), per):
        chunk, now = calls[start : start + per], system_clock.now()
        with db.write() as session:
            session.execute(update(WorkOrder.__table__).where(WorkOrder.__table__.c.id.in_(chunk)).values(status="merged", parent_id=master, next_check_at=None))
            rows = [{"order_id": oid, "at": now, "actor_id": None, "actor": "triage", "origin": "system", "kind": "order.merged", "status_from": "dispatched", "status_to": "merged", "note": "bench", "data": {"parent_id": master}} for oid in chunk]
            session.execute(insert(OrderEvent.__table__).values(rows))
    return time.perf_counter() - started


def run(url: str, calls: int, say: Callable[[str], None]) -> dict[str, Any]:
    from gridcare.config import load_settings
    from gridcare.db import Database
    from gridcare.main import load_plugins
    from gridcare.outages.storm import MERGES_PER_TRANSACTION

    ready = prepare(url, customers=0, demo_customers=10_000, lean=True, calls=0, seed=7, say=say)
    if len(ready.accounts) < 3 * calls + 3:
        raise SystemExit(f"--calls: the demo city has callers for at most {(len(ready.accounts) - 3) // 3}")
    load_plugins(load_settings(database_url=url))
    db = Database(url)
    try:
        # One number for both databases before session 24: the bench measures older builds too.
        shipped = MERGES_PER_TRANSACTION if isinstance(MERGES_PER_TRANSACTION, int) else MERGES_PER_TRANSACTION[db.dialect]
        masters = _orders(db, ready.accounts[:3], "master")
        sets = [_orders(db, ready.accounts[3 + n * calls : 3 + (n + 1) * calls], f"s{n}-") for n in range(3)]
        say(f"{3 * calls:,} calls taken; merging")
        ten = _merged(db, masters[0], sets[0], 10)
        ours = _merged(db, masters[1], sets[1], shipped)
        bare = _bare(db, masters[2], sets[2], shipped)
    finally:
        db.dispose()
    return {
        "database": db.engine.dialect.name,
        "calls": calls,
        "shipped_chunk": shipped,
        "ms_per_call_10": round(1000 * ten / calls, 3),
        "ms_per_call_shipped": round(1000 * ours / calls, 3),
        "baseline_ms_per_call": round(1000 * bare / calls, 3),
        "ratio": round(bare / ours, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=600)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    def say(text: str) -> None:
        print(text, file=sys.stderr)

    with scratch_database(args.database, "gridcare_merge") as url:
        found = run(url, args.calls, say)
    print(
        f"{found['calls']} calls merged on {found['database']}: {found['ms_per_call_10']:.2f} ms a call in chunks of 10, "
        f"{found['ms_per_call_shipped']:.2f} ms in chunks of {found['shipped_chunk']} (shipped); bare writes {found['baseline_ms_per_call']:.2f} ms; ratio {found['ratio']:.2f}"
    )
    if args.json:
        print(json.dumps(found))


if __name__ == "__main__":
    main()
