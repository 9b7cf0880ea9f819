"""What fault triage reads of a feeder's recent repair calls: every call of the window, even
on a busy feeder — several faults under one feeder bring hundreds of calls, and the earliest
hold the master orders of the first predictions."""

from datetime import timedelta

from gridcare.workorders import queries, service


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
