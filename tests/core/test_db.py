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
