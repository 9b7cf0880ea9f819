"""WeCom (企业微信) group robots: a markdown message posted to the group's webhook.

The robot answers HTTP 200 with ``{"errcode": 0}`` on success; rate limiting (45009) and
"system busy" (-1) are worth retrying, any other error code means the webhook or the
message is wrong and retrying cannot help."""

from __future__ import annotations

from typing import Any

from gridcare.notify.channels import Outgoing
from gridcare.notify.channels.http import post_json
from gridcare.outbox import DeliveryError

RETRYABLE_CODES = frozenset({-1, 45009, 45033})
MAX_MARKDOWN_BYTES = 4096


def markdown_payload(body: str) -> dict[str, Any]:
    encoded = body.encode("utf-8")
    if len(encoded) > MAX_MARKDOWN_BYTES:
        body = encoded[: MAX_MARKDOWN_BYTES - 3].decode("utf-8", errors="ignore") + "…"
    return {"msgtype": "markdown", "markdown": {"content": body}}


def send(message: Outgoing, ctx: Any) -> str | None:
    if not message.target:
        raise DeliveryError("the WeCom group has no robot webhook (removed or disabled)", permanent=True)
    answer = post_json(message.target, markdown_payload(message.body), timeout=ctx.settings.wecom_timeout_seconds, what="WeCom robot")
    code = answer.get("errcode", 0)
    if code != 0:
        raise DeliveryError(f"WeCom robot error {code}: {answer.get('errmsg', '')}", permanent=code not in RETRYABLE_CODES)
    return None
