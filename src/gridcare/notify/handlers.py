"""Outbox handlers and periodic jobs of this domain, imported at start-up (main.load_plugins)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from gridcare import outbox
from gridcare.jobs import periodic
from gridcare.notify import channels, delivery, rules, service

log = logging.getLogger(__name__)


@outbox.batch_handler(service.TOPIC)
def send(messages: list[outbox.Message], ctx: Any) -> dict[int, BaseException | None]:
    """Deliver each notification through its channel and mirror the outcome into its row.
    The outbox decides on retries and dead letters; the row says the same thing. The marks
    are written apart (``write_apart``): the outbox's own commit makes them durable.

    A batch's "sending" marks go in one statement before anything is sent. A message
    that reaches a person's phone or inbox is marked delivered as soon as its gateway took
    it (a crash after that must not send it again); pop-ups, which a browser shows once
    whatever it receives, get no "sending" mark and are marked delivered together after
    the batch: a storm's dispatch pop-ups cost one statement per batch instead of one
    each, and one new row version each instead of two."""
    errors: dict[int, BaseException | None] = {}
    with ctx.db.write_apart() as session:
        started = delivery.start_attempts(session, attempts={int(m.payload["id"]): m.attempts for m in messages}, now=ctx.clock.now())
    outgoing = [(m, started.get(int(m.payload["id"]))) for m in messages]
    shown: dict[int, int] = {}
    for message, note in outgoing:
        errors[message.id] = None
        if note is None:
            continue
        try:
            provider_id = channels.adapter(note.channel, ctx.settings)(note, ctx)
        except Exception as exc:  # every failure is mirrored, then handed to the outbox
            error = exc if isinstance(exc, outbox.DeliveryError) else outbox.DeliveryError(f"{type(exc).__name__}: {exc}")
            dead = error.permanent or message.attempts >= ctx.settings.outbox_max_attempts
            with ctx.db.write_apart() as session:
                delivery.record_failure(session, notification_id=note.id, error=str(error), dead=dead, attempt=message.attempts, now=ctx.clock.now())
            errors[message.id] = error
            continue
        if rules.marked_after_batch(note.channel, provider_id):
            shown[note.id] = message.attempts
            continue
        with ctx.db.write_apart() as session:
            delivery.record_delivery(session, notification_id=note.id, now=ctx.clock.now(), provider_message_id=provider_id)
    if shown:
        with ctx.db.write_apart() as session:
            delivery.record_shown(session, attempts=shown, now=ctx.clock.now())
    return errors


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
