"""Benchmark: a rep's phone back in signal sends the order steps it kept (accept, arrive), and
sends them again.

    python bench/offline_orders.py [--orders 300] [--database postgresql|sqlite] [--json]

Builds the lean demo city in a scratch database and takes two sets of ``--orders`` repair
orders dispatched to the reps of their grids (after ten whose steps warm up, untimed). The baseline, measured in the same run, is the
first set's steps sent as they were made: accept, then arrive, one transaction each, as the
page sends them with signal. The second set's steps are sent as a phone sends what it kept
(``made_at`` half an hour back, ``phone_time``, ``submission``), one order of each set in
turn. Then the second set's steps are sent again, as a phone does that lost the answers. With ``--json`` the last line is a JSON object with
``steps``, ``online_ms``, ``kept_ms`` and ``resent_ms`` (per step) and the ratios
``kept_ratio`` and ``resent_ratio`` (ours / baseline)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from _common import scratch_database
from _loadbuild import prepare

GPS = {"lon": 112.98, "lat": 28.2}
WARM_UP = 10  # orders whose steps are sent first and not timed: caches and statements warm


def _dispatched(db: Any, accounts: list[str], wanted: int) -> list[tuple[int, Any]]:
    """``wanted`` repair orders from distinct callers that reached a rep, with that rep."""
    from gridcare.auth import service as auth
    from gridcare.auth.models import User
    from gridcare.core.clock import system_clock
    from gridcare.core.principal import system_principal
    from gridcare.workorders import service

    agent, made, reps = system_principal("bench"), [], {}
    for i, account in enumerate(accounts):
        with db.write() as session:
            intake = service.Intake(category="repair", channel="hotline", account=account, description="停电", idempotency_key=f"offline-{i}")
            order = service.create_order(session, actor=agent, now=system_clock.now() - timedelta(hours=1), intake=intake).order
            if order.status != "dispatched" or order.handler_id is None:
                continue
            if order.handler_id not in reps:
                reps[order.handler_id] = auth.principal_for(session, user=session.get(User, order.handler_id), origin="bench")
            made.append((order.id, reps[order.handler_id]))
        if len(made) == wanted:
            return made
    raise SystemExit(f"--orders: the demo city's callers gave only {len(made)} orders a rep could take")


def _send(db: Any, order: tuple[int, Any], *, kept: bool) -> float:
    """Accept then arrive on one order, each step in its own transaction; seconds."""
    from gridcare.core.clock import system_clock
    from gridcare.workorders import from_phone

    order_id, rep = order
    started = time.perf_counter()
    for command, back in (("accept", 30), ("arrive", 20)):
        now = system_clock.now()
        phone = {"made_at": now - timedelta(minutes=back), "phone_time": now, "submission": f"phone-{order_id}-{command}"} if kept else {}
        with db.write() as session:
            from_phone.execute(session, actor=rep, now=now, order_id=order_id, command=command, args=GPS if command == "arrive" else {}, **phone)
    return time.perf_counter() - started


def run(url: str, orders: int, say: Callable[[str], None]) -> dict[str, Any]:
    from sqlalchemy import func, select

    from gridcare.config import load_settings
    from gridcare.db import Database
    from gridcare.main import load_plugins
    from gridcare.workorders.models import PhoneCommand, WorkOrder

    ready = prepare(url, customers=0, demo_customers=10_000, lean=True, calls=0, seed=7, say=say)
    load_plugins(load_settings(database_url=url))
    db = Database(url)
    try:
        found = _dispatched(db, ready.accounts, WARM_UP + 2 * orders)
        warm, online, later = found[:WARM_UP], found[WARM_UP : WARM_UP + orders], found[WARM_UP + orders :]
        say(f"{len(found):,} orders dispatched; sending their steps")
        for order in warm:
            _send(db, order, kept=False)
        # One order each way in turn: what the database does in the background weighs on both.
        online_s = kept_s = 0.0
        for one, other in zip(online, later, strict=True):
            online_s += _send(db, one, kept=False)
            kept_s += _send(db, other, kept=True)
        resent_s = sum(_send(db, order, kept=True) for order in later)
        with db.read() as session:
            sent_later = session.scalar(select(func.count()).select_from(PhoneCommand).where(PhoneCommand.sent_at.is_not(None)))
            arrived = session.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.status == "arrived"))
        dialect = db.engine.dialect.name
    finally:
        db.dispose()
    steps = 2 * orders
    assert sent_later == steps and arrived == WARM_UP + 2 * orders, (sent_later, arrived)
    return {
        "database": dialect, "steps": steps,
        "online_ms": round(online_s / steps * 1000, 3), "kept_ms": round(kept_s / steps * 1000, 3), "resent_ms": round(resent_s / steps * 1000, 3),
        "kept_ratio": round(kept_s / online_s, 3), "resent_ratio": round(resent_s / online_s, 3),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    def say(text: str) -> None:
        print(text, file=sys.stderr)

    with scratch_database(args.database, "gridcare_offline_orders") as url:
        found = run(url, args.orders, say)
    print(f"{found['steps']} order steps each way on {found['database']}")
    print(f"sent as made (baseline)  {found['online_ms']:7.3f} ms each")
    print(f"kept, sent later         {found['kept_ms']:7.3f} ms each   ×{found['kept_ratio']} of the baseline")
    print(f"sent again (no change)   {found['resent_ms']:7.3f} ms each   ×{found['resent_ratio']} of the baseline")
    if args.json:
        print(json.dumps(found))


if __name__ == "__main__":
    main()
