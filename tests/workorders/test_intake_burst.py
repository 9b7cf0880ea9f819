"""A burst of writers larger than the thread pool must not starve the one holding the lock."""

import asyncio

import anyio.to_thread
import httpx

from gridcare.auth import service as auth
from gridcare.config import load_settings
from gridcare.core.principal import system_principal
from gridcare.db import Database
from gridcare.main import create_app
from tests.support import aio, area
from tests.support import org as demo_org
from tests.support.live import live_server


class SmallThreadPool:
    """The app behind a thread pool of three, so a burst of twelve writers outnumbers it."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        anyio.to_thread.current_default_thread_limiter().total_tokens = 3
        await self.app(scope, receive, send)


def test_a_burst_of_writers_larger_than_the_thread_pool_all_land(sqlite_database: Database, clock, tmp_path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", database_url=sqlite_database.url, secret_key="test-secret-key-0123456789")
    org = demo_org.load(sqlite_database, clock)
    area.load(org, clock)
    with sqlite_database.write() as session:
        _row, token = auth.create_token(session, actor=system_principal("test"), now=clock.now(), user_id=org.user_id("agent"), name="burst")
    app = create_app(settings, db=sqlite_database, clock=clock, run_worker=False)

    async def burst(base: str) -> list[int]:
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=20) as client:
            replies = await asyncio.gather(
                *(client.post("/api/v1/work-orders", json={"category": "repair", "account": "E001", "idempotency_key": f"burst-{i}"}) for i in range(12))
            )
        return [r.status_code for r in replies]

    with live_server(SmallThreadPool(app)) as base:
        codes = aio.run(burst(base))
    assert codes == [201] * 12
    with sqlite_database.read() as session:
        from gridcare.workorders import queries

        assert len(queries.queue(session, actor=org.principal("supervisor"), status=None, mine=False, late_only=False, now=clock.now(), limit=100)) == 12
