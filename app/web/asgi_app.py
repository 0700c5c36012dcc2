"""The service's ASGI app: Starlette, with GraphQL websockets handed to the view directly."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from app.store.arrival import arriving
from app.upstream.starlette import bind_app

__all__ = ["EventStoreApp"]


class EventStoreApp(Starlette):
    """Starlette's app, except for websockets on `socket_path`, which go to `socket_app`.

    A websocket's ASGI call lasts as long as its connection, and every layer it passes on the
    way keeps a suspended coroutine for all that time: Starlette's error and exception
    middleware, the body limit, the router and its route were ~3.6 KiB per connection
    (measured on 2,000 idle subscribers), where an idle subscriber should cost 30 KiB in all.
    None of them acts on a websocket the view serves: the middleware pass websockets through
    (CORS and the body limit are HTTP's; the error handlers answer HTTP requests) and the
    router only finds the view. Other websocket paths and all HTTP go the usual way.
    """

    def __init__(self, *, socket_path: str, socket_app: ASGIApp, **options: Any) -> None:
        super().__init__(**options)
        self._socket_path = socket_path
        self._socket_app = socket_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "websocket"
            and scope["path"] == scope.get("root_path", "") + self._socket_path
        ):
            bind_app(scope, self)  # for `websocket.app.state`, as Starlette's own call would
            await self._socket_app(scope, receive, send)
            return
        if scope["type"] == "http":
            with arriving():
                await super().__call__(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
