"""Transactional outbox: side effects are rows written in the same transaction as the state
change, and workers deliver them afterwards. A crash between commit and delivery loses
nothing (the row waits); a crash during delivery is retried once its lease runs out.

Claiming is a compare-and-set on SQLite (one writer at a time, BEGIN IMMEDIATE) and
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any number of workers share the queue.
Rows with the same ``key`` (a recipient) are delivered in order: a row waits while an
earlier one of its key is still pending or in flight, unless the same claim takes that one
too (the rows queued behind a claimed row of its key go with it, delivered one wave after
another; after a failure, the rest of its key go back untried).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import groupby
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    Index,
    Integer,
    Select,
    String,
    Text,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from gridcare.db import Base, Database, JSONData, UTCDateTime
from gridcare.prepared import Prepared

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


# Partial indexes: delivered rows stay (they are the record of what was sent) and outnumber
# the open ones a hundredfold after a few storms; an index over every row made each claim
# walk past them (17 ms a claim on the load bench's database, 40 % of PostgreSQL's time).
_OPEN = OutboxRow.status.in_((PENDING, PROCESSING))
Index("ix_outbox_pending", OutboxRow.available_at, OutboxRow.id, postgresql_where=OutboxRow.status == PENDING, sqlite_where=OutboxRow.status == PENDING)
Index("ix_outbox_leased", OutboxRow.claimed_until, postgresql_where=OutboxRow.status == PROCESSING, sqlite_where=OutboxRow.status == PROCESSING)
# "Is an earlier row of this recipient still open?"
Index("ix_outbox_key_open", OutboxRow.key, OutboxRow.id, postgresql_where=_OPEN, sqlite_where=_OPEN)


_INSERT = Prepared(OutboxRow.__table__.insert(), keys=["topic", "key", "payload", "status", "attempts", "available_at", "created_at"], deferrable=True)


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
    enqueue_many(session, [Queued(topic, payload, key, not_before)], now=now)


@dataclass(frozen=True)
class Queued:
    """A side effect ``enqueue_many`` records."""

    topic: str
    payload: dict[str, Any]
    key: str | None = None
    not_before: datetime | None = None


def enqueue_many(session: Session, rows: Sequence[Queued], *, now: datetime) -> None:
    """``enqueue`` for many rows in one statement."""
    _INSERT.execute_many(
        session.connection(),
        [{"topic": r.topic, "key": r.key, "payload": r.payload, "status": PENDING, "attempts": 0, "available_at": r.not_before or now, "created_at": now} for r in rows],
    )


def backoff(attempts: int, *, base_seconds: float = 5.0, cap_seconds: float = 600.0) -> timedelta:
    """Wait before the next try: 5 s, 10 s, 20 s … then every 10 minutes, so a gateway that
    comes back after a long outage is noticed within 10 minutes, not an hour."""
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
    due_at: datetime | None = None  # when the row fell due: how long it waited for its claim


class DeliveryContext(Protocol):
    """What a handler may use: the database, the push broadcaster, settings, the clock, and
    what a handler keeps for the worker's lifetime (``extras``)."""

    db: Database
    broadcaster: Any
    settings: Any
    clock: Any
    extras: dict[str, Any]


Handler = Callable[[Message, DeliveryContext], None]
HANDLERS: dict[str, Handler] = {}


F = TypeVar("F", bound=Callable[..., Any])


def _registering(registry: dict[str, Any], topic: str) -> Callable[[F], F]:
    def register(fn: F) -> F:
        registry[topic] = fn
        return fn

    return register


def handler(topic: str, *, lane: str | None = None) -> Callable[[Handler], Handler]:
    """Register the handler of ``topic``. A ``lane`` of its own is for handlers that run long
    (triage analyses a feeder and merges a storm's calls): a worker claims and runs each lane
    in its own loop, so a rep's pop-up never waits behind them."""
    if lane is not None:
        LANES[topic] = lane
    return _registering(HANDLERS, topic)


LANES: dict[str, str] = {}  # topic → lane; topics not here share the first lane


@dataclass(frozen=True)
class Lane:
    """The topics one delivery loop claims: ``only`` these, or every topic ``besides`` these."""

    only: frozenset[str] = frozenset()
    besides: frozenset[str] = frozenset()


EVERY = Lane()


def lanes() -> list[Lane]:
    """The lanes of the registered handlers: every topic without a lane of its own first."""
    named: dict[str, set[str]] = {}
    for topic, name in LANES.items():
        named.setdefault(name, set()).add(topic)
    if not named:
        return [EVERY]
    return [Lane(besides=frozenset(LANES)), *(Lane(only=frozenset(topics)) for _name, topics in sorted(named.items()))]


@dataclass(frozen=True)
class BatchOutcome:
    """What a batch handler did: each message's error, or None (delivered); and its own
    bookkeeping of those outcomes (``with_finish(session)``), written in the transaction
    that finishes their rows. One write instead of two: on SQLite each is a turn of the one
    writer, which intake's group commit holds most of the time in a storm. If that
    transaction fails, the rows are delivered again and the bookkeeping written then."""

    errors: Mapping[int, BaseException | None]
    with_finish: Callable[[Session], None] | None = None


# A handler that takes every message of its topic in a claimed batch at once, so that its
# own bookkeeping is written once per batch.
BatchHandler = Callable[[list[Message], DeliveryContext], BatchOutcome]
BATCH_HANDLERS: dict[str, BatchHandler] = {}


def batch_handler(topic: str) -> Callable[[BatchHandler], BatchHandler]:
    return _registering(BATCH_HANDLERS, topic)


def _run_batches(ctx: DeliveryContext, messages: list[Message], with_finish: list[Callable[[Session], None]]) -> dict[int, BaseException | None]:
    """The errors of the messages whose topic has a batch handler (None: delivered); their
    handlers' bookkeeping for the finish is added to ``with_finish``."""
    groups: dict[str, list[Message]] = {}
    for message in messages:
        if message.topic in BATCH_HANDLERS:
            groups.setdefault(message.topic, []).append(message)
    errors: dict[int, BaseException | None] = {}
    for topic, group in groups.items():
        try:
            found = BATCH_HANDLERS[topic](group, ctx)
        except Exception as exc:  # the handler as a whole failed: each of its messages did
            errors.update(dict.fromkeys((m.id for m in group), exc))
            continue
        errors.update({m.id: found.errors.get(m.id) for m in group})
        if found.with_finish is not None:
            with_finish.append(found.with_finish)
    return errors


def _run_one(ctx: DeliveryContext, message: Message) -> BaseException | None:
    fn = HANDLERS.get(message.topic)
    try:
        if fn is None:
            raise DeliveryError(f"no handler for topic {message.topic!r}", permanent=True)
        fn(message, ctx)
    except Exception as exc:  # a handler's failure must never stop the worker
        return exc
    return None


# Built once: the worker claims many times a second under load, and building these
# expressions cost more than running them.
# The statuses are written into the statements: a generic plan of a prepared statement,
# which cannot see bound values, could not use the partial indexes.
_earlier = aliased(OutboxRow)
_pending, _processing = literal_column(f"'{PENDING}'"), literal_column(f"'{PROCESSING}'")
# On the table's columns: the updates below are Core statements on the table, since an ORM
# bulk UPDATE evaluates its criteria against the session's objects (a third of the worker's
# time in a storm, for a session that holds none); the selects take them as they are.
_ROWS = OutboxRow.__table__
_COLS = _ROWS.c
_DUE = and_(_COLS.status == _pending, _COLS.available_at <= bindparam("now"))
_LAPSED = and_(_COLS.status == _processing, _COLS.claimed_until < bindparam("now"))
_BLOCKED = exists().where(_earlier.key == OutboxRow.key, _earlier.id < OutboxRow.id, _earlier.status.in_((_pending, _processing)))
# In the order the rows fell due: a message planned for a later window (the SMS rate limit
# plans thousands ahead in a storm) must not be walked past by every claim. Rows of one
# recipient still go out in the order they were written (_BLOCKED).
_CLAIMABLE = (
    select(OutboxRow.id, OutboxRow.key, OutboxRow.topic)
    .where(_DUE, or_(OutboxRow.key.is_(None), ~_BLOCKED))
    .order_by(OutboxRow.available_at, OutboxRow.id)
    .limit(bindparam("limit"))
)


@lru_cache(maxsize=16)
def _claimable(lane: Lane, postgresql: bool) -> Select[Any]:
    stmt = _CLAIMABLE
    if lane.only:
        stmt = stmt.where(OutboxRow.topic.in_(sorted(lane.only)))
    if lane.besides:
        stmt = stmt.where(OutboxRow.topic.not_in(sorted(lane.besides)))
    return stmt.with_for_update(skip_locked=True, of=OutboxRow) if postgresql else stmt


# The open rows of some keys, their first few each, in order: what waits behind a claimed row.
_ranked = (
    select(_COLS.id, _COLS.key, _COLS.topic, _COLS.status, _COLS.available_at, func.row_number().over(partition_by=_COLS.key, order_by=_COLS.id).label("place"))
    .where(_COLS.key.in_(bindparam("keys", expanding=True)), _COLS.status.in_((_pending, _processing)))
    .subquery()
)
_QUEUED = select(_ranked.c.id, _ranked.c.key, _ranked.c.topic, _ranked.c.status, _ranked.c.available_at).where(_ranked.c.place <= bindparam("depth")).order_by(_ranked.c.key, _ranked.c.id)
_ANY_LAPSED = select(OutboxRow.id).where(_LAPSED).limit(1)
# A lease that ran out (its worker died or hung) puts the row back in the queue, in its old
# place: the claim then sees one kind of due row, in one index.
_RELEASE_LAPSED = update(_ROWS).where(_LAPSED).values(status=PENDING, claimed_by=None, claimed_until=None)
_TAKE = (
    update(_ROWS)
    .where(_COLS.id.in_(bindparam("ids", expanding=True)), _DUE)
    .values(status=PROCESSING, claimed_by=bindparam("worker"), claimed_until=bindparam("until"), attempts=_COLS.attempts + 1)
    .returning(_COLS.id, _COLS.topic, _COLS.key, _COLS.payload, _COLS.attempts, _COLS.available_at)
)


def claim(db: Database, *, worker: str, now: datetime, lease: timedelta, limit: int, lane: Lane = EVERY) -> list[Message]:
    """Take up to ``limit`` due rows of the lane's topics for this worker, in one short transaction."""
    params = {"now": now, "limit": limit}
    claimable = _claimable(lane, db.dialect == "postgresql")
    if db.dialect != "postgresql":
        # Look first in a read transaction: an idle worker must not take SQLite's only
        # write lock several times a second for nothing.
        with db.read() as session:
            if session.execute(claimable, params).first() is None and session.scalar(_ANY_LAPSED, params) is None:
                return []
    with db.write() as session:
        session.execute(_RELEASE_LAPSED, {"now": now})
        heads = session.execute(claimable, params).all()
        if not heads:
            return []
        ids = [h.id for h in heads] + _queued_behind(session, heads, now=now, room=limit - len(heads))
        # The WHERE repeats the due test: on SQLite this is the compare-and-set.
        claimed = session.execute(_TAKE, {"ids": ids, "now": now, "worker": worker, "until": now + lease}).all()
    return sorted((Message(id=r.id, topic=r.topic, key=r.key, payload=r.payload, attempts=r.attempts, due_at=r.available_at) for r in claimed), key=lambda m: m.id)


# A claim grows when its rows waited this long for it.
CLAIM_GROWTH_LAG = timedelta(milliseconds=250)
CLAIM_GROWTH_MOST = 8  # times the configured batch size


def next_claim_limit(limit: int, *, base: int, claimed: int, lag: timedelta | None) -> int:
    """How many rows a worker's next claim may take, after one that took ``claimed`` of
    ``limit``, the oldest of them due ``lag`` before. Behind (a full claim whose rows
    waited ``CLAIM_GROWTH_LAG`` or more): twice as many, up to ``CLAIM_GROWTH_MOST`` times
    ``base``. A round costs two writes whatever its size (claim, finish), and on SQLite each
    is a turn of the one writer, which intake's group commit holds most of the time in a
    storm: only bigger rounds catch up. Once a claim comes back less than half full, half as
    many, never fewer than ``base``: small rounds hand each message on sooner. (Between
    the two it stays: a worker that just caught up would otherwise fall behind again.)"""
    if claimed >= limit and lag is not None and lag >= CLAIM_GROWTH_LAG:
        return min(limit * 2, max(base, base * CLAIM_GROWTH_MOST))
    if claimed < limit / 2:
        return max(base, limit // 2)
    return limit


def _queued_behind(session: Session, heads: list[Any], *, now: datetime, room: int) -> list[int]:
    """The due rows right behind each claimed row of a key, of its topic, up to ``room``.
    Nobody else can claim them: the claimed row, still open, holds them back for every other
    worker. Without them a recipient got one message per round of the worker, and a rep
    with twenty dispatch pop-ups in a storm waited twenty rounds for the last."""
    first = {h.key: (h.id, h.topic) for h in heads if h.key is not None}
    if not first or room <= 0:
        return []
    taken: list[int] = []
    for key, rows in groupby(session.execute(_QUEUED, {"keys": list(first), "depth": room + 1}), key=lambda r: r.key):
        head_id, topic = first[key]
        head, *behind = rows
        if head.id != head_id:  # a row written earlier became visible meanwhile: it goes first
            continue
        for row in behind:
            if len(taken) >= room or row.status != PENDING or row.available_at > now or row.topic != topic:
                break
            taken.append(row.id)
    return taken


Mark = tuple[list[int], dict[str, Any]]  # rows, and what to set on them


def _finish(db: Database, worker: str, marks: Sequence[Mark], with_finish: Sequence[Callable[[Session], None]] = ()) -> None:
    """A round's outcome in one transaction: the batch handlers' bookkeeping, then each
    mark. Only rows still leased to this worker: a row whose lease ran out may be another's
    now."""
    with db.write() as session:
        for bookkeeping in with_finish:
            bookkeeping(session)
        for ids, values in marks:
            session.execute(update(_ROWS).where(_COLS.id.in_(ids), _COLS.claimed_by == worker, _COLS.status == PROCESSING).values(**values))


def deliver(db: Database, ctx: DeliveryContext, message: Message, *, worker: str, now: Callable[[], datetime], max_attempts: int) -> str:
    """Run the handler and record the outcome; returns the row's new status."""
    return deliver_batch(db, ctx, [message], worker=worker, now=now, max_attempts=max_attempts)[message.id]


def _waves(messages: list[Message]) -> list[list[Message]]:
    """The first message of each key (and those without one), then the second of each key …"""
    place: dict[str, int] = {}
    waves: list[list[Message]] = []
    for message in messages:
        n = 0
        if message.key is not None:
            n = place[message.key] = place.get(message.key, -1) + 1
        if n == len(waves):
            waves.append([])
        waves[n].append(message)
    return waves


def deliver_batch(db: Database, ctx: DeliveryContext, messages: list[Message], *, worker: str, now: Callable[[], datetime], max_attempts: int) -> dict[int, str]:
    """Run each message's handler, then record every outcome in one transaction: a
    round is a claim and a finish, two writes whatever happened in it. On SQLite each is a
    turn of the one writer that intake holds in a storm, and an SMS gateway that is down
    would otherwise cost two more turns per failed message. A key's messages go one wave
    after another, and once one fails the rest of its key go back untried, behind it.
    Returns each row's new status."""
    outcome: dict[int, str] = {}
    marks: list[Mark] = []
    delivered: list[int] = []
    stopped: set[str] = set()
    untried: list[int] = []
    with_finish: list[Callable[[Session], None]] = []
    for wave in _waves(sorted(messages, key=lambda m: m.id)):
        untried += [m.id for m in wave if m.key in stopped]
        wave = [m for m in wave if m.key not in stopped]
        batched = _run_batches(ctx, wave, with_finish)
        for message in wave:
            exc = batched[message.id] if message.id in batched else _run_one(ctx, message)
            if exc is None:
                delivered.append(message.id)
                continue
            if message.key is not None:
                stopped.add(message.key)
            permanent = isinstance(exc, DeliveryError) and exc.permanent
            status = DEAD if permanent or message.attempts >= max_attempts else PENDING
            log.warning("outbox %s (%s) attempt %s failed: %s", message.id, message.topic, message.attempts, exc)
            error = f"{type(exc).__name__}: {exc}"[:2000]
            marks.append(([message.id], {"status": status, "last_error": error, "available_at": now() + backoff(message.attempts), "claimed_by": None, "claimed_until": None}))
            outcome[message.id] = status
    if untried:  # as if never claimed: the attempt was not made
        marks.append((untried, {"status": PENDING, "claimed_by": None, "claimed_until": None, "attempts": _COLS.attempts - 1}))
        outcome.update(dict.fromkeys(untried, PENDING))
    if delivered:
        marks.append((delivered, {"status": DELIVERED, "delivered_at": now(), "claimed_until": None, "last_error": None}))
        outcome.update(dict.fromkeys(delivered, DELIVERED))
    if marks or with_finish:
        _finish(db, worker, marks, with_finish)
    return outcome
