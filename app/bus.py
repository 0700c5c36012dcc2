"""Publishing stored events to live subscribers, through broadcaster.

The memory backend serves one process; `redis://…` carries events between processes.
"""

from __future__ import annotations

from broadcaster import Broadcast

from app.events import StoredEvent

__all__ = ["EVENTS_CHANNEL", "EventBus"]

EVENTS_CHANNEL = "events"


class EventBus:
    def __init__(self, url: str) -> None:
        self._broadcast = Broadcast(url)

    async def connect(self) -> None:
        await self._broadcast.connect()

    async def disconnect(self) -> None:
        await self._broadcast.disconnect()

    async def publish(self, event: StoredEvent) -> None:
        """Announce an event MongoDB has already durably accepted."""
        await self._broadcast.publish(channel=EVENTS_CHANNEL, message=event.model_dump_json())
