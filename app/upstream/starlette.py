"""Starlette, where the service relies on more than its documented API.

Read from Starlette 1.10.0; each reach is guarded by tests/upstream/test_starlette.py:

- `DeliverySocket.send_result` sends an open socket's text straight to the ASGI server's
  `send`, past `WebSocket.send`'s checks: it reads and sets `WebSocket.application_state`
  (undocumented) and does what `WebSocket.send` does for a `websocket.send` message on a
  connected socket, translating a vanished peer (`OSError`) into `WebSocketDisconnect(1006)`.
  The checks and their two coroutine layers were a tenth of the server's CPU per delivered
  message across a fan-out to thousands of sockets (~0.6 µs a message).
- `bind_app` puts the app in the ASGI scope under `"app"`, where Starlette's own `__call__`
  puts it and where `Request.app` and `WebSocket.app` read it: app/web/asgi_app.py hands the
  GraphQL websockets to the view without passing through Starlette's `__call__` (~3.6 KiB a
  connection).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.types import Receive, Scope, Send

__all__ = ["DeliverySocket", "bind_app"]


class DeliverySocket(WebSocket):
    """Starlette's websocket, plus `send_result` for text sent once per subscriber per event.

    `send_text` re-checks the message's type and the close handshake's state on every call;
    an open socket's result needs none of that. The socket keeps the ASGI `send` it was made
    with for it (a slot: 8 bytes) rather than read Starlette's private copy.
    """

    __slots__ = ("_asgi_send",)

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        super().__init__(scope, receive, send)
        self._asgi_send = send

    async def send_result(self, text: str) -> None:
        if self.application_state is not WebSocketState.CONNECTED:
            await self.send_text(text)  # closing or closed: Starlette says what went wrong
            return
        try:
            await self._asgi_send({"type": "websocket.send", "text": text})
        except OSError:  # the server's "client disconnected", as Starlette's `send` reads it
            self.application_state = WebSocketState.DISCONNECTED
            raise WebSocketDisconnect(code=1006) from None


def bind_app(scope: Scope, app: Starlette) -> None:
    """What Starlette's `__call__` does for `request.app` (and `websocket.app`) to find `app`."""
    scope["app"] = app
