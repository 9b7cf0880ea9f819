"""Benchmark: the group-commit thread's time per order, with the batch's read-ahead and without.

    python bench/batch.py --url postgresql+psycopg://postgres@127.0.0.1:5432/<db> [--rounds 60] [--size 16] [--json]

On a database with a demo city (``bench/load.py ... --keep`` builds one of 1,000,000
customers; use a copy, the bench adds orders), takes batches of ``--size`` repair calls from
random electric customers the way the web process's group-commit thread does
(``GroupCommit._commit``: one transaction, one commit), alternately

* with the batch's read-ahead (``GroupCommit.run(ahead=workorders.service.read_intake_ahead)``,
  as ``POST /api/v1/work-orders`` does), and
* the baseline: the same batch without it, each intake reading its caller, repeat call and
  absorbing outage by itself.

One process, no HTTP: it measures the batch thread's own cost (its Python and its round
trips), which under a storm each web process pays in series. The first three rounds warm up.
With ``--json`` the last line is one JSON object: ``ms_per_order``, ``baseline_ms_per_order``
(medians) and ``ratio``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

try:
    import gridcare  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

os.environ.setdefault("GRIDCARE_PASSWORD_HASH_PROFILE", "cheapest")

from sqlalchemy import select  # noqa: E402

from gridcare.auth import service as auth  # noqa: E402
from gridcare.auth.models import User  # noqa: E402
from gridcare.config import load_settings  # noqa: E402
from gridcare.core.clock import system_clock  # noqa: E402
from gridcare.customers.models import Customer  # noqa: E402
from gridcare.db import Database  # noqa: E402
from gridcare.group_commit import GroupCommit, _ReadingAhead  # noqa: E402
from gridcare.main import load_plugins  # noqa: E402
from gridcare.workorders import service  # noqa: E402

WARM_UP = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of a database with a demo city (a copy: the bench adds orders)")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--size", type=int, default=16, help="intakes per batch")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.rounds <= WARM_UP or args.size < 2:
        parser.error(f"--rounds must be over {WARM_UP} and --size at least 2")

    load_plugins(load_settings(database_url=args.url))
    db = Database(args.url)
    with db.read() as session:
        agent = auth.principal_for(session, user=session.scalars(select(User).where(User.login == "agent")).one(), origin="bench")
        accounts = list(session.scalars(select(Customer.account).where(Customer.utility == "electric", Customer.org_path.startswith(agent.org_path)).limit(200_000)))
    rng = random.Random(args.seed)
    writes = GroupCommit(db)
    per_order: dict[bool, list[float]] = {True: [], False: []}
    for r in range(args.rounds):
        for ahead in (True, False) if r % 2 else (False, True):  # alternate which goes first
            intakes = [service.Intake(category="repair", channel="web", account=rng.choice(accounts), description="家里停电了", idempotency_key=uuid.uuid4().hex) for _ in range(args.size)]
            units = [(_unit(i, agent, ahead), None, None) for i in intakes]
            started = time.perf_counter()
            outcomes = writes._commit(units)  # noqa: SLF001 - one batch, as the commit thread runs it
            elapsed = time.perf_counter() - started
            failed = [error for _value, error in outcomes if error is not None]
            if failed:
                sys.exit(f"bench/batch.py: an intake failed: {failed[0]}")
            if r >= WARM_UP:
                per_order[ahead].append(elapsed * 1000 / args.size)
    result = {
        "size": args.size,
        "batches": len(per_order[True]),
        "ms_per_order": round(statistics.median(per_order[True]), 3),
        "baseline_ms_per_order": round(statistics.median(per_order[False]), 3),
    }
    result["ratio"] = round(result["ms_per_order"] / result["baseline_ms_per_order"], 3)
    print(f"read ahead per batch   {result['ms_per_order']:.3f} ms per order (median of {result['batches']} batches of {args.size})")
    print(f"reads per order        {result['baseline_ms_per_order']:.3f} ms per order   ratio {result['ratio']:.2f}")
    if args.json:
        print(json.dumps(result))


def _unit(intake: service.Intake, agent: object, ahead: bool) -> object:
    def take(session: object) -> int:
        return service.create_order(session, actor=agent, now=system_clock.now(), intake=intake).order.id  # type: ignore[arg-type]

    return _ReadingAhead(take, service.read_intake_ahead, (intake, system_clock.now())) if ahead else take


if __name__ == "__main__":
    main()
