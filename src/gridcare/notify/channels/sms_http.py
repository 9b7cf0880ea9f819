"""SMS through an HTTP gateway: one JSON POST per message.

Request: ``{"client_msg_id", "to", "text", "sender"}`` with the same id in an
``Idempotency-Key`` header; the gateway must treat a repeated id as the same message.
Answer: 2xx with an optional ``{"message_id": ...}``."""

from __future__ import annotations

from typing import Any

from gridcare.notify.channels import Outgoing, not_configured
from gridcare.notify.channels.http import post_json
from gridcare.outbox import DeliveryError


def send(message: Outgoing, ctx: Any) -> str | None:
    s = ctx.settings
    if not s.sms_http_url:
        raise not_configured("sms", "sms_http_url")
    if not message.target:
        raise DeliveryError("no mobile number for the recipient", permanent=True)
    payload = {"client_msg_id": message.client_ref, "to": message.target, "text": message.body, "sender": s.sms_sender}
    answer = post_json(s.sms_http_url, payload, timeout=s.sms_http_timeout_seconds, token=s.sms_http_token, idempotency_key=message.client_ref, what="SMS gateway")
    found = answer.get("message_id") or answer.get("id")
    return str(found) if found is not None else None
