from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, UTCDateTime


class AuditEntry(Base):
    """One change, chained to the previous entry of its stream (one work order, one user …).

    ``before`` and ``after`` are kept as canonical JSON text, not a JSON column: PostgreSQL's
    jsonb would reorder keys and the stored hash could no longer be recomputed."""

    __tablename__ = "audit_entries"
    __table_args__ = (UniqueConstraint("stream", "seq", name="uq_audit_entries_stream_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stream: Mapped[str] = mapped_column(String(120))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(120), default="")
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(60))
    org_path: Mapped[str] = mapped_column(String(400), default="/")
    before: Mapped[str] = mapped_column(Text, default="null")
    after: Mapped[str] = mapped_column(Text, default="null")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditStreamHead(Base):
    """The last link of each stream. Appending locks only this row, so writers of different
    streams never wait for one another."""

    __tablename__ = "audit_stream_heads"

    stream: Mapped[str] = mapped_column(String(120), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A periodic seal over every stream head, chained to the previous checkpoint: deleting a
    whole stream (entries and head) still shows, because the checkpoint remembers its head."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    heads: Mapped[str] = mapped_column(Text)  # canonical JSON: {stream: [seq, hash]}
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


Index("ix_audit_entries_entity", AuditEntry.entity, AuditEntry.entity_id)
