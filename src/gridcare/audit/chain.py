"""Pure hash-chain arithmetic for the audit trail, and the verification walk.

Every entry's hash covers its content and the previous entry's hash in the same stream;
every checkpoint's hash covers all stream heads and the previous checkpoint's hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _instant(at: datetime) -> str:
    # Microseconds kept; always UTC so the same instant hashes the same on any database.
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class EntryContent:
    stream: str
    seq: int
    at: datetime
    actor: str
    origin: str
    action: str
    entity: str
    entity_id: str
    before: str  # canonical JSON
    after: str  # canonical JSON


def entry_hash(content: EntryContent, prev_hash: str) -> str:
    material = "\x1f".join(
        [
            content.stream,
            str(content.seq),
            _instant(content.at),
            content.actor,
            content.origin,
            content.action,
            content.entity,
            content.entity_id,
            content.before,
            content.after,
            prev_hash,
        ]
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def checkpoint_hash(heads_json: str, at: datetime, prev_hash: str) -> str:
    material = "\x1f".join([heads_json, _instant(at), prev_hash])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredEntry:
    content: EntryContent
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class StoredCheckpoint:
    id: int
    at: datetime
    heads_json: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class BrokenLink:
    where: str  # "stream user:4 seq 3", "checkpoint 12"
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def verify_stream(stream: str, entries: Iterable[StoredEntry], head: tuple[int, str] | None) -> BrokenLink | None:
    """Walk one stream in seq order; the first link that does not hold, or None."""
    expected_prev = GENESIS
    expected_seq = 1
    for entry in entries:
        where = f"stream {stream} seq {entry.content.seq}"
        if entry.content.seq != expected_seq:
            return BrokenLink(f"stream {stream} seq {expected_seq}", "entry missing (deleted?)")
        if entry.prev_hash != expected_prev:
            return BrokenLink(where, "does not link to the previous entry")
        if entry_hash(entry.content, entry.prev_hash) != entry.hash:
            return BrokenLink(where, "content does not match its hash (changed?)")
        expected_prev = entry.hash
        expected_seq += 1
    last_seq = expected_seq - 1
    if head is None:
        if last_seq:
            return BrokenLink(f"stream {stream}", "has entries but no head")
        return None
    head_seq, head_hash = head
    if head_seq != last_seq:
        return BrokenLink(f"stream {stream} seq {last_seq + 1}", f"head says {head_seq} entries, found {last_seq} (deleted?)")
    if head_hash != expected_prev:
        return BrokenLink(f"stream {stream} seq {head_seq}", "head hash does not match the last entry")
    return None


def verify_checkpoints(
    checkpoints: Iterable[StoredCheckpoint], entry_hashes: Mapping[tuple[str, int], str]
) -> BrokenLink | None:
    """Checkpoints chain to each other, and every head they sealed still exists unchanged."""
    expected_prev = GENESIS
    for cp in checkpoints:
        where = f"checkpoint {cp.id}"
        if cp.prev_hash != expected_prev:
            return BrokenLink(where, "does not link to the previous checkpoint")
        if checkpoint_hash(cp.heads_json, cp.at, cp.prev_hash) != cp.hash:
            return BrokenLink(where, "content does not match its hash (changed?)")
        heads: dict[str, list[Any]] = json.loads(cp.heads_json)
        for stream, (seq, digest) in sorted(heads.items()):
            found = entry_hashes.get((stream, seq))
            if found is None:
                return BrokenLink(f"stream {stream} seq {seq}", f"sealed by {where} but missing (deleted?)")
            if found != digest:
                return BrokenLink(f"stream {stream} seq {seq}", f"differs from what {where} sealed")
        expected_prev = cp.hash
    return None
