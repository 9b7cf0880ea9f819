"""Which repair calls each scope's last triage analysis weighed (a scope is a feeder for
electricity, a DMA for water), so that a call one analysis weighed is not analysed again.

In a storm a feeder gets a call every few milliseconds, each triaged a second after it was
taken (``storm.TRIAGE_DELAY``): one analysis covers every call the feeder had meanwhile.
A process knows what its own analyses covered. Workers of scaled mode also share it through
Redis and take turns per scope: knowing only their own, two workers taking one storm's
calls each analysed every feeder (a second worker on two cores cut orders/s by a fifth).

Redis only saves work: when it is down or slow, each worker goes by what it knows itself,
as one worker always does, and an analysis may run twice; predicting is idempotent.
"""

from __future__ import annotations

import hashlib
import logging
import struct
import sys
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gridcare.core.degraded import Degraded

log = logging.getLogger(__name__)

Scope = tuple[str, str]  # (utility, feeder code or "dma:<code>")


class Coverage:
    """What this process's analyses covered; ``turn`` lets one analysis of a scope run at a time."""

    shared = False

    def __init__(self) -> None:
        self.seen: dict[Scope, frozenset[int]] = {}
        self.at: dict[Scope, float] = {}  # when that analysis ran (epoch seconds of its ``now``)
        self.scope_of: dict[tuple[str, str], str] = {}  # (utility, supply point) -> scope
        self.analyses = 0  # analyses this process ran: the figure the sharing saves

    def covered(self, utility: str, supply_point: str, order_id: int, *, taken_at: float | None = None) -> bool:
        """Whether a known analysis of this call's scope already weighed it (no I/O)."""
        scope = self.scope_of.get((utility, supply_point))
        return scope is not None and self._known((utility, scope), order_id, taken_at)

    def covers(self, scope: Scope, order_id: int, *, taken_at: float | None = None) -> bool:
        return self._known(scope, order_id, taken_at)

    def _known(self, scope: Scope, order_id: int, taken_at: float | None) -> bool:
        # A call taken after the analysis is not in it, whatever its id: after a restore from
        # a backup, ids are drawn again, and a shared record may name them from before.
        return order_id in self.seen.get(scope, ()) and (taken_at is None or taken_at <= self.at[scope])

    def weighed(self, scope: Scope, ids: frozenset[int], *, at: float) -> None:
        """An analysis of ``scope`` read these calls."""
        self.analyses += 1
        self.seen[scope] = ids
        self.at[scope] = at

    @contextmanager
    def turn(self, scope: Scope) -> Iterator[None]:
        yield

    def clear(self) -> None:
        self.seen.clear()
        self.at.clear()
        self.scope_of.clear()
        self.analyses = 0


# A turn is an analysis and its predictions: tens of milliseconds. A worker that died inside
# one frees it after TURN_SECONDS; a peer waits WAIT_SECONDS at most, then analyses anyway
# (a pop-up in the peer's batch waits as long, so the wait stays short).
TURN_SECONDS = 10.0
WAIT_SECONDS = 1.0
POLL_SECONDS = 0.002
SEEN_TTL_MS = 3_600_000  # longer than any triage window: older calls are not read again
REDIS_TIMEOUT_SECONDS = 1.0
_HEADER = struct.Struct("<d")


def encode(at: float, ids: frozenset[int]) -> bytes:
    packed = array("q", ids)
    if sys.byteorder != "little":
        packed.byteswap()
    return _HEADER.pack(at) + packed.tobytes()


def decode(blob: bytes) -> tuple[float, frozenset[int]]:
    (at,) = _HEADER.unpack_from(blob)
    packed = array("q")
    packed.frombytes(blob[_HEADER.size :])
    if sys.byteorder != "little":
        packed.byteswap()
    return at, frozenset(packed)


def namespace_of(database_url: str) -> str:
    """Deployments may share a Redis: the keys name the database they triage."""
    return hashlib.blake2b(database_url.encode(), digest_size=6).hexdigest()


class SharedCoverage(Coverage):
    """Coverage shared by every worker through Redis (scaled mode)."""

    shared = True

    def __init__(self, redis_url: str, *, namespace: str) -> None:
        import redis

        super().__init__()
        self.namespace = namespace
        self._client = redis.Redis.from_url(redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        self._redis_state = Degraded(log, "triage coverage not shared: Redis unavailable (%s); each worker analyses for itself")

    def _key(self, scope: Scope) -> str:
        return f"gridcare:{self.namespace}:triage:{scope[0]}:{scope[1]}"

    def covers(self, scope: Scope, order_id: int, *, taken_at: float | None = None) -> bool:
        """Known here, or weighed by another worker's analysis since (adopted: the next calls
        of the scope are answered here)."""
        if self._known(scope, order_id, taken_at):
            return True
        blob = self._redis(lambda client: client.get(self._key(scope)))
        if blob:
            at, ids = decode(blob)
            if at > self.at.get(scope, float("-inf")):
                self.seen[scope], self.at[scope] = ids, at
        return self._known(scope, order_id, taken_at)

    def weighed(self, scope: Scope, ids: frozenset[int], *, at: float) -> None:
        super().weighed(scope, ids, at=at)
        self._redis(lambda client: client.set(self._key(scope), encode(at, ids), px=SEEN_TTL_MS))

    @contextmanager
    def turn(self, scope: Scope) -> Iterator[None]:
        """Wait while another worker analyses this scope: its analysis will most likely have
        weighed the call this one was to analyse for."""
        from redis.exceptions import LockError

        lock = self._client.lock(self._key(scope) + ":turn", timeout=TURN_SECONDS, sleep=POLL_SECONDS, blocking_timeout=WAIT_SECONDS)
        held = bool(self._redis(lambda _client: lock.acquire()))
        try:
            yield
        finally:
            if held:
                try:
                    lock.release()
                except LockError:  # it ran out while this analysis ran: a peer may hold it now
                    pass
                except Exception as exc:  # noqa: BLE001 - Redis went away: the turn lapses by itself
                    self._redis_state.failed(exc)

    def clear(self) -> None:
        super().clear()
        self._redis_state.reset()

    def _redis(self, call: Any) -> Any:
        """The call's result, or None while Redis is unavailable."""
        import redis

        if self._redis_state.down():
            return None
        try:
            return call(self._client)
        except (redis.RedisError, OSError) as exc:
            self._redis_state.failed(exc)
            return None
