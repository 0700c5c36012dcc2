"""Starlette, where app/upstream/starlette.py relies on more than its documented API.

The fan-out's direct send keeps Starlette's answers for a socket that is gone or closed; and
Starlette still behaves as that send and `bind_app` copy it (app/upstream/starlette.py's
docstring says why each): each guard fails naming what Starlette changed.
"""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Message
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from uvicorn.protocols.utils import ClientDisconnected

from app.upstream.starlette import DeliverySocket, bind_app
from tests.utils.upstream import Reliance

SEND = Reliance(
    "Starlette",
    "app/upstream/starlette.py's DeliverySocket.send_result sends a connected socket's text "
    "as WebSocket.send would, past its checks (fan-out CPU)",
)
APP = Reliance(
    "Starlette",
    "app/upstream/starlette.py's bind_app puts the app where Starlette's __call__ does, for "
    "the websockets app/web/asgi_app.py hands to the view past it",
)


def accepted_socket(
    peer_gone: bool, kind: type[WebSocket] = DeliverySocket
) -> tuple[WebSocket, list[Message]]:
    """A socket on an ASGI server's callables; with `peer_gone`, its sends fail as uvicorn's
    do once the client has disconnected."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        if peer_gone and message["type"] == "websocket.send":
            raise ClientDisconnected
        sent.append(message)

    return kind({"type": "websocket", "headers": []}, receive, send), sent


async def test_a_result_goes_out_as_a_text_message() -> None:
    socket, sent = accepted_socket(peer_gone=False)
    assert isinstance(socket, DeliverySocket)
    await socket.accept()
    await socket.send_result('{"type":"next"}')
    assert sent[-1] == {"type": "websocket.send", "text": '{"type":"next"}'}


async def test_a_result_for_a_vanished_peer_is_a_disconnect() -> None:
    socket, _ = accepted_socket(peer_gone=True)
    assert isinstance(socket, DeliverySocket)
    await socket.accept()
    with pytest.raises(WebSocketDisconnect) as raised:
        await socket.send_result("{}")
    assert raised.value.code == 1006
    assert socket.application_state is WebSocketState.DISCONNECTED


async def test_a_result_after_the_close_is_refused_as_starlette_refuses_it() -> None:
    socket, sent = accepted_socket(peer_gone=False)
    assert isinstance(socket, DeliverySocket)
    await socket.accept()
    await socket.close()
    with pytest.raises(RuntimeError, match="close message has been sent"):
        await socket.send_result("{}")
    assert sent[-1]["type"] == "websocket.close"


# Starlette's own send, which send_result does without its checks.


async def test_starlette_sends_text_as_the_same_message_on_a_connected_socket() -> None:
    socket, sent = accepted_socket(peer_gone=False, kind=WebSocket)
    states = [socket.application_state]
    await socket.accept()
    states.append(socket.application_state)
    assert states == [WebSocketState.CONNECTING, WebSocketState.CONNECTED], SEND.broken(
        f"no longer tracks WebSocket.application_state as send_result reads it: {states}"
    )
    await socket.send_text("{}")
    assert sent[-1] == {"type": "websocket.send", "text": "{}"}, SEND.broken(
        f"sends text as {sent[-1]}, not a bare websocket.send message"
    )


async def test_starlette_says_a_vanished_peer_as_send_result_does() -> None:
    socket, _ = accepted_socket(peer_gone=True, kind=WebSocket)
    await socket.accept()
    with pytest.raises(WebSocketDisconnect) as raised:
        await socket.send_text("{}")
    assert raised.value.code == 1006, SEND.broken(
        f"says a send to a vanished peer (OSError) with code {raised.value.code}, not 1006"
    )
    assert socket.application_state is WebSocketState.DISCONNECTED, SEND.broken(
        "no longer marks the socket DISCONNECTED when a send finds the peer gone"
    )


# Where the app is found.


async def test_starlette_still_finds_the_app_where_bind_app_puts_it() -> None:
    app = Starlette()
    scope = {"type": "websocket", "headers": []}
    bind_app(scope, app)

    async def nothing() -> Message:
        return {}

    async def dropped(message: Message) -> None: ...

    assert WebSocket(scope, nothing, dropped).app is app, APP.broken(
        'no longer reads WebSocket.app from the scope\'s "app"'
    )
    seen: list[object] = []

    async def endpoint(request: Request) -> PlainTextResponse:
        seen.append(request.scope.get("app"))
        return PlainTextResponse("")

    routed = Starlette(routes=[Route("/", endpoint)])
    http = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    await routed(http, nothing, dropped)
    assert seen == [routed], APP.broken('no longer puts the app in the scope under "app"')
