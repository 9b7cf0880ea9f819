"""What fault triage reads of a feeder's recent repair calls: every call of the window, even
on a busy feeder — several faults under one feeder bring hundreds of calls, and the earliest
hold the master orders of the first predictions."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from gridcare.workorders import queries, service
from gridcare.workorders.models import WorkOrder


def test_a_busy_feeder_s_window_keeps_its_earliest_calls(database, clock, org):
    agent = org.principal("agent")
    ids = []
    for i in range(360):  # the busiest feeders of bench/storm.py's 200-fault storm
        with database.write() as session:
            order = service.create_order(session, actor=agent, now=clock.now(), intake=service.Intake(category="repair", channel="hotline", account=("E001", "E002", "E003")[i % 3], description="停电", idempotency_key=f"k{i}")).order
            ids.append((order.id, order.supply_point))
        clock.advance(timedelta(seconds=1))
    with database.read() as session:
        found = queries.recent_repairs(session, utility="electric", since=clock.now() - timedelta(minutes=30), supply_points=sorted({p for _i, p in ids}))
    assert [row[0] for row in found] == [i for i, _p in ids]


def test_a_storm_s_analysis_reads_its_own_feeder_not_the_whole_window(database, clock, org):
    """A storm crowds the last minutes, and the planner's statistics, made before it, cannot
    know that: each feeder's analysis must still read only that feeder's calls, or every
    analysis costs as much as the whole storm so far."""
    if database.dialect != "postgresql":
        pytest.skip("SQLite has no statistics to go stale this way")
    agent = org.principal("agent")
    with database.write() as session:
        model = service.create_order(session, actor=agent, now=clock.now(), intake=service.Intake(category="repair", channel="hotline", account="E001", description="停电", idempotency_key="model")).order.id
    copied = [c.key for c in WorkOrder.__table__.c if c.key not in {"id", "number", "idempotency_key", "created_at", "supply_point", "status"}]
    clone = text(
        f"INSERT INTO work_orders (number, idempotency_key, created_at, supply_point, status, {', '.join(copied)}) "
        f"SELECT :tag || g, :tag || g, CAST(:at AS timestamptz) - g * CAST(:step AS interval), 'TX' || (g % 200), :status, {', '.join(copied)} "
        "FROM work_orders, generate_series(1, :n) AS g WHERE id = :model"
    )
    with database.write() as session:  # a year of closed calls under 200 transformers
        session.execute(clone, {"tag": "H", "at": clock.now(), "step": "20 minutes", "status": "closed", "n": 25_000, "model": model})
    with database.write() as session:
        session.execute(text("ANALYZE work_orders"))
    with database.write() as session:  # then a storm: 5,000 calls in ten minutes
        session.execute(clone, {"tag": "S", "at": clock.now(), "step": "0.12 seconds", "status": "dispatched", "n": 5_000, "model": model})
    feeder = [f"TX{i}" for i in range(10)]
    fetched = text("SELECT coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables WHERE relname = 'work_orders'")
    with database.read() as session:
        before = session.execute(fetched).scalar()
        found = queries.recent_repairs(session, utility="electric", since=clock.now() - timedelta(minutes=30), supply_points=feeder)
        read = session.execute(fetched).scalar() - before
    assert len(found) == 250  # the feeder's 10 transformers each had 25 of the storm's calls
    assert read <= 2 * len(found), f"read {read} calls to find {len(found)}"
