"""The fan-out baseline: a bare websocket server that sends one prepared message per socket.

Served by the same stack as the event store (uvicorn, Starlette), so the bench compares the
store's fan-out with the cost of the sends alone. `POST /broadcast?count=N` sends N messages,
each stamped with its send time, to every connected socket.
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
# About the size of the store's `next` message for the bench's subscription.
FILLER = "x" * 200


async def listen(websocket: WebSocket) -> None:
    await websocket.accept()
    SOCKETS.add(websocket)
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        SOCKETS.discard(websocket)


async def broadcast(request: Request) -> JSONResponse:
    """Prepared messages, sent to all sockets at once: each socket's sends in order, the
    sockets concurrently, as a server that means to saturate them would."""
    count = int(request.query_params.get("count", "1"))
    sent = time.time()  # stamped up front, as the bench stamps the events it ingests
    messages = [
        json.dumps({"type": "next", "payload": {"n": n, "sent": sent, "f": FILLER}})
        for n in range(count)
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
