import threading

import pytest
from sqlalchemy import text


def test_it_lets_another_thread_finish_a_write_transaction(sqlite_database):
    """FastAPI may run a yield dependency's exit in another pool thread than its entry."""
    ctx = sqlite_database.write()
    session = ctx.__enter__()
    session.execute(text("CREATE TABLE probe (x INTEGER)"))
    errors: list[BaseException] = []

    def finish() -> None:
        try:
            ctx.__exit__(None, None, None)
        except BaseException as exc:  # handed to the assertion below
            errors.append(exc)

    t = threading.Thread(target=finish)
    t.start()
    t.join()
    assert errors == []
    with sqlite_database.write() as again:  # the writer lock was released
        assert again.execute(text("SELECT count(*) FROM probe")).scalar() == 0


def test_it_queues_sqlite_writers_instead_of_failing_them(sqlite_database):
    with sqlite_database.write() as session:
        session.execute(text("CREATE TABLE counter (n INTEGER)"))
        session.execute(text("INSERT INTO counter VALUES (0)"))

    def bump() -> None:
        for _ in range(50):
            with sqlite_database.write() as s:
                n = s.execute(text("SELECT n FROM counter")).scalar()
                s.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with sqlite_database.read() as s:
        assert s.execute(text("SELECT n FROM counter")).scalar() == 200


def test_sqlite_writers_of_every_database_on_one_file_share_one_turn(sqlite_database):
    from gridcare.db import Database

    other = Database(sqlite_database.url)
    try:
        assert other._write_lock is sqlite_database._write_lock
        with sqlite_database.write():
            # The turn is taken: a second writer on the same file, through another Database, waits.
            assert not other._write_lock.acquire(timeout=0.05)
        assert other._write_lock.acquire(timeout=1)
        other._write_lock.release()
    finally:
        other.dispose()


def test_a_sqlite_writer_waits_for_another_process_holding_the_file_s_turn(sqlite_database, tmp_path):
    """``serve`` and its worker child take turns through a lock file beside the database."""
    import subprocess
    import sys

    from sqlalchemy import text

    lock_file = sqlite_database.url.removeprefix("sqlite:///") + "-writer.lock"
    released = tmp_path / "released"
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import fcntl, os, sys, time\n"
            f"fd = os.open({lock_file!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(0.5)\n"
            f"open({str(released)!r}, 'w').close()\n"
            "fcntl.flock(fd, fcntl.LOCK_UN)\n"
        )],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline() == b"held\n"
        with sqlite_database.write() as session:
            # Only once the other process let go: it wrote its mark before releasing.
            assert released.exists()
            session.execute(text("SELECT 1"))
    finally:
        holder.wait(10)


def test_sqlite_writers_of_two_processes_alternate_when_both_want_to_write(sqlite_database, tmp_path):
    """A writer that wants the turn back the moment it let go queues behind the other
    process's waiting writer (the worker child is not starved by intake's group commit)."""
    import fcntl
    import os
    import subprocess
    import sys
    import time

    base = sqlite_database.url.removeprefix("sqlite:///")
    mark = tmp_path / "other-wrote"
    other = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, time\n"
        f"queue = os.open({base + '-writer.queue'!r}, os.O_RDWR | os.O_CREAT)\n"
        f"writer = os.open({base + '-writer.lock'!r}, os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(queue, fcntl.LOCK_EX)\n"
        "fcntl.flock(writer, fcntl.LOCK_EX)\n"
        "fcntl.flock(queue, fcntl.LOCK_UN)\n"
        f"open({str(mark)!r}, 'w').close()\n"
        "time.sleep(0.2)\n"
        "fcntl.flock(writer, fcntl.LOCK_UN)\n"
    )])
    probe = os.open(base + "-writer.queue", os.O_RDWR | os.O_CREAT)
    try:
        with sqlite_database.write():
            # Only a bound against hanging: on a busy CI machine a new interpreter once took
            # more than 10 s to start and open the lock files.
            deadline = time.monotonic() + 60
            while True:  # until the other process waits in the queue for our turn to end
                try:
                    fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(probe, fcntl.LOCK_UN)
                except BlockingIOError:
                    break
                assert time.monotonic() < deadline, "the other process never queued"
                time.sleep(0.01)
        with sqlite_database.write():
            assert mark.exists()  # it had its turn before ours came back
    finally:
        os.close(probe)
        other.wait(10)


def test_a_read_refuses_to_write_through_the_orm(database, clock):
    from gridcare.customers.models import Customer

    with pytest.raises(RuntimeError, match="a read transaction does not write"):
        with database.read() as session:
            session.add(Customer(account="R-1", name="读", utility="electric", created_at=clock.now(), updated_at=clock.now()))
            session.flush()
    with database.read() as session:
        assert session.execute(text("SELECT count(*) FROM customers WHERE account = 'R-1'")).scalar() == 0


def test_a_postgresql_read_holds_no_transaction_open_between_its_statements(postgres_database):
    """Each statement of a read at READ COMMITTED sees its own snapshot anyway; a read without
    BEGIN and ROLLBACK saves two round trips and never sits idle in a transaction."""
    from psycopg.pq import TransactionStatus

    with postgres_database.read() as session:
        assert session.execute(text("SELECT 1")).scalar() == 1
        assert session.connection().connection.driver_connection.info.transaction_status is TransactionStatus.IDLE


def test_a_postgresql_write_after_a_read_on_the_same_connection_is_still_one_transaction(postgres_database, clock):
    from gridcare.customers.models import Customer

    for i in range(3):
        with postgres_database.read() as session:
            used = session.connection().connection.driver_connection
        with pytest.raises(ZeroDivisionError):
            with postgres_database.write() as session:
                assert session.connection().connection.driver_connection is used  # the pool gave it back
                session.add(Customer(account=f"T-{i}", name="写", utility="electric", created_at=clock.now(), updated_at=clock.now()))
                session.flush()
                1 / 0  # noqa: B018 - fails the write after its insert
    with postgres_database.read() as session:
        assert session.execute(text("SELECT count(*) FROM customers")).scalar() == 0


@pytest.mark.parametrize("snapshot", [False, True])
def test_a_snapshot_read_sees_the_database_as_at_its_first_statement(database, clock, snapshot):
    from gridcare.customers.models import Customer

    def add(account: str) -> None:
        with database.write() as session:
            session.add(Customer(account=account, name="新", utility="electric", created_at=clock.now(), updated_at=clock.now()))

    count = text("SELECT count(*) FROM customers")
    add("N-1")
    if database.dialect == "sqlite":
        expected = 1  # a SQLite read is one snapshot either way
    else:
        expected = 1 if snapshot else 2
    with database.read(snapshot=snapshot) as session:
        assert session.execute(count).scalar() == 1
        add("N-2")  # another connection commits meanwhile
        assert session.execute(count).scalar() == expected
