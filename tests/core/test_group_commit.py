"""Group commit: units share a transaction, fail alone, and answer only once committed."""

import asyncio
import uuid

import pytest
from sqlalchemy import text
from tests.support import aio

from gridcare.core.errors import InvalidInput
from gridcare.db import Database
from gridcare.group_commit import GroupCommit


@pytest.fixture(autouse=True)
def _drop_probe_tables(request: pytest.FixtureRequest):  # noqa: ANN202
    """The databases outlive the test (per worker): leave no table behind."""
    used = [request.getfixturevalue(n) for n in ("database", "sqlite_database") if n in request.fixturenames]
    yield
    for db in used:
        with db.write() as session:
            session.execute(text("DROP TABLE IF EXISTS child"))
            session.execute(text("DROP TABLE IF EXISTS probe"))


def _table(db: Database) -> None:
    with db.write() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS probe (n INTEGER PRIMARY KEY)"))
        session.execute(text("DELETE FROM probe"))


def _insert(n: int):  # noqa: ANN202
    def unit(session):  # noqa: ANN001, ANN202
        session.execute(text("INSERT INTO probe (n) VALUES (:n)"), {"n": n})
        if n % 5 == 0:
            raise InvalidInput.field("n", f"{n} is a multiple of five")
        return n * 10

    return unit


def test_failing_units_roll_back_alone_and_the_rest_land(database: Database) -> None:
    _table(database)
    writes = GroupCommit(database, max_batch=8)

    async def submit_all() -> list[object]:
        return await asyncio.gather(*(writes.run(_insert(n)) for n in range(1, 41)), return_exceptions=True)

    try:
        results = aio.run(submit_all())
    finally:
        writes.stop()
    for n, result in zip(range(1, 41), results, strict=True):
        if n % 5 == 0:
            assert isinstance(result, InvalidInput) and result.problems[0].field == "n"
        else:
            assert result == n * 10
    with database.read() as session:
        stored = [row[0] for row in session.execute(text("SELECT n FROM probe ORDER BY n"))]
    assert stored == [n for n in range(1, 41) if n % 5]


def test_a_caller_hears_back_only_after_the_commit(sqlite_database: Database) -> None:
    _table(sqlite_database)
    writes = GroupCommit(sqlite_database)
    seen: list[int] = []

    async def write_then_read_elsewhere() -> None:
        await writes.run(_insert(7))
        # A fresh connection (another transaction) must already see the row.
        with sqlite_database.read() as session:
            seen.append(session.execute(text("SELECT count(*) FROM probe WHERE n = 7")).scalar_one())

    try:
        aio.run(write_then_read_elsewhere())
    finally:
        writes.stop()
    assert seen == [1]


def test_a_failed_commit_fails_every_unit_of_the_batch(sqlite_database: Database) -> None:
    _table(sqlite_database)
    with sqlite_database.write() as session:
        session.execute(text("CREATE TABLE child (id INTEGER PRIMARY KEY, probe_n INTEGER REFERENCES probe(n) DEFERRABLE INITIALLY DEFERRED)"))

    def orphan(session):  # noqa: ANN001, ANN202
        # A deferred foreign key is checked at COMMIT: the unit itself succeeds.
        session.execute(text("INSERT INTO child (probe_n) VALUES (999)"))
        return "orphan"

    writes = GroupCommit(sqlite_database)
    outcomes = writes._commit([(_insert(1), None, None), (orphan, None, None)])  # one batch, as the thread would run it
    assert [value for value, _error in outcomes] == [None, None]
    assert all(error is not None for _value, error in outcomes)
    with sqlite_database.read() as session:
        assert session.execute(text("SELECT count(*) FROM probe")).scalar_one() == 0


def test_a_batch_whose_deferred_rows_clash_runs_again_unit_by_unit(database: Database) -> None:
    """Two intakes appending to one audit stream in one batch: the second would start the
    stream over while the first one's head waits to be inserted. The clash surfaces at the
    end of the batch; the units then run apart, and the chain comes out whole."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from gridcare.audit import service as audit
    from gridcare.audit.models import AuditEntry
    from gridcare.core.principal import system_principal

    at, actor, stream = datetime(2026, 12, 4, tzinfo=UTC), system_principal("test"), uuid.uuid4().hex[:12]

    def first(session):  # noqa: ANN001, ANN202
        audit.record_many(session, actor=actor, at=at, entries=[audit.Append("order.create", stream, 1)], new_streams=True)
        return "first"

    def second(session):  # noqa: ANN001, ANN202
        audit.record_many(session, actor=actor, at=at, entries=[audit.Append("order.update", stream, 1)])
        return "second"

    writes = GroupCommit(database)
    outcomes = writes._commit([(first, None, None), (second, None, None)])  # one batch, as the thread would run it
    assert outcomes == [("first", None), ("second", None)]
    with database.read() as session:
        entries = session.execute(select(AuditEntry.seq, AuditEntry.action).where(AuditEntry.entity == stream).order_by(AuditEntry.seq)).all()
    assert [tuple(e) for e in entries] == [(1, "order.create"), (2, "order.update")]


def test_a_batch_reads_ahead_once_for_its_units_and_not_when_they_run_apart(sqlite_database: Database) -> None:
    from gridcare.group_commit import _ReadingAhead

    _table(sqlite_database)
    asked: list[list[int]] = []

    def ahead(session, keys):  # noqa: ANN001, ANN202
        asked.append(list(keys))
        session.info["ahead"] = {k: k * 100 for k in keys}

    def unit(n: int):  # noqa: ANN202
        def take(session):  # noqa: ANN001, ANN202
            return session.info.get("ahead", {}).get(n), _insert(n)(session)

        return _ReadingAhead(take, ahead, n)

    writes = GroupCommit(sqlite_database)
    together = writes._commit([(unit(n), None, None) for n in (1, 2, 3)])  # noqa: SLF001
    assert together == [((100, 10), None), ((200, 20), None), ((300, 30), None)] and asked == [[1, 2, 3]]
    # A failing unit (a multiple of five) sends the batch apart: each unit then reads for itself.
    apart = writes._commit([(unit(n), None, None) for n in (4, 5)])  # noqa: SLF001
    assert apart[0] == ((None, 40), None) and isinstance(apart[1][1], InvalidInput) and asked == [[1, 2, 3], [4, 5]]


def test_a_unit_alone_runs_without_a_savepoint_and_fails_alone(database: Database) -> None:
    """Outside a storm every batch holds one order: a SAVEPOINT and its RELEASE would be two
    round trips of each, for nothing. One that fails runs again apart, as in a batch (an
    idempotent replay finds its clash there), and its caller gets its error."""
    from sqlalchemy import event

    _table(database)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", seen)
    writes = GroupCommit(database)
    try:
        landed = writes._commit([(_insert(3), None, None)])  # noqa: SLF001
        on_the_way = list(statements)
        failed = writes._commit([(_insert(5), None, None)])  # noqa: SLF001
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)
    assert landed == [(30, None)]
    assert [s for s in on_the_way if "INSERT INTO probe" in s] and not [s for s in on_the_way if "SAVEPOINT" in s.upper()]
    assert failed[0][0] is None and isinstance(failed[0][1], InvalidInput) and failed[0][1].problems[0].field == "n"
    with database.read() as session:
        assert [row[0] for row in session.execute(text("SELECT n FROM probe ORDER BY n"))] == [3]
