"""Each bus transport, through the interface the bus uses: a real redis-server for Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis import asyncio as redis_client
from redis.exceptions import ConnectionError as RedisConnectionError

from app.live.bus_transports import BusTransport, MemoryTransport, RedisTransport, transport_for
from tests.utils.process import RedisServer

CHANNEL = "test.bus"


@pytest.fixture(params=["memory", "redis"])
async def subscribed(request: pytest.FixtureRequest) -> AsyncIterator[BusTransport]:
    """A connected transport of each kind, subscribed to CHANNEL."""
    server = RedisServer()  # started for Redis only
    if request.param == "redis":
        await server.start()
    transport = await subscribe(server.url if request.param == "redis" else "memory://")
    yield transport
    await transport.disconnect()
    await server.stop()


async def subscribe(url: str) -> BusTransport:
    transport = transport_for(url, CHANNEL)
    await transport.connect()
    await transport.subscribe()
    return transport


async def receiving(transport: BusTransport) -> asyncio.Task[bytes]:
    """receive() under way, waiting for a message."""
    task = asyncio.create_task(transport.receive())
    await asyncio.sleep(0.1)
    assert not task.done()
    return task


async def test_the_bus_url_chooses_the_transport() -> None:
    chosen = [transport_for(url, CHANNEL) for url in ("memory://", "redis://x", "rediss://x")]
    assert [type(transport) for transport in chosen] == [
        MemoryTransport,
        RedisTransport,
        RedisTransport,
    ]
    for transport in chosen:
        await transport.disconnect()


async def test_what_is_published_once_subscribed_comes_back_in_order(
    subscribed: BusTransport,
) -> None:
    messages = [b'{"n": 1}', "déjà vu ✓".encode(), b"\x00\xff binary \x00"]
    for message in messages:
        await subscribed.publish(message)

    assert [await asyncio.wait_for(subscribed.receive(), 5) for _ in messages] == messages


async def test_closing_twice_is_harmless(subscribed: BusTransport) -> None:
    await subscribed.disconnect()
    await subscribed.disconnect()


async def test_a_closed_memory_transport_ends_a_waiting_receive_and_refuses_publishing() -> None:
    transport = await subscribe("memory://")
    waiting = await receiving(transport)

    await transport.disconnect()

    with pytest.raises(ConnectionError):
        await asyncio.wait_for(waiting, 5)
    with pytest.raises(ConnectionError):
        await transport.publish(b"too late")


async def test_memory_transports_are_each_their_own_process() -> None:
    """The memory bus reaches only its own process, which has one bus."""
    first, second = await subscribe("memory://"), await subscribe("memory://")
    await first.publish(b"for the first")
    await second.publish(b"for the second")

    assert await first.receive() == b"for the first"
    assert await second.receive() == b"for the second"
    for transport in (first, second):
        await transport.disconnect()


async def test_redis_transports_hear_one_another(redis: RedisServer) -> None:
    first, second = await subscribe(redis.url), await subscribe(redis.url)
    try:
        await first.publish(b"from the first")

        for transport in (first, second):
            assert await asyncio.wait_for(transport.receive(), 5) == b"from the first"
    finally:
        for transport in (first, second):
            await transport.disconnect()

    assert await redis.connections() == 0


async def test_a_cut_off_redis_subscription_raises_instead_of_resuming_with_a_gap(
    redis: RedisServer,
) -> None:
    transport = await subscribe(redis.url)
    waiting = await receiving(transport)
    admin = redis_client.Redis.from_url(redis.url)
    try:
        assert await admin.client_kill_filter(_type="pubsub") == 1
        await admin.publish(CHANNEL, "published while cut off")

        with pytest.raises(RedisConnectionError):
            await asyncio.wait_for(waiting, 5)
        # redis-py has subscribed again by itself: going on would skip what was published.
        with pytest.raises(RedisConnectionError):
            await asyncio.wait_for(transport.receive(), 5)
    finally:
        await admin.aclose()
        await transport.disconnect()

    assert await redis.connections() == 0


async def test_when_redis_goes_away_receiving_and_publishing_raise_and_closing_does_not(
    redis: RedisServer,
) -> None:
    transport = await subscribe(redis.url)
    await transport.publish(b"a publishing connection is open too")
    assert await asyncio.wait_for(transport.receive(), 5) == b"a publishing connection is open too"
    waiting = await receiving(transport)

    await redis.stop()

    with pytest.raises(RedisConnectionError):
        await asyncio.wait_for(waiting, 5)
    with pytest.raises(RedisConnectionError):
        await asyncio.wait_for(transport.publish(b"nobody hears this"), 5)
    await asyncio.wait_for(transport.disconnect(), 5)
