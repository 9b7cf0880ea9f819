"""Notification use cases: other domains call ``notify_user``, ``notify_customer`` and
``notify_grid_group``; staff acknowledge pop-ups; managers retry dead letters.

Each message becomes a ``Notification`` row and a ``notify.send`` outbox row in the
caller's transaction, so a message exists exactly when the change that caused it commits.
When it may go is decided here from the rules (quiet hours, rate limits); delivery and
its retries belong to the outbox and the channel adapters."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gridcare import outbox
from gridcare.audit import service as audit
from gridcare.auth.rules import Action
from gridcare.auth.scoping import require
from gridcare.core.errors import Conflict, InvalidInput, NotFound
from gridcare.core.principal import Principal
from gridcare.group_commit import UNITS
from gridcare.notify import rules, templates
from gridcare.notify.models import Notification
from gridcare.notify.recipients import (
    Recipient,
    customer_recipients,
    group_recipients,
    user_recipient,
)
from gridcare.prepared import Prepared, reserved_id

TOPIC = "notify.send"
LADDER_CHANNELS = {1: "sms", 2: "voice"}
CUSTOMER_CHANNELS = ("sms", "voice", "email")
USER_CHANNELS = ("popup", "sms", "voice", "email")


@dataclass(frozen=True)
class NotifyConfig:
    quiet: rules.QuietHours
    rate_limits: Mapping[str, rules.RateLimit]
    ladders: Mapping[str, rules.LadderPolicy]
    templates_dir: str | None = None

    @property
    def catalog(self) -> Mapping[tuple[str, str, str], templates.MessageTemplate]:
        operator = (self.templates_dir,) if self.templates_dir else ()
        return templates.load_catalog((*templates.domain_directories(), *operator))


@lru_cache(maxsize=16)
def _config(quiet: str, zone: str, limits: str, ladders: str, templates_dir: str | None) -> NotifyConfig:
    return NotifyConfig(rules.parse_quiet_hours(quiet, zone), rules.parse_rate_limits(limits), rules.parse_ladders(ladders), templates_dir)


def config_from(settings: Any) -> NotifyConfig:
    directory = str(settings.notify_templates_dir) if settings.notify_templates_dir else None
    return _config(settings.notify_quiet_hours, settings.display_timezone, settings.notify_rate_limits, settings.notify_ladders, directory)


def current_config() -> NotifyConfig:
    from gridcare.config import get_settings

    return config_from(get_settings())


def jsonable(value: Any) -> Any:
    """Context values as JSON keeps them (datetimes as ISO text the templates format)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class Planner:
    """The rate planners of one call (a campaign plans thousands of messages with one read)."""

    def __init__(self, session: Session, config: NotifyConfig) -> None:
        self.session = session
        self.config = config
        self._planners: dict[str, rules.RatePlanner] = {}
        self._since: dict[str, datetime] = {}

    @classmethod
    def of(cls, session: Session, config: NotifyConfig) -> Planner:
        """The transaction's planner: messages recorded in one transaction (a batch of
        intakes, a storm's merges) share one read of the rate windows."""
        planner = session.info.get("notify.planner")
        if planner is None or planner.config is not config:
            planner = session.info["notify.planner"] = cls(session, config)
        return planner

    def slot(self, channel: str, earliest: datetime) -> datetime:
        limit = self.config.rate_limits.get(channel)
        if limit is None:
            return earliest
        since = rules.RatePlanner(limit, []).window_start(earliest)
        planner = self._planners.get(channel)
        if planner is None or since < self._since[channel]:
            # Every slot taken is a row by the time the next is asked for: reading again
            # from an earlier window loses nothing. Windows this process saw full are not
            # counted again: after a storm the backlog fills hours of windows ahead, and
            # counting them all in every transaction that sends an SMS cost 20+ ms.
            start = _full_from(self.session, self._key(channel, limit), channel, since)
            counted = self.session.execute(_WINDOW_COUNTS, {"channel": channel, "since": start})
            planner = self._planners[channel] = rules.RatePlanner.from_counts(limit, {row[0]: row[1] for row in counted})
            planner.mark_full(since, start)
            self._since[channel] = since
        slot = planner.take(earliest)
        _FULL_WINDOWS[self._key(channel, limit)] = (since, planner.full_until(since))
        return slot

    def _key(self, channel: str, limit: rules.RateLimit) -> tuple[str, str, rules.RateLimit]:
        return (str(self.session.get_bind().url), channel, limit)

    def window(self, channel: str, slot: datetime) -> datetime | None:
        limit = self.config.rate_limits.get(channel)
        return rules.RatePlanner(limit, []).window_start(slot) if limit is not None else None


_WINDOW_COUNTS = (
    select(Notification.rate_window, func.count())
    .where(Notification.channel == bindparam("channel"), Notification.rate_window >= bindparam("since"))
    .group_by(Notification.rate_window)
)
_IN_WINDOW = select(func.count()).where(Notification.channel == bindparam("channel"), Notification.rate_window == bindparam("window"))
# (database, channel, limit) → (from, until): every rate window from ``from`` up to ``until``
# was full when this process last planned a message. A window never gets room back (a
# message that did not go keeps its slot), so at worst a message waits behind a window that
# a rolled-back transaction had filled.
_FULL_WINDOWS: dict[tuple[str, str, rules.RateLimit], tuple[datetime, datetime]] = {}


def _full_from(session: Session, key: tuple[str, str, rules.RateLimit], channel: str, since: datetime) -> datetime:
    """Where counting the windows from ``since`` on must start: past those known full, when
    the last of them still is (a database replaced under the same address is not)."""
    known = _FULL_WINDOWS.get(key)
    if known is None or not known[0] <= since < known[1]:
        return since
    limit = key[2]
    last = rules.RatePlanner(limit, []).window_start(known[1] - limit.per)
    if (session.scalar(_IN_WINDOW, {"channel": channel, "window": last}) or 0) < limit.count:
        del _FULL_WINDOWS[key]
        return since
    return known[1]


def _source_text(source: tuple[str, int] | None) -> str:
    return f"{source[0]}:{source[1]}" if source else ""


def _dedupe_key(event: str, channel: str, recipient: Recipient, source: tuple[str, int] | None, context: Mapping[str, Any], dedupe: str | None) -> str:
    who = f"{recipient.kind}:{recipient.id if recipient.id is not None else recipient.addresses.get(channel, '')}"
    # Without a source, the same text to the same person is the same message.
    what = dedupe or _source_text(source) or "ctx:" + hashlib.sha256(json.dumps(context, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:24]
    key = f"{event}|{channel}|{who}|{what}"
    return key if len(key) <= 200 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _insert_statement(dialect: Any) -> Any:
    return dialect.insert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(Notification.id)


# Built once: a dispatched order records a message on intake's hot path, and building the
# statement cost more than running it.
_COLUMNS = [
    "dedupe_key", "client_ref", "event", "channel", "recipient_kind", "recipient_id", "recipient_name", "address", "locale", "subject", "body", "context", "urgent",
    "state", "attempts", "source_kind", "source_id", "org_path", "grid_id", "created_at", "scheduled_at", "rate_window", "ladder_step", "ladder_next_at",
    "ladder_sms_after_s", "ladder_voice_after_s", "parent_id",
]  # fmt: skip
_INSERT = {name: Prepared(_insert_statement(dialect), keys=_COLUMNS) for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}
_BY_DEDUPE_KEY = Prepared(select(Notification.id).where(Notification.dedupe_key == bindparam("key")))
# A new source's message in a group commit's batch: its id drawn ahead, the row inserted
# with the batch's others. A taken dedupe key fails the batch, which then runs unit by unit.
_INSERT_WITH_ID = Prepared(Notification.__table__.insert(), keys=["id", *_COLUMNS], deferrable=True)


def _insert(session: Session, values: dict[str, Any], *, new_source: bool) -> int | None:
    """The new row's id, or None when its dedupe key is taken (also by a concurrent writer)."""
    connection = session.connection()
    if new_source:
        reserved = reserved_id(connection, Notification.__table__, session.info.get(UNITS, 1))
        if reserved is not None:
            _INSERT_WITH_ID.execute_many(connection, [{"id": reserved, **values}])
            return reserved
    return _INSERT[connection.dialect.name].scalar(connection, values)


def record(
    session: Session,
    *,
    now: datetime,
    config: NotifyConfig,
    planner: Planner,
    recipient: Recipient,
    channel: str,
    event: str,
    context: Mapping[str, Any],
    urgent: bool,
    source: tuple[str, int] | None,
    dedupe: str | None = None,
    parent_id: int | None = None,
    ladder: rules.LadderPolicy | None = None,
    new_source: bool = False,
) -> int:
    """One message: rendered, scheduled, stored and queued. Returns its id (the existing
    one when the same message was recorded before). ``new_source``: the source was created
    in this transaction, so nothing can have been recorded for it yet; the look-up is
    skipped (intake's hot path), and the insert still refuses a duplicate."""
    safe = jsonable(context)
    key = _dedupe_key(event, channel, recipient, source, safe, dedupe)
    existing = None if new_source else _BY_DEDUPE_KEY.scalar(session.connection(), {"key": key})
    if existing is not None:
        return existing
    try:
        template = templates.find(config.catalog, event=event, locale=recipient.locale, channel=channel)
        signed = recipient.signature if (recipient.kind == "customer" and channel == "sms") else None
        rendered = templates.render(template, safe, signature=signed)
    except templates.TemplateProblem as exc:
        raise InvalidInput.field("context" if "lacks" in str(exc) else "event", str(exc)) from None
    earliest = rules.earliest_send(now, urgent=urgent, recipient_kind=recipient.kind, quiet=config.quiet)
    scheduled = planner.slot(channel, earliest)
    next_rung = rules.ladder_due(ladder, popped_at=now, step=0) if ladder is not None else None
    values = {
        "dedupe_key": key,
        "client_ref": uuid.uuid4().hex,
        "event": event,
        "channel": channel,
        "recipient_kind": recipient.kind,
        "recipient_id": recipient.id,
        "recipient_name": recipient.name[:200],
        "address": recipient.addresses.get(channel, "")[:200],
        "locale": recipient.locale,
        "subject": rendered.subject[:300],
        "body": rendered.body,
        "context": safe,
        "urgent": urgent,
        "state": "deferred" if scheduled > now else "queued",
        "attempts": 0,
        "source_kind": source[0] if source else None,
        "source_id": source[1] if source else None,
        "org_path": recipient.org_path,
        "grid_id": recipient.grid_id,
        "created_at": now,
        "scheduled_at": scheduled,
        "rate_window": planner.window(channel, scheduled),
        "ladder_step": 0,
        "ladder_next_at": next_rung,
        "ladder_sms_after_s": int(ladder.sms_after.total_seconds()) if ladder and ladder.sms_after else None,
        "ladder_voice_after_s": int(ladder.voice_after.total_seconds()) if ladder and ladder.voice_after else None,
        "parent_id": parent_id,
    }
    new_id = _insert(session, values, new_source=new_source)
    if new_id is None:
        return _BY_DEDUPE_KEY.scalar(session.connection(), {"key": key})  # type: ignore[no-any-return]
    # One queue per recipient and urgency: a message held back until morning never holds
    # up an urgent one to the same person.
    queue = f"notify:{channel}:{values['address'] or recipient.kind + ':' + str(recipient.id)}:{'u' if urgent else 'n'}"
    outbox.enqueue(session, topic=TOPIC, key=queue[:120], payload={"id": new_id}, now=now, not_before=scheduled if scheduled > now else None)
    return new_id


def _check_channels(channels: Iterable[str], allowed: tuple[str, ...]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(channels))
    bad = [c for c in chosen if c not in allowed]
    if bad or not chosen:
        raise InvalidInput.field("channels", f"choose from {', '.join(allowed)}")
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
        raise InvalidInput.field("address", "must be an email address")
    if channel != "email":
        from gridcare.customers.phones import normalize_phone

        normalized = normalize_phone(address)
        if normalized is None:
            raise InvalidInput.field("address", "must be a phone number")
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
        raise NotFound(f"notification_id: no notification {notification_id} addressed to you")
    if note.channel != "popup":
        raise InvalidInput.field("notification_id", "only pop-ups are acknowledged")
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
        raise Conflict(f"notification_id: only dead letters are retried; this one is {note.state}")
    before = {"state": note.state, "last_error": note.last_error}
    note.state = "queued"
    note.scheduled_at = now
    outbox.enqueue(session, topic=TOPIC, key=None, payload={"id": note.id}, now=now)
    audit.record(session, actor=actor, at=now, action="notification.retry", entity="notification", entity_id=note.id, before=before, after={"state": note.state}, org_path=note.org_path)
    return note
