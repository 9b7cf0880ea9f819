"""Reads of the notification log, scoped: managers see their subtree, everyone else the
messages addressed to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from gridcare.auth.rules import Action, can
from gridcare.core.bounds import whole_number
from gridcare.core.clock import SHANGHAI
from gridcare.core.errors import FieldProblem, InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.notify import rules
from gridcare.notify.models import Notification


def _scoped(stmt: Select[Any], actor: Principal) -> Select[Any]:
    if can(actor, Action.NOTIFY_MANAGE):
        return stmt.where(Notification.org_path.startswith(actor.org_path, autoescape=True))
    return stmt.where(Notification.recipient_kind == "user", Notification.recipient_id == actor.user_id)


@dataclass(frozen=True)
class LogFilter:
    state: str | None = None
    channel: str | None = None
    recipient: str | None = None  # "user:12", "customer:5", "grid_group:3", or a phone/name fragment
    source: str | None = None  # "order:12"
    since: datetime | None = None
    event: str | None = None
    mine: bool = False
    unacknowledged: bool = False


def _kind_id(text: str, field: str, kinds: tuple[str, ...] | None) -> tuple[str, int] | None:
    kind, sep, ident = text.partition(":")
    if not sep:
        return None
    if (kinds is not None and kind not in kinds) or not ident.strip().isascii() or not ident.strip().isdigit():
        example = "user:12" if field == "recipient" else "order:12"
        raise InvalidInput.field(
            field,
            T_("expected KIND:ID, e.g. %(example)s (kinds: %(kinds)s)", example=example, kinds=", ".join(kinds))
            if kinds
            else T_("expected KIND:ID, e.g. %(example)s", example=example),
        )
    return kind, whole_number(ident, field, required=True)


def _conditions(actor: Principal, f: LogFilter) -> list[Any]:
    problems: list[FieldProblem] = []
    if f.state and f.state not in rules.STATES:
        problems.append(FieldProblem("state", T_("must be one of %(choices)s", choices=", ".join(rules.STATES))))
    if f.channel and f.channel not in rules.CHANNELS:
        problems.append(FieldProblem("channel", T_("must be one of %(choices)s", choices=", ".join(rules.CHANNELS))))
    if problems:
        raise InvalidInput.many(problems)
    conds: list[Any] = []
    if f.state:
        conds.append(Notification.state == f.state)
    if f.channel:
        conds.append(Notification.channel == f.channel)
    if f.event:
        conds.append(Notification.event == f.event)
    if f.recipient:
        found = _kind_id(f.recipient.strip(), "recipient", rules.RECIPIENT_KINDS)
        if found is not None:
            conds += [Notification.recipient_kind == found[0], Notification.recipient_id == found[1]]
        else:
            like = f"%{f.recipient.strip()}%"
            conds.append(or_(Notification.address.like(like), Notification.recipient_name.like(like)))
    if f.source:
        found = _kind_id(f.source.strip(), "source", None)
        if found is None:
            raise InvalidInput.field("source", T_("expected KIND:ID, e.g. %(example)s", example="order:12"))
        conds += [Notification.source_kind == found[0], Notification.source_id == found[1]]
    if f.since is not None:
        since = f.since if f.since.tzinfo is not None else f.since.replace(tzinfo=SHANGHAI)
        conds.append(Notification.created_at >= since)
    if f.mine or f.unacknowledged:
        conds += [Notification.recipient_kind == "user", Notification.recipient_id == actor.user_id]
    if f.unacknowledged:
        conds += [Notification.channel == "popup", Notification.acknowledged_at.is_(None)]
    return conds


def count(session: Session, *, actor: Principal, filters: LogFilter = LogFilter()) -> int:
    """How many messages in scope pass ``filters`` (by state on the state index)."""
    return int(session.scalar(_scoped(select(func.count()).select_from(Notification), actor).where(*_conditions(actor, filters))) or 0)


def list_notifications(session: Session, *, actor: Principal, filters: LogFilter = LogFilter(), limit: int = 100, offset: int = 0) -> tuple[list[Notification], int]:
    stmt = _scoped(select(Notification), actor).where(*_conditions(actor, filters))
    total = count(session, actor=actor, filters=filters)
    rows = list(session.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit).offset(offset)))
    return rows, total


def counts(session: Session, *, actor: Principal, filters: LogFilter = LogFilter()) -> dict[tuple[str, str], int]:
    """Messages per (state, channel) under the same filters (except state and channel)."""
    narrowed = LogFilter(recipient=filters.recipient, source=filters.source, since=filters.since, event=filters.event, mine=filters.mine)
    stmt = _scoped(select(Notification.state, Notification.channel, func.count()), actor).where(*_conditions(actor, narrowed))
    return {(state, channel): n for state, channel, n in session.execute(stmt.group_by(Notification.state, Notification.channel))}


def get_notification(session: Session, *, actor: Principal, notification_id: int, lock: bool = False) -> Notification:
    stmt = _scoped(select(Notification), actor).where(Notification.id == notification_id)
    if lock:
        stmt = stmt.with_for_update()
    note = session.scalar(stmt)
    if note is None:
        raise NotFound(T_("notification_id: no notification %(id)s in your scope", id=notification_id))
    return note


def children(session: Session, *, notification_id: int) -> list[Notification]:
    """The fallback messages a pop-up's ladder sent."""
    return list(session.scalars(select(Notification).where(Notification.parent_id == notification_id).order_by(Notification.id)))
