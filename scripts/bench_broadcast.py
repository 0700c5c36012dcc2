"""The fan-out baseline: a bare websocket server that sends one prepared message per socket.

Served by the same stack as the event store (uvicorn, Starlette), so the bench compares the
store's fan-out with the cost of the sends alone. `POST /broadcast?count=N&size=B` sends N messages
of B bytes, each stamped with its send time, to every connected socket.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

SOCKETS: set[WebSocket] = set()


async def listen(websocket: WebSocket) -> None:
    await websocket.accept()
    SOCKETS.add(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        SOCKETS.discard(websocket)


def padded(message: dict[str, object], size: int) -> str:
    """`message` as JSON of `size` bytes (or its own length, if longer), padded by a filler."""
    bare = json.dumps(message | {"f": ""})
    return json.dumps(message | {"f": "x" * max(0, size - len(bare))})


async def broadcast(request: Request) -> JSONResponse:
    """Prepared messages, sent to all sockets at once: each socket's sends in order, the
    sockets concurrently, as a server that means to saturate them would."""
    count = int(request.query_params.get("count", "1"))
    size = int(request.query_params.get("size", "256"))
    sent = time.time()  # stamped up front, as the bench stamps the events it ingests
    messages = [
        padded({"type": "next", "payload": {"n": n, "sent": sent}}, size) for n in range(count)
    ]

    async def send_all(socket: WebSocket) -> None:
        for message in messages:
            await socket.send_text(message)

    await asyncio.gather(*(send_all(socket) for socket in list(SOCKETS)))
    return JSONResponse({"sockets": len(SOCKETS)})


async def connected(request: Request) -> JSONResponse:
    return JSONResponse({"sockets": len(SOCKETS)})


app = Starlette(
    routes=[
        WebSocketRoute("/ws", listen),
        Route("/broadcast", broadcast, methods=["POST"]),
        Route("/connected", connected),
    ]
)

if __name__ == "__main__":
    # The websocket options the service runs with (app/cli.py): the same stack either way.
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        ws_per_message_deflate=False,
    )
