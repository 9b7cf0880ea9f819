"""Who a token or session cookie belongs to, remembered for a few seconds.

Resolving a principal costs two or three queries on every request; an agent's screen makes
many requests a minute. Changes made in this process (password, deactivation, revocation,
grid staffing) clear the cache at once; other processes see them within ``TTL``."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from datetime import datetime, timedelta

from gridcare.core.principal import Principal

TTL = timedelta(seconds=5)
MAX_ENTRIES = 10_000


class PrincipalCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[Principal, datetime]] = {}

    def get(self, key: Hashable, now: datetime) -> Principal | None:
        with self._lock:
            hit = self._entries.get(key)
        if hit is None or now >= hit[1] or now < hit[1] - TTL:  # a clock moved back (tests) counts as stale
            return None
        return hit[0]

    def put(self, key: Hashable, principal: Principal, now: datetime) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (principal, now + TTL)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


principals = PrincipalCache()
