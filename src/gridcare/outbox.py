"""Transactional outbox: side effects are rows written in the same transaction as the state
change, and workers deliver them afterwards. A crash between commit and delivery loses
nothing (the row waits); a crash during delivery is retried once its lease runs out.

Claiming is a compare-and-set on SQLite (one writer at a time, BEGIN IMMEDIATE) and
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any number of workers share the queue.
Rows with the same ``key`` (a recipient) are delivered in order: a row waits while an
earlier one of its key is still pending or in flight.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Index, Integer, String, Text, and_, exists, or_, select, update
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from gridcare.db import Base, Database, JSONData, UTCDateTime

log = logging.getLogger(__name__)

PENDING, PROCESSING, DELIVERED, DEAD = "pending", "processing", "delivered", "dead"


class OutboxRow(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(60))
    key: Mapped[str | None] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONData)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


Index("ix_outbox_due", OutboxRow.status, OutboxRow.available_at)
Index("ix_outbox_key", OutboxRow.key, OutboxRow.id)


def enqueue(
    session: Session,
    *,
    topic: str,
    payload: dict[str, Any],
    now: datetime,
    key: str | None = None,
    not_before: datetime | None = None,
) -> None:
    """Record a side effect in the caller's transaction; it happens only if that commits."""
    session.execute(
        OutboxRow.__table__.insert(),
        [{"topic": topic, "key": key, "payload": payload, "status": PENDING, "attempts": 0, "available_at": not_before or now, "created_at": now}],
    )


def backoff(attempts: int, *, base_seconds: float = 5.0, cap_seconds: float = 3600.0) -> timedelta:
    """Wait before the next try: 5 s, 10 s, 20 s … capped at an hour."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1)))


class DeliveryError(Exception):
    """A delivery failed. ``permanent`` failures go straight to dead letters."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Message:
    id: int
    topic: str
    key: str | None
    payload: dict[str, Any]
    attempts: int


class DeliveryContext(Protocol):
    """What a handler may use: the database, the push broadcaster, settings, the clock."""

    db: Database
    broadcaster: Any
    settings: Any
    clock: Any


Handler = Callable[[Message, DeliveryContext], None]
HANDLERS: dict[str, Handler] = {}


def handler(topic: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[topic] = fn
        return fn

    return register


def claim(db: Database, *, worker: str, now: datetime, lease: timedelta, limit: int) -> list[Message]:
    """Take up to ``limit`` due rows for this worker, in one short transaction."""
    earlier = aliased(OutboxRow)
    blocked = exists().where(
        and_(earlier.key == OutboxRow.key, earlier.id < OutboxRow.id, earlier.status.in_((PENDING, PROCESSING)))
    )
    due = or_(
        and_(OutboxRow.status == PENDING, OutboxRow.available_at <= now),
        and_(OutboxRow.status == PROCESSING, OutboxRow.claimed_until < now),
    )
    query = select(OutboxRow.id).where(due, or_(OutboxRow.key.is_(None), ~blocked)).order_by(OutboxRow.id).limit(limit)
    with db.write() as session:
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=OutboxRow)
        ids = list(session.scalars(query))
        if not ids:
            return []
        # The WHERE repeats the due test: on SQLite this is the compare-and-set.
        claimed = session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids), due)
            .values(status=PROCESSING, claimed_by=worker, claimed_until=now + lease, attempts=OutboxRow.attempts + 1)
            .returning(OutboxRow.id, OutboxRow.topic, OutboxRow.key, OutboxRow.payload, OutboxRow.attempts)
        ).all()
    return sorted((Message(id=r.id, topic=r.topic, key=r.key, payload=r.payload, attempts=r.attempts) for r in claimed), key=lambda m: m.id)


def _finish(db: Database, message: Message, worker: str, **values: Any) -> bool:
    with db.write() as session:
        result = session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message.id, OutboxRow.claimed_by == worker, OutboxRow.status == PROCESSING)
            .values(**values)
        )
        return result.rowcount == 1


def deliver(db: Database, ctx: DeliveryContext, message: Message, *, worker: str, now: Callable[[], datetime], max_attempts: int) -> str:
    """Run the handler and record the outcome; returns the row's new status."""
    fn = HANDLERS.get(message.topic)
    try:
        if fn is None:
            raise DeliveryError(f"no handler for topic {message.topic!r}", permanent=True)
        fn(message, ctx)
    except Exception as exc:  # a handler's failure must never stop the worker
        permanent = isinstance(exc, DeliveryError) and exc.permanent
        dead = permanent or message.attempts >= max_attempts
        status = DEAD if dead else PENDING
        log.warning("outbox %s (%s) attempt %s failed: %s", message.id, message.topic, message.attempts, exc)
        _finish(
            db,
            message,
            worker,
            status=status,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            available_at=now() + backoff(message.attempts),
            claimed_by=None,
            claimed_until=None,
        )
        return status
    _finish(db, message, worker, status=DELIVERED, delivered_at=now(), claimed_until=None, last_error=None)
    return DELIVERED
