"""Prepared statements store exactly what Core would, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, select

from gridcare.db import Database
from gridcare.outbox import OutboxRow
from gridcare.prepared import MAX_ROWS_PER_INSERT, Prepared, deferred_inserts
from gridcare.workorders.models import OrderCounter

ROW_KEYS = ["topic", "key", "payload", "status", "attempts", "available_at", "created_at"]
AT = datetime(2026, 12, 4, 6, 30, 15, 123456, tzinfo=UTC)


def _row(topic: str, **overrides: object) -> dict[str, object]:
    row = {"topic": topic, "key": "k", "payload": {"id": 7, "text": "停电", "nested": [1, None]}, "status": "pending", "attempts": 0, "available_at": AT, "created_at": AT - timedelta(hours=9)}
    row.update(overrides)
    return row


def _stored(db: Database, topic: str) -> tuple[object, ...]:
    with db.read() as session:
        found = session.scalars(select(OutboxRow).where(OutboxRow.topic == topic)).one()
        return (found.key, found.payload, found.status, found.attempts, found.available_at, found.created_at)


def test_insert_stores_what_core_stores(database: Database) -> None:
    insert = Prepared(OutboxRow.__table__.insert(), keys=ROW_KEYS)
    with database.write() as session:
        session.connection().execute(OutboxRow.__table__.insert(), [_row("by-core")])
        insert.execute_many(session.connection(), [_row("by-prepared")])
        insert.execute_many(session.connection(), [])  # nothing to write is no statement
    assert _stored(database, "by-prepared") == _stored(database, "by-core")
    assert _stored(database, "by-prepared")[4] == AT  # an aware UTC datetime comes back


def test_many_rows_store_what_core_stores_in_order(database: Database) -> None:
    # On PostgreSQL, one multi-row INSERT per hundred rows; elsewhere executemany.
    insert = Prepared(OutboxRow.__table__.insert(), keys=ROW_KEYS)
    rows = [_row("many", key=f"k{i}", attempts=i, payload={"i": i, "text": "停电"}, available_at=AT + timedelta(seconds=i)) for i in range(MAX_ROWS_PER_INSERT + 3)]
    with database.write() as session:
        insert.execute_many(session.connection(), rows[:2])
        insert.execute_many(session.connection(), rows[2:])
        session.connection().execute(OutboxRow.__table__.insert(), [{**r, "topic": "many-core"} for r in rows])
    with database.read() as session:
        def stored(topic: str) -> list[tuple[object, ...]]:
            found = session.scalars(select(OutboxRow).where(OutboxRow.topic == topic).order_by(OutboxRow.id))
            return [(o.key, o.payload, o.status, o.attempts, o.available_at, o.created_at) for o in found]

        assert stored("many") == stored("many-core")
        assert [k for k, *_ in stored("many")] == [f"k{i}" for i in range(len(rows))]


def test_returning_many_gives_back_the_rows_an_upsert_took_and_skips_the_rest(database: Database) -> None:
    # A unique key: the order counter's day. Rows whose day is taken return nothing.
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if database.engine.dialect.name == "postgresql" else sqlite
    insert = Prepared(dialect.insert(OrderCounter).on_conflict_do_nothing(index_elements=["day"]).returning(OrderCounter.day, OrderCounter.last), keys=["day", "last"])
    days = [f"2026{m:02d}{d:02d}" for m in (1, 2, 3, 4) for d in range(1, 29)][: MAX_ROWS_PER_INSERT + 5]
    with database.write() as session:
        assert insert.returning_many(session.connection(), [{"day": days[0], "last": 0}]) == [(days[0], 0)]
        took = insert.returning_many(session.connection(), [{"day": day, "last": i} for i, day in enumerate(days)])
        assert insert.returning_many(session.connection(), []) == []
    assert sorted(took) == [(day, i) for i, day in enumerate(days)][1:]  # the first day was taken
    with database.read() as session:
        assert dict(session.execute(select(OrderCounter.day, OrderCounter.last)).all()) == {days[0]: 0, **{day: i for i, day in enumerate(days) if i}}


def _counting_by_one(dialect_name: str):  # noqa: ANN202
    """An upsert with a value written into the statement (``last=1``), not bound."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = {"postgresql": postgresql, "sqlite": sqlite}[dialect_name]
    stmt = dialect.insert(OrderCounter).values(day=bindparam("day"), last=1)
    return stmt.on_conflict_do_update(index_elements=["day"], set_={"last": OrderCounter.last + 1}).returning(OrderCounter.last)


def test_returning_and_fixed_values(database: Database) -> None:
    counter = Prepared(_counting_by_one(database.dialect), keys=["day"])
    with database.write() as session:
        numbers = [counter.scalar(session.connection(), {"day": "20261204"}) for _ in range(3)]
        other = counter.scalar(session.connection(), {"day": "20261205"})
    assert numbers == [1, 2, 3] and other == 1


def test_select_and_rollback(database: Database) -> None:
    insert = Prepared(OutboxRow.__table__.insert(), keys=ROW_KEYS)
    by_topic = Prepared(select(OutboxRow.id, OutboxRow.key).where(OutboxRow.topic == bindparam("topic")))
    try:
        with database.write() as session:
            insert.execute_many(session.connection(), [_row("gone")])
            assert by_topic.first(session.connection(), {"topic": "gone"})[1] == "k"
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    with database.read() as session:
        # It ran in the caller's transaction: the rollback took the row with it.
        assert by_topic.scalar(session.connection(), {"topic": "gone"}) is None


def test_driver_errors_come_out_as_cores(database: Database) -> None:
    """A broken constraint is SQLAlchemy's IntegrityError, as with Core: callers that catch
    it, and the problem handlers, cannot tell the difference."""
    from sqlalchemy.exc import IntegrityError

    insert = Prepared(OutboxRow.__table__.insert(), keys=ROW_KEYS)
    with pytest.raises(IntegrityError):
        with database.write() as session:
            insert.execute_many(session.connection(), [_row("no status", status=None)])


def _count(session, topic: str) -> int:
    return len(session.scalars(select(OutboxRow.id).where(OutboxRow.topic == topic)).all())


def test_deferred_rows_wait_for_the_end_of_the_block_and_keep_their_order(database: Database) -> None:
    later = Prepared(OutboxRow.__table__.insert(), keys=ROW_KEYS, deferrable=True)
    now = Prepared(OutboxRow.__table__.insert(), keys=ROW_KEYS)
    with database.write() as session:
        connection = session.connection()
        with deferred_inserts(connection):
            for i in range(3):
                later.execute_many(connection, [_row("deferred", key=f"k{i}")])
            now.execute_many(connection, [_row("at-once")])
            with deferred_inserts(connection):  # nested: the outer block inserts
                later.execute_many(connection, [_row("deferred", key="k3")])
            assert (_count(session, "deferred"), _count(session, "at-once")) == (0, 1)
        assert _count(session, "deferred") == 4
        assert "gridcare.deferred_inserts" not in connection.info
    with database.read() as session:
        keys = session.scalars(select(OutboxRow.key).where(OutboxRow.topic == "deferred").order_by(OutboxRow.id)).all()
    assert keys == ["k0", "k1", "k2", "k3"]


def test_deferred_rows_are_dropped_when_the_block_fails(database: Database) -> None:
    later = Prepared(OutboxRow.__table__.insert(), keys=ROW_KEYS, deferrable=True)
    with database.write() as session:
        connection = session.connection()
        with pytest.raises(RuntimeError), deferred_inserts(connection):
            later.execute_many(connection, [_row("dropped")])
            raise RuntimeError("a unit failed")
        assert "gridcare.deferred_inserts" not in connection.info
        later.execute_many(connection, [_row("kept")])  # outside a block: at once
        assert (_count(session, "dropped"), _count(session, "kept")) == (0, 1)


def test_percent_signs_in_the_statement_reach_the_database_as_written(database: Database) -> None:
    # On PostgreSQL statements go out with $n placeholders on a RawCursor: nothing may
    # double or swallow a % (as a driver parsing %(name)s placeholders would).
    from sqlalchemy import literal_column

    insert = Prepared(OutboxRow.__table__.insert(), keys=ROW_KEYS)
    exact = Prepared(select(OutboxRow.key).where(OutboxRow.topic == literal_column("'50%'"), OutboxRow.key == bindparam("key")))
    with database.write() as session:
        insert.execute_many(session.connection(), [_row("50%%", key="a"), _row("50", key="a"), _row("50%", key="b")])
        assert exact.scalar(session.connection(), {"key": "a"}) is None
        assert exact.scalar(session.connection(), {"key": "b"}) == "b"


def test_ids_are_drawn_ahead_for_rows_that_wait_and_only_there(database: Database) -> None:
    from sqlalchemy import text

    from gridcare.prepared import reserved_id

    table = OutboxRow.__table__
    with database.write() as session:
        connection = session.connection()
        assert reserved_id(connection, table, 3) is None  # not deferring: the insert returns the id
        with deferred_inserts(connection):
            drawn = [reserved_id(connection, table, 3) for _ in range(4)]
            if database.dialect == "postgresql":
                # Three drawn at once, then three more; the last two are the block's gap.
                assert drawn[1:3] == [drawn[0] + 1, drawn[0] + 2] and drawn[3] > drawn[2]
                after = connection.execute(text("SELECT last_value FROM outbox_id_seq")).scalar()
                assert after == drawn[3] + 2
                insert = Prepared(table.insert(), keys=["id", *ROW_KEYS], deferrable=True)
                insert.execute_many(connection, [{"id": drawn[0], **_row("drawn")}])
            else:
                assert drawn == [None] * 4  # SQLite has no sequence to draw from
        if database.dialect == "postgresql":
            assert connection.execute(text("SELECT topic FROM outbox WHERE id = :id"), {"id": drawn[0]}).scalar() == "drawn"
            with deferred_inserts(connection):  # a new block draws anew: no id of the last one is reused
                assert reserved_id(connection, table, 1) == drawn[3] + 3


def test_waiting_rows_go_out_parents_first_whatever_order_they_came_in(database: Database, clock) -> None:  # noqa: ANN001
    from tests.support import org as demo_org

    from gridcare.workorders import service
    from gridcare.workorders.models import OrderEvent, WorkOrder

    org = demo_org.load(database, clock)
    with database.write() as session:  # an order to copy the columns of
        made = service.create_order(session, actor=org.principal("agent"), now=clock.now(), intake=service.Intake(category="consultation", channel="hotline", description="模板")).order
        row = {c.key: getattr(made, c.key) for c in WorkOrder.__table__.c if c.key != "id"}
    orders = Prepared(WorkOrder.__table__.insert(), keys=["id", *row], deferrable=True)
    events = Prepared(OrderEvent.__table__.insert(), keys=["order_id", "at", "actor", "origin", "kind", "status_from", "status_to", "note", "data"], deferrable=True)
    with database.write() as session:
        connection = session.connection()
        new_id = made.id + 1000
        with deferred_inserts(connection):
            # The child's row first: a foreign key checked per statement would refuse it.
            events.execute_many(connection, [{"order_id": new_id, "at": AT, "actor": "t", "origin": "", "kind": "order.created", "status_from": None, "status_to": "new", "note": "", "data": {}}])
            orders.execute_many(connection, [{**row, "id": new_id, "number": "GD-WAIT-1"}])
    with database.read() as session:
        assert session.get(WorkOrder, new_id).number == "GD-WAIT-1"
