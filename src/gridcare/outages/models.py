"""Outages (停电/停水, planned or unplanned), the devices they cover, the snapshot of the
customers they cut off, and the calls owed to priority customers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, UTCDateTime


class Outage(Base):
    """``version`` moves only on changes a customer would be told about (times, ETA, area,
    restoration), so "nothing changed for them" is a comparison, not a guess."""

    __tablename__ = "outages"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    utility: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(10))  # planned | unplanned
    status: Mapped[str] = mapped_column(String(12), index=True)
    area: Mapped[str] = mapped_column(String(200), default="")  # how notices name the place
    cause: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(400), default="")
    polygon: Mapped[str | None] = mapped_column(Text)  # GeoJSON, when the area is drawn
    dma: Mapped[str | None] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    eta: Mapped[datetime | None] = mapped_column(UTCDateTime())
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notice_days: Mapped[int] = mapped_column(Integer, default=1)
    advance_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    day_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    master_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutageDevice(Base):
    __tablename__ = "outage_devices"
    __table_args__ = (UniqueConstraint("outage_id", "code", name="uq_outage_devices_outage_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outage_id: Mapped[int] = mapped_column(ForeignKey("outages.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(60), index=True)
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutageCustomer(Base):
    """Who is cut off, recomputed when the devices change; ``restored_at`` is set when a
    partial restoration brings them back before the rest."""

    __tablename__ = "outage_customers"

    outage_id: Mapped[int] = mapped_column(ForeignKey("outages.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True, index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    supply_point: Mapped[str | None] = mapped_column(String(60))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    first_notified_version: Mapped[int | None] = mapped_column(Integer)
    last_notified_version: Mapped[int | None] = mapped_column(Integer)
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutageCallTask(Base):
    """A call owed to a priority customer: their grid rep's, or the agents' queue when the
    grid has no rep."""

    __tablename__ = "outage_call_tasks"
    __table_args__ = (UniqueConstraint("outage_id", "customer_id", name="uq_outage_call_tasks_outage_customer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outage_id: Mapped[int] = mapped_column(ForeignKey("outages.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    queue: Mapped[str] = mapped_column(String(10))  # rep | agents
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending | reached | unreachable
    note: Mapped[str] = mapped_column(String(400), default="")
    done_by: Mapped[str | None] = mapped_column(String(64))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
