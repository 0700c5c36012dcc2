"""uvicorn's websocket protocol, lighter for the many sockets that sit idle for hours.

Read from uvicorn 0.55.0 (its `websockets-sansio` protocol, on websockets 17). uvicorn documents
the `ws` setting's names, not its protocol classes, so every line below leans on undocumented
shape, each guarded by tests/upstream/test_uvicorn.py:

- `WebSocketsSansIOProtocol` (`uvicorn.protocols.websockets.websockets_sansio_impl`) is
  subclassed, and the subclass handed to `uvicorn.run(ws=...)`, which takes a class as well as
  a name (app/cli.py).
- Its `queue` (an `asyncio.Queue` of received events) is replaced after `__init__` by a
  `_ReceiveQueue`, which has only what the protocol calls on it: `put_nowait`, `get`, `empty`.
- Its `writable` (an `asyncio.Event`) is replaced by a `_Flag`: `set`, `clear`, `is_set`,
  `wait`. Both: ~2.7 KiB of each socket, nearly always empty.
- Its `request` and `response` (the handshake's, set by `handle_connect`) are deleted where
  `start_keepalive` is called: once, in `send`, right after the handshake's response went out,
  and nothing reads either afterwards (~2.4 KiB).
- Its `__init__(config, server_state, app_state, _loop)`: `app_state` is the app's lifespan
  state, which holds the first messages' limit.
- Its `conn` (websockets' `ServerProtocol`, made in `__init__` with `max_size=ws_max_size`)
  has its `max_message_size` lowered until the app lifts it, which websockets' parser reads
  again for every frame; and its `scope` (made in `handle_connect`, before the app's task
  starts) gets the lifting function under `MESSAGE_LIMIT_EXTENSION`.

Measured on 2,000 idle subscribers, where an idle subscriber should cost 30 KiB in all.

And its graceful stop: `uvicorn.Server.capture_signals` installs `Server.handle_exit` with
`signal.signal` for SIGINT and SIGTERM before the app's lifespan starts, and restores the
previous handlers after; `on_stop_signal` wraps what it installed, so the app hears of a stop as
it begins, not only once every connection has closed (guarded by the same tests).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Mapping, MutableMapping
from types import FrameType
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

__all__ = [
    "FIRST_MESSAGES_LIMIT",
    "MESSAGE_LIMIT_EXTENSION",
    "STOP_SIGNALS",
    "IdleLeanProtocol",
    "lift_message_limit",
    "on_stop_signal",
]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def on_stop_signal(callback: Callable[[], None]) -> None:
    """Have `callback` called on the event loop as a SIGINT or SIGTERM starts uvicorn's stop.

    Call it from the lifespan's start, when uvicorn's handlers are installed. The handler
    wrapped still runs first, as it would have; the callback is scheduled, not run inside the
    signal handler, where the loop's own state may be half-changed.
    """
    loop = asyncio.get_running_loop()
    for number in STOP_SIGNALS:
        installed = signal.getsignal(number)
        if not callable(installed):
            continue

        def chained(signum: int, frame: FrameType | None, installed: Any = installed) -> None:
            installed(signum, frame)
            loop.call_soon_threadsafe(callback)

        signal.signal(number, chained)


FIRST_MESSAGES_LIMIT = "eventstore.websocket.first_messages_limit"
"""In the app's lifespan state: the largest message a websocket may send before the app lifts
the limit (`lift_message_limit`)."""

MESSAGE_LIMIT_EXTENSION = "eventstore.websocket.lift_message_limit"
"""In a websocket's ASGI scope: what lifts the limit on its messages from the first
messages' to `ws_max_size`."""

ReceiveEvent = Mapping[str, object]
"""An ASGI event the protocol hands the app (`websocket.connect`, `websocket.receive`, ...)."""


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
        self._items: list[ReceiveEvent] = []

    def put_nowait(self, item: ReceiveEvent) -> None:
        self._items.append(item)
        self._wake_all()

    async def get(self) -> ReceiveEvent:
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
    socket holds for nothing taken out:

    - the handshake's parsed request and its response, kept until the connection closes
      though neither is read once the response is sent (the ASGI scope keeps its own copy of
      the request's headers). They go where uvicorn starts the connection's keep-alive, which
      it does once, right after sending the response;
    - the receive queue's `asyncio.Queue`, for a `_ReceiveQueue`, and the `writable` event's
      `asyncio.Event`, for a `_Flag`.

    And what a peer may send is small until the app says it knows who it is
    (`lift_message_limit`): at most the bytes the app's lifespan state gives under
    `FIRST_MESSAGES_LIMIT` (a class made per setting would not reach uvicorn's worker
    processes, which receive the protocol class pickled, by name).
    """

    def __init__(
        self,
        config: Any,
        server_state: Any,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.queue = _ReceiveQueue()  # type: ignore[assignment]
        self.writable = _Flag()  # type: ignore[assignment]
        full = self.conn.max_message_size
        first = app_state.get(FIRST_MESSAGES_LIMIT)
        if isinstance(first, int) and full is not None:
            self.conn.max_message_size = min(full, first)
        self._full_message_size = full

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # none when the handshake was refused
        if scope is not None and self.conn.max_message_size != self._full_message_size:
            scope["extensions"][MESSAGE_LIMIT_EXTENSION] = self._lift_message_limit

    def _lift_message_limit(self) -> None:
        self.conn.max_message_size = self._full_message_size

    def start_keepalive(self) -> None:
        super().start_keepalive()
        # websockets' parser keeps the request too, a local of the generator it parses every
        # later frame in, so its headers are emptied, not just let go.
        self.request.headers.clear()
        del self.request, self.response


def lift_message_limit(scope: MutableMapping[str, Any]) -> None:
    """A websocket's messages may be as large as the server's limit from now on: its peer is
    known. Nothing when the server that runs the app is not this one."""
    extensions = scope.get("extensions") or {}
    lift: Callable[[], None] | None = extensions.pop(MESSAGE_LIMIT_EXTENSION, None)
    if lift is not None:
        lift()
