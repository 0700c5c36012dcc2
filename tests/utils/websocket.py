"""A bare GraphQL websocket client speaking either protocol, for tests that need control
over reading (a stalled consumer) or many short connections."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


class GraphQLWebSocket:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.protocol = connection.subprotocol
        self._next_id = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, within: float = 10) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = json.loads(
                await asyncio.wait_for(self.connection.recv(), within)
            )
            if message["type"] == "ping":
                # As graphql-ws, Apollo and urql clients do: the server counts on it.
                await self.send({"type": "pong"})
            elif message["type"] not in ("ka", "pong"):
                return message

    async def subscribe(self, query: str, **variables: Any) -> str:
        self._next_id += 1
        operation = str(self._next_id)
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        await self.send(
            {"id": operation, "type": kind, "payload": {"query": query, "variables": variables}}
        )
        return operation

    async def next_event(self, within: float = 10) -> dict[str, Any]:
        """The `data` of the next pushed result; raises on errors or completion."""
        message = await self.receive(within)
        if message["type"] not in ("next", "data"):
            raise AssertionError(f"expected an event, got {message}")
        payload: dict[str, Any] = message["payload"]
        if payload.get("errors"):
            raise AssertionError(f"expected an event, got errors {payload['errors']}")
        return payload


@asynccontextmanager
async def graphql_websocket(
    url: str,
    protocol: str = TRANSPORT_WS,
    payload: dict[str, Any] | None = None,
) -> AsyncIterator[GraphQLWebSocket]:
    """A connected, acknowledged client."""
    async with connect(url, subprotocols=[Subprotocol(protocol)]) as connection:
        client = GraphQLWebSocket(connection)
        await client.send({"type": "connection_init", "payload": payload or {}})
        acknowledged = await client.receive()
        assert acknowledged["type"] == "connection_ack", acknowledged
        yield client


class StalledWebSocket:
    """A client that subscribes and then stops reading: its socket is a small, raw one, so
    the server's writes back up as they would to a frozen browser tab."""

    def __init__(self, url: str, protocol: str = TRANSPORT_WS, receive_buffer: int = 4096) -> None:
        self._url = url
        self._protocol = protocol
        self._receive_buffer = receive_buffer
        self._client = ClientProtocol(parse_uri(url), subprotocols=[Subprotocol(protocol)])
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pending: list[dict[str, Any]] = []

    async def open(self) -> None:
        parts = urlsplit(self._url)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self._receive_buffer)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (parts.hostname, parts.port))
        self._reader, self._writer = await asyncio.open_connection(sock=sock)
        self._client.send_request(self._client.connect())
        await self._flush()
        while self._client.state is State.CONNECTING:
            self._client.receive_data(await self._reader.read(65536))
        self._client.events_received()  # the handshake response
        await self.send({"type": "connection_init", "payload": {}})
        assert (await self.receive())["type"] == "connection_ack"

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

    async def send(self, message: dict[str, Any]) -> None:
        self._client.send_text(json.dumps(message).encode())
        await self._flush()

    async def subscribe(self, query: str, **variables: Any) -> None:
        kind = "subscribe" if self._protocol == TRANSPORT_WS else "start"
        await self.send(
            {"id": "1", "type": kind, "payload": {"query": query, "variables": variables}}
        )

    async def receive(self, within: float = 30) -> dict[str, Any]:
        """Resume reading: the next GraphQL message (keep-alives skipped)."""
        assert self._reader is not None
        while True:
            for event in self._client.events_received():
                if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                    message: dict[str, Any] = json.loads(bytes(event.data))
                    if message["type"] not in ("ka", "ping", "pong"):
                        self._pending.append(message)
                elif isinstance(event, Frame) and event.opcode is Opcode.PING:
                    await self._flush()
            if self._pending:
                return self._pending.pop(0)
            data = await asyncio.wait_for(self._reader.read(65536), within)
            if not data:
                raise ConnectionError("the server closed the connection")
            self._client.receive_data(data)

    async def _flush(self) -> None:
        assert self._writer is not None
        for chunk in self._client.data_to_send():
            self._writer.write(chunk)
        await self._writer.drain()
