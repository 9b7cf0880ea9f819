"""A part the process can do without (Redis for rate limits, for triage's shared record):
after a failure it is left alone for a few seconds, and the failure is logged once a minute,
not once a request."""

from __future__ import annotations

import logging
import time

RETRY_SECONDS = 5.0
WARN_EVERY_SECONDS = 60.0


class Degraded:
    def __init__(self, logger: logging.Logger, warning: str, *, retry_seconds: float = RETRY_SECONDS) -> None:
        self._log, self._warning, self._retry = logger, warning, retry_seconds
        self._down_until = 0.0
        self._warned_at = 0.0

    def down(self) -> bool:
        """Whether the part failed less than ``retry_seconds`` ago: do not try it now."""
        return time.monotonic() < self._down_until

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        self._down_until = now + self._retry
        if self._warned_at == 0 or now - self._warned_at > WARN_EVERY_SECONDS:
            self._warned_at = now
            self._log.warning(self._warning, type(exc).__name__)

    def reset(self) -> None:
        self._down_until = 0.0
