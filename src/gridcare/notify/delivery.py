"""The notification row's side of a delivery: the ``notify.send`` handler marks a try as
started, then records the outcome the adapter reported. Each step is one short write
transaction, so no transaction stays open while a gateway is called."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, update
from sqlalchemy.orm import Session

from gridcare.notify.channels import Outgoing
from gridcare.notify.models import Notification, WecomGroup


def _target(session: Session, channel: str, address: str) -> str:
    if channel == "wecom" and address.startswith("wecom:"):
        group = session.get(WecomGroup, int(address.removeprefix("wecom:")))
        return group.webhook_url if group is not None and group.enabled else ""
    return address


_NOTES = Notification.__table__.c
_SENT = (
    _NOTES.id, _NOTES.client_ref, _NOTES.channel, _NOTES.event, _NOTES.recipient_kind, _NOTES.recipient_id, _NOTES.address, _NOTES.subject,
    _NOTES.body, _NOTES.locale, _NOTES.urgent, _NOTES.source_kind, _NOTES.source_id, _NOTES.created_at,
)
_TRIES = _NOTES.attempts + 1
# Built once: a storm's worker runs these for thousands of messages, and building and
# coercing the statement each time cost more than the database's work.
_START = (
    update(Notification.__table__)
    .where(_NOTES.id.in_(bindparam("p_ids", expanding=True)), _NOTES.state != "delivered")
    .values(state="sending", attempts=case((_TRIES >= bindparam("p_attempt"), _TRIES), else_=bindparam("p_attempt")), last_attempt_at=bindparam("p_now"))
    .returning(*_SENT)
)
_DELIVERED = (
    update(Notification.__table__)
    .where(_NOTES.id == bindparam("p_id"))
    .values(state="delivered", delivered_at=bindparam("p_now"), provider_message_id=bindparam("p_provider"), last_error=None)
)


def start_attempts(session: Session, *, attempts: dict[int, int], now: datetime) -> dict[int, Outgoing]:
    """Mark each try (notification id → the outbox's attempt number) as under way and
    return what to send. Rows already delivered, or gone, are left out. One UPDATE …
    RETURNING per distinct attempt number: a storm's batch is one statement."""
    by_attempt: dict[int, list[int]] = {}
    for notification_id, attempt in attempts.items():
        by_attempt.setdefault(attempt, []).append(notification_id)
    started: dict[int, Outgoing] = {}
    for attempt, ids in by_attempt.items():
        for note in session.connection().execute(_START, {"p_ids": ids, "p_attempt": attempt, "p_now": now}):
            started[note.id] = _outgoing(session, note)
    return started


def _outgoing(session: Session, note: Any) -> Outgoing:
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
    session.connection().execute(_DELIVERED, {"p_id": notification_id, "p_now": now, "p_provider": provider_message_id[:120] if provider_message_id else None})


_SHOWN = (
    update(Notification.__table__)
    .where(_NOTES.id.in_(bindparam("p_ids", expanding=True)))
    .values(state="delivered", delivered_at=bindparam("p_now"), provider_message_id=None, last_error=None)
)


def record_shown(session: Session, *, notification_ids: list[int], now: datetime) -> None:
    """Pop-ups pushed to their browsers, in one UPDATE."""
    session.connection().execute(_SHOWN, {"p_ids": notification_ids, "p_now": now})


def record_failure(session: Session, *, notification_id: int, error: str, dead: bool) -> None:
    note = session.get(Notification, notification_id)
    if note is None or note.state == "delivered":
        return
    note.state = "dead" if dead else "failed"
    note.last_error = error[:2000]
