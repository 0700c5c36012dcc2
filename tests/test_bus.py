"""The live event bus survives a Redis outage and leaves nothing open behind it."""

from __future__ import annotations

import asyncio

from app.bus import EventBus
from tests.live.test_subscriptions import wait_until
from tests.utils.process import RedisServer


async def test_after_a_short_redis_outage_the_bus_reconnects_and_closes_every_connection(
    redis: RedisServer,
) -> None:
    bus = EventBus(redis.url, heartbeat_seconds=0.2)
    await bus.connect()
    try:
        # Short enough that redis-py's own retries reconnect the connections the bus gave up on.
        await redis.stop()
        await asyncio.sleep(0.3)
        await redis.start()
        await wait_until(lambda: bus.healthy, within=30)
    finally:
        await bus.disconnect()

    assert await redis.connections() == 0
