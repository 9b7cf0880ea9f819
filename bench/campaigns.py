"""Campaign sending: messages recorded per second by ``campaigns.service.send`` (one rate
planner, recipients read 500 at a time) next to the naive loop of ``notify.notify_customer``
per customer, over the same customers in the same scratch SQLite database.

    python bench/campaigns.py [--customers 3000] [--seed 1] [--json]

Both paths record the same rows (a notification and its outbox row per customer, rendered
with the rep's signature); each runs in one write transaction, as the CLI and the job do.
With ``--json`` the last line is a JSON object with ``campaign_per_s``, ``baseline_per_s``
and ``ratio``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

try:
    import gridcare  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shapely.geometry import box  # noqa: E402

from gridcare.campaigns import service as campaigns  # noqa: E402
from gridcare.contractors import notifying  # noqa: E402
from gridcare.core.clock import SHANGHAI, FixedClock  # noqa: E402
from gridcare.core.principal import system_principal  # noqa: E402
from gridcare.customers import service as customers  # noqa: E402
from gridcare.customers.importing import parse_customers  # noqa: E402
from gridcare.db import Database  # noqa: E402
from gridcare.demo.org import load_org  # noqa: E402
from gridcare.grids import service as grids  # noqa: E402
from gridcare.migrations_runner import upgrade  # noqa: E402
from gridcare.notify import service as notify  # noqa: E402


def build(db: Database, n: int, seed: int) -> tuple[int, list[int]]:
    rng = random.Random(seed)
    actor, now = system_principal("bench"), datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
    lines = ["account,name,phones,address,lon,lat,utility,supply_point,tags"]
    for i in range(n):
        lines.append(f"B{i:06d},客户{i},139{rng.randrange(10**8):08d},五一大道{i}号,{112.90 + rng.random() * 0.1:.6f},{28.10 + rng.random() * 0.05:.6f},electric,T1,")
    with db.write() as session:
        units = load_org(session, actor=actor, now=now)
        from gridcare.auth import service as auth
        rep = auth.find_user_by_login(session, login="rep")
        grid = grids.create_grid(session, actor=actor, now=now, code="B-1", name="基准网格", org_unit_id=units["XC-E-FR-WY-T1"], rep_id=rep.id if rep else None, geometry=box(112.90, 28.10, 113.00, 28.15))
        customers.import_customers(session, actor=actor, now=now, parsed=parse_customers("\n".join(lines).encode(), filename="b.csv"), org_path="/")
        grids.reassign_all(session, now=now, reason="bench")
        from gridcare.campaigns import audience
        ids = sorted(audience.in_grids(session, grid_ids=[grid.id]))
    return grid.id, ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        upgrade(url)
        db = Database(url)
        grid_id, ids = build(db, args.customers, args.seed)
        clock = FixedClock(datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI))
        config = notifying.config()
        actor = system_principal("bench")

        started = time.perf_counter()
        with db.write() as session:
            for cid in ids:
                notify.notify_customer(session, now=clock.now(), customer_id=cid, event="campaigns.message", context={"title": "基准", "text": "逐户发送"}, source=("bench", 1), config=config)
        baseline = time.perf_counter() - started

        with db.write() as session:
            made = campaigns.create_campaign(session, actor=actor, now=clock.now(), title="基准", text="批量发送", target={"grid_ids": [grid_id]})
        started = time.perf_counter()
        with db.write() as session:
            sent = campaigns.send(session, actor=actor, now=clock.now(), campaign_id=made.id, config=config).recipients
        batched = time.perf_counter() - started
        db.dispose()
    assert sent == len(ids), (sent, len(ids))
    figures = {"customers": len(ids), "campaign_s": round(batched, 3), "baseline_s": round(baseline, 3), "campaign_per_s": round(len(ids) / batched), "baseline_per_s": round(len(ids) / baseline), "ratio": round(baseline / batched, 2)}
    print(f"{len(ids)} customers: campaign send {figures['campaign_per_s']}/s, per-customer notify {figures['baseline_per_s']}/s → {figures['ratio']}× faster")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
