"""The fan-out's direct send keeps Starlette's answers for a socket that is gone or closed."""

from __future__ import annotations

import pytest
from starlette.types import Message
from starlette.websockets import WebSocketDisconnect, WebSocketState
from uvicorn.protocols.utils import ClientDisconnected

from app.graphql.delivery_socket import DeliverySocket


def accepted_socket(peer_gone: bool) -> tuple[DeliverySocket, list[Message]]:
    """A socket on an ASGI server's callables; with `peer_gone`, its sends fail as uvicorn's
    do once the client has disconnected."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        if peer_gone and message["type"] == "websocket.send":
            raise ClientDisconnected
        sent.append(message)

    return DeliverySocket({"type": "websocket", "headers": []}, receive, send), sent


async def test_a_result_goes_out_as_a_text_message() -> None:
    socket, sent = accepted_socket(peer_gone=False)
    await socket.accept()
    await socket.send_result('{"type":"next"}')
    assert sent[-1] == {"type": "websocket.send", "text": '{"type":"next"}'}


async def test_a_result_for_a_vanished_peer_is_a_disconnect() -> None:
    socket, _ = accepted_socket(peer_gone=True)
    await socket.accept()
    with pytest.raises(WebSocketDisconnect):
        await socket.send_result("{}")
    assert socket.application_state is WebSocketState.DISCONNECTED


async def test_a_result_after_the_close_is_refused_as_starlette_refuses_it() -> None:
    socket, sent = accepted_socket(peer_gone=False)
    await socket.accept()
    await socket.close()
    with pytest.raises(RuntimeError, match="close message has been sent"):
        await socket.send_result("{}")
    assert sent[-1]["type"] == "websocket.close"
