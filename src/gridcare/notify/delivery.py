"""The notification row's side of a delivery: the ``notify.send`` handler marks a try as
started, then records the outcome the adapter reported. Each step is one short write
transaction, so no transaction stays open while a gateway is called."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.notify.channels import Outgoing
from gridcare.notify.models import Notification, WecomGroup


def _target(session: Session, note: Notification) -> str:
    if note.channel == "wecom" and note.address.startswith("wecom:"):
        group = session.get(WecomGroup, int(note.address.removeprefix("wecom:")))
        return group.webhook_url if group is not None and group.enabled else ""
    return note.address


def start_attempt(session: Session, *, notification_id: int, now: datetime, attempt: int) -> Outgoing | None:
    """Mark the try as under way and return what to send; None when there is nothing to
    do (already delivered, or the row is gone)."""
    note = session.scalar(select(Notification).where(Notification.id == notification_id).with_for_update())
    if note is None or note.state == "delivered":
        return None
    note.state = "sending"
    note.attempts = max(note.attempts + 1, attempt)
    note.last_attempt_at = now
    data = {"source": f"{note.source_kind}:{note.source_id}" if note.source_kind else None, "created_at": note.created_at.isoformat()}
    if note.source_kind == "order" and note.source_id is not None:
        data["url"] = f"/orders/{note.source_id}"
    return Outgoing(
        id=note.id,
        client_ref=note.client_ref,
        channel=note.channel,
        event=note.event,
        recipient_kind=note.recipient_kind,
        recipient_id=note.recipient_id,
        target=_target(session, note),
        subject=note.subject,
        body=note.body,
        locale=note.locale,
        urgent=note.urgent,
        data=data,
    )


def record_delivery(session: Session, *, notification_id: int, now: datetime, provider_message_id: str | None) -> None:
    note = session.get(Notification, notification_id)
    if note is None:
        return
    note.state = "delivered"
    note.delivered_at = now
    note.provider_message_id = provider_message_id[:120] if provider_message_id else None
    note.last_error = None


def record_failure(session: Session, *, notification_id: int, error: str, dead: bool) -> None:
    note = session.get(Notification, notification_id)
    if note is None or note.state == "delivered":
        return
    note.state = "dead" if dead else "failed"
    note.last_error = error[:2000]
