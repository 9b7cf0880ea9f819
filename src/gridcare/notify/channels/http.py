"""JSON over HTTP for the gateway adapters, with one rule for what is worth retrying:
timeouts, connection failures, 408, 429 and 5xx are; any other 4xx is not."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from gridcare.outbox import DeliveryError

RETRYABLE_STATUS = frozenset({408, 425, 429})


class _HideQuery(logging.Filter):
    """httpx logs each request's full URL at INFO; a WeCom robot's webhook carries its key in
    the query, which must not land in the platform's log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(str(a).split("?", 1)[0] + "?…" if isinstance(a, httpx.URL) and a.query else a for a in record.args)
        return True


logging.getLogger("httpx").addFilter(_HideQuery())


def post_json(url: str, payload: dict[str, Any], *, timeout: float, token: str | None = None, idempotency_key: str | None = None, what: str) -> dict[str, Any]:
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "gridcare-notify"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    try:
        response = httpx.post(url, json=payload, headers=headers, timeout=timeout)
    except httpx.TimeoutException as exc:
        # The gateway may have accepted the message before the answer was lost; the retry
        # carries the same idempotency key, so it is not sent twice.
        raise DeliveryError(f"{what} timed out: {type(exc).__name__}") from exc
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{what} unreachable: {exc}") from exc
    if response.status_code >= 500 or response.status_code in RETRYABLE_STATUS:
        raise DeliveryError(f"{what} answered {response.status_code}: {response.text[:200]}")
    if response.status_code >= 400:
        raise DeliveryError(f"{what} refused the message ({response.status_code}): {response.text[:200]}", permanent=True)
    if not response.content:
        return {}
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
