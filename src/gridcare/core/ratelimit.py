"""Rate limits on sign-in, intake and public look-ups: a fixed-window counter per client.

With Redis configured the counters live there, so every web process counts the same hits;
otherwise they live in this process. Redis being down never stops sign-in or intake: the
limiter lets requests through and logs a warning (at most once a minute) until Redis is back.

Keys never hold a secret: callers pass a token's or key's digest, not the token."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gridcare.core.degraded import Degraded

log = logging.getLogger(__name__)

NAMES = {
    "login": "sign-in attempts per account and address",
    "login_ip": "sign-in attempts per address, whatever the account",
    "intake": "orders posted per client (bearer token, Open311 key or signed-in user)",
    "open311_read": "public Open311 look-ups (searches, requests, tokens) per address",
}
DEFAULT = "login=10/min;login_ip=100/min;intake=100000/min;open311_read=600/min"
_UNITS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hour": 3600}
# After Redis fails, the next this-many seconds do not try it again: a dead server must not
# add a timeout to every intake.
REDIS_RETRY_SECONDS = 5.0
REDIS_TIMEOUT_SECONDS = 0.25


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # seconds until the window that refused this hit ends


def parse_limits(text: str) -> dict[str, Limit]:
    """ "login=10/min; intake=600/min" → {"login": Limit(10, 60), …}. A name left out has no limit."""
    limits: dict[str, Limit] = {}
    for part in filter(None, (p.strip() for p in text.replace(",", ";").split(";"))):
        try:
            name, rate = (s.strip() for s in part.split("="))
            count, unit = (s.strip() for s in rate.split("/"))
            limit = Limit(int(count), _UNITS[unit])
        except (ValueError, KeyError):
            raise ValueError(f"expected NAME=COUNT/UNIT (unit s, min or h), got {part!r}") from None
        if name not in NAMES:
            raise ValueError(f"unknown limit {name!r}; one of {', '.join(NAMES)}")
        if limit.count < 1:
            raise ValueError(f"{name}: the count must be at least 1")
        limits[name] = limit
    return limits


def window(limit: Limit, at: float) -> tuple[int, int]:
    """The window holding instant ``at`` (Unix seconds): its index, and seconds until it ends."""
    index = int(at // limit.seconds)
    return index, max(1, int((index + 1) * limit.seconds - at + 0.999))


def digest(secret: str) -> str:
    """What identifies a token or key in a counter's name: never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()[:24]


class Limiter:
    """Counts hits per (limit name, client key) in fixed windows."""

    def __init__(self, limits: dict[str, Limit], *, namespace: str = "") -> None:
        self.limits = limits
        self.namespace = namespace

    def hit(self, name: str, key: str, now: datetime) -> Decision:
        limit = self.limits.get(name)
        if limit is None:
            return Decision(True)
        return self._hit(name, key, limit, now.timestamp())

    async def ahit(self, name: str, key: str, now: datetime) -> Decision:
        limit = self.limits.get(name)
        if limit is None:
            return Decision(True)
        return await self._ahit(name, key, limit, now.timestamp())

    def _hit(self, name: str, key: str, limit: Limit, at: float) -> Decision:
        raise NotImplementedError

    async def _ahit(self, name: str, key: str, limit: Limit, at: float) -> Decision:
        return self._hit(name, key, limit, at)


class MemoryLimiter(Limiter):
    """One process's counters (embedded mode, or tests)."""

    def __init__(self, limits: dict[str, Limit], *, namespace: str = "") -> None:
        super().__init__(limits, namespace=namespace)
        self._counts: dict[tuple[str, str], tuple[int, int]] = {}
        self._lock = threading.Lock()

    def _hit(self, name: str, key: str, limit: Limit, at: float) -> Decision:
        index, remaining = window(limit, at)
        with self._lock:
            seen, count = self._counts.get((name, key), (index, 0))
            count = count + 1 if seen == index else 1
            self._counts[(name, key)] = (index, count)
            if len(self._counts) > 100_000:
                self._forget_old(at)
        return Decision(count <= limit.count, 0 if count <= limit.count else remaining)

    def _forget_old(self, at: float) -> None:
        # Windows of every limit are at most an hour or so: drop what no window still holds.
        for k, (index, _count) in list(self._counts.items()):
            limit = self.limits.get(k[0])
            if limit is None or index < window(limit, at)[0]:
                del self._counts[k]


# A process takes hits from Redis in leases of up to LEASE_MAX, and only when the limit is
# big enough that a lease is at most 1/LEASE_SHARE of it. No more hits than the limit are
# ever let through; what a process leased and did not use before its window ended is
# refused to others (a lease per request that asked at the same moment: with 32 at once,
# at most 3 % of the limit), while an intake storm goes to Redis once per
# lease instead of once per order (the round trip was 5 % of a web process's time). Small
# limits (sign-in) still count every hit in Redis.
LEASE_SHARE = 1000
LEASE_MAX = 25


def lease_size(limit: Limit) -> int:
    return max(1, min(LEASE_MAX, limit.count // LEASE_SHARE))


def granted(lease: int, count: int, limit: Limit) -> int:
    """How many of a lease that brought Redis's counter to ``count`` fit under the limit."""
    return max(0, min(lease, limit.count - (count - lease)))


class RedisLimiter(Limiter):
    """Counters in Redis, shared by every web process: INCRBY and EXPIRE in one round trip,
    for one hit or a lease of several (``lease_size``)."""

    def __init__(self, limits: dict[str, Limit], url: str, *, namespace: str = "") -> None:
        super().__init__(limits, namespace=namespace)
        self.url = url
        self._sync: Any = None
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        self._redis = Degraded(log, "rate limits not enforced: Redis unavailable (%s); requests are let through", retry_seconds=REDIS_RETRY_SECONDS)
        self._lock = threading.Lock()
        self._leases: dict[tuple[str, str], tuple[int, int]] = {}  # (name, key) → (window, hits left)

    def _key(self, name: str, key: str, index: int) -> str:
        return f"gridcare:rl:{self.namespace}:{name}:{key}:{index}"

    def _from_lease(self, name: str, key: str, index: int) -> bool:
        with self._lock:
            held = self._leases.get((name, key))
            if held is None or held[0] != index or held[1] < 1:
                return False
            self._leases[(name, key)] = (index, held[1] - 1)
            return True

    def _decide(self, name: str, key: str, limit: Limit, index: int, remaining: int, lease: int, count: int) -> Decision:
        got = granted(lease, count, limit)
        if got > 1:
            with self._lock:
                if len(self._leases) > 10_000:
                    self._leases.clear()  # leases of old windows; losing them only costs a round trip
                # Added to what is left, not put in its place: when a lease runs out, a storm's
                # requests ask Redis at once, and each brings a lease. Replaced, all but one were
                # lost though counted, and one busy client was refused at a fifth of its limit.
                held = self._leases.get((name, key))
                left = held[1] if held is not None and held[0] == index else 0
                self._leases[(name, key)] = (index, left + got - 1)
        return Decision(got >= 1, 0 if got >= 1 else remaining)

    def _hit(self, name: str, key: str, limit: Limit, at: float) -> Decision:
        if self._redis.down():
            return Decision(True)
        import redis

        index, remaining = window(limit, at)
        if self._from_lease(name, key, index):
            return Decision(True)
        lease = lease_size(limit)
        try:
            if self._sync is None:
                with self._lock:
                    if self._sync is None:
                        self._sync = redis.Redis.from_url(
                            self.url,
                            socket_timeout=REDIS_TIMEOUT_SECONDS,
                            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                        )
            pipe = self._sync.pipeline()
            pipe.incrby(self._key(name, key, index), lease)
            pipe.expire(self._key(name, key, index), limit.seconds + 1)
            count = int(pipe.execute()[0])
        except redis.RedisError as exc:
            return self._degraded(exc)
        return self._decide(name, key, limit, index, remaining, lease, count)

    async def _ahit(self, name: str, key: str, limit: Limit, at: float) -> Decision:
        if self._redis.down():
            return Decision(True)
        import redis
        import redis.asyncio as aredis

        index, remaining = window(limit, at)
        if self._from_lease(name, key, index):
            return Decision(True)
        lease = lease_size(limit)
        try:
            loop = asyncio.get_running_loop()
            client = self._async.get(loop)
            if client is None:
                client = self._async[loop] = aredis.Redis.from_url(
                    self.url,
                    socket_timeout=REDIS_TIMEOUT_SECONDS,
                    socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                )
            async with client.pipeline() as pipe:
                pipe.incrby(self._key(name, key, index), lease)
                pipe.expire(self._key(name, key, index), limit.seconds + 1)
                count = int((await pipe.execute())[0])
        except (redis.RedisError, OSError) as exc:
            return self._degraded(exc)
        return self._decide(name, key, limit, index, remaining, lease, count)

    def _degraded(self, exc: BaseException) -> Decision:
        self._redis.failed(exc)
        return Decision(True)


def make_limiter(text: str, redis_url: str | None, *, namespace: str = "") -> Limiter:
    limits = parse_limits(text)
    return (
        RedisLimiter(limits, redis_url, namespace=namespace)
        if redis_url
        else MemoryLimiter(limits, namespace=namespace)
    )
