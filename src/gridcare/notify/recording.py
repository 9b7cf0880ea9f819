"""Recording messages: each becomes a ``Notification`` row and a ``notify.send`` outbox row in
the caller's transaction. One at a time (``record``) or many with one read of what was
already recorded, one insert and one enqueue (``record_many``: a storm's merged callers, an
outage's whole area, a campaign)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gridcare import outbox
from gridcare.core.errors import InvalidInput
from gridcare.group_commit import UNITS
from gridcare.notify import rules, templates
from gridcare.notify.models import Notification
from gridcare.notify.recipients import Recipient
from gridcare.prepared import Prepared, reserved_id

TOPIC = "notify.send"


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


# Many rows, those whose key is free: each new row's (key, id) comes back, so a taken key
# drops its row, not the chunk.
_INSERT_MANY = {
    name: Prepared(dialect.insert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(Notification.dedupe_key, Notification.id), keys=_COLUMNS)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


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
    values = _values(config, planner, now=now, key=key, recipient=recipient, channel=channel, event=event, context=safe, urgent=urgent, source=source, parent_id=parent_id, ladder=ladder)
    new_id = _insert(session, values, new_source=new_source)
    if new_id is None:
        return _BY_DEDUPE_KEY.scalar(session.connection(), {"key": key})  # type: ignore[no-any-return]
    outbox.enqueue_many(session, [_queued(values, new_id, now)], now=now)
    return new_id


@dataclass(frozen=True)
class Outgoing:
    """One of ``record_many``'s messages."""

    recipient: Recipient
    channel: str
    context: Mapping[str, Any]
    source: tuple[str, int] | None = None
    dedupe: str | None = None


# Messages per round of ``record_many``: its look-up's IN list stays well inside SQLite's
# bound-parameter limit.
MANY_CHUNK = 500


def record_many(session: Session, *, now: datetime, config: NotifyConfig, planner: Planner, event: str, messages: Sequence[Outgoing], urgent: bool) -> list[int]:
    """``record`` for many messages of one event: one look-up of those recorded before,
    one insert and one enqueue per chunk instead of three statements a message. Returns
    their ids in order (a repeat within ``messages`` gets the first one's)."""
    ids: list[int] = []
    for start in range(0, len(messages), MANY_CHUNK):
        ids += _record_chunk(session, now=now, config=config, planner=planner, event=event, messages=messages[start : start + MANY_CHUNK], urgent=urgent)
    return ids


def _record_chunk(session: Session, *, now: datetime, config: NotifyConfig, planner: Planner, event: str, messages: Sequence[Outgoing], urgent: bool) -> list[int]:
    keys, contexts = [], []
    for m in messages:
        safe = jsonable(m.context)
        contexts.append(safe)
        keys.append(_dedupe_key(event, m.channel, m.recipient, m.source, safe, m.dedupe))
    found = dict(session.execute(select(Notification.dedupe_key, Notification.id).where(Notification.dedupe_key.in_(set(keys)))).all())
    rows, new = [], set()
    for m, key, safe in zip(messages, keys, contexts, strict=True):
        if key not in found and key not in new:  # a repeat within the chunk is the same message
            new.add(key)
            rows.append(_values(config, planner, now=now, key=key, recipient=m.recipient, channel=m.channel, event=event, context=safe, urgent=urgent, source=m.source))
    if rows:
        connection = session.connection()
        made = dict(_INSERT_MANY[connection.dialect.name].returning_many(connection, rows))
        outbox.enqueue_many(session, [_queued(values, made[values["dedupe_key"]], now) for values in rows if values["dedupe_key"] in made], now=now)
        found.update(made)
        lost = [values["dedupe_key"] for values in rows if values["dedupe_key"] not in made]
        if lost:  # a concurrent writer recorded these between the look-up and the insert
            found.update(session.execute(select(Notification.dedupe_key, Notification.id).where(Notification.dedupe_key.in_(lost))).all())
    return [found[key] for key in keys]


def _values(
    config: NotifyConfig, planner: Planner, *, now: datetime, key: str, recipient: Recipient, channel: str, event: str, context: Any, urgent: bool,
    source: tuple[str, int] | None, parent_id: int | None = None, ladder: rules.LadderPolicy | None = None,
) -> dict[str, Any]:
    """The row of one message: rendered in the recipient's language, scheduled past quiet
    hours and into a rate window."""
    try:
        template = templates.find(config.catalog, event=event, locale=recipient.locale, channel=channel)
        signed = recipient.signature if (recipient.kind == "customer" and channel == "sms") else None
        rendered = templates.render(template, context, signature=signed)
    except templates.TemplateProblem as exc:
        raise InvalidInput.field("context" if "lacks" in str(exc) else "event", exc.args[0]) from None
    earliest = rules.earliest_send(now, urgent=urgent, recipient_kind=recipient.kind, quiet=config.quiet)
    scheduled = planner.slot(channel, earliest)
    next_rung = rules.ladder_due(ladder, popped_at=now, step=0) if ladder is not None else None
    return {
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
        "context": context,
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


def _queued(values: Mapping[str, Any], notification_id: int, now: datetime) -> outbox.Queued:
    """The outbox row that sends it. One queue per recipient and urgency: a message held
    back until morning never holds up an urgent one to the same person."""
    who = values["address"] or f"{values['recipient_kind']}:{values['recipient_id']}"
    queue = f"notify:{values['channel']}:{who}:{'u' if values['urgent'] else 'n'}"
    scheduled = values["scheduled_at"]
    return outbox.Queued(topic=TOPIC, key=queue[:120], payload={"id": notification_id}, not_before=scheduled if scheduled > now else None)
