"""Tables of the arrears domain: hard arrears cases (疑难欠费) owned by the grid's rep, and
their follow-up records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, UTCDateTime


class ArrearsCase(Base):
    """Money is kept in fen (分), whole numbers: no float rounding in sums.
    ``next_follow_up_at`` is the indexed deadline the overdue job sweeps."""

    __tablename__ = "arrears_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    utility: Mapped[str] = mapped_column(String(10))
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    paid_fen: Mapped[int] = mapped_column(Integer, default=0)
    months: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(400), default="")
    status: Mapped[str] = mapped_column(String(10), index=True)  # open | closed
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_note: Mapped[str] = mapped_column(String(400), default="")
    next_follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FollowUp(Base):
    __tablename__ = "arrears_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("arrears_cases.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(12))  # visit | call | sms | notice | meeting
    note: Mapped[str] = mapped_column(Text, default="")
    paid_fen: Mapped[int] = mapped_column(Integer, default=0)
    next_follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    author: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
