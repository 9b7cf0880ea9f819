"""Reads run together give exactly the rows the session gives them one by one, on both
databases; on PostgreSQL they wait for the server once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, select
from tests.support.wire import watched

from gridcare.db import Database
from gridcare.outbox import OutboxRow
from gridcare.together import Reads, read, together

AT = datetime(2026, 12, 5, 3, 15, 7, 654321, tzinfo=UTC)

BY_TOPICS = (
    select(OutboxRow.id, OutboxRow.key, OutboxRow.payload, OutboxRow.available_at, OutboxRow.attempts)
    .where(OutboxRow.topic.in_(bindparam("topics", expanding=True)))
    .order_by(OutboxRow.id)
    .limit(bindparam("limit"))
)
COUNT_FROM = select(OutboxRow.topic, OutboxRow.created_at).where(OutboxRow.attempts >= bindparam("attempts")).order_by(OutboxRow.created_at.desc(), OutboxRow.topic)


def _fill(database: Database) -> None:
    rows = [
        {"topic": f"t{i % 3}", "key": f"k{i}", "payload": {"i": i, "text": "停电 50%", "nested": [None, 1.5]}, "status": "pending", "attempts": i, "available_at": AT + timedelta(seconds=i), "created_at": AT - timedelta(minutes=i)}
        for i in range(9)
    ]
    with database.write() as session:
        session.connection().execute(OutboxRow.__table__.insert(), rows)


def _one_by_one(database: Database, statements: list[tuple[object, dict[str, object]]]) -> list[list[tuple[object, ...]]]:
    with database.read() as session:
        return [[tuple(r) for r in session.execute(stmt, params).all()] for stmt, params in statements]


def test_rows_are_the_sessions_own(database: Database) -> None:
    _fill(database)
    statements = [
        (BY_TOPICS, {"topics": ["t0", "t2"], "limit": 4}),
        (BY_TOPICS, {"topics": ["t1"], "limit": 10}),  # the same statement, another IN length
        (BY_TOPICS, {"topics": [], "limit": 10}),  # an empty IN matches nothing
        (COUNT_FROM, {"attempts": 6}),
    ]
    with database.read() as session:
        answers = together(
            session,
            Reads((statements[0], statements[1]), lambda rows: [[(r.key, r.payload, r.available_at) for r in found] for found in rows]),
            Reads((statements[2],), lambda rows: rows[0]),
            Reads((), lambda rows: "no statements"),
            Reads((statements[3],), lambda rows: [tuple(r) for r in rows[0]]),
        )
    expected = _one_by_one(database, statements)
    first, second = answers[0]
    assert first == [(k, p, a) for _, k, p, a, _ in expected[0]]
    assert [r[0] for r in first] == ["k0", "k2", "k3", "k5"]
    assert second == [(k, p, a) for _, k, p, a, _ in expected[1]]
    assert answers[1] == [] and answers[2] == "no statements"
    assert answers[3] == expected[3] and [t for t, _ in answers[3]] == ["t0", "t1", "t2"]
    assert first[0][1] == {"i": 0, "text": "停电 50%", "nested": [None, 1.5]}  # JSON read back as Python
    assert first[0][2] == AT and first[0][2].tzinfo is not None  # an aware UTC datetime


def test_one_query_alone(database: Database) -> None:
    _fill(database)
    with database.read() as session:
        keys = read(session, Reads(((BY_TOPICS, {"topics": ["t1"], "limit": 2}),), lambda rows: [r.key for r in rows[0]]))
    assert keys == ["k1", "k4"]


def test_postgresql_waits_for_the_server_once(postgres_database: Database) -> None:
    """libpq's own trace of the wire: every statement goes out, then one Sync."""
    database = postgres_database
    _fill(database)
    statements = [(BY_TOPICS, {"topics": ["t0"], "limit": 9}), (BY_TOPICS, {"topics": ["t1"], "limit": 9}), (COUNT_FROM, {"attempts": 0})]
    with watched(database) as wire, database.read() as session:
        found = together(session, *(Reads((s,), lambda rows: len(rows[0])) for s in statements))
    assert found == (3, 3, 9)
    assert [len(trip) for trip in wire.trips] == [3]
    assert all("FROM outbox" in sql for sql in wire.trips[0])


def test_a_failing_read_is_cores_error_and_the_transaction_ends(postgres_database: Database) -> None:
    """(SQLite casts any text to a number: nothing to fail there.)"""
    from sqlalchemy import Integer, cast, literal
    from sqlalchemy.exc import DataError

    database = postgres_database
    bad = select(cast(literal("not a number"), Integer))
    with pytest.raises(DataError), database.read() as session:
        together(session, Reads(((BY_TOPICS, {"topics": ["t0"], "limit": 1}), (bad, {})), lambda rows: rows))
    with database.read() as session:  # the pool's connection is usable again
        assert read(session, Reads(((BY_TOPICS, {"topics": ["t0"], "limit": 1}),), lambda rows: rows[0])) == []
