"""The queue view reads open orders in their queue order from an index on PostgreSQL,
instead of sorting every open order of the city on each request."""

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import event

from gridcare.workorders import queries, service, states
from gridcare.workorders.models import QUEUE_STATUSES


def test_the_queue_holds_the_open_orders_and_those_waiting_for_callback_or_review():
    expected = {s.value for s in states.Status if s.group is states.Group.OPEN} | {"callback_pending", "review_pending"}
    assert set(QUEUE_STATUSES) == expected
    # The migration froze the index's statuses: a queue with other statuses needs a new one.
    path = Path(queries.__file__).parents[1] / "migrations" / "versions" / "0021_queue_index.py"
    spec = importlib.util.spec_from_file_location("m0021", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert {s.strip().strip("'") for s in migration.QUEUE.split(",")} == set(QUEUE_STATUSES)


@pytest.mark.postgres
def test_postgresql_reads_the_queue_from_its_index(database, clock, org):
    if database.engine.dialect.name != "postgresql":
        pytest.skip("the index is PostgreSQL's")
    agent = org.principal("agent")
    with database.write() as session:
        for i in range(30):
            service.create_order(session, actor=agent, now=clock.now(), intake=service.Intake(category="repair", channel="hotline", account="E001", description="停电", idempotency_key=f"q{i}"))
    statements = []

    def grab(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        statements.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", grab)
    try:
        with database.write() as session:  # SET LOCAL below needs a transaction
            shown = queries.queue(session, actor=agent, now=clock.now(), limit=10)
            statement, parameters = statements[-1]
            # Without sorting, the only way to this order is the index: it must be usable.
            session.connection().exec_driver_sql("SET LOCAL enable_sort = off")
            plan = "\n".join(r[0] for r in session.connection().exec_driver_sql("EXPLAIN " + statement, parameters))
    finally:
        event.remove(database.engine, "before_cursor_execute", grab)
    assert "ix_work_orders_queue" in plan, plan
    # The statuses are in the text: a generic plan of a prepared statement, which cannot see
    # bound values, can use the partial index too.
    assert "'review_pending'" in statement
    assert len(shown) == 10 and all(o.status in QUEUE_STATUSES for o in shown)
