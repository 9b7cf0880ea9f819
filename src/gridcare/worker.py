"""The worker: delivers outbox rows and runs periodic jobs. ``gridcare serve`` runs one as
its child process (embedded mode; see worker_child.py) or in a thread; ``gridcare worker``
runs it alone (scaled mode, any number)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from gridcare import outbox
from gridcare.config import Settings
from gridcare.core.clock import Clock
from gridcare.db import Database
from gridcare.jobs import UNFINISHED, again, claim_due
from gridcare.pubsub import Broadcaster, PushEvent

log = logging.getLogger(__name__)


BATCH_GATHER_SECONDS = 0.05
STAY_AWAKE_SECONDS = 2.0  # after its last row, a lane polls every BATCH_GATHER_SECONDS this long


@dataclass
class WorkerContext:
    db: Database
    broadcaster: Broadcaster
    settings: Settings
    clock: Clock
    extras: dict[str, Any] = field(default_factory=dict)


@outbox.handler("push")
def _push(message: outbox.Message, ctx: WorkerContext) -> None:
    p = message.payload
    ctx.broadcaster.publish(PushEvent(channel=p["channel"], event=p["event"], data=p.get("data", {})))


class Worker:
    def __init__(self, ctx: WorkerContext, *, name: str | None = None) -> None:
        self.ctx = ctx
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"
        self._stop = threading.Event()
        self.claim_limits: dict[outbox.Lane, int] = {}  # each lane's grows while its rows wait (outbox.next_claim_limit)

    def run_jobs(self) -> int:
        """The periodic jobs due now. Returns how many stopped with work left (they are due
        again at once, for whichever worker comes first)."""
        unfinished = 0
        for job in claim_due(self.ctx.db, now=self.ctx.clock.now(), worker=self.name):
            try:
                if job.run(self.ctx) == UNFINISHED:
                    again(self.ctx.db, job, now=self.ctx.clock.now())
                    unfinished += 1
            except Exception:  # one failing job must not stop the others
                log.exception("job %s failed", job.name)
        return unfinished

    def deliver_once(self, lane: outbox.Lane = outbox.EVERY) -> int:
        """One batch of the lane's due outbox rows. Returns how many were handled."""
        s = self.ctx.settings
        now, limit = self.ctx.clock.now(), self.claim_limits.get(lane, s.outbox_batch_size)
        messages = outbox.claim(self.ctx.db, worker=self.name, now=now, lease=timedelta(seconds=s.outbox_lease_seconds), limit=limit, lane=lane)
        waited = [now - m.due_at for m in messages if m.due_at is not None]
        self.claim_limits[lane] = outbox.next_claim_limit(limit, base=s.outbox_batch_size, claimed=len(messages), lag=max(waited, default=None))
        if messages:
            outbox.deliver_batch(self.ctx.db, self.ctx, messages, worker=self.name, now=self.ctx.clock.now, max_attempts=s.outbox_max_attempts)
        return len(messages)

    def run_once(self) -> int:
        """One round: due jobs, then one batch of outbox rows. Returns how many rows were
        handled, plus one per job that stopped with work left (the next round goes on with it)."""
        unfinished = self.run_jobs()
        return self.deliver_once() + unfinished

    def drain(self, max_rounds: int = 100) -> int:
        """Run rounds until nothing is due; for tests and the CLI."""
        total = 0
        for _ in range(max_rounds):
            handled = self.run_once()
            total += handled
            if handled == 0:
                break
        return total

    def run_forever(self) -> None:
        """Deliveries in this thread, jobs in another: a forced pop-up must not wait while a
        worker that was down catches up on a sweep of missed deadlines, or while the hourly
        roll-ups run (their first round took 1.5 s on an idle machine, several seconds in a
        storm, with every rep's pop-up queued behind it). Topics with a lane of their own
        (triage) are delivered in a thread each, for the same reason."""
        log.info("worker %s started", self.name)
        first, *others = outbox.lanes()
        helpers = [threading.Thread(target=self._jobs_forever, name="gridcare-worker-jobs", daemon=True)]
        helpers += [threading.Thread(target=self._deliveries_forever, args=(lane,), name=f"gridcare-worker-lane-{n}", daemon=True) for n, lane in enumerate(others, start=1)]
        for thread in helpers:
            thread.start()
        try:
            self._deliveries_forever(first)
        finally:
            self._stop.set()
            for thread in helpers:
                thread.join(timeout=30)
        log.info("worker %s stopped", self.name)

    def _deliveries_forever(self, lane: outbox.Lane) -> None:
        poll = self.ctx.settings.worker_poll_seconds
        busy_at = -STAY_AWAKE_SECONDS
        while not self._stop.is_set():
            try:
                handled = self.deliver_once(lane)
            except Exception:  # database restarts and the like: wait and go on
                log.exception("worker round failed")
                handled = 0
            if handled:
                busy_at = time.monotonic()
            if handled == 0:
                # A lane that just had work looks again soon: in a storm an empty claim
                # between two group commits would otherwise leave a second's pop-ups
                # waiting out the idle poll (their p99 was the poll, 1 s).
                self._stop.wait(min(BATCH_GATHER_SECONDS, poll) if time.monotonic() - busy_at < STAY_AWAKE_SECONDS else poll)
            elif handled < self.ctx.settings.outbox_batch_size:
                # A short pause under a steady trickle lets rows gather into one batch: a
                # round per row would compete with intake for the database's writer.
                self._stop.wait(min(BATCH_GATHER_SECONDS, poll))

    def _jobs_forever(self) -> None:
        while not self._stop.is_set():
            try:
                unfinished = self.run_jobs()
            except Exception:
                log.exception("worker jobs round failed")
                unfinished = 0
            if unfinished == 0:
                self._stop.wait(self.ctx.settings.worker_poll_seconds)

    def stop(self) -> None:
        self._stop.set()

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="gridcare-worker", daemon=True)
        thread.start()
        return thread
