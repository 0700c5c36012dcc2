"""uvicorn's websocket protocol, lighter for the many sockets that sit idle for hours."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn._types import ASGIReceiveEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

__all__ = ["HandshakeFreeingProtocol"]


class _ReceiveQueue:
    """What uvicorn's protocol asks of its receive queue: callbacks put without waiting, and
    the app's `receive` waits. An `asyncio.Queue` for that is four deques and an `Event`
    (~2 KiB a socket, nearly always empty); this is a list and, while someone waits, one
    future that every waiting reader shares."""

    __slots__ = ("_arrival", "_items")

    def __init__(self) -> None:
        self._items: list[ASGIReceiveEvent] = []
        self._arrival: asyncio.Future[None] | None = None

    def put_nowait(self, item: ASGIReceiveEvent) -> None:
        self._items.append(item)
        arrival, self._arrival = self._arrival, None
        if arrival is not None and not arrival.done():
            arrival.set_result(None)

    async def get(self) -> ASGIReceiveEvent:
        while not self._items:
            if self._arrival is None:
                self._arrival = asyncio.get_running_loop().create_future()
            # Shielded: one cancelled reader must not cancel the wait the others share.
            await asyncio.shield(self._arrival)
        return self._items.pop(0)

    def empty(self) -> bool:
        return not self._items


class _Flag:
    """What uvicorn's protocol asks of its `writable` event: set, clear, and a wait that its
    every send makes, nearly always on a set flag. An `asyncio.Event` keeps a deque of
    waiters from the start (~0.7 KiB a socket); this makes a future only while a send waits
    for the transport's buffer to drain."""

    __slots__ = ("_is_set", "_waiting")

    def __init__(self) -> None:
        self._is_set = True
        self._waiting: asyncio.Future[None] | None = None

    def set(self) -> None:
        self._is_set = True
        waiting, self._waiting = self._waiting, None
        if waiting is not None and not waiting.done():
            waiting.set_result(None)

    def clear(self) -> None:
        self._is_set = False

    def is_set(self) -> bool:
        return self._is_set

    async def wait(self) -> bool:
        while not self._is_set:
            if self._waiting is None:
                self._waiting = asyncio.get_running_loop().create_future()
            # Shielded, as the receive queue's wait is.
            await asyncio.shield(self._waiting)
        return True


class HandshakeFreeingProtocol(WebSocketsSansIOProtocol):
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
