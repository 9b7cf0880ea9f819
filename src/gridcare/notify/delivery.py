"""The notification row's side of a delivery: the ``notify.send`` handler marks a try as
started, then records the outcome the adapter reported. Each step is one short write
transaction, so no transaction stays open while a gateway is called."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, update
from sqlalchemy.orm import Session

from gridcare.notify.channels import Outgoing
from gridcare.notify.models import Notification, WecomGroup


def _target(session: Session, channel: str, address: str) -> str:
    if channel == "wecom" and address.startswith("wecom:"):
        group = session.get(WecomGroup, int(address.removeprefix("wecom:")))
        return group.webhook_url if group is not None and group.enabled else ""
    return address


_SENT = (
    Notification.id, Notification.client_ref, Notification.channel, Notification.event, Notification.recipient_kind, Notification.recipient_id,
    Notification.address, Notification.subject, Notification.body, Notification.locale, Notification.urgent, Notification.source_kind,
    Notification.source_id, Notification.created_at,
)


def start_attempt(session: Session, *, notification_id: int, now: datetime, attempt: int) -> Outgoing | None:
    """Mark the try as under way and return what to send; None when there is nothing to
    do (already delivered, or the row is gone). One UPDATE … RETURNING: a storm's worker
    does this for thousands of messages, and loading each row as an object cost more than
    the database's work."""
    tries = Notification.attempts + 1
    note = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.state != "delivered")
        .values(state="sending", attempts=case((tries >= attempt, tries), else_=attempt), last_attempt_at=now)
        .returning(*_SENT)
        .execution_options(synchronize_session=False)
    ).first()
    if note is None:
        return None
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
        target=_target(session, note.channel, note.address),
        subject=note.subject,
        body=note.body,
        locale=note.locale,
        urgent=note.urgent,
        data=data,
    )


def record_delivery(session: Session, *, notification_id: int, now: datetime, provider_message_id: str | None) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(state="delivered", delivered_at=now, provider_message_id=provider_message_id[:120] if provider_message_id else None, last_error=None)
        .execution_options(synchronize_session=False)
    )


def record_failure(session: Session, *, notification_id: int, error: str, dead: bool) -> None:
    note = session.get(Notification, notification_id)
    if note is None or note.state == "delivered":
        return
    note.state = "dead" if dead else "failed"
    note.last_error = error[:2000]
