"""Pooled PostgreSQL connections are pinged when they have rested, not on every checkout:
a dead one that rested is replaced unseen; one used a moment ago fails its statement once,
and the pool replaces it and every older one."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from gridcare.db import PING_AFTER_IDLE_SECONDS, Database, make_engine


def _kill_pooled(engine, admin: Database) -> None:  # noqa: ANN001
    with engine.connect() as connection:
        pid = connection.execute(text("select pg_backend_pid()")).scalar()
    with admin.engine.connect() as other:
        assert other.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid}).scalar()


@pytest.mark.postgres
def test_a_rested_dead_connection_is_replaced_and_a_busy_one_fails_once(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's pool")
    engine = make_engine(database.url, pool_size=1)  # one pooled connection: the same one each time
    try:
        _kill_pooled(engine, database)
        time.sleep(PING_AFTER_IDLE_SECONDS + 0.1)
        with engine.connect() as connection:  # pinged, found dead, replaced
            assert connection.execute(text("select 1")).scalar() == 1

        _kill_pooled(engine, database)
        with pytest.raises(OperationalError) as failed, engine.connect() as connection:  # used a moment ago: no ping
            connection.execute(text("select 1"))
        assert failed.value.connection_invalidated
        with engine.connect() as connection:
            assert connection.execute(text("select 1")).scalar() == 1
    finally:
        engine.dispose()
