"""Tables of the alerts domain: one row per alert (特征值预警 or rule alert)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, JSONData, UTCDateTime


class Alert(Base):
    """An alert with its evidence. ``open_key`` holds the dedupe key while the alert is open
    or acknowledged and is cleared when it is closed: a unique column (NULLs never clash)
    is how "the same cell or rule does not alert twice while open" holds under concurrent
    scans on both databases."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # spike | sensitive | repeat_repairs | repeat_calls | topic
    key: Mapped[str] = mapped_column(String(160), index=True)
    open_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    status: Mapped[str] = mapped_column(String(14), index=True)  # open | acknowledged | closed
    severity: Mapped[str] = mapped_column(String(10))  # warning | critical
    utility: Mapped[str] = mapped_column(String(10), default="")
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    grid_code: Mapped[str] = mapped_column(String(40), default="")
    category: Mapped[str] = mapped_column(String(20), default="")
    subject: Mapped[str] = mapped_column(String(60), default="")  # customer id, device code or grid code
    title: Mapped[str] = mapped_column(String(300))
    observed: Mapped[float | None] = mapped_column(Float)
    expected: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    order_ids: Mapped[list[int]] = mapped_column(JSONData, default=list)
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notified: Mapped[int] = mapped_column(Integer, default=0)  # supervisors told


Index("ix_alerts_status_raised", Alert.status, Alert.raised_at)
