"""The context every resolver gets: the services and who is calling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry
from starlette.websockets import WebSocket

from app.access.caller import Caller
from app.access.tokens import Unauthenticated
from app.graphql.read_receipts import ReadReceipts
from app.services import Services

__all__ = ["GraphQLContext", "Info"]


@dataclass
class GraphQLContext:
    """Per HTTP request, or per websocket connection.

    A websocket learns its caller from `connection_init`, after the context is made; the
    protocol lets no operation run before that.
    """

    services: Services
    caller_or_none: Caller | None
    connection_params: dict[str, Any] | None = None
    websocket: WebSocket | None = None
    # What the socket's client has read, where its protocol can tell (graphql-transport-ws).
    receipts: ReadReceipts | None = None

    def unread(self) -> int:
        """Results this socket sent that its client has not read yet, as far as its protocol
        tells (0 where it cannot: the legacy protocol, HTTP, a run shared by a group)."""
        return 0 if self.receipts is None else self.receipts.unread

    @property
    def caller(self) -> Caller:
        if self.caller_or_none is None:
            raise Unauthenticated("send an API token in connection_init first")
        return self.caller_or_none


Info = strawberry.Info[GraphQLContext, None]
