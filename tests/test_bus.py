"""The live event bus survives a Redis outage and leaves nothing open behind it."""

from __future__ import annotations

import asyncio

from redis import asyncio as redis_client

from app.live.bus import BusListener, EventBus
from tests.utils.live import wait_until
from tests.utils.process import RedisServer


class Recorder(BusListener):
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.recoveries = 0

    def on_failure(self, reason: str) -> None:
        self.failures.append(reason)

    async def on_recovery(self) -> None:
        self.recoveries += 1


async def test_after_a_short_redis_outage_the_bus_reconnects_and_closes_every_connection(
    redis: RedisServer,
) -> None:
    bus = EventBus(redis.url, heartbeat_seconds=0.2)
    await bus.connect()
    try:
        await redis.stop()
        await asyncio.sleep(0.3)
        await redis.start()
        await wait_until(lambda: bus.healthy, within=30)
    finally:
        await bus.disconnect()

    assert await redis.connections() == 0


async def test_a_subscription_redis_cuts_off_is_reported_at_once_then_made_again(
    redis: RedisServer,
) -> None:
    bus = EventBus(redis.url, heartbeat_seconds=3)
    listener = Recorder()
    bus.listen(listener)
    await bus.connect()
    admin = redis_client.Redis.from_url(redis.url)
    try:
        assert await admin.client_kill_filter(_type="pubsub") == 1

        # Well before the next heartbeat: the failed receive is the news.
        await wait_until(lambda: len(listener.failures) == 1, within=1)
        assert "receiving failed" in listener.failures[0]
        # The next heartbeat finds the reader gone, and the bus connects again.
        await wait_until(lambda: listener.recoveries == 1, within=30)
        assert bus.healthy
    finally:
        await admin.aclose()
        await bus.disconnect()

    assert await redis.connections() == 0
