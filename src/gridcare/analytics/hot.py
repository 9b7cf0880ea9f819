"""Read model of the hot topics (热点诉求): the words of the orders created in the last hours
in the reader's scope, against the days before (``topics`` judges which are hot).

Both windows are read newest first and capped (a phrase's share of the orders read is what
counts, so a cap only narrows the sample); the page says where each window then starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gridcare.analytics import queries, topics
from gridcare.analytics.permissions import require_topics
from gridcare.core.errors import FieldProblem, InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal

MAX_RECENT, MAX_EARLIER = 5_000, 30_000
HOURS_MAX, DAYS_MAX, LIMIT_MAX = 168, 56, 50


@dataclass(frozen=True)
class HotTopics:
    since: datetime  # the recent window: [since, until], this second's orders included
    until: datetime
    compared_from: datetime  # the earlier window: [compared_from, since)
    recent_orders: int
    earlier_orders: int
    capped: bool
    topics: list[topics.Topic]


def _checked(hours: int, days: int, limit: int) -> None:
    problems = []
    if not 1 <= hours <= HOURS_MAX:
        problems.append(FieldProblem("hours", T_("must be %(low)s to %(high)s", low=1, high=HOURS_MAX)))
    if not 1 <= days <= DAYS_MAX:
        problems.append(FieldProblem("days", T_("must be %(low)s to %(high)s", low=1, high=DAYS_MAX)))
    if not 1 <= limit <= LIMIT_MAX:
        problems.append(FieldProblem("limit", T_("must be %(low)s to %(high)s", low=1, high=LIMIT_MAX)))
    if problems:
        raise InvalidInput.many(problems)


def hot_topics(session: Session, *, actor: Principal, scope: queries.Scope, now: datetime, hours: int = 24, days: int = 7, limit: int = 20) -> HotTopics:
    """What the orders of the last ``hours`` raise far more often than those of the ``days``
    before them did, in the reader's scope."""
    require_topics(actor)
    _checked(hours, days, limit)
    split = now - timedelta(hours=hours)
    start = split - timedelta(days=days)
    recent = queries.texts(session, actor=actor, scope=scope, start=split, end=now + timedelta(seconds=1), limit=MAX_RECENT)  # this second's orders too
    earlier = queries.texts(session, actor=actor, scope=scope, start=start, end=split, limit=MAX_EARLIER)
    capped = len(recent) == MAX_RECENT or len(earlier) == MAX_EARLIER
    recent_from = recent[-1][2] if len(recent) == MAX_RECENT else split
    earlier_from = earlier[-1][2] if len(earlier) == MAX_EARLIER else start
    found = topics.hot_topics([(i, text) for i, text, _at in recent], [text for _i, text, _at in earlier], limit=limit)
    return HotTopics(recent_from, now, earlier_from, len(recent), len(earlier), capped, found)
