"""A webhook receiver: a real HTTP server on loopback (uvicorn) that keeps every request it is
sent and answers as its test says (by default 204)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn

__all__ = ["Answer", "Received", "Receiver", "receiving"]


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic()


@dataclass(frozen=True)
class Answer:
    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    # Decides each answer from the request (and what came before it); by default 204.
    answer: Callable[[Received, list[Received]], Answer] = lambda request, before: Answer()
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def wait_for(self, count: int, within: float = 20.0) -> list[Received]:
        """Once `count` requests have come (or fail after `within` seconds)."""
        async with asyncio.timeout(within):
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(self.received) >= count)
        return self.received

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        request = Received(scope["path"], headers, body, time.monotonic())
        answer = self.answer(request, list(self.received))
        async with self._arrived:
            self.received.append(request)
            self._arrived.notify_all()
        if answer.delay:
            await asyncio.sleep(answer.delay)
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [(k.encode(), v.encode()) for k, v in answer.headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": b""})


@contextlib.asynccontextmanager
async def receiving(path: str = "/hook") -> AsyncIterator[Receiver]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    receiver = Receiver(url=f"http://127.0.0.1:{port}{path}")
    config = uvicorn.Config(receiver, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:
            if serving.done():
                serving.result()
                raise RuntimeError("the receiver stopped while starting")
            await asyncio.sleep(0.01)
        yield receiver
    finally:
        server.should_exit = True
        await serving
        listener.close()
