"""Embedded mode runs its worker as a child process of ``gridcare serve``: the worker's pushes
(here the rep's dispatch pop-up) reach the browsers connected to the web process over a pipe,
a worker child that dies is replaced, and a ``serve`` killed outright takes its child with it."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx

from tests.reliability.servers import (
    EventStream,
    Process,
    base_env,
    eventually,
    token_for,
    wait_ready,
)
from tests.support import area
from tests.support import org as demo_org
from tests.support.live import free_port


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def test_the_embedded_worker_child_relays_pushes_is_replaced_and_dies_with_serve(sqlite_database, clock, tmp_path):
    org = demo_org.load(sqlite_database, clock)
    area.load(org, clock)
    agent, rep = token_for(sqlite_database, org, "agent", clock), token_for(sqlite_database, org, "rep", clock)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = base_env(
        GRIDCARE_DATABASE_URL=sqlite_database.url,
        GRIDCARE_DATA_DIR=str(tmp_path / "data"),
        GRIDCARE_SECRET_KEY="child-test-secret-key-0123456789",
        GRIDCARE_NOTIFY_QUIET_HOURS="off",
        GRIDCARE_WORKER_POLL_SECONDS="0.1",
    )
    stream = EventStream(base, rep)
    web = Process(["serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"], env, tmp_path / "serve.log").start()
    try:
        wait_ready(base, web)
        first = eventually("serve has started its worker child", lambda: children_of(web.proc.pid), 30, web)
        stream.start()
        assert stream.connected.wait(10)

        def dispatch_pops_up(n: int) -> None:
            before = len(stream.popups())
            r = httpx.post(
                base + "/api/v1/work-orders",
                json={"category": "repair", "account": "E001", "description": f"停电 {n}"},
                headers={"Authorization": f"Bearer {agent}", "Idempotency-Key": f"child-{n}"},
            )
            assert r.status_code == 201, r.text
            eventually(f"the rep's pop-up for order {n} came through the web process", lambda: len(stream.popups()) > before, 30, web)

        dispatch_pops_up(1)
        # The pop-up reaches the web process before the child marks its outbox row done; a
        # child killed in between leaves the row leased for a minute (outbox_lease_seconds),
        # and the rep's next message waits behind it. This test is about the restart.
        eventually("the child has finished the pop-up's outbox row", lambda: _in_delivery(sqlite_database) == 0, 30, web)

        os.kill(next(iter(first)), signal.SIGKILL)
        second = eventually("a new worker child replaced the killed one", lambda: children_of(web.proc.pid) - first, 30, web)
        eventually("the new child is ready", lambda: httpx.get(base + "/readyz").json()["checks"]["worker"] == "ok", 30, web)
        dispatch_pops_up(2)

        os.kill(web.proc.pid, signal.SIGKILL)  # serve alone, not its process group
        web.proc.wait(10)
        eventually("the worker child died with serve", lambda: not any(Path(f"/proc/{pid}").exists() for pid in second), 10, web)
    finally:
        web.kill()
        stream.close()


def _in_delivery(db) -> int:
    from sqlalchemy import func, select

    from gridcare.outbox import PROCESSING, OutboxRow

    with db.read() as session:
        return session.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.status == PROCESSING)) or 0
