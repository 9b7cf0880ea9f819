"""Benchmark: a phone back in signal sends the check-ins it kept, and sends them again.

    python bench/offline.py [--seed S] [--reps P] [--stops K] [--json]

Builds a migrated SQLite database with one grid, P daily patrol plans of K transformer stops
each and two days of tasks. The baseline, measured in the same run, is the check-in sent as
it was made: one transaction per check-in, as the page sends it with signal, over every stop
of the first day's tasks. Then every stop of the second day's tasks is checked in as a phone
sends what it kept (``made_at`` two hours back, ``phone_time``, ``submission``), and the same
records are sent again, as a phone does that lost the answers. With ``--json`` the last line
is a JSON object with ``records``, ``online_ms``, ``kept_ms`` and ``resent_ms`` (per record)
and the ratios ``kept_ratio`` and ``resent_ratio`` (ours / baseline)."""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

try:
    import gridcare  # noqa: F401
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "src"))

os.environ.setdefault("GRIDCARE_PASSWORD_HASH_PROFILE", "cheapest")

from _patrol_area import transformer_grid  # noqa: E402  (bench/ is the script's folder)
from sqlalchemy import func, select

from gridcare.core.clock import SHANGHAI
from gridcare.core.principal import system_principal
from gridcare.db import Database
from gridcare.field import checkins, patrols
from gridcare.field.models import PatrolStop, PatrolTask
from gridcare.migrations_runner import upgrade

NOW = datetime(2026, 11, 24, 16, 0, tzinfo=SHANGHAI)
ITEMS = {"No oil leak": True, "Enclosure locked, signs in place": True}


def build(db: Database, *, seed: int, reps: int, stops: int) -> None:
    rng = random.Random(seed)
    actor = system_principal("bench")
    with db.write() as session:
        grid_id = transformer_grid(session, rng=rng, count=reps * stops, now=NOW)
        for p in range(reps):
            codes = [f"T{p * stops + k:05d}" for k in range(stops)]
            patrols.create_plan(session, actor=actor, now=NOW, name=f"round {p}", grid_id=grid_id, rrule="FREQ=DAILY", codes=codes, holidays="keep", far_policy="flag")
        patrols.generate(session, now=NOW, days=1)


def stops_of_day(db: Database, day_index: int) -> list[tuple[int, float, float]]:
    with db.read() as session:
        day = min(session.scalars(select(PatrolTask.due_on))) + timedelta(days=day_index)
        rows = session.execute(select(PatrolStop.id, PatrolStop.lon, PatrolStop.lat).join(PatrolTask, PatrolTask.id == PatrolStop.task_id).where(PatrolTask.due_on == day).order_by(PatrolStop.id))
        return [(r.id, r.lon, r.lat) for r in rows]


def send(db: Database, stops: list[tuple[int, float, float]], *, kept: bool, data_dir: Path) -> float:
    """Each check-in in its own transaction, as each request is; seconds in all."""
    actor = system_principal("bench")
    start = time.perf_counter()
    for stop_id, lon, lat in stops:
        extra = {"made_at": NOW - timedelta(hours=2), "phone_time": NOW, "submission": f"phone-{stop_id:08d}"} if kept else {}
        with db.write() as session:
            checkins.check_in(session, actor=actor, now=NOW, stop_id=stop_id, lon=lon, lat=lat, checklist=ITEMS, data_dir=data_dir, **extra)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--stops", type=int, default=25)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        upgrade(url)
        db = Database(url)
        build(db, seed=args.seed, reps=args.reps, stops=args.stops)
        online, later = stops_of_day(db, 0), stops_of_day(db, 1)
        online_s = send(db, online, kept=False, data_dir=Path(tmp))
        kept_s = send(db, later, kept=True, data_dir=Path(tmp))
        resent_s = send(db, later, kept=True, data_dir=Path(tmp))
        with db.read() as session:
            sent_later = session.scalar(select(func.count()).select_from(PatrolStop).where(PatrolStop.sent_at.is_not(None)))
            done = session.scalar(select(func.count()).select_from(PatrolTask).where(PatrolTask.status == "done"))
        db.dispose()
    n = len(online)
    assert len(later) == n and sent_later == n and done == 2 * args.reps, (len(later), n, sent_later, done)
    figures = {
        "reps": args.reps, "stops_per_round": args.stops, "records": n,
        "online_ms": round(online_s / n * 1000, 3), "kept_ms": round(kept_s / n * 1000, 3), "resent_ms": round(resent_s / n * 1000, 3),
        "kept_ratio": round(kept_s / online_s, 3), "resent_ratio": round(resent_s / online_s, 3),
    }
    print(f"{n} check-ins each way ({args.reps} rounds of {args.stops} stops)")
    print(f"sent as made (baseline)  {figures['online_ms']:7.3f} ms each")
    print(f"kept, sent later         {figures['kept_ms']:7.3f} ms each   ×{figures['kept_ratio']} of the baseline")
    print(f"sent again (no change)   {figures['resent_ms']:7.3f} ms each   ×{figures['resent_ratio']} of the baseline")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
