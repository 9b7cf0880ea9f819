"""Demo step: run the detector and the rules over the demo's order history, so /alerts has
alerts to show. Deterministic: the history is, and the scan reads nothing else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from gridcare.alerts import service
from gridcare.core.clock import Clock
from gridcare.db import Database

DAYS = 14


def load_demo(db: Database, clock: Clock, *, seed: int, progress: Callable[[str, int, int], None]) -> None:
    now = clock.now()
    with db.write() as session:
        service.scan(session, now=now, since=now - timedelta(days=DAYS), progress=lambda _stage, done, total: progress("alerts", done, total))
