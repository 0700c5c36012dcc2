"""The bus between processes: Redis pub/sub, through redis-py's asyncio client.

Redis keeps nothing for a subscriber that is away. When a subscription's connection drops,
redis-py raises, but it has already connected and subscribed again by itself: a reader that
goes on sees only the new subscription's confirmation, and what was published in between is
lost unseen. So that confirmation raises here as the drop did. Messages are read straight off
the connection, not queued: a subscriber that falls too far behind is cut off by Redis (its
output buffer limit for pub/sub) and raises, instead of holding ever more messages.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from app.live.bus_transports.base import BusTransport

__all__ = ["RedisTransport"]


class RedisTransport(BusTransport):
    def __init__(self, url: str, channel: str) -> None:
        # The bus recovers by itself (heartbeats, reconnection with backoff); redis-py's own
        # retries, a connect timeout each while Redis is unreachable, would hold publishers up.
        self._client = Redis.from_url(url, retry=Retry(NoBackoff(), retries=0))
        self._pubsub = self._client.pubsub()
        self._channel = channel

    async def connect(self) -> None:
        await self._client.ping()

    async def subscribe(self) -> None:
        await self._pubsub.subscribe(self._channel)
        # Redis confirms before it sends anything published: from then on nothing is missed.
        while (await self._next_message())["type"] != "subscribe":
            pass

    async def publish(self, message: bytes) -> None:
        await self._client.publish(self._channel, message)

    async def receive(self) -> bytes:
        while True:
            message = await self._next_message()
            if message["type"] == "message":
                data: bytes = message["data"]
                return data
            if message["type"] == "subscribe":  # redis-py's own resubscribing, after a drop
                raise RedisConnectionError("the Redis subscription was lost and made again")

    async def disconnect(self) -> None:
        try:
            await self._pubsub.aclose()
        finally:
            await self._client.aclose()

    async def _next_message(self) -> dict[str, Any]:
        while True:
            message: dict[str, Any] | None = await self._pubsub.get_message(timeout=None)
            if message is not None:  # None: a health check's reply, which redis-py keeps
                return message
