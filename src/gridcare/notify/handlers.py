"""Outbox handlers and periodic jobs of this domain, imported at start-up (main.load_plugins)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from gridcare import outbox
from gridcare.jobs import periodic
from gridcare.notify import channels, delivery, service

log = logging.getLogger(__name__)


@outbox.handler(service.TOPIC)
def send(message: outbox.Message, ctx: Any) -> None:
    """Deliver one notification through its channel and mirror the outcome into its row.
    The outbox decides on retries and dead letters; the row says the same thing. The marks
    are written apart (``write_apart``): the outbox's own commit makes them durable."""
    notification_id = int(message.payload["id"])
    with ctx.db.write_apart() as session:
        outgoing = delivery.start_attempt(session, notification_id=notification_id, now=ctx.clock.now(), attempt=message.attempts)
    if outgoing is None:
        return
    try:
        provider_id = channels.adapter(outgoing.channel, ctx.settings)(outgoing, ctx)
    except Exception as exc:  # every failure is mirrored, then handed to the outbox
        error = exc if isinstance(exc, outbox.DeliveryError) else outbox.DeliveryError(f"{type(exc).__name__}: {exc}")
        dead = error.permanent or message.attempts >= ctx.settings.outbox_max_attempts
        with ctx.db.write_apart() as session:
            delivery.record_failure(session, notification_id=notification_id, error=str(error), dead=dead)
        raise error from exc
    with ctx.db.write_apart() as session:
        delivery.record_delivery(session, notification_id=notification_id, now=ctx.clock.now(), provider_message_id=provider_id)


LADDER_CHUNK = 40


@periodic("notify.ladder", every=timedelta(seconds=15))
def ladder(ctx: Any) -> None:
    """Unacknowledged pop-ups fall back to SMS, then to a voice call. The deadline is a
    stored, indexed column, so rungs that fell due while the platform was down fire on
    the first run after the restart."""
    config = service.config_from(ctx.settings)
    with ctx.db.read() as session:
        if not service.ladders_due(session, now=ctx.clock.now()):
            return  # the usual round: no writer taken
    while True:
        # Small transactions: a storm's pop-ups fall due together, and intake waits for the writer.
        with ctx.db.write() as session:
            if service.advance_ladders(session, now=ctx.clock.now(), config=config, limit=LADDER_CHUNK) < LADDER_CHUNK:
                return
