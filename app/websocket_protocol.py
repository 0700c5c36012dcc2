"""uvicorn's websocket protocol, lighter for the many sockets that sit idle for hours."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn._types import ASGIReceiveEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

__all__ = ["IdleLeanProtocol"]


class _Waiters:
    """Tasks waiting for a change, each on a future of its own, all woken by the change to
    look again: nothing but an empty list while none waits, which is how an idle socket's
    sends and reads spend nearly all their time."""

    __slots__ = ("_waiters",)

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    async def _wait(self) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _wake_all(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


class _ReceiveQueue(_Waiters):
    """What uvicorn's protocol asks of its receive queue: callbacks put without waiting, and
    the app's `receive` waits. An `asyncio.Queue` for that is four deques and an `Event`
    (~2 KiB a socket, nearly always empty); this is two lists."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        super().__init__()
        self._items: list[ASGIReceiveEvent] = []

    def put_nowait(self, item: ASGIReceiveEvent) -> None:
        self._items.append(item)
        self._wake_all()

    async def get(self) -> ASGIReceiveEvent:
        while not self._items:
            await self._wait()
        return self._items.pop(0)

    def empty(self) -> bool:
        return not self._items


class _Flag(_Waiters):
    """What uvicorn's protocol asks of its `writable` event: set, clear, and a wait that its
    every send makes, nearly always on a set flag. An `asyncio.Event` keeps a deque of
    waiters from the start (~0.7 KiB a socket)."""

    __slots__ = ("_is_set",)

    def __init__(self) -> None:
        super().__init__()
        self._is_set = True

    def set(self) -> None:
        self._is_set = True
        self._wake_all()

    def clear(self) -> None:
        self._is_set = False

    def is_set(self) -> bool:
        return self._is_set

    async def wait(self) -> bool:
        while not self._is_set:
            await self._wait()
        return True


class IdleLeanProtocol(WebSocketsSansIOProtocol):
    """uvicorn's default websocket protocol (websockets' sans-I/O one), with what an idle
    socket holds for nothing taken out, where an idle subscriber should cost 30 KiB in all:

    - the handshake's parsed request and its response, kept until the connection closes
      though neither is read once the response is sent (~2.4 KiB, measured on 2,000 idle
      subscribers; the ASGI scope keeps its own copy of the request's headers). They go where
      uvicorn starts the connection's keep-alive, which it does once, right after sending the
      response;
    - the receive queue's `asyncio.Queue`, for a `_ReceiveQueue`, and the `writable` event's
      `asyncio.Event`, for a `_Flag`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = _ReceiveQueue()  # type: ignore[assignment]
        self.writable = _Flag()  # type: ignore[assignment]

    def start_keepalive(self) -> None:
        super().start_keepalive()
        # websockets' parser keeps the request too, a local of the generator it parses every
        # later frame in, so its headers are emptied, not just let go.
        self.request.headers.clear()
        del self.request, self.response
