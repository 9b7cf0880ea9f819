"""Channel adapters: one module per way of reaching someone. Each exposes ``send(message,
ctx) -> provider message id | None`` and raises ``outbox.DeliveryError`` on failure, with
``permanent=True`` when retrying cannot help (a missing configuration, a refused number).
The ``notify.send`` outbox handler picks the adapter; retries, backoff and dead letters
come from the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gridcare.outbox import DeliveryError


@dataclass(frozen=True)
class Outgoing:
    """One message as an adapter sees it: where to, what, and the reference the provider
    dedupes retries on."""

    id: int
    client_ref: str
    channel: str
    event: str
    recipient_kind: str
    recipient_id: int | None
    target: str  # phone (E.164), email address, WeCom webhook URL, or "user:<id>"
    subject: str
    body: str
    locale: str
    urgent: bool
    data: dict[str, Any] = field(default_factory=dict)


Send = Callable[[Outgoing, Any], str | None]


def not_configured(channel: str, *settings: str) -> DeliveryError:
    names = ", ".join("GRIDCARE_" + s.upper() for s in settings)
    return DeliveryError(f"{channel} channel is not configured: set {names}", permanent=True)


def adapter(channel: str, settings: Any) -> Send:
    from gridcare.notify.channels import browser, email, sms_http, sms_smpp, voice_http, wecom

    if channel == "sms":
        return sms_smpp.send if settings.sms_transport == "smpp" else sms_http.send
    table: dict[str, Send] = {"popup": browser.send, "voice": voice_http.send, "email": email.send, "wecom": wecom.send}
    if channel not in table:
        raise DeliveryError(f"unknown channel {channel!r}", permanent=True)
    return table[channel]
