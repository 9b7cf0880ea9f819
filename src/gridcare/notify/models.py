"""Tables of the notifications domain: one row per message per channel, the WeCom groups
of each grid, and the campaigns sent to grids."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, JSONData, UTCDateTime


class Notification(Base):
    """One message to one recipient on one channel, rendered in the recipient's language.

    Delivery runs through the outbox (topic ``notify.send``); the row mirrors its outcome
    so the log shows each message's state without reading the outbox. ``dedupe_key`` is
    unique: the same event for the same recipient, channel and source is recorded once."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    # Sent to the gateway with every try, so a gateway that accepted a message and then
    # timed out recognises the retry instead of sending the SMS twice.
    client_ref: Mapped[str] = mapped_column(String(40), unique=True)
    event: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(10))
    recipient_kind: Mapped[str] = mapped_column(String(12))
    recipient_id: Mapped[int | None] = mapped_column(Integer)
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    # Phone (E.164), email address, or "wecom:<group id>": the webhook itself is a secret
    # and is looked up at delivery, never copied into the log.
    address: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # What the template was filled with (JSON-safe): the ladder renders its SMS and voice
    # call from it, and the log shows it.
    context: Mapped[dict[str, Any]] = mapped_column(JSONData, default=dict)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_message_id: Mapped[str | None] = mapped_column(String(120))
    last_error: Mapped[str | None] = mapped_column(Text)
    source_kind: Mapped[str | None] = mapped_column(String(30))
    source_id: Mapped[int | None] = mapped_column(Integer)
    org_path: Mapped[str] = mapped_column(String(400), index=True, default="/")
    grid_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When it may first go (quiet hours, rate limit); the rate planner reads these back.
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The start of the rate-limit window the message was planned into: planning the next
    # message counts rows per window instead of reading every send time of a backlog.
    rate_window: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The pop-up ladder: acknowledged pop-ups stop; ``ladder_next_at`` is the indexed
    # deadline the ladder job sweeps; the policy is copied so later setting changes do not
    # move ladders already running.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[int | None] = mapped_column(Integer)
    ladder_step: Mapped[int] = mapped_column(Integer, default=0)
    ladder_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ladder_sms_after_s: Mapped[int | None] = mapped_column(Integer)
    ladder_voice_after_s: Mapped[int | None] = mapped_column(Integer)
    ladder_stopped: Mapped[str | None] = mapped_column(String(60))
    # A fallback SMS or voice call points to the pop-up it stands in for.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))


Index("ix_notifications_state", Notification.state, Notification.channel)
Index("ix_notifications_recipient", Notification.recipient_kind, Notification.recipient_id, Notification.created_at)
Index("ix_notifications_source", Notification.source_kind, Notification.source_id)
Index("ix_notifications_schedule", Notification.channel, Notification.scheduled_at)
Index("ix_notifications_rate_window", Notification.channel, Notification.rate_window)
Index("ix_notifications_ladder", Notification.ladder_next_at)
Index("ix_notifications_created", Notification.created_at)


class WecomGroup(Base):
    """A grid's service group on WeCom (企业微信) — property managers, village heads, key
    customers — reached through the group's robot webhook."""

    __tablename__ = "notify_wecom_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    audience: Mapped[str] = mapped_column(String(20), default="mixed")
    webhook_url: Mapped[str] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Campaign(Base):
    """A free-text message sent to a grid's customers and/or its WeCom groups."""

    __tablename__ = "notify_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    text: Mapped[str] = mapped_column(Text)
    to_customers: Mapped[bool] = mapped_column(Boolean)
    to_groups: Mapped[bool] = mapped_column(Boolean)
    tag: Mapped[str | None] = mapped_column(String(20))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
