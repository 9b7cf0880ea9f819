"""The notification row's side of a delivery: the ``notify.send`` handler marks a try as
started, then records the outcome the adapter reported. Each step is one short write
transaction, so no transaction stays open while a gateway is called."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.orm import Session

from gridcare.notify import rules
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
_ATTEMPTS = case((_TRIES >= bindparam("p_attempt"), _TRIES), else_=bindparam("p_attempt"))
# Built once: a storm's worker runs these for thousands of messages, and building and
# coercing the statement each time cost more than the database's work.
# Pop-ups are not marked "sending" (rules.MARKED_ONCE): their one mark is written after the
# batch (record_shown). Each mark of a notification is a new row version in all its indexes
# (``state`` is indexed, so no update is HOT), and a storm's pop-ups cost as much in these
# marks as in their inserts.
_START = (
    update(Notification.__table__)
    .where(_NOTES.id.in_(bindparam("p_ids", expanding=True)), _NOTES.state != "delivered", _NOTES.channel != rules.MARKED_ONCE)
    .values(state="sending", attempts=_ATTEMPTS, last_attempt_at=bindparam("p_now"))
    .returning(*_SENT)
)
_POPUPS = select(*_SENT).where(_NOTES.id.in_(bindparam("p_ids", expanding=True)), _NOTES.state != "delivered", _NOTES.channel == rules.MARKED_ONCE)
_DELIVERED = (
    update(Notification.__table__)
    .where(_NOTES.id == bindparam("p_id"))
    .values(state="delivered", delivered_at=bindparam("p_now"), provider_message_id=bindparam("p_provider"), last_error=None)
)


def _by_attempt(attempts: dict[int, int]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for notification_id, attempt in attempts.items():
        grouped.setdefault(attempt, []).append(notification_id)
    return grouped


def popups_to_show(session: Session, *, ids: list[int]) -> dict[int, Outgoing]:
    """The pop-ups among these notifications, not yet delivered, ready to push: read, not
    marked (``rules.MARKED_ONCE``), so a batch of pop-ups needs no write before it goes
    (on SQLite, no turn of the one writer)."""
    return {note.id: _outgoing(session, note) for note in session.connection().execute(_POPUPS, {"p_ids": ids})}


def start_attempts(session: Session, *, attempts: dict[int, int], now: datetime) -> dict[int, Outgoing]:
    """Mark each try (notification id → the outbox's attempt number) of a message that is
    not a pop-up as under way and return what to send. Rows already delivered, pop-ups, or
    gone, are left out. One UPDATE … RETURNING per distinct attempt number: a storm's batch
    is one statement."""
    started: dict[int, Outgoing] = {}
    for attempt, ids in _by_attempt(attempts).items():
        for note in session.connection().execute(_START, {"p_ids": ids, "p_attempt": attempt, "p_now": now}):
            started[note.id] = _outgoing(session, note)
    return started


# The page a pop-up about a record of this kind opens.
_PAGES = {"order": "/orders/{}", "shift_handover": "/calls/handover/{}", "outage": "/outages/{}"}


def _outgoing(session: Session, note: Any) -> Outgoing:
    data = {"source": f"{note.source_kind}:{note.source_id}" if note.source_kind else None, "created_at": note.created_at.isoformat()}
    if note.source_kind in _PAGES and note.source_id is not None:
        data["url"] = _PAGES[note.source_kind].format(note.source_id)
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
    .values(state="delivered", attempts=_ATTEMPTS, last_attempt_at=bindparam("p_now"), delivered_at=bindparam("p_now"), provider_message_id=None, last_error=None)
)


def record_shown(session: Session, *, attempts: dict[int, int], now: datetime) -> None:
    """Pop-ups pushed to their browsers (notification id → the outbox's attempt number):
    their try and its outcome in one mark, one UPDATE per distinct attempt number."""
    for attempt, ids in _by_attempt(attempts).items():
        session.connection().execute(_SHOWN, {"p_ids": ids, "p_attempt": attempt, "p_now": now})


_FAILED = (
    update(Notification.__table__)
    .where(_NOTES.id.in_(bindparam("p_ids", expanding=True)), _NOTES.state != "delivered")
    .values(
        state=bindparam("p_state"),
        last_error=bindparam("p_error"),
        # Pop-ups were not marked when their try began (start_attempts): their try is counted here.
        attempts=case((_NOTES.channel == rules.MARKED_ONCE, _ATTEMPTS), else_=_NOTES.attempts),
        last_attempt_at=case((_NOTES.channel == rules.MARKED_ONCE, bindparam("p_now")), else_=_NOTES.last_attempt_at),
    )
)


def record_failures(session: Session, *, failed: list[tuple[int, str, bool, int]], now: datetime) -> None:
    """Failed tries (notification id, error, dead, the outbox's attempt number) marked
    failed or dead, one UPDATE per distinct (error, dead, attempt): while a gateway is down
    a round's messages all fail alike, and one UPDATE each held the round (and the reps'
    pop-ups claimed with it) for seconds."""
    grouped: dict[tuple[str, bool, int], list[int]] = {}
    for notification_id, error, dead, attempt in failed:
        grouped.setdefault((error[:2000], dead, attempt), []).append(notification_id)
    for (error, dead, attempt), ids in grouped.items():
        session.connection().execute(_FAILED, {"p_ids": ids, "p_state": "dead" if dead else "failed", "p_error": error, "p_attempt": attempt, "p_now": now})
