"""The forced pop-up: a push on the user's channel that the page shows as a modal which
only "Acknowledge" closes. Delivered means published; the ladder watches for the ack."""

from __future__ import annotations

from typing import Any

from gridcare.notify.channels import Outgoing
from gridcare.outbox import DeliveryError
from gridcare.pubsub import PushEvent


def send(message: Outgoing, ctx: Any) -> str | None:
    if message.recipient_kind != "user" or message.recipient_id is None:
        raise DeliveryError("pop-ups go to staff users only", permanent=True)
    data = {
        "id": message.id,
        "event": message.event,
        "subject": message.subject,
        "body": message.body,
        "urgent": message.urgent,
        **message.data,
    }
    ctx.broadcaster.publish(PushEvent(channel=f"user:{message.recipient_id}", event="popup", data=data))
    return None
