"""Messages to many customers through the notify service: one Planner for the whole batch
(one read of the rate windows), the recipients read a chunk at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gridcare.campaigns import audience
from gridcare.notify import recipients as notify_recipients
from gridcare.notify import service as notify
from gridcare.notify.service import NotifyConfig

Progress = Callable[[str, int, int], None]


def to_customers(
    session: Session,
    *,
    now: datetime,
    config: NotifyConfig,
    customer_ids: Sequence[int],
    channel: str,
    event: str,
    context: dict[str, Any],
    source: tuple[str, int],
    dedupe: str,
    progress: Progress | None = None,
    stage: str = "messages",
) -> tuple[int, int]:
    """(messages recorded, customers skipped for having no address on the channel: no
    mobile for SMS, no email). The dedupe key makes a rerun after a crash record nothing twice."""
    planner = notify.Planner.of(session, config)
    signatures: dict[int | None, Any] = {}
    total, done, recorded = len(customer_ids), 0, 0
    for chunk in audience.rows(session, customer_ids=customer_ids):
        reachable = [r for r in notify_recipients.customer_recipients(session, chunk, signatures=signatures) if r.addresses.get(channel)]
        notify.record_many(session, now=now, config=config, planner=planner, event=event, messages=[notify.Outgoing(r, channel, context, source, dedupe) for r in reachable], urgent=False)
        recorded += len(reachable)
        done += len(chunk)
        if progress is not None:
            progress(stage, done, total)
    return recorded, done - recorded
