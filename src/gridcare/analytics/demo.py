"""Demo data of analytics: the rollup over the demo's year of orders, a year of meter and
billing aggregates per grid, a few ratings, and snapshots of every closed month, so the
dashboard, the choropleth and the scorecards have something to show. Deterministic per seed."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from gridcare.analytics import periods, rollup, scorecards, scoring
from gridcare.analytics.models import MeterAggregate, Rating
from gridcare.core.clock import Clock
from gridcare.core.principal import system_principal

Progress = Callable[[str, int, int], None]


def load_demo(db: Any, clock: Clock, *, seed: int, progress: Progress) -> None:
    from gridcare.customers import service as customers
    from gridcare.grids.models import Grid

    actor = system_principal("demo")
    now = clock.now()
    rnd = random.Random(seed * 7919 + 16)
    _hot_topic(db, clock, rnd)
    with db.write() as session:
        rollup.rebuild_all(session, now=now, progress=progress)
        grids = list(session.scalars(select(Grid).order_by(Grid.code)))
        counts = customers.counts_by_grid(session)
        months = periods.months_back(periods.last_closed_month(now), 12)
        rows = []
        for g in grids:
            served = max(counts.get(g.id, 0), 50)
            # Each grid keeps its character through the year (a leaky DMA stays leaky).
            leak, reading, paying = rnd.uniform(0.08, 0.30), rnd.uniform(0.93, 0.995), rnd.uniform(0.90, 0.99)
            for m in months:
                due = served
                read = min(due, round(due * min(0.999, reading + rnd.uniform(-0.02, 0.01))))
                billed = round(served * rnd.uniform(60, 140), 2)
                supplied = round(served * rnd.uniform(9, 14), 1) if g.utility == "water" else None
                rows.append(
                    MeterAggregate(
                        month=m.label, grid_id=g.id, supplied_m3=supplied, billed_m3=round(supplied * (1 - leak + rnd.uniform(-0.03, 0.03)), 1) if supplied else None,
                        meters_due=due, meters_read=read, billed_amount=billed, collected_amount=round(billed * min(1.0, paying + rnd.uniform(-0.04, 0.03)), 2),
                        imported_at=now, imported_by="demo",
                    )
                )  # fmt: skip
        session.add_all(rows)
        progress("aggregates", len(rows), len(rows))
        for g in grids:
            for m in months[-3:]:
                for rater in scoring.RATERS:
                    session.add(Rating(month=m.label, subject_kind="grid", subject_id=g.id, rater=rater, score=round(rnd.uniform(70, 98), 1), note="", entered_by="demo", entered_at=now))
        session.flush()
        for i, m in enumerate(months, start=1):
            scorecards.snapshot(session, actor=actor, now=now, month=m.label)
            progress("scorecards", i, len(months))


# Callers of one water grid this morning, each in their own words, about the same thing: what
# the hot topics page is for (a main flushed after repairs, say).
FLAKES = ("自来水里有白色絮状物，还能喝吗", "水龙头放出来的水有白色絮状物", "烧开的水有白色絮状物沉淀", "家里水有白色絮状物，是不是水管坏了",
          "自来水有白色絮状物和异味", "白色絮状物，担心水质问题", "水里漂着白色絮状物")


def _hot_topic(db: Any, clock: Clock, rnd: random.Random) -> None:
    from datetime import timedelta

    from gridcare.customers import service as customers
    from gridcare.grids import service as grids
    from gridcare.workorders import service as orders

    actor = system_principal("demo")
    with db.read() as session:
        water = [g for g in grids.list_grids(session, actor=actor) if g.utility == "water"]
        accounts = []
        for g in water:
            accounts = [c.account for c in customers.search(session, actor=actor, grid_id=g.id, limit=len(FLAKES))[0]]
            if len(accounts) == len(FLAKES):
                break
    if len(accounts) < len(FLAKES):
        return
    start = clock.now() - timedelta(hours=9)
    for k, (account, words) in enumerate(zip(accounts, FLAKES, strict=True)):
        with db.write() as session:
            intake = orders.Intake(category="consultation", channel="hotline", account=account, description=words, idempotency_key=f"demo-flakes-{k}")
            orders.create_order(session, actor=actor, now=start + timedelta(minutes=rnd.randint(60 * k, 60 * k + 50)), intake=intake)
