"""Real-time push to browsers. Publishing is synchronous (the worker thread or process);
subscribing is asynchronous (an SSE response in the web process).

Without Redis, an in-process hub fans messages out to this process's subscribers (embedded
mode: the worker is a thread of ``serve``, or its child process relaying pushes over a pipe,
see worker_child.py). With ``GRIDCARE_REDIS_URL`` every publish goes to
Redis, and each web process keeps one Redis subscription that feeds its local hub, so any
number of web processes serve the same users. If Redis goes away, publishing fails (the
outbox retries) and the listener reconnects with backoff.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "gridcare:"


@dataclass(frozen=True)
class PushEvent:
    channel: str  # "user:12", "role:agent", "org:/1/4/"
    event: str  # SSE event name, e.g. "order.dispatched"
    data: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps({"channel": self.channel, "event": self.event, "data": self.data}, ensure_ascii=False)

    @staticmethod
    def from_json(raw: str | bytes) -> PushEvent:
        obj = json.loads(raw)
        return PushEvent(channel=obj["channel"], event=obj["event"], data=obj["data"])


class LocalHub:
    """Subscribers of this process, each an asyncio queue on its own loop."""

    def __init__(self, queue_size: int = 256) -> None:
        self._lock = threading.Lock()
        self._subs: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[PushEvent]]]] = {}
        self._queue_size = queue_size

    def dispatch(self, event: PushEvent) -> int:
        with self._lock:
            targets = list(self._subs.get(event.channel, ()))
        for loop, queue in targets:
            loop.call_soon_threadsafe(_offer, queue, event)
        return len(targets)

    @asynccontextmanager
    async def subscribe(self, channels: list[str]) -> AsyncIterator[asyncio.Queue[PushEvent]]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[PushEvent] = asyncio.Queue(self._queue_size)
        entry = (loop, queue)
        with self._lock:
            for ch in channels:
                self._subs.setdefault(ch, set()).add(entry)
        try:
            yield queue
        finally:
            with self._lock:
                for ch in channels:
                    subs = self._subs.get(ch)
                    if subs is not None:
                        subs.discard(entry)
                        if not subs:
                            del self._subs[ch]

    def wants(self, channel: str) -> bool:
        """Whether a subscriber of this process listens on ``channel`` (a dict read: atomic)."""
        return channel in self._subs

    def subscriber_count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subs.values())


def _offer(queue: asyncio.Queue[PushEvent], event: PushEvent) -> None:
    # A browser that stopped reading must not hold up everyone else: drop its oldest event.
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(event)


class Broadcaster:
    """In-process broadcast; the base for the Redis one."""

    def __init__(self) -> None:
        self.hub = LocalHub()

    def publish(self, event: PushEvent) -> None:
        self.hub.dispatch(event)

    def subscribe(self, channels: list[str]):  # noqa: ANN201 - async context manager
        return self.hub.subscribe(channels)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def healthy(self) -> bool:
        return True


class RedisBroadcaster(Broadcaster):
    def __init__(self, url: str) -> None:
        super().__init__()
        import redis

        self.url = url
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._task: asyncio.Task[None] | None = None
        self._listening = False

    def publish(self, event: PushEvent) -> None:
        import redis

        from gridcare.outbox import DeliveryError

        try:
            self._client.publish(CHANNEL_PREFIX + event.channel, event.to_json())
        except redis.RedisError as exc:
            raise DeliveryError(f"redis publish failed: {exc}") from exc

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen(), name="gridcare-redis-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down
                pass
            self._task = None
        self._client.close()

    def healthy(self) -> bool:
        return self._listening

    async def _listen(self) -> None:
        import redis.asyncio as aioredis

        delay = 0.5
        while True:
            client = aioredis.Redis.from_url(self.url, socket_connect_timeout=2)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.psubscribe(CHANNEL_PREFIX + "*")
                    self._listening = True
                    delay = 0.5
                    async for message in pubsub.listen():
                        if message.get("type") != "pmessage":
                            continue
                        # Every process hears every push; most are for users connected elsewhere,
                        # and the channel name says so before the payload is parsed.
                        if not self.hub.wants(_push_channel(message.get("channel"))):
                            continue
                        try:
                            self.hub.dispatch(PushEvent.from_json(message["data"]))
                        except (ValueError, KeyError):
                            log.warning("ignored a malformed push message")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any Redis failure: degrade and retry
                log.warning("redis listener lost (%s); retrying in %.1fs", exc, delay)
            finally:
                self._listening = False
                await client.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


def _push_channel(redis_channel: bytes | str | None) -> str:
    name = redis_channel.decode("utf-8", "replace") if isinstance(redis_channel, bytes) else (redis_channel or "")
    return name.removeprefix(CHANNEL_PREFIX)


def make_broadcaster(redis_url: str | None) -> Broadcaster:
    return RedisBroadcaster(redis_url) if redis_url else Broadcaster()
