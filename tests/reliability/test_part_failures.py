"""When a part fails, the rest goes on and recovers by itself:

- Redis down: orders are still taken, /readyz says push is degraded, and the browsers' event
  streams get their pop-ups again once Redis is back (the same connection, no reload);
- PostgreSQL restarted: requests fail fast with a clean 503 problem+json, and succeed again
  afterwards without restarting the web process;
- the SMS gateway down for an hour: nothing is lost or dead-lettered, and after it recovers
  every message arrives exactly once, in order for each recipient."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from gridcare.config import load_settings
from gridcare.core.clock import FixedClock
from gridcare.customers.models import Customer
from gridcare.db import Database
from gridcare.main import create_app, load_plugins
from gridcare.migrations_runner import upgrade
from gridcare.notify import service as notify
from gridcare.notify.models import Notification
from gridcare.outbox import OutboxRow
from gridcare.pubsub import Broadcaster, PushEvent
from gridcare.worker import Worker, WorkerContext
from tests.notify.stubs import GatewayStub, http_stub
from tests.reliability.servers import EventStream, PostgresServer, eventually, own_redis, token_for
from tests.support import area
from tests.support import org as demo_org
from tests.support.live import live_server


@pytest.mark.postgres
def test_with_redis_down_orders_are_taken_push_degrades_and_comes_back(postgres_database, clock, tmp_path):
    db = postgres_database
    org = demo_org.load(db, clock)
    area.load(org, clock)
    agent, rep = token_for(db, org, "agent", clock), token_for(db, org, "rep", clock)
    with own_redis(tmp_path) as redis_server:
        settings = load_settings(
            data_dir=tmp_path / "data",
            database_url=db.url,
            secret_key="test-secret-key-0123456789",
            redis_url=redis_server.url,
        )
        app = create_app(settings, db=db, clock=clock, run_worker=False)
        broadcaster = app.state.gridcare.broadcaster
        worker = Worker(
            WorkerContext(db=db, broadcaster=broadcaster, settings=settings, clock=clock), name="test-worker"
        )
        with (
            live_server(app) as base,
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {agent}"}, timeout=10) as http,
        ):

            def readiness() -> dict[str, Any]:
                r = http.get("/readyz")
                return {"code": r.status_code, **r.json()["checks"]}

            def take(n: int) -> int:
                r = http.post(
                    "/api/v1/work-orders",
                    json={"category": "repair", "account": "E001"},
                    headers={"Idempotency-Key": f"redis-{n}"},
                )
                assert r.status_code == 201, r.text
                return r.json()["id"]

            eventually("push is up", lambda: readiness()["redis"] == "ok")
            stream = EventStream(base, rep)
            stream.start()
            assert stream.connected.wait(10)
            first = take(1)
            worker.drain()
            eventually("the first pop-up arrives", lambda: stream.popups() == [f"/orders/{first}"])

            redis_server.stop()
            eventually(
                "readiness reports push degraded",
                lambda: readiness() == {"code": 200, "database": "ok", "redis": "unavailable (push degraded)"},
            )
            second = take(2)  # orders are still taken
            worker.drain()
            with db.read() as session:
                note = session.scalars(
                    select(Notification).where(Notification.source_id == second, Notification.channel == "popup")
                ).one()
            assert note.state == "failed" and "redis publish failed" in note.last_error

            redis_server.start()  # the same port
            eventually("push is up again", lambda: readiness()["redis"] == "ok")
            third = take(3)

            def delivered() -> bool:
                clock.advance(timedelta(minutes=1))  # past the outbox's backoff
                worker.drain()
                return len(stream.popups()) == 3

            eventually("the pop-ups held back arrive", delivered)
            # Once each, and in order: the pop-up of the order taken meanwhile comes first.
            assert stream.popups() == [f"/orders/{first}", f"/orders/{second}", f"/orders/{third}"]
            stream.close()
            # Wake the server's stream loop so it sees the client gone and the server can stop.
            broadcaster.hub.dispatch(PushEvent(f"user:{org.user_id('rep')}", "bye", {}))
            stream.join(5)


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    if not PostgresServer.available():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    server = PostgresServer()
    try:
        server.init()
        server.start()
        yield server
    finally:
        if server.is_running():
            server.stop("immediate")
        server.remove()


@pytest.mark.postgres
def test_a_postgresql_restart_gives_clean_503s_then_recovers_without_a_restart(own_postgres, clock, tmp_path):
    upgrade(own_postgres.url)
    db = Database(own_postgres.url)
    org = demo_org.load(db, clock)
    area.load(org, clock)
    agent = token_for(db, org, "agent", clock)
    settings = load_settings(data_dir=tmp_path / "data", database_url=db.url, secret_key="test-secret-key-0123456789")
    app = create_app(settings, db=db, clock=clock, run_worker=False)
    try:
        with (
            live_server(app) as base,
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {agent}"}, timeout=30) as http,
        ):

            def post(key: str) -> httpx.Response:
                return http.post(
                    "/api/v1/work-orders",
                    json={"category": "repair", "account": "E001"},
                    headers={"Idempotency-Key": key},
                )

            assert post("pg-1").status_code == 201
            assert http.get("/readyz").status_code == 200

            own_postgres.stop("fast")  # every connection of the pool is cut
            for attempt in (
                lambda: post("pg-2"),
                lambda: http.get("/api/v1/work-orders"),
                lambda: http.get("/api/v1/work-orders/1"),
            ):
                started = time.monotonic()
                r = attempt()
                assert time.monotonic() - started < 8  # failed fast, no hang
                assert r.status_code == 503, r.text
                assert r.headers["content-type"] == "application/problem+json" and r.headers["retry-after"] == "5"
                assert r.json() == {
                    "type": "https://gridcare.dev/problems/unavailable",
                    "title": "Service unavailable",
                    "status": 503,
                    "detail": "The database is unavailable or busy; try again shortly.",
                    "instance": r.request.url.path,
                }
            ready = http.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("unavailable")

            own_postgres.start()
            # The same process, the same pool: stale connections are replaced on checkout.
            retried = post("pg-2")  # the client retries with its key: nothing was half-written
            assert retried.status_code == 201, retried.text
            listed = http.get("/api/v1/work-orders")
            assert listed.status_code == 200 and len(listed.json()) == 2
            assert http.get("/readyz").status_code == 200
    finally:
        db.dispose()


# --- the SMS gateway down for an hour --------------------------------------------------------


@dataclass
class GatewayDownUntil(GatewayStub):
    """Answers 503 until ``up_at`` on the test's clock, then works."""

    clock: FixedClock | None = None
    up_at: datetime | None = None
    refused: int = 0
    attempts_by_id: dict[str, int] = field(default_factory=dict)

    def handle(self, body: dict[str, Any], auth: str) -> tuple[int, dict[str, Any]]:
        assert self.clock is not None and self.up_at is not None
        with self.lock:
            self.attempts_by_id[body["client_msg_id"]] = self.attempts_by_id.get(body["client_msg_id"], 0) + 1
            if self.clock.now() < self.up_at:
                self.refused += 1
                return 503, {"error": "maintenance"}
        return super().handle(body, auth)


def test_an_sms_gateway_down_for_an_hour_loses_nothing_and_keeps_each_recipients_order(database, clock, tmp_path):
    org = demo_org.load(database, clock)
    area.load(org, clock)
    load_plugins(load_settings())
    start = clock.now()
    gateway = GatewayDownUntil(clock=clock, up_at=start + timedelta(hours=1))
    with http_stub(gateway) as url:
        # The shipped retry policy (GRIDCARE_OUTBOX_MAX_ATTEMPTS, the outbox's backoff): a test's own would prove nothing.
        settings = load_settings(
            data_dir=tmp_path / "data",
            database_url=database.url,
            secret_key="test-secret-key-0123456789",
            sms_http_url=url + "/sms",
            notify_quiet_hours="off",
            notify_rate_limits="sms=1000/min",
        )
        config = notify.config_from(settings)
        worker = Worker(
            WorkerContext(db=database, broadcaster=Broadcaster(), settings=settings, clock=clock), name="test-worker"
        )
        accounts = {
            "E001": "+8613812345678",
            "E002": "+8613900001111",
            "E003": "+8613700002222",
            "W001": "+8613812345678",
        }
        with database.read() as session:
            customer_ids = {account: id_ for account, id_ in session.execute(select(Customer.account, Customer.id))}

        def queue(n: int) -> None:
            with database.write() as session:
                for account in accounts:
                    notify.notify_customer(
                        session,
                        now=clock.now(),
                        customer_id=customer_ids[account],
                        event="order.accepted",
                        context={"number": f"GD-{n}-{account}"},
                        source=("order", n),
                        config=config,
                    )

        # Messages keep queueing for every recipient while the gateway is down: minute by minute
        # the worker tries, the gateway refuses.
        for minute in range(60):
            if minute % 15 == 0:
                queue(minute)
            worker.drain()
            clock.advance(timedelta(minutes=1))
        with database.read() as session:
            states = dict(session.execute(select(Notification.state, func.count()).group_by(Notification.state)).all())
        assert gateway.sent == [] and gateway.refused > 0
        assert "dead" not in states and "delivered" not in states  # refused for an hour, given up on never
        recovered_at = clock.now()
        assert recovered_at >= gateway.up_at

        last_delivery = None
        for _ in range(24 * 60):  # minute by minute, for at most a day
            worker.drain()
            with database.read() as session:
                pending = session.scalar(
                    select(func.count()).select_from(Notification).where(Notification.state != "delivered")
                )
            if pending == 0:
                last_delivery = clock.now()
                break
            clock.advance(timedelta(minutes=1))
    assert last_delivery is not None, "not everything was delivered within a day of the recovery"
    with database.read() as session:
        notes = list(session.scalars(select(Notification).order_by(Notification.id)))
        outbox_states = set(session.scalars(select(OutboxRow.status).where(OutboxRow.topic == "notify.send")))
    assert len(notes) == 16 and outbox_states == {"delivered"}
    # Exactly once each: what reached phones is every message, no more.
    assert (
        sorted(m["client_msg_id"] for m in gateway.sent) == sorted(n.client_ref for n in notes)
        and gateway.repeats == []
    )
    # In order for each recipient (the E001 and W001 customers share a phone: one queue).
    for phone in set(accounts.values()):
        made = [n.client_ref for n in notes if n.address == phone]
        assert [m["client_msg_id"] for m in gateway.sent if m["to"] == phone] == made
    # The backoff is capped, so the recovery is noticed within the cap of the outbox's backoff.
    # Retries back off to every 10 minutes, not more: the recovery is noticed within that, and an
    # hour used few of the tries that span a day (GRIDCARE_OUTBOX_MAX_ATTEMPTS).
    assert last_delivery - recovered_at <= timedelta(minutes=11)
    assert max(n.attempts for n in notes) <= 15 < settings.outbox_max_attempts
