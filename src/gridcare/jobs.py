"""Periodic jobs (deadline sweeps, audit checkpoints …) shared by any number of workers.

Each job has one row; a worker runs it only after moving ``next_run_at`` forward with a
compare-and-set, so two workers never run the same round twice."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import String, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, Database, UTCDateTime


class ScheduledJob(Base):
    __tablename__ = "scheduled_jobs"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_run_by: Mapped[str | None] = mapped_column(String(80))


# What a job's round returns when it stopped with work left: the job runs again at once
# instead of a period later, in short rounds. After a storm thousands of orders fall late
# together; escalating them all in one transaction would hold SQLite's writer from intake.
# (Deliveries do not wait for jobs: the worker runs them in a thread of their own.)
UNFINISHED = "unfinished"


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[Any], object]  # receives the worker's context; may return UNFINISHED


JOBS: dict[str, Job] = {}


def periodic(name: str, *, every: timedelta) -> Callable[[Callable[[Any], object]], Callable[[Any], object]]:
    def register(fn: Callable[[Any], object]) -> Callable[[Any], object]:
        JOBS[name] = Job(name=name, every=every, run=fn)
        return fn

    return register


# Writes per transaction in a job's round. In embedded mode a job shares SQLite's one writer
# with intake: a round that writes a thousand rows at once makes every caller wait behind it.
CHUNK = 25

T = TypeVar("T")


def in_chunks(db: Database, found: Sequence[T], act: Callable[[Any, Sequence[T]], object], *, size: int = CHUNK) -> int:
    """Act on what a job found (in a read transaction, where looking costs no one anything)
    a chunk per write transaction. ``act`` must re-check each item under the writer, since
    another worker or a user may have changed it since it was found."""
    for i in range(0, len(found), size):
        with db.write() as session:
            act(session, found[i : i + size])
    return len(found)


def claim_due(db: Database, *, now: datetime, worker: str) -> list[Job]:
    """The jobs this worker won for this round."""
    won: list[Job] = []
    with db.read() as session:
        known = {r.name: r.next_run_at for r in session.execute(select(ScheduledJob.name, ScheduledJob.next_run_at))}
    if all(name in known and known[name] > now for name in JOBS):
        return won  # nothing due: no write transaction, which SQLite would serialise
    with db.write() as session:
        insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
        for job in JOBS.values():
            session.execute(insert(ScheduledJob).values(name=job.name, next_run_at=now).on_conflict_do_nothing(index_elements=["name"]))
        rows = {r.name: r.next_run_at for r in session.execute(select(ScheduledJob.name, ScheduledJob.next_run_at))}
        for job in JOBS.values():
            due_at = rows.get(job.name)
            if due_at is None or due_at > now:
                continue
            result = session.execute(
                update(ScheduledJob)
                .where(ScheduledJob.name == job.name, ScheduledJob.next_run_at == due_at)
                .values(next_run_at=now + job.every, last_run_at=now, last_run_by=worker)
            )
            if result.rowcount == 1:
                won.append(job)
    return won


def again(db: Database, job: Job, *, now: datetime) -> None:
    """Make an unfinished job due again now (for whichever worker comes first)."""
    with db.write() as session:
        session.execute(update(ScheduledJob).where(ScheduledJob.name == job.name, ScheduledJob.next_run_at > now).values(next_run_at=now))
