"""Voice calls (text to speech) through an HTTP gateway, the last rung of the pop-up ladder.

Request: ``{"client_call_id", "to", "text", "locale", "repeat"}`` with an
``Idempotency-Key`` header; answer: 2xx with an optional ``{"call_id": ...}``."""

from __future__ import annotations

from typing import Any

from gridcare.notify.channels import Outgoing, not_configured
from gridcare.notify.channels.http import post_json
from gridcare.outbox import DeliveryError


def send(message: Outgoing, ctx: Any) -> str | None:
    s = ctx.settings
    if not s.voice_http_url:
        raise not_configured("voice", "voice_http_url")
    if not message.target:
        raise DeliveryError("no phone number for the recipient", permanent=True)
    payload = {"client_call_id": message.client_ref, "to": message.target, "text": message.body, "locale": message.locale, "repeat": 2}
    answer = post_json(s.voice_http_url, payload, timeout=s.voice_http_timeout_seconds, token=s.voice_http_token, idempotency_key=message.client_ref, what="voice gateway")
    found = answer.get("call_id") or answer.get("id")
    return str(found) if found is not None else None
