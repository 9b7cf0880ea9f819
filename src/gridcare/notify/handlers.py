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
def send(messages: list[outbox.Message], ctx: Any) -> outbox.BatchOutcome:
    """Deliver each notification through its channel and mirror the outcome into its row.
    The outbox decides on retries and dead letters; the row says the same thing.

    A batch's "sending" marks go in one statement before anything is sent (``write_apart``:
    the outbox's own commit makes them durable). A message that reaches a person's phone or
    inbox is marked delivered as soon as its gateway took it: a crash after that must not
    send it again. Pop-ups, which a browser shows once whatever it receives, are only read
    before they go, and marked delivered in the transaction that finishes their outbox
    rows; so are the failures. So a storm's batch of dispatch pop-ups, or of SMS while the
    gateway is down, writes nothing of its own: on SQLite no turn of the writer besides the
    outbox's claim and finish."""
    errors: dict[int, BaseException | None] = {}
    attempts = {int(m.payload["id"]): m.attempts for m in messages}
    with ctx.db.read() as session:
        started = delivery.popups_to_show(session, ids=list(attempts))
    others = {i: n for i, n in attempts.items() if i not in started}
    if others:
        with ctx.db.write_apart() as session:
            started.update(delivery.start_attempts(session, attempts=others, now=ctx.clock.now()))
    shown: dict[int, int] = {}
    failed: list[tuple[int, str, bool, int]] = []  # notification, error, dead, attempt
    for message in messages:
        note = started.get(int(message.payload["id"]))
        errors[message.id] = None
        if note is None:
            continue
        try:
            provider_id = channels.adapter(note.channel, ctx.settings)(note, ctx)
        except Exception as exc:  # every failure is mirrored, then handed to the outbox
            error = exc if isinstance(exc, outbox.DeliveryError) else outbox.DeliveryError(f"{type(exc).__name__}: {exc}")
            failed.append((note.id, str(error), error.permanent or message.attempts >= ctx.settings.outbox_max_attempts, message.attempts))
            errors[message.id] = error
            continue
        if rules.marked_after_batch(note.channel, provider_id):
            shown[note.id] = message.attempts
            continue
        with ctx.db.write_apart() as session:
            delivery.record_delivery(session, notification_id=note.id, now=ctx.clock.now(), provider_message_id=provider_id)
    if not (shown or failed):
        return outbox.BatchOutcome(errors)

    def bookkeeping(session: Any) -> None:
        if shown:
            delivery.record_shown(session, attempts=shown, now=ctx.clock.now())
        if failed:
            delivery.record_failures(session, failed=failed, now=ctx.clock.now())

    return outbox.BatchOutcome(errors, with_finish=bookkeeping)


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
