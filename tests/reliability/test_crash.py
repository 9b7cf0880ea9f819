"""Crash safety: ``gridcare serve`` is killed with SIGKILL in the middle of a storm of intakes,
then started again half an hour "later" (GRIDCARE_CLOCK_OFFSET_SECONDS). After the restart:

- every order that was acknowledged (2xx) exists, exactly once, under its idempotency key;
- posting every key again (acknowledged or not) makes no duplicate, and gives the
  acknowledged ones their order back;
- the orders whose accept deadline passed during the downtime escalate exactly once;
- every SMS is delivered, and none twice: a delivery cut off by the kill is retried under
  the same message id, which the gateway recognises.

Embedded mode (SQLite, the worker inside ``serve``) and scaled mode (PostgreSQL and Redis, a
separate ``gridcare worker`` process, killed too)."""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from gridcare.db import Database
from gridcare.notify.models import Notification
from gridcare.outbox import OutboxRow
from gridcare.workorders.models import OrderEvent, WorkOrder
from tests.notify.stubs import GatewayStub, http_stub
from tests.reliability.servers import Process, base_env, eventually, token_for, wait_ready
from tests.support import area
from tests.support import org as demo_org
from tests.support.live import free_port

DOWNTIME = timedelta(minutes=30)  # past the 5-minute accept deadline of a repair, short of the next rung (2 h)
CLIENTS = 6
ACKED_BEFORE_KILL = 36


@dataclass
class SlowGateway(GatewayStub):
    """The SMS gateway, a little slow, so that the kill finds deliveries under way. Logs the
    id of every request, repeats included."""

    delay: float = 0.03
    log: list[str] = field(default_factory=list)

    def handle(self, body: dict[str, Any], auth: str) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.log.append(body["client_msg_id"])
        time.sleep(self.delay)
        return super().handle(body, auth)


@dataclass
class Storm:
    """Client threads posting repair orders with idempotency keys until the server dies, and
    the rep's thread accepting every other acknowledged one at once (each acceptance texts the
    customer). The rep has a thread of its own so that the intake clients never wait on an
    acceptance: when the server dies, some intake is always in flight."""

    base: str
    agent_token: str
    rep_token: str
    acked: dict[str, int] = field(default_factory=dict)  # key -> order id, for 2xx answers
    unacked: set[str] = field(default_factory=set)  # sent, no answer: may or may not exist
    accepted: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    to_accept: queue.Queue[int] = field(default_factory=queue.Queue)

    def client(self, n: int) -> None:
        with httpx.Client(base_url=self.base, timeout=15) as http:
            for i in range(10_000):
                if self.stop.is_set():
                    return
                key = f"storm-{n}-{i}"
                try:
                    r = http.post(
                        "/api/v1/work-orders",
                        json={"category": "repair", "account": "E001", "description": f"停电 {key}"},
                        headers={"Authorization": f"Bearer {self.agent_token}", "Idempotency-Key": key},
                    )
                except httpx.HTTPError:
                    with self.lock:
                        self.unacked.add(key)
                    return  # the server is gone
                if r.status_code not in (200, 201):
                    with self.lock:
                        self.unacked.add(key)
                    continue
                order_id = r.json()["id"]
                with self.lock:
                    self.acked[key] = order_id
                if i % 2 == 0:
                    self.to_accept.put(order_id)

    def rep(self) -> None:
        with httpx.Client(base_url=self.base, timeout=15, headers={"Authorization": f"Bearer {self.rep_token}"}) as http:
            while not self.stop.is_set():
                try:
                    order_id = self.to_accept.get(timeout=0.1)
                except queue.Empty:
                    continue
                try:
                    a = http.post(f"/api/v1/work-orders/{order_id}/commands", json={"command": "accept"})
                except httpx.HTTPError:
                    return  # the server is gone
                if a.status_code == 200:
                    with self.lock:
                        self.accepted.add(order_id)


def run_crash_scenario(db: Database, clock, tmp_path: Path, extra_env: dict[str, str], with_worker: bool) -> None:
    org = demo_org.load(db, clock)
    area.load(org, clock)
    agent_token, rep_token = token_for(db, org, "agent", clock), token_for(db, org, "rep", clock)
    gateway = SlowGateway()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with http_stub(gateway) as gateway_url:
        env = base_env(
            GRIDCARE_DATABASE_URL=db.url,
            GRIDCARE_DATA_DIR=str(tmp_path / "data"),
            GRIDCARE_SECRET_KEY="crash-test-secret-key-0123456789",
            GRIDCARE_SMS_HTTP_URL=gateway_url + "/sms",
            GRIDCARE_NOTIFY_QUIET_HOURS="off",
            GRIDCARE_NOTIFY_RATE_LIMITS="sms=1000/s",
            GRIDCARE_NOTIFY_LADDERS="default=5/-",  # a pop-up unacknowledged for 5 min becomes an SMS; no voice gateway here
            GRIDCARE_TRIAGE_RULES="leaf=100000;upstream=100000",  # one customer's calls are no outage
            GRIDCARE_WORKER_POLL_SECONDS="0.1",
            **extra_env,
        )
        web = Process(
            ["serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"], env, tmp_path / "serve.log"
        )
        worker = Process(["worker"], env, tmp_path / "worker.log")
        processes = [web, worker] if with_worker else [web]
        try:
            for p in processes:
                p.start()
            wait_ready(base, web)

            storm = Storm(base, agent_token, rep_token)
            pool = ThreadPoolExecutor(CLIENTS + 1)
            futures = [pool.submit(storm.client, n) for n in range(CLIENTS)] + [pool.submit(storm.rep)]
            eventually(
                "the storm is under way",
                lambda: len(storm.acked) >= ACKED_BEFORE_KILL and len(gateway.sent) >= 3,
                40,
                web,
            )
            for p in processes:
                p.kill()
            killed_at = datetime.now(UTC)
            # A request the worker sent just before it died may still be on its way to the
            # gateway's handler: nothing new can come from the dead processes, so let it land.
            time.sleep(0.5)
            seen_before_kill = set(gateway.log)
            storm.stop.set()
            for f in futures:
                f.result(30)
            pool.shutdown()
            assert storm.acked and storm.unacked, "the kill must fall in the middle of the storm"

            for p in processes:
                p.start(GRIDCARE_CLOCK_OFFSET_SECONDS=str(int(DOWNTIME.total_seconds())))
            wait_ready(base, web)

            # Every key again, as a client that never heard back would: no duplicates, and the
            # acknowledged keys get their order back.
            again: dict[str, int] = {}
            with httpx.Client(base_url=base, timeout=15, headers={"Authorization": f"Bearer {agent_token}"}) as http:
                for key in sorted(set(storm.acked) | storm.unacked):
                    r = http.post(
                        "/api/v1/work-orders",
                        json={"category": "repair", "account": "E001", "description": f"停电 {key}"},
                        headers={"Idempotency-Key": key},
                    )
                    assert r.status_code in (200, 201), r.text
                    again[key] = r.json()["id"]
                    if key in storm.acked:
                        assert r.status_code == 200 and again[key] == storm.acked[key], key
            with db.read() as session:
                orders = session.execute(
                    select(WorkOrder.id, WorkOrder.idempotency_key, WorkOrder.created_at, WorkOrder.accepted_at)
                ).all()
            keys = Counter(o.idempotency_key for o in orders)
            assert set(keys) == set(again) and max(keys.values()) == 1
            assert {o.idempotency_key: o.id for o in orders} == again

            # The accept deadlines that passed while the server was down: one escalation each.
            before = {o.id for o in orders if o.created_at < killed_at + timedelta(seconds=1)}
            late = {o.id for o in orders if o.id in before and o.accepted_at is None}
            assert storm.accepted <= {o.id for o in orders if o.accepted_at is not None}
            assert late, "some orders must have been waiting for acceptance"

            def escalations() -> Counter[int]:
                with db.read() as session:
                    return Counter(
                        session.scalars(select(OrderEvent.order_id).where(OrderEvent.kind == "order.escalated"))
                    )

            eventually("the late orders escalated", lambda: set(escalations()) >= late, 40, web)

            # Every SMS: the customer's for each acceptance, the rep's for each pop-up left
            # unacknowledged for five minutes (the ladder rung that fell due during the downtime).
            accepted = {o.id for o in orders if o.accepted_at is not None}

            def sms() -> list[Notification]:
                with db.read() as session:
                    return list(session.scalars(select(Notification).where(Notification.channel == "sms")))

            def outbox_states() -> set[str]:
                with db.read() as session:
                    return set(session.scalars(select(OutboxRow.status).where(OutboxRow.topic == "notify.send")))

            def settled() -> bool:
                notes = sms()
                to_rep = {n.source_id for n in notes if n.recipient_kind == "user"}
                return (
                    to_rep >= late and all(n.state == "delivered" for n in notes) and outbox_states() == {"delivered"}
                )

            eventually("every SMS is delivered", settled, 45, web)
            counted = escalations()
            assert {order_id: counted[order_id] for order_id in late} == dict.fromkeys(late, 1)
            assert set(counted) == late  # none for the accepted ones, nor for the orders taken after the restart
            notes = sms()
            assert Counter((n.source_id, n.event) for n in notes if n.recipient_kind == "customer") == Counter(
                (i, "order.accepted") for i in accepted
            )
            assert Counter(n.source_id for n in notes if n.recipient_kind == "user") == Counter(late)
            sent = [m["client_msg_id"] for m in gateway.sent]
            assert sorted(sent) == sorted(n.client_ref for n in notes)  # none lost, none sent twice
            # A request seen twice is a delivery the kill cut off, retried under the same id.
            assert set(gateway.repeats) <= seen_before_kill
        finally:
            for p in processes:
                p.kill()


def test_a_sigkilled_embedded_server_loses_and_duplicates_nothing(sqlite_database, clock, tmp_path):
    run_crash_scenario(sqlite_database, clock, tmp_path, {}, with_worker=False)


@pytest.mark.postgres
@pytest.mark.redis
def test_sigkilled_scaled_web_and_worker_processes_lose_and_duplicate_nothing(
    postgres_database, redis_url, clock, tmp_path
):
    run_crash_scenario(
        postgres_database,
        clock,
        tmp_path,
        {"GRIDCARE_REDIS_URL": redis_url, "GRIDCARE_EMBEDDED_WORKER": "false"},
        with_worker=True,
    )
