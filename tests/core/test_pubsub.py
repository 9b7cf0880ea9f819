import asyncio

import pytest
from tests.support import aio

from gridcare.outbox import DeliveryError
from gridcare.pubsub import Broadcaster, PushEvent, RedisBroadcaster


def test_it_fans_out_in_process_only_to_subscribed_channels():
    hub = Broadcaster()

    async def scenario():
        async with hub.subscribe(["user:1"]) as mine, hub.subscribe(["user:2"]) as theirs:
            hub.publish(PushEvent("user:1", "notice", {"n": 1}))
            got = await asyncio.wait_for(mine.get(), 1)
            assert theirs.empty()
            return got

    assert aio.run(scenario()).data == {"n": 1}
    assert hub.hub.subscriber_count() == 0


async def _listening(receiver: RedisBroadcaster) -> None:
    """Until the receiver's Redis subscription is up (a publish before it is lost)."""
    for _ in range(50):
        if receiver.healthy():
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.1)


def test_it_reaches_a_subscriber_of_another_process_through_redis(redis_url):
    publisher, receiver = RedisBroadcaster(redis_url), RedisBroadcaster(redis_url)

    async def scenario():
        await receiver.start()
        try:
            async with receiver.subscribe(["user:9"]) as queue:
                await _listening(receiver)
                publisher.publish(PushEvent("user:9", "notice", {"text": "停电通知"}))
                return await asyncio.wait_for(queue.get(), 3)
        finally:
            await receiver.stop()

    event = aio.run(scenario())
    assert event == PushEvent("user:9", "notice", {"text": "停电通知"})


def test_it_fails_a_publish_cleanly_when_redis_is_down_so_the_outbox_retries():
    down = RedisBroadcaster("redis://127.0.0.1:1/0")
    with pytest.raises(DeliveryError, match="redis publish failed"):
        down.publish(PushEvent("user:1", "notice", {}))


def test_it_parses_only_the_pushes_for_channels_this_process_serves(redis_url, caplog):
    import redis

    # Channels of its own: the other Redis test may run beside it in another worker.
    raw, receiver = redis.Redis.from_url(redis_url), RedisBroadcaster(redis_url)

    async def scenario():
        await receiver.start()
        try:
            async with receiver.subscribe(["user:9001"]) as queue:
                await _listening(receiver)
                raw.publish("gridcare:user:9002", "not json: for a user connected elsewhere")
                raw.publish("gridcare:user:9001", "not json either")
                raw.publish("gridcare:user:9001", PushEvent("user:9001", "notice", {"n": 2}).to_json())
                return await asyncio.wait_for(queue.get(), 3)
        finally:
            await receiver.stop()
            raw.close()

    with caplog.at_level("WARNING", logger="gridcare.pubsub"):
        event = aio.run(scenario())
    assert event.data == {"n": 2}
    # Only the push on the served channel was parsed (and found malformed).
    assert [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()] == ["ignored a malformed push message"]
