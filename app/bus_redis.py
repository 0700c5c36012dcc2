"""broadcaster's Redis backend, fixed: it subscribes before it listens, and it fails loudly.

broadcaster 0.3.1's own `RedisBackend` starts listening as soon as a subscription is asked
for, before Redis has confirmed it; redis-py then finds no subscription, the listener stops
and waits for a signal that never comes again: nothing is ever received. And when the
connection drops, its listener dies silently. This one raises from `next_published`, so the
bus's heartbeat notices and reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from broadcaster import Event
from broadcaster._backends.base import BroadcastBackend
from redis import asyncio as redis

__all__ = ["RedisBackend"]


class RedisBackend(BroadcastBackend):
    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(url)
        self._pubsub = self._client.pubsub()
        self._queue: asyncio.Queue[Event | BaseException] = asyncio.Queue()
        self._listener: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        await self._client.ping()

    async def disconnect(self) -> None:
        """Close everything, even when Redis is gone; closing twice is harmless."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(BaseException):
                await self._listener
        try:
            await self._pubsub.aclose()
        finally:
            await self._client.aclose()

    async def subscribe(self, channel: str) -> None:
        await self._pubsub.subscribe(channel)
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="redis-bus-listener")

    async def unsubscribe(self, channel: str) -> None:
        await self._pubsub.unsubscribe(channel)

    async def publish(self, channel: str, message: Any) -> None:
        await self._client.publish(channel, message)

    async def next_published(self) -> Event:
        item = await self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    async def _listen(self) -> None:
        try:
            async for message in self._pubsub.listen():
                if message["type"] == "message":
                    channel, data = message["channel"].decode(), message["data"].decode()
                    self._queue.put_nowait(Event(channel=channel, message=data))
            raise ConnectionError("the Redis subscription ended")
        except Exception as error:  # handed to whoever reads next
            self._queue.put_nowait(error)
