"""Several reads in one round trip, for a page that waits on each query it makes.

A query that a page may run with others is written as ``Reads``: its statements, and what
it makes of their rows. ``together(session, a, b, c)`` runs every statement of all three and
hands each its rows. On PostgreSQL they go out in one psycopg pipeline, so the page waits
for the database once instead of once per statement: under a storm, when both cores are
busy, each wait is a trip through the scheduler and back to the GIL, and the screen pop's
card was waiting on five of them. Elsewhere (SQLite, a single statement) they run in turn
through the session, which is what the pipeline's rows must equal (``tests/core/test_together.py``).

Only SELECTs belong here, built once (at import, or by ``ScopedStatement``): each is
compiled once per shape. Reads see what the transaction has flushed; nothing is flushed
for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Row, Select
from sqlalchemy.engine import IteratorResult
from sqlalchemy.engine.result import SimpleResultMetaData
from sqlalchemy.orm import Session

from gridcare.prepared import _placeholders, _wrapped

T = TypeVar("T")

Statement = tuple[Select[Any], Mapping[str, Any]]


@dataclass(frozen=True)
class Reads(Generic[T]):
    """``statements`` (each a SELECT and its parameters), and ``answer``: what the query
    returns, made from each statement's rows in the same order."""

    statements: tuple[Statement, ...]
    answer: Callable[[list[Sequence[Row[Any]]]], T]


def read(session: Session, reads: Reads[T]) -> T:
    """One query on its own."""
    return together(session, reads)[0]  # type: ignore[no-any-return]


def together(session: Session, *queries: Reads[Any]) -> tuple[Any, ...]:
    """Each query's answer, in order, their statements all sent at once where the database allows."""
    statements = [s for q in queries for s in q.statements]
    connection = session.connection()
    if connection.dialect.name == "postgresql" and len(statements) > 1:
        rows = _pipelined(connection, statements)
    else:
        rows = [session.execute(stmt, params).all() for stmt, params in statements]
    answers, start = [], 0
    for q in queries:
        answers.append(q.answer(rows[start : start + len(q.statements)]))
        start += len(q.statements)
    return tuple(answers)


class _Shape:
    """A SELECT compiled for PostgreSQL's $n placeholders, with its result columns' keys."""

    __slots__ = ("compiled", "keys", "types", "processors")

    def __init__(self, stmt: Select[Any], dialect: Any) -> None:
        self.compiled = stmt.compile(dialect=_placeholders(dialect))
        self.keys = list(stmt.selected_columns.keys())
        self.types = [c.type for c in stmt.selected_columns]
        # Per the driver's type codes, as Core picks a column's result processor.
        self.processors: dict[tuple[Any, ...], list[Any]] = {}

    def rows(self, dialect: Any, cursor: Any) -> Sequence[Row[Any]]:
        codes = tuple(d.type_code for d in cursor.description)
        processors = self.processors.get(codes)
        if processors is None:
            processors = self.processors[codes] = [t._cached_result_processor(dialect, code) for t, code in zip(self.types, codes, strict=True)]  # noqa: SLF001 - Core's own lookup
        fetched = cursor.fetchall()
        if any(processors):
            fetched = [tuple(v if p is None else p(v) for p, v in zip(processors, r, strict=True)) for r in fetched]
        return IteratorResult(SimpleResultMetaData(self.keys), iter(fetched)).all()


# Statements are long-lived (module constants, ``ScopedStatement``'s per kind of scope): a
# shape per statement object, kept alive with it so that its id is never reused.
_SHAPES: dict[int, tuple[Select[Any], _Shape]] = {}
_MAX_SHAPES = 512


def _shape(stmt: Select[Any], dialect: Any) -> _Shape:
    found = _SHAPES.get(id(stmt))
    if found is None:
        if len(_SHAPES) >= _MAX_SHAPES:  # a caller building statements per call: recompile, don't grow
            _SHAPES.clear()
        found = _SHAPES[id(stmt)] = (stmt, _Shape(stmt, dialect))
    return found[1]


def _pipelined(connection: Any, statements: list[Statement]) -> list[Sequence[Row[Any]]]:
    import psycopg

    dialect = connection.dialect
    driver = connection.connection.dbapi_connection
    sent = []
    for stmt, params in statements:
        shape = _shape(stmt, dialect)
        expanded = shape.compiled.construct_expanded_state(dict(params))  # IN (…) per list length
        processors = expanded.processors
        values = tuple(expanded.parameters[k] if k not in processors else processors[k](expanded.parameters[k]) for k in expanded.positiontup or ())
        sent.append((shape, expanded.statement, values, psycopg.RawCursor(driver)))
    current = sent[0]
    try:
        with driver.pipeline():
            for current in sent:
                shape, sql, values, cursor = current
                cursor.execute(sql, values)
        # Leaving the block synced the pipeline: every result is in.
        return [shape.rows(dialect, cursor) for shape, _, _, cursor in sent]
    except dialect.loaded_dbapi.Error as exc:
        raise _wrapped(connection, current[3], current[1], current[2], exc) from exc
    finally:
        for *_, cursor in sent:
            cursor.close()
