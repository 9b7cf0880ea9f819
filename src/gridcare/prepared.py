"""Hot-path statements, compiled once per dialect and run straight on the DBAPI cursor.

A Core ``Connection.execute`` spends 20–30 µs of Python per statement before and after the
driver (cache key, parameter processing, result set-up), and on intake's ~14 statements that
was more than SQLite's own work. A ``Prepared`` statement keeps the compiled SQL and
SQLAlchemy's own bind processors for each dialect, so rows are stored exactly as Core would
store them (UTC datetimes, JSON), and skips the rest. It runs on the caller's connection, so
in the caller's transaction. Only statements whose results need no type processing belong
here: ids, counts, text (see ``tests/core/test_prepared.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Insert, bindparam
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement

# Rows per multi-row INSERT on PostgreSQL: far below its 65,535 parameters per statement for
# any of our tables, and one compiled statement per chunk size.
MAX_ROWS_PER_INSERT = 100


@dataclass(frozen=True)
class _Compiled:
    sql: str
    binds: tuple[tuple[str, Any], ...]  # (name, bind processor or None), in a positional driver's order
    positional: bool
    fixed: Mapping[str, Any]  # values written into the statement itself (``values(last=1)``)


class Prepared:
    """``Prepared(table.insert(), keys=[...])`` or ``Prepared(select(...).where(c == bindparam("k")))``.

    ``keys`` names the columns an INSERT or UPDATE sets (its VALUES); every row given to it
    must have exactly those keys."""

    def __init__(self, statement: ClauseElement, *, keys: Sequence[str] | None = None, row: Callable[..., Any] | None = None, deferrable: bool = False) -> None:
        self.statement = statement
        self.keys = list(keys) if keys is not None else None
        self.row = row  # what ``first`` makes of a row's values (a NamedTuple, say); else a tuple
        # An INSERT whose rows nothing reads back in the transaction that writes them (a
        # timeline, the outbox, the audit trail): inside ``deferred_inserts`` its rows wait
        # and go out with every other unit's in one statement.
        if deferrable and not isinstance(statement, Insert):
            raise ValueError("only an INSERT can wait for the end of a deferred_inserts block")
        self.deferrable = deferrable
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, connection: Connection) -> _Compiled:
        dialect = connection.dialect
        found = self._by_dialect.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=_placeholders(dialect), column_keys=self.keys)
            if compiled.post_compile_params:  # IN (…) expands per call: Core's job
                raise ValueError("a Prepared statement cannot hold an expanding IN; spell it with = and OR")
            names = tuple(compiled.positiontup) if compiled.positional else tuple(compiled.binds)
            fixed = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
            processors = compiled._bind_processors  # noqa: SLF001 - the processors Core itself would apply
            found = _Compiled(str(compiled), tuple((name, processors.get(name)) for name in names), bool(compiled.positional), fixed)
            self._by_dialect[dialect.name] = found
        return found

    @staticmethod
    def _params(compiled: _Compiled, values: Mapping[str, Any]) -> Any:
        given = {**compiled.fixed, **values} if compiled.fixed else values
        if compiled.positional:
            return tuple(given[name] if process is None else process(given[name]) for name, process in compiled.binds)
        return {name: given[name] if process is None else process(given[name]) for name, process in compiled.binds}

    def execute(self, connection: Connection, values: Mapping[str, Any] | None = None) -> Any:
        """Run once; returns the DBAPI cursor (``fetchone``/``fetchall`` for RETURNING or SELECT)."""
        compiled = self._compiled(connection)
        params = self._params(compiled, values or {})
        cursor = _cursor(connection)
        try:
            cursor.execute(compiled.sql, params)
        except connection.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(connection, cursor, compiled.sql, params, exc) from exc
        return cursor

    def execute_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        waiting = connection.info.get(_DEFERRED) if self.deferrable else None
        if waiting is not None:
            waiting.setdefault(self, []).extend(rows)
            return
        self._insert_now(connection, rows)

    def _insert_now(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if len(rows) > 1 and connection.dialect.name == "postgresql" and self.keys is not None and isinstance(self.statement, Insert):
            # psycopg runs executemany in pipeline mode, which costs more Python than the rows:
            # one INSERT … VALUES (…), (…) per chunk instead.
            for start in range(0, len(rows), MAX_ROWS_PER_INSERT):
                chunk = rows[start : start + MAX_ROWS_PER_INSERT]
                compiled = self._multi(connection, len(chunk))
                # Its parameters go row after row, each row's in one order: one pass over the values.
                self._send(connection, compiled.sql, [[row[k] if process is None else process(row[k]) for row in chunk for k, process in compiled.binds]])
            return
        compiled = self._compiled(connection)
        self._send(connection, compiled.sql, [self._params(compiled, row) for row in rows])

    def returning_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """An INSERT … RETURNING of many rows: what it returns, a multi-row statement per
        chunk on PostgreSQL (rows an ON CONFLICT DO NOTHING skips return nothing)."""
        if connection.dialect.name != "postgresql" or len(rows) < 2:
            return [tuple(r) for row in rows for r in self._fetch_all(connection, self._compiled(connection).sql, self._params(self._compiled(connection), row))]
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(rows), MAX_ROWS_PER_INSERT):
            chunk = rows[start : start + MAX_ROWS_PER_INSERT]
            compiled = self._multi(connection, len(chunk))
            found += [tuple(r) for r in self._fetch_all(connection, compiled.sql, [row[k] if process is None else process(row[k]) for row in chunk for k, process in compiled.binds])]
        return found

    @staticmethod
    def _fetch_all(connection: Connection, sql: str, params: Any) -> list[Any]:
        cursor = _cursor(connection)
        try:
            cursor.execute(sql, params)
        except connection.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(connection, cursor, sql, params, exc) from exc
        found = cursor.fetchall()
        cursor.close()
        return found

    @staticmethod
    def _send(connection: Connection, sql: str, params: list[Any]) -> None:
        cursor = _cursor(connection)
        try:
            if len(params) == 1:  # psycopg runs executemany in pipeline mode: costly for one row
                cursor.execute(sql, params[0])
            else:
                cursor.executemany(sql, params)
        except connection.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(connection, cursor, sql, params, exc) from exc
        cursor.close()

    def _multi(self, connection: Connection, n: int) -> _Compiled:
        """The INSERT of ``n`` rows in one statement on PostgreSQL's positional placeholders;
        its ``binds`` are one row's (key, processor), in the order each row's values go."""
        key = f"{connection.dialect.name}*{n}"
        found = self._by_dialect.get(key)
        if found is None:
            assert isinstance(self.statement, Insert) and self.keys is not None
            columns = self.statement.table.c
            rows = [{k: bindparam(f"{k}__{i}", type_=columns[k].type) for k in self.keys} for i in range(n)]
            compiled = self.statement.values(rows).compile(dialect=_placeholders(connection.dialect))
            names = tuple(compiled.positiontup or ())
            first_row = [name.rpartition("__")[0] for name in names[: len(self.keys)]]
            if sorted(first_row) != sorted(self.keys) or names != tuple(f"{k}__{i}" for i in range(n) for k in first_row) or set(compiled.binds) != set(names):
                raise ValueError("a multi-row Prepared INSERT must set every column it binds, row after row")
            processors = compiled._bind_processors  # noqa: SLF001 - as in _compiled
            found = _Compiled(str(compiled), tuple((k, processors.get(f"{k}__0")) for k in first_row), True, {})
            self._by_dialect[key] = found
        return found

    def _one(self, connection: Connection, values: Mapping[str, Any] | None) -> Any:
        cursor = self.execute(connection, values)
        row = cursor.fetchone()
        cursor.close()
        return row

    def scalar(self, connection: Connection, values: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None when there is no row."""
        row = self._one(connection, values)
        return None if row is None else row[0]

    def first(self, connection: Connection, values: Mapping[str, Any] | None = None) -> Any:
        row = self._one(connection, values)
        if row is None:
            return None
        return tuple(row) if self.row is None else self.row(*row)


# On PostgreSQL the statements are compiled with PostgreSQL's own $n placeholders and run on
# psycopg's RawCursor, which sends them as they are: psycopg otherwise parses every statement
# for its %(name)s placeholders, and caches the result only for statements under 4 KB and
# 50 parameters, which a group commit's multi-row inserts are not.
def _placeholders(dialect: Any) -> Any:
    if dialect.name != "postgresql":
        return dialect
    native = copy.copy(dialect)
    native.paramstyle, native.positional = "numeric_dollar", True
    native.identifier_preparer = native.preparer(native)  # its own: the driver's doubles every % in the text
    return native


def _cursor(connection: Connection) -> Any:
    if connection.dialect.name == "postgresql":
        import psycopg

        return psycopg.RawCursor(connection.connection.dbapi_connection)
    return connection.connection.cursor()


_DEFERRED = "gridcare.deferred_inserts"
_RESERVED = "gridcare.reserved_ids"


def reserved_id(connection: Connection, table: Any, wanted: int) -> int | None:
    """A new id of ``table``'s row drawn from its sequence ahead of the insert, so that a
    row whose id is handed on (in an outbox payload, say) can still wait in the block:
    PostgreSQL only, inside ``deferred_inserts``, else None. ``wanted`` ids are drawn at
    once when the block's are used up; the block's unused ones are a gap in the ids."""
    if connection.dialect.name != "postgresql" or _DEFERRED not in connection.info:
        return None
    pools = connection.info.setdefault(_RESERVED, {})
    pool = pools.get(table.name)
    if not pool:
        cursor = _cursor(connection)
        try:
            cursor.execute("SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)", (table.name, max(1, wanted)))
        except connection.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(connection, cursor, "nextval", (table.name, wanted), exc) from exc
        pool = pools[table.name] = sorted((row[0] for row in cursor.fetchall()), reverse=True)
        cursor.close()
    return pool.pop()  # type: ignore[no-any-return]


@contextmanager
def deferred_inserts(connection: Connection) -> Iterator[None]:
    """Within it, deferrable statements collect their rows on this connection; they are
    inserted, a statement per table for all of them, when the block ends without an error
    (before its transaction commits). A group commit's batch of intakes writes five rows per
    order this way: five statements per batch instead of five per order."""
    if _DEFERRED in connection.info:
        yield  # already collecting: the outer block inserts
        return
    waiting: dict[Prepared, list[Mapping[str, Any]]] = {}
    connection.info[_DEFERRED] = waiting
    try:
        yield
        del connection.info[_DEFERRED]
        # Parents before children (an order before its timeline), whichever unit came first.
        for prepared, rows in sorted(waiting.items(), key=lambda item: _rank(item[0].statement.table)):
            prepared._insert_now(connection, rows)  # noqa: SLF001 - the deferred half of execute_many
    finally:
        connection.info.pop(_DEFERRED, None)
        connection.info.pop(_RESERVED, None)


def _rank(table: Any) -> int:
    ranks = _foreign_key_order(table.metadata)
    return ranks.get(table.name, len(ranks))


@lru_cache(maxsize=None)
def _foreign_key_order(metadata: Any) -> dict[str, int]:
    return {t.name: i for i, t in enumerate(metadata.sorted_tables)}


def _wrapped(connection: Connection, cursor: Any, sql: str, params: Any, exc: Exception) -> DBAPIError:
    """The driver's error as Core would raise it (IntegrityError, OperationalError …), and a
    lost connection invalidated with the pool's older ones, so the pool hands none out
    again: callers and the problem handlers (503 when the database is unreachable) see no
    difference from Core."""
    lost = connection.dialect.is_disconnect(exc, connection.connection.dbapi_connection, cursor)
    if lost:
        # As Core does: the pool's other connections to the same server are as dead as this
        # one (a restart), so the pool replaces them on checkout instead of handing them out.
        connection.engine.pool._invalidate(connection.connection, exc)  # noqa: SLF001 - Core's own step
        connection.invalidate(exc)
    return DBAPIError.instance(sql, params, exc, connection.dialect.loaded_dbapi.Error, connection_invalidated=lost, dialect=connection.dialect)
