"""The GraphQL endpoint (HTTP, GraphiQL) bound to the running service."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from app.context import Caller
from app.graphql.context import GraphQLContext
from app.graphql.schema import schema
from app.services import Services

__all__ = ["GraphQLView"]


class GraphQLView(GraphQL[GraphQLContext, None]):
    def __init__(self) -> None:
        super().__init__(schema, graphql_ide="graphiql")

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GraphQLContext:
        services: Services = request.app.state.services
        return GraphQLContext(services=services, caller=Caller.open_access())
