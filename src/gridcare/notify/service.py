"""Notification use cases: other domains call ``notify_user``, ``notify_customer`` and
``notify_grid_group``; staff acknowledge pop-ups; managers retry dead letters.

Each message becomes a ``Notification`` row and a ``notify.send`` outbox row in the
caller's transaction, so a message exists exactly when the change that caused it commits.
When it may go is decided here from the rules (quiet hours, rate limits); delivery and
its retries belong to the outbox and the channel adapters."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from gridcare import outbox
from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.core.errors import Conflict, InvalidInput, NotFound
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal
from gridcare.notify import rules, templates
from gridcare.notify.labels import STATE_LABELS
from gridcare.notify.models import Notification
from gridcare.notify.recipients import (
    Recipient,
    customer_recipients,
    group_recipients,
    user_recipient,
)
from gridcare.notify.recording import TOPIC, NotifyConfig, Outgoing, Planner, record, record_many

LADDER_CHANNELS = {1: "sms", 2: "voice"}
CUSTOMER_CHANNELS = ("sms", "voice", "email")
USER_CHANNELS = ("popup", "sms", "voice", "email")


@lru_cache(maxsize=16)
def _config(quiet: str, zone: str, limits: str, ladders: str, templates_dir: str | None) -> NotifyConfig:
    return NotifyConfig(rules.parse_quiet_hours(quiet, zone), rules.parse_rate_limits(limits), rules.parse_ladders(ladders), templates_dir)


def config_from(settings: Any) -> NotifyConfig:
    directory = str(settings.notify_templates_dir) if settings.notify_templates_dir else None
    return _config(settings.notify_quiet_hours, settings.display_timezone, settings.notify_rate_limits, settings.notify_ladders, directory)


def current_config() -> NotifyConfig:
    from gridcare.config import get_settings

    return config_from(get_settings())


def _check_channels(channels: Iterable[str], allowed: tuple[str, ...]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(channels))
    bad = [c for c in chosen if c not in allowed]
    if bad or not chosen:
        raise InvalidInput.field("channels", T_("choose from %(choices)s", choices=", ".join(allowed)))
    return chosen


# --- what other domains call -------------------------------------------------------------


def notify_user(
    session: Session,
    *,
    now: datetime,
    user_id: int,
    event: str,
    context: dict[str, Any],
    urgent: bool = True,
    source: tuple[str, int] | None = None,
    ladder: bool = False,
    channels: tuple[str, ...] = ("popup",),
    dedupe: str | None = None,
    config: NotifyConfig | None = None,
    new_source: bool = False,
) -> list[int]:
    """Tell a staff user: a forced pop-up (and any other ``channels``). With ``ladder``, an
    unacknowledged pop-up becomes an SMS, then a voice call, per the event's policy.
    ``dedupe`` distinguishes repeats of one event for one source (a second dispatch);
    ``new_source`` as in ``record``."""
    config = config or current_config()
    recipient = user_recipient(session, user_id=user_id)
    planner = Planner.of(session, config)
    ids = []
    for channel in _check_channels(channels, USER_CHANNELS):
        policy = rules.ladder_for(event, config.ladders) if (ladder and channel == "popup") else None
        ids.append(record(session, now=now, config=config, planner=planner, recipient=recipient, channel=channel, event=event, context=context, urgent=urgent, source=source, dedupe=dedupe, ladder=policy, new_source=new_source))
    return ids


def notify_customer(
    session: Session,
    *,
    now: datetime,
    customer_id: int,
    event: str,
    context: dict[str, Any],
    urgent: bool = False,
    source: tuple[str, int] | None = None,
    channels: tuple[str, ...] = ("sms",),
    dedupe: str | None = None,
    config: NotifyConfig | None = None,
    new_source: bool = False,
) -> list[int]:
    """Tell a customer. SMS end with their grid rep's name and phone; non-urgent messages
    wait out quiet hours. ``new_source`` as in ``record``."""
    from gridcare.customers import service as customer_service

    config = config or current_config()
    recipient = customer_recipients(session, [customer_service.addressee(session, customer_id=customer_id)])[0]
    planner = Planner.of(session, config)
    return [
        record(session, now=now, config=config, planner=planner, recipient=recipient, channel=channel, event=event, context=context, urgent=urgent, source=source, dedupe=dedupe, new_source=new_source)
        for channel in _check_channels(channels, CUSTOMER_CHANNELS)
    ]


class CustomerMessage(NamedTuple):
    """One of ``notify_customers``' messages: to whom, what it says, what it is about."""

    customer_id: int
    context: Mapping[str, Any]
    source: tuple[str, int] | None = None
    dedupe: str | None = None


def notify_customers(
    session: Session,
    *,
    now: datetime,
    event: str,
    messages: Sequence[CustomerMessage],
    urgent: bool = False,
    channels: tuple[str, ...] = ("sms",),
    config: NotifyConfig | None = None,
    new_source: bool = False,
) -> list[int]:
    """``notify_customer`` for many customers at once (a storm's merged callers, everyone an
    outage cuts off): their rows, phones and earlier messages read in one query each, their
    messages stored and queued in one statement each, per chunk. Returns the messages' ids.
    ``new_source`` as in ``record``, for one message (many share one look-up anyway)."""
    from gridcare.customers import service as customer_service

    chosen = _check_channels(channels, CUSTOMER_CHANNELS)
    if len(messages) == 1:  # one caller: the prepared one-row statements cost less
        m = messages[0]
        return notify_customer(session, now=now, customer_id=m.customer_id, event=event, context=dict(m.context), urgent=urgent, source=m.source, channels=chosen, dedupe=m.dedupe, config=config, new_source=new_source)
    config = config or current_config()
    planner = Planner.of(session, config)
    ids: list[int] = []
    for start in range(0, len(messages), customer_service.CHUNK):
        chunk = messages[start : start + customer_service.CHUNK]
        rows = customer_service.addressees(session, customer_ids=[m.customer_id for m in chunk])
        recipients = {r.id: r for r in customer_recipients(session, rows.values())}
        outgoing = [Outgoing(recipients[m.customer_id], channel, m.context, m.source, m.dedupe) for m in chunk for channel in chosen]
        ids += record_many(session, now=now, config=config, planner=planner, event=event, messages=outgoing, urgent=urgent)
    return ids


def notify_grid_group(
    session: Session,
    *,
    now: datetime,
    grid_id: int,
    event: str,
    context: dict[str, Any],
    source: tuple[str, int] | None = None,
    urgent: bool = False,
    dedupe: str | None = None,
    config: NotifyConfig | None = None,
) -> list[int]:
    """Post to the WeCom robot of each enabled service group of the grid (none: nothing)."""
    config = config or current_config()
    planner = Planner.of(session, config)
    return [
        record(session, now=now, config=config, planner=planner, recipient=r, channel="wecom", event=event, context=context, urgent=urgent, source=source, dedupe=dedupe)
        for r in group_recipients(session, grid_id=grid_id)
    ]


def notify_address(
    session: Session, *, actor: Principal, now: datetime, channel: str, address: str, event: str, context: dict[str, Any], locale: str = templates.DEFAULT_LOCALE, config: NotifyConfig | None = None
) -> int:
    """A message to a bare phone or email address (test messages from the settings page)."""
    require(actor, Action.NOTIFY_MANAGE)
    channel = _check_channels((channel,), ("sms", "voice", "email"))[0]
    if channel == "email" and "@" not in address:
        raise InvalidInput.field("address", T_("must be an email address"))
    if channel != "email":
        from gridcare.customers.phones import normalize_phone

        normalized = normalize_phone(address)
        if normalized is None:
            raise InvalidInput.field("address", T_("must be a phone number"))
        address = normalized
    recipient = Recipient(kind="address", id=None, name=address, locale=locale if locale in templates.LOCALES else templates.DEFAULT_LOCALE, org_path=actor.org_path, addresses={channel: address})
    config = config or current_config()
    return record(session, now=now, config=config, planner=Planner.of(session, config), recipient=recipient, channel=channel, event=event, context=context, urgent=True, source=None, dedupe=uuid.uuid4().hex)


# --- pop-ups and their ladder --------------------------------------------------------------


def _own_popup(session: Session, *, actor: Principal, notification_id: int, lock: bool = False) -> Notification:
    stmt = select(Notification).where(Notification.id == notification_id)
    if lock:
        stmt = stmt.with_for_update()
    note = session.scalar(stmt)
    if note is None or not (note.recipient_kind == "user" and note.recipient_id == actor.user_id):
        raise NotFound(T_("notification_id: no notification %(id)s addressed to you", id=notification_id))
    if note.channel != "popup":
        raise InvalidInput.field("notification_id", T_("only pop-ups are acknowledged"))
    return note


def acknowledge(session: Session, *, actor: Principal, now: datetime, notification_id: int) -> Notification:
    """The recipient saw the pop-up: the ladder stops, and their other open pages close it."""
    note = _own_popup(session, actor=actor, notification_id=notification_id, lock=True)
    if note.acknowledged_at is not None:
        return note
    note.acknowledged_at = now
    note.acknowledged_by = actor.user_id
    if note.ladder_next_at is not None:
        note.ladder_next_at = None
        note.ladder_stopped = "acknowledged"
    outbox.enqueue(session, topic="push", key=f"user:{actor.user_id}", now=now, payload={"channel": f"user:{actor.user_id}", "event": "popup.closed", "data": {"id": note.id}})
    return note


def answered(session: Session, *, now: datetime, source: tuple[str, int], event: str, user_id: int, reason: str) -> int:
    """The recipient did what their pop-ups of ``event`` about ``source`` asked (accepted the
    order they announced), or what they told of is no longer so (an escalation withdrawn):
    the pop-ups count as seen now, their ladders stop, and the recipient's open pages close
    them. Returns how many."""
    notes = session.scalars(
        select(Notification).where(
            Notification.source_kind == source[0], Notification.source_id == source[1], Notification.event == event, Notification.channel == "popup",
            Notification.recipient_kind == "user", Notification.recipient_id == user_id, Notification.acknowledged_at.is_(None),
        )
    ).all()  # fmt: skip
    for note in notes:
        note.acknowledged_at, note.acknowledged_by = now, user_id
        if note.ladder_next_at is not None:
            note.ladder_next_at, note.ladder_stopped = None, reason[:60]
        outbox.enqueue(session, topic="push", key=f"user:{user_id}", now=now, payload={"channel": f"user:{user_id}", "event": "popup.closed", "data": {"id": note.id}})
    return len(notes)


def stop_ladders(session: Session, *, now: datetime, source: tuple[str, int], reason: str = "accepted") -> int:
    """Stop the fallback of every pop-up about ``source`` (the order was accepted in time
    another way, e.g. from the mobile app). Returns how many stopped."""
    return stop_ladders_of(session, now=now, kind=source[0], ids=[source[1]], reason=reason)


def stop_ladders_of(session: Session, *, now: datetime, kind: str, ids: list[int], reason: str) -> int:
    """``stop_ladders`` for many sources of one kind in one statement."""
    if not ids:
        return 0
    result = session.execute(
        update(Notification)
        .where(Notification.source_kind == kind, Notification.source_id.in_(ids), Notification.channel == "popup", Notification.ladder_next_at.is_not(None))
        .values(ladder_next_at=None, ladder_stopped=reason[:60])
        .execution_options(synchronize_session=False)  # no need to look through the session: nothing here holds these rows
    )
    return result.rowcount or 0


def _policy_of(note: Notification) -> rules.LadderPolicy:
    return rules.LadderPolicy(
        timedelta(seconds=note.ladder_sms_after_s) if note.ladder_sms_after_s is not None else None,
        timedelta(seconds=note.ladder_voice_after_s) if note.ladder_voice_after_s is not None else None,
    )


def _rung_due(now: datetime) -> Any:
    return and_(Notification.ladder_next_at.is_not(None), Notification.ladder_next_at <= now, Notification.acknowledged_at.is_(None))


def ladders_due(session: Session, *, now: datetime) -> bool:
    """Whether ``advance_ladders`` has a rung to fire."""
    return session.scalar(select(Notification.id).where(_rung_due(now)).limit(1)) is not None


def advance_ladders(session: Session, *, now: datetime, config: NotifyConfig | None = None, limit: int = 200) -> int:
    """Fire the due rungs of unacknowledged pop-ups: an SMS, then a voice call, to the same
    person. Rows are locked so two workers never fire the same rung. Returns rungs fired."""
    config = config or current_config()
    stmt = (
        select(Notification)
        .where(_rung_due(now))
        .order_by(Notification.ladder_next_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    fired = 0
    planner = Planner.of(session, config)
    for popup in session.scalars(stmt).all():
        policy = _policy_of(popup)
        steps = rules.ladder_steps_due(policy, popped_at=popup.created_at, step=popup.ladder_step, now=now, acknowledged=False)
        if steps:
            recipient = user_recipient(session, user_id=popup.recipient_id) if popup.recipient_id is not None else None
            source = (popup.source_kind, popup.source_id) if popup.source_kind and popup.source_id is not None else None
            try:
                for step in steps:
                    if recipient is not None:
                        record(session, now=now, config=config, planner=planner, recipient=recipient, channel=LADDER_CHANNELS[step], event=popup.event,
                               context=popup.context, urgent=True, source=source, dedupe=f"ladder:{popup.id}", parent_id=popup.id)
                        fired += 1
            except InvalidInput as exc:  # a template an operator broke: say so, never spin
                popup.ladder_next_at, popup.ladder_stopped = None, f"error: {exc.detail}"[:60]
                continue
            popup.ladder_step = steps[-1]
        popup.ladder_next_at = rules.ladder_due(policy, popped_at=popup.created_at, step=popup.ladder_step)
        if popup.ladder_next_at is None:
            popup.ladder_stopped = "completed"
    return fired


# --- managers ------------------------------------------------------------------------------


def retry(session: Session, *, actor: Principal, now: datetime, notification_id: int) -> Notification:
    """Send a dead letter again (after fixing a gateway setting, say)."""
    from gridcare.notify import queries

    require(actor, Action.NOTIFY_MANAGE)
    note = queries.get_notification(session, actor=actor, notification_id=notification_id, lock=True)
    if note.state != "dead":
        raise Conflict(T_("notification_id: only dead letters are retried; this one is %(state)s", state=Label("state", note.state, msgid=STATE_LABELS.get(note.state))))
    before = {"state": note.state, "last_error": note.last_error}
    note.state = "queued"
    note.scheduled_at = now
    outbox.enqueue(session, topic=TOPIC, key=None, payload={"id": note.id}, now=now)
    audit.record(session, actor=actor, at=now, action="notification.retry", entity="notification", entity_id=note.id, before=before, after={"state": note.state}, org_path=note.org_path)
    return note
