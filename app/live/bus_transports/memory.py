"""The bus within one process: what is published comes back to this process's subscriber."""

from __future__ import annotations

import asyncio

from app.live.bus_transports.base import BusTransport

__all__ = ["MemoryTransport"]


class MemoryTransport(BusTransport):
    def __init__(self) -> None:
        # Unbounded: the reader runs on the publishers' own loop and takes each message as
        # soon as they yield.
        self._messages: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._subscribed = False
        self._closed = False

    async def connect(self) -> None:
        self._check_open()

    async def subscribe(self) -> None:
        self._check_open()
        self._subscribed = True

    async def publish(self, message: bytes) -> None:
        self._check_open()
        if self._subscribed:  # as in pub/sub: no subscriber, nobody receives it
            self._messages.put_nowait(message)

    async def receive(self) -> bytes:
        self._check_open()
        message = await self._messages.get()
        if message is None:
            raise ConnectionError("the memory bus was closed")
        return message

    async def disconnect(self) -> None:
        if not self._closed:
            self._closed = True
            self._messages.put_nowait(None)  # wakes a receiver still waiting

    def _check_open(self) -> None:
        if self._closed:
            raise ConnectionError("the memory bus was closed")
