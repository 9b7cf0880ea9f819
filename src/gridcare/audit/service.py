"""Audit use cases: append an entry in the caller's transaction, seal checkpoints, verify."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gridcare.audit.chain import (
    GENESIS,
    BrokenLink,
    EntryContent,
    StoredCheckpoint,
    StoredEntry,
    canonical_json,
    checkpoint_hash,
    entry_hash,
    verify_checkpoints,
    verify_stream,
)
from gridcare.audit.models import AuditCheckpoint, AuditEntry, AuditStreamHead
from gridcare.core.principal import Principal
from gridcare.prepared import Prepared

_HEADS = AuditStreamHead.__table__
_CREATE_HEADS = {
    name: Prepared(dialect.insert(_HEADS).on_conflict_do_nothing(index_elements=["stream"]), keys=["stream", "seq", "hash"]) for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_LOCK_HEAD = Prepared(select(_HEADS.c.stream, _HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.stream == bindparam("stream")).with_for_update())
_MOVE_HEAD = Prepared(update(_HEADS).where(_HEADS.c.stream == bindparam("head")).values(seq=bindparam("seq"), hash=bindparam("hash")))
# PostgreSQL: every head of a batch in one statement, its new values bound as three arrays.
_MOVE_HEADS = Prepared(
    text(
        "UPDATE audit_stream_heads SET seq = moved.seq, hash = moved.hash"
        " FROM unnest(CAST(:streams AS VARCHAR[]), CAST(:seqs AS INTEGER[]), CAST(:hashes AS VARCHAR[])) AS moved(stream, seq, hash)"
        " WHERE audit_stream_heads.stream = moved.stream"
    )
)


def _lock_heads(session: Session, streams: list[str]) -> dict[str, tuple[int, str]]:
    """The heads (seq, hash) of these streams, created when missing and locked (row locks on
    PostgreSQL: appends to one stream queue up, other streams do not wait). In sorted order:
    two writers locking overlapping sets never wait on each other in a cycle."""
    connection = session.connection()
    ordered = sorted(streams)
    _CREATE_HEADS[connection.dialect.name].execute_many(connection, [{"stream": s, "seq": 0, "hash": GENESIS} for s in ordered])
    if len(ordered) == 1:
        _stream, seq, digest = _LOCK_HEAD.first(connection, {"stream": ordered[0]})
        return {ordered[0]: (seq, digest)}
    stmt = select(_HEADS.c.stream, _HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.stream.in_(ordered)).order_by(_HEADS.c.stream).with_for_update()
    return {stream: (seq, digest) for stream, seq, digest in connection.execute(stmt)}


def _move_heads(session: Session, moved: dict[str, tuple[int, str]]) -> None:
    """The locked heads now point at their streams' last entries: one UPDATE for them all."""
    connection = session.connection()
    if len(moved) == 1 or connection.dialect.name != "postgresql":  # SQLite names no columns of a VALUES list; its round trips are free
        _MOVE_HEAD.execute_many(connection, [{"head": stream, "seq": seq, "hash": digest} for stream, (seq, digest) in moved.items()])
        return
    _MOVE_HEADS.execute(connection, {"streams": list(moved), "seqs": [q for q, _h in moved.values()], "hashes": [h for _q, h in moved.values()]}).close()


@dataclass(frozen=True)
class Append:
    """One entry to append: what ``record`` takes, for ``record_many``."""

    action: str
    entity: str
    entity_id: str | int
    before: Any = None
    after: Any = None
    org_path: str = "/"


_INSERT_ENTRIES = Prepared(
    AuditEntry.__table__.insert(),
    keys=["stream", "seq", "at", "actor_id", "actor", "origin", "action", "entity", "entity_id", "org_path", "before", "after", "prev_hash", "hash"],
    deferrable=True,
)
# Deferrable too: a unit appending to a stream whose head another unit of the same batch
# created, still waiting, would start the stream over, and the unique (stream, seq) and the
# head's key refuse that at the insert; the group commit then runs the units apart.
_INSERT_HEADS = Prepared(AuditStreamHead.__table__.insert(), keys=["stream", "seq", "hash"], deferrable=True)


def record(
    session: Session,
    *,
    actor: Principal,
    at: datetime,
    action: str,
    entity: str,
    entity_id: str | int,
    before: Any = None,
    after: Any = None,
    org_path: str = "/",
    new_stream: bool = False,
) -> EntryContent:
    """Append one entry to the stream ``entity:entity_id`` in the caller's transaction.
    ``new_stream``: the entity was created in this transaction (its first entry)."""
    return record_many(session, actor=actor, at=at, entries=[Append(action, entity, entity_id, before, after, org_path)], new_streams=new_stream)[0]


def record_many(session: Session, *, actor: Principal, at: datetime, entries: list[Append], new_streams: bool = False) -> list[EntryContent]:
    """Append entries (to any streams, several to one stream in order) with one lock of the
    heads and one insert: a storm merges dozens of orders in one transaction."""
    if not entries:
        return []
    streams = list(dict.fromkeys(f"{e.entity}:{e.entity_id}" for e in entries))
    # A record created in this very transaction has no head yet and nobody else can append
    # to its stream: skip the upsert-and-lock round trips (intake is a hot path).
    heads = {} if new_streams else _lock_heads(session, streams)
    last = {s: heads.get(s, (0, GENESIS)) for s in streams}
    contents, rows = [], []
    for e in entries:
        stream = f"{e.entity}:{e.entity_id}"
        prev_seq, prev_hash = last[stream]
        content = EntryContent(
            stream=stream,
            seq=prev_seq + 1,
            at=at,
            actor=actor.login,
            origin=actor.origin,
            action=e.action,
            entity=e.entity,
            entity_id=str(e.entity_id),
            before=canonical_json(e.before),
            after=canonical_json(e.after),
        )
        digest = entry_hash(content, prev_hash)
        last[stream] = (content.seq, digest)
        contents.append(content)
        rows.append(
            {
                "stream": stream,
                "seq": content.seq,
                "at": at,
                "actor_id": actor.user_id,
                "actor": content.actor,
                "origin": content.origin,
                "action": e.action,
                "entity": e.entity,
                "entity_id": content.entity_id,
                "org_path": e.org_path,
                "before": content.before,
                "after": content.after,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
    # Prepared inserts: the ORM's unit of work, even Core's execute, cost more than the rows.
    _INSERT_ENTRIES.execute_many(session.connection(), rows)
    _INSERT_HEADS.execute_many(session.connection(), [{"stream": s, "seq": last[s][0], "hash": last[s][1]} for s in streams if s not in heads])
    if heads:
        _move_heads(session, {s: last[s] for s in heads})
    return contents


def seal_checkpoint(session: Session, *, at: datetime) -> AuditCheckpoint | None:
    """Seal every stream head; None when nothing changed since the last checkpoint."""
    heads = {row.stream: [row.seq, row.hash] for row in session.scalars(select(AuditStreamHead).where(AuditStreamHead.seq > 0))}
    heads_json = canonical_json(heads)
    last = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)).first()
    if last is not None and last.heads == heads_json:
        return None
    prev = last.hash if last else GENESIS
    cp = AuditCheckpoint(at=at, heads=heads_json, prev_hash=prev, hash=checkpoint_hash(heads_json, at, prev))
    session.add(cp)
    return cp


@dataclass(frozen=True)
class VerifyReport:
    streams: int
    entries: int
    checkpoints: int
    broken: BrokenLink | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _stored(row: AuditEntry) -> StoredEntry:
    return StoredEntry(
        content=EntryContent(
            stream=row.stream,
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            origin=row.origin,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            before=row.before,
            after=row.after,
        ),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


_PAGE = 2000


def _entries(session: Session) -> Iterator[AuditEntry]:
    """Every entry in (stream, seq) order, a page at a time: keyset pages need no cursor held
    open on the server, so they run in any read, with or without a transaction."""
    after: tuple[str, int] | None = None
    while True:
        stmt = select(AuditEntry).order_by(AuditEntry.stream, AuditEntry.seq).limit(_PAGE)
        if after is not None:
            stmt = stmt.where(tuple_(AuditEntry.stream, AuditEntry.seq) > after)
        page = list(session.scalars(stmt))
        yield from page
        if len(page) < _PAGE:
            return
        after = (page[-1].stream, page[-1].seq)


def _by_stream(session: Session) -> Iterator[tuple[str, list[StoredEntry]]]:
    rows = _entries(session)
    current: str | None = None
    bucket: list[StoredEntry] = []
    for row in rows:
        if row.stream != current:
            if current is not None:
                yield current, bucket
            current, bucket = row.stream, []
        bucket.append(_stored(row))
    if current is not None:
        yield current, bucket


def verify(session: Session, *, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Walk every stream and checkpoint; stop at the first broken link."""
    heads = {h.stream: (h.seq, h.hash) for h in session.scalars(select(AuditStreamHead)) if h.seq > 0}
    checkpoints = [
        StoredCheckpoint(id=c.id, at=c.at, heads_json=c.heads, prev_hash=c.prev_hash, hash=c.hash)
        for c in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
    ]
    sealed: set[tuple[str, int]] = set()
    for cp in checkpoints:
        sealed.update((stream, seq) for stream, (seq, _h) in json.loads(cp.heads_json).items())
    sealed_hashes: dict[tuple[str, int], str] = {}
    streams = entries = 0
    seen: set[str] = set()
    for stream, bucket in _by_stream(session):
        streams += 1
        entries += len(bucket)
        seen.add(stream)
        broken = verify_stream(stream, bucket, heads.get(stream))
        if broken:
            return VerifyReport(streams, entries, len(checkpoints), broken)
        for e in bucket:
            if (stream, e.content.seq) in sealed:
                sealed_hashes[(stream, e.content.seq)] = e.hash
        if progress:
            progress(len(bucket))
    for stream in sorted(set(heads) - seen):
        return VerifyReport(streams, entries, len(checkpoints), BrokenLink(f"stream {stream}", "head exists but every entry is gone (deleted?)"))
    broken = verify_checkpoints(checkpoints, sealed_hashes)
    return VerifyReport(streams, entries, len(checkpoints), broken)


def count_entries(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0
