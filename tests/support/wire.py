"""What reached the database while a block ran, and how often the client waited for it."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event

from gridcare.db import Database


@dataclass
class Wire:
    """``trips``: per wait for the server, the statements it answered. On PostgreSQL read off
    libpq's own trace of every connection checked out meanwhile, so statements that bypass
    Core (``gridcare.prepared``, ``gridcare.together``) count too; a statement's text is there
    unless psycopg had already prepared it on that connection ("" then). On SQLite, from
    Core's cursor events: each statement is its own trip."""

    trips: list[list[str]] = field(default_factory=list)

    @property
    def statements(self) -> list[str]:
        return [sql for trip in self.trips for sql in trip]


@contextmanager
def watched(database: Database) -> Iterator[Wire]:
    wire = Wire()
    if database.dialect != "postgresql":
        def seen(_conn, _cursor, sql, *_rest) -> None:  # noqa: ANN001
            wire.trips.append([sql])

        event.listen(database.engine, "before_cursor_execute", seen)
        try:
            yield wire
        finally:
            event.remove(database.engine, "before_cursor_execute", seen)
        return
    with tempfile.TemporaryFile("w+") as trace:
        def checkout(dbapi_connection, *_rest) -> None:  # noqa: ANN001
            dbapi_connection.pgconn.trace(trace.fileno())

        def checkin(dbapi_connection, *_rest) -> None:  # noqa: ANN001
            if dbapi_connection is not None:
                dbapi_connection.pgconn.untrace()

        event.listen(database.engine, "checkout", checkout)
        event.listen(database.engine, "checkin", checkin)
        try:
            yield wire
        finally:
            event.remove(database.engine, "checkout", checkout)
            event.remove(database.engine, "checkin", checkin)
            os.fsync(trace.fileno())
            trace.seek(0)
            wire.trips.extend(_trips(trace.read()))


_STAMPED = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\t")


def _trips(text: str) -> list[list[str]]:
    trips: list[list[str]] = []
    pending: list[str] = []
    parsed = ""
    messages: list[str] = []
    for line in text.splitlines():
        if _STAMPED.match(line) or not messages:
            messages.append(line)
        else:  # a statement's text runs over several lines
            messages[-1] += "\n" + line
    for message in messages:
        fields = message.split("\t")
        if len(fields) < 4 or fields[1] != "F":
            continue
        kind, rest = fields[3].strip(), "\t".join(fields[4:])
        if kind == "Query":  # the simple protocol: a statement and its own wait
            trips.append([rest.strip().strip('"')])
        elif kind == "Parse":
            body = rest.strip()  # "name" "statement" types
            statement = body[body.index('"', 1) + 1 :].strip()
            parsed = statement[1 : statement.rindex('"')]
        elif kind == "Execute":
            pending.append(parsed)
            parsed = ""
        elif kind == "Sync":
            trips.append(pending)
            pending = []
    return trips
