"""Database adapter: one engine, units of work, and the column types every domain shares.

Embedded mode is a SQLite file in WAL mode; scaled mode is PostgreSQL. The same models and
migrations serve both. Services never commit: the request or job owns the transaction, opened
here with ``Database.write()`` or ``Database.read()``.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import JSON, Connection, DateTime, Engine, MetaData, create_engine, event, make_url
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from gridcare.core.clock import as_utc

# Stable constraint names let Alembic alter SQLite tables in batch mode and keep
# PostgreSQL and SQLite schemas comparable.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite has no time zones; store naive UTC so comparisons stay lexical and correct.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


JSONData = JSON().with_variant(JSONB(), "postgresql")
_T = TypeVar("_T")


def batches(ids: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    """``ids`` in runs of ``size``, one ``IN (...)`` each: databases bound a statement's
    parameters (PostgreSQL 65,535; SQLite 32,766, or 999 on older builds)."""
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" hook issue BEGIN itself, so writers can ask for IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # A writer takes the write lock at BEGIN: a deferred transaction that later upgrades
    # to a writer fails with "database is locked" instead of waiting for its turn.
    mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get("gridcare_write") else "BEGIN"
    conn.exec_driver_sql(mode)


PG_CONNECT_TIMEOUT_SECONDS = 5
PG_POOL_TIMEOUT_SECONDS = 10


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10, one_shot: bool = False) -> Engine:
    """``one_shot`` engines keep no pooled connection (migrations, CLI commands)."""
    extra: dict[str, Any] = {"poolclass": NullPool} if one_shot else {}
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 15}, **extra)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # A server that does not answer must fail a request in seconds (a 503 the client retries),
    # not hold it and a pooled connection until TCP gives up.
    connect_args = {"connect_timeout": PG_CONNECT_TIMEOUT_SECONDS}
    if one_shot:
        return create_engine(url, echo=echo, connect_args=connect_args, **extra)
    # Every connection stays pooled (no overflow): an overflow connection is closed when it
    # comes back to a full pool, so under load each burst forked new server processes, which
    # also lost their prepared statements and warm caches.
    return ping_when_idle(create_engine(url, echo=echo, pool_size=2 * pool_size, max_overflow=0, pool_timeout=PG_POOL_TIMEOUT_SECONDS, connect_args=connect_args))


# A pooled connection that rested this long is pinged before use; one in steady use is not.
PING_AFTER_IDLE_SECONDS = 0.25


def ping_when_idle(engine: Engine) -> Engine:
    """Let processes recover after PostgreSQL restarts without being restarted: a connection
    is pinged on checkout when it has rested, and replaced when the ping fails. SQLAlchemy's
    ``pool_pre_ping`` pings on every checkout, one more round trip for each transaction of a
    storm; a connection used a moment ago is alive or fails its statement, and a failed
    statement on a lost connection makes the pool replace every older connection anyway."""

    @event.listens_for(engine, "connect")
    def fresh(dbapi_connection: Any, record: Any) -> None:
        record.info["rested_from"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def rest(dbapi_connection: Any, record: Any) -> None:
        record.info["rested_from"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if time.monotonic() - record.info.get("rested_from", 0.0) < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the driver's error for a dead socket
            raise DisconnectionError("the pooled connection did not answer its ping") from exc
        if not alive:
            raise DisconnectionError("the pooled connection did not answer its ping")

    return engine


WRITE_LOCK_TIMEOUT_SECONDS = 30.0
# SQLite has one writer: a transaction that holds it long is every other request's latency.
# Logged with the code that held it, so an operator (or a benchmark) can see who it was.
SLOW_WRITE_SECONDS = float(os.environ.get("GRIDCARE_SLOW_WRITE_MS", "250")) / 1000
log = logging.getLogger(__name__)


class _WriterTurn:
    """Whose turn it is to write one SQLite file. Within a process, a Lock shared by every
    ``Database`` on the file. Between processes (``serve`` and its worker child), flocks on
    two files beside the database: the kernel wakes the next writer as soon as the turn is
    free, where SQLite's busy handler sleeps 1–100 ms between tries.

    Taking the writer's lock through a turnstile (queue lock, then writer lock, then let go of
    the queue) makes the processes alternate: a writer that wants the lock back at once queues
    behind the one already waiting. Without it, intake's group commit, which writes again the
    moment it has committed, kept the worker waiting ~3/4 of its time in a storm."""

    def __init__(self, path: str | None) -> None:
        self.lock = threading.Lock()
        self._queue = self._writer = None
        if path and fcntl is not None:
            self._queue = os.open(path + "-writer.queue", os.O_RDWR | os.O_CREAT, 0o600)
            self._writer = os.open(path + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)

    def acquire(self, timeout: float) -> bool:
        if not self.lock.acquire(timeout=timeout):
            return False
        if self._writer is not None:
            try:
                fcntl.flock(self._queue, fcntl.LOCK_EX)
                try:
                    fcntl.flock(self._writer, fcntl.LOCK_EX)
                finally:
                    fcntl.flock(self._queue, fcntl.LOCK_UN)
            except BaseException:
                self.lock.release()
                raise
        return True

    def release(self) -> None:
        if self._writer is not None:
            fcntl.flock(self._writer, fcntl.LOCK_UN)
        self.lock.release()


_turns: dict[str, _WriterTurn] = {}
_turns_lock = threading.Lock()


def _writer_turn(url: str) -> _WriterTurn:
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return _WriterTurn(None)
    with _turns_lock:
        key = os.path.realpath(path)
        if key not in _turns:
            _turns[key] = _WriterTurn(key)
        return _turns[key]


def _holder() -> str:
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.endswith(("contextlib.py", "gridcare/db.py")):
        frame = frame.f_back
    return "?" if frame is None else f"{frame.f_code.co_filename.rsplit('/gridcare/', 1)[-1]}:{frame.f_lineno} {frame.f_code.co_name}"


def _refuse_writes(session: Session, flush_context: Any, instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read transaction does not write: use Database.write()")


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self._writer = sessionmaker(bind=self.engine.execution_options(gridcare_write=True), expire_on_commit=False, info={"database": self})
        # PostgreSQL at READ COMMITTED gives each statement its own snapshot, in a transaction
        # or not, so a read loses nothing without one and saves the round trips of its BEGIN
        # and COMMIT, each a wait for the GIL under load. SQLite keeps its transaction: there
        # it is one snapshot for the whole read.
        sqlite = url.startswith("sqlite")
        reads = self.engine if sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._reader = sessionmaker(bind=reads, expire_on_commit=False)
        snapshots = self.engine if sqlite else self.engine.execution_options(isolation_level="REPEATABLE READ")
        self._snapshot_reader = sessionmaker(bind=snapshots, expire_on_commit=False)
        for maker in (self._reader, self._snapshot_reader):
            event.listen(maker, "before_flush", _refuse_writes)
        self._write_lock = _writer_turn(url) if sqlite else None
        self._detached: Engine | None = None
        self._detached_lock = threading.Lock()

    @property
    def serialises_writers(self) -> bool:
        return self._write_lock is not None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction that may write; committed on success, rolled back on any error.

        On SQLite, writers queue for their turn first (``_WriterTurn``: this process's, then
        the file's): SQLite's own busy handler sleeps in growing steps, which under load turns
        a 5 ms write into a 500 ms one."""
        if self._write_lock is None:
            with self._writer() as session, session.begin():
                yield session
            return
        # A plain Lock, not an RLock: FastAPI may run a dependency's exit in another thread
        # of its pool than its entry, and only a Lock may be released by another thread
        # (flock belongs to the open file, not the thread, so it may be too).
        if not self._write_lock.acquire(timeout=WRITE_LOCK_TIMEOUT_SECONDS):
            raise TimeoutError("the database stayed busy; try again")
        taken = time.perf_counter()
        try:
            with self._writer() as session, session.begin():
                yield session
        finally:
            self._write_lock.release()
            held = time.perf_counter() - taken
            if held > SLOW_WRITE_SECONDS:
                log.info("the SQLite writer was held %.0f ms by %s", held * 1000, _holder())

    @contextmanager
    def read(self, *, snapshot: bool = False) -> Iterator[Session]:
        """A read. Its statements may each see a later state of the database, unless
        ``snapshot``: then all see it as at the first (what a check that compares tables, such
        as the audit trail's, needs while others write). SQLite's reads are always so."""
        with (self._snapshot_reader if snapshot else self._reader)() as session, session.begin():
            yield session

    @contextmanager
    def detached(self) -> Iterator[Connection]:
        """PostgreSQL only: statements that commit at once, apart from any open transaction,
        on a small pool of their own (a caller holding a pooled connection can never starve
        it), without waiting for the disk flush. What they wrote becomes durable with the next
        synchronous commit, since WAL is flushed in order: a caller that commits after using
        them makes them durable too, and if it never commits nothing relied on them."""
        if self._write_lock is not None:
            raise RuntimeError("detached statements are for PostgreSQL")
        with self._detached_lock:
            if self._detached is None:
                self._detached = ping_when_idle(create_engine(
                    self.url, pool_size=4, max_overflow=0, pool_timeout=PG_POOL_TIMEOUT_SECONDS, isolation_level="AUTOCOMMIT",
                    connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_SECONDS, "options": "-c synchronous_commit=off"},
                ))
        with self._detached.connect() as connection:
            yield connection

    @contextmanager
    def write_apart(self) -> Iterator[Session]:
        """Bookkeeping writes whose durability can ride on the next synchronous commit, such
        as a message's "sending" and "delivered" marks before its outbox row is finished. On
        PostgreSQL each statement commits at once on the detached connections (no BEGIN, no
        COMMIT, no wait for the disk); on SQLite an ordinary write."""
        if self._write_lock is not None:
            with self.write() as session:
                yield session
            return
        with self.detached() as connection, Session(bind=connection, expire_on_commit=False) as session:
            yield session
            session.flush()

    def dispose(self) -> None:
        self.engine.dispose()
        if self._detached is not None:
            self._detached.dispose()
