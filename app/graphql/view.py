"""The GraphQL endpoint (HTTP, GraphiQL) bound to the running service."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from app.config import Settings
from app.context import Caller
from app.graphql.context import GraphQLContext
from app.graphql.schema import schema
from app.services import Services

__all__ = ["GraphQLView"]


class GraphQLView(GraphQL[GraphQLContext, None]):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            # Both protocols: graphql-transport-ws (graphql-ws, Apollo, urql) and the legacy
            # graphql-ws of subscriptions-transport-ws, which also gets "ka" keep-alives.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            keep_alive=True,
            keep_alive_interval=settings.ws_ping_seconds,
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
        )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GraphQLContext:
        services: Services = request.app.state.services
        return GraphQLContext(services=services, caller=Caller.open_access())
