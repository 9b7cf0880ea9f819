"""Tables of the campaigns domain: scheduled messages to a targeted set of customers
(政策宣传, 停水通知) and the customers' opt-outs (退订)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, JSONData, UTCDateTime


class Campaign(Base):
    """``target`` holds the criteria as given (grid ids, tag, polygon, network node); the
    customers are resolved when it is sent, so a customer who opted out meanwhile is spared."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(10))
    topic: Mapped[str] = mapped_column(String(20))
    target: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    status: Mapped[str] = mapped_column(String(12), index=True)  # scheduled | sending | sent | cancelled | failed
    send_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    opted_out: Mapped[int] = mapped_column(Integer, default=0)
    unreachable: Mapped[int] = mapped_column(Integer, default=0)  # no address on the channel (no mobile, no email)
    error: Mapped[str] = mapped_column(String(300), default="")  # why the job could not send it
    error_message: Mapped[dict[str, Any] | None] = mapped_column(JSONData)  # the same, to be shown in each reader's language
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OptOut(Base):
    """A customer who wants no more messages on ``channel`` about ``topic`` ("*": any)."""

    __tablename__ = "campaign_opt_outs"
    __table_args__ = (UniqueConstraint("customer_id", "channel", "topic", name="uq_campaign_opt_outs_customer_channel_topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    topic: Mapped[str] = mapped_column(String(20))
    via: Mapped[str] = mapped_column(String(20))  # reply | page | api
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
