import threading

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
            deadline = time.monotonic() + 10
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
