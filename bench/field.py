"""Benchmark: generating a month of patrol tasks, and running it again (which must create
nothing).

    python bench/field.py [--seed S] [--plans P] [--stops K] [--days D] [--json]

Builds a migrated SQLite database with one grid, P·K transformers inside it and P daily
patrol plans of K stops each (holidays move to the next working day), then times
``patrols.generate`` over D days: the first run (P·D tasks, P·D·K stops) and a second run
that finds every task already there. The baseline, measured in the same run over the same
plans, is the straightforward generator: for each (plan, day) look the key up, insert the
task, flush for its id, insert its stops. With ``--json`` the last line is a JSON object
with ``tasks``, ``stops``, ``first_s``, ``rerun_s``, ``baseline_s``, ``baseline_rerun_s`` and
the ratios ``speedup`` and ``rerun_speedup`` (baseline time / ours)."""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta

try:
    import gridcare  # noqa: F401
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "src"))

os.environ.setdefault("GRIDCARE_PASSWORD_HASH_PROFILE", "cheapest")

from _patrol_area import transformer_grid  # noqa: E402  (bench/ is the script's folder)
from sqlalchemy import delete, select

from gridcare.core.clock import SHANGHAI, to_local
from gridcare.core.principal import system_principal
from gridcare.db import Database
from gridcare.field import patrols, rules
from gridcare.field.models import PatrolPlan, PatrolStop, PatrolTask
from gridcare.migrations_runner import upgrade

NOW = datetime(2026, 9, 20, 7, 0, tzinfo=SHANGHAI)  # the month ahead holds the National Day week


def build(db: Database, *, seed: int, plans: int, stops: int) -> None:
    rng = random.Random(seed)
    actor = system_principal("bench")
    with db.write() as session:
        grid_id = transformer_grid(session, rng=rng, count=plans * stops, now=NOW)
        for p in range(plans):
            codes = [f"T{p * stops + k:05d}" for k in range(stops)]
            patrols.create_plan(session, actor=actor, now=NOW, name=f"plan {p}", grid_id=grid_id, rrule="FREQ=DAILY", codes=codes, holidays="next_workday")


def baseline(db: Database, *, days: int) -> int:
    """The straightforward generator: one lookup, one insert and one flush per task."""
    today = to_local(NOW).date()
    cal = patrols.calendar()
    created = 0
    with db.write() as session:
        for plan in session.scalars(select(PatrolPlan).order_by(PatrolPlan.id)):
            for occ in rules.occurrences(plan.rrule, starts_on=plan.starts_on, window=(today, today + timedelta(days=days)), holidays=plan.holidays, is_workday=cal.is_workday):
                key = f"plan:{plan.id}:{occ.due_on.isoformat()}"
                if session.scalar(select(PatrolTask.id).where(PatrolTask.key == key)) is not None:
                    continue
                task = PatrolTask(key=key, plan_id=plan.id, title=plan.name, utility=plan.utility, grid_id=plan.grid_id, org_path=plan.org_path, assignee_id=plan.assignee_id,
                                  due_on=occ.due_on, planned_on=occ.planned_on, grace_days=plan.grace_days, status="open", late=False, created_at=NOW)
                session.add(task)
                session.flush()
                session.add_all(PatrolStop(task_id=task.id, seq=i, asset_kind=s["kind"], asset_code=s["code"], name=s["name"], lon=s["lon"], lat=s["lat"], max_distance_m=plan.max_distance_m,
                                           far_policy=plan.far_policy, status="pending", far=False, checklist={}, note="", photos=[]) for i, s in enumerate(plan.stops, start=1))
                created += 1
    return created


def ours(db: Database, *, days: int) -> int:
    with db.write() as session:
        return patrols.generate(session, now=NOW, days=days)


def clear(db: Database) -> None:
    with db.write() as session:
        session.execute(delete(PatrolStop))
        session.execute(delete(PatrolTask))


def timed(fn, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN201
    start = time.perf_counter()
    result = fn(*args, **kw)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--plans", type=int, default=200)
    parser.add_argument("--stops", type=int, default=10)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        upgrade(url)
        db = Database(url)
        build(db, seed=args.seed, plans=args.plans, stops=args.stops)
        base_n, base_s = timed(baseline, db, days=args.days)
        _, base_rerun_s = timed(baseline, db, days=args.days)
        clear(db)
        n, first_s = timed(ours, db, days=args.days)
        again, rerun_s = timed(ours, db, days=args.days)
        with db.read() as session:
            stops = len(session.scalars(select(PatrolStop.id)).all())
        db.dispose()
    assert n == base_n and again == 0, (n, base_n, again)
    figures = {
        "plans": args.plans, "stops_per_plan": args.stops, "days": args.days, "tasks": n, "stops": stops,
        "first_s": round(first_s, 3), "rerun_s": round(rerun_s, 3), "baseline_s": round(base_s, 3), "baseline_rerun_s": round(base_rerun_s, 3),
        "speedup": round(base_s / first_s, 2), "rerun_speedup": round(base_rerun_s / rerun_s, 2),
    }
    print(f"{n} tasks ({stops} stops) for {args.plans} plans over {args.days} days")
    print(f"first run   {first_s:7.3f} s   baseline {base_s:7.3f} s   ×{figures['speedup']}")
    print(f"second run  {rerun_s:7.3f} s   baseline {base_rerun_s:7.3f} s   ×{figures['rerun_speedup']}  (creates nothing)")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
