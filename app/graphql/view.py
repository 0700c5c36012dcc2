"""The GraphQL endpoint (HTTP, GraphiQL, websockets) bound to the running service.

HTTP callers authenticate with `Authorization: Bearer <token>` (401 otherwise); websocket
callers in the `connection_init` payload (closed with 4401 otherwise).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

# Strawberry answers its own HTTP exception type (from cross_web, which it is built on).
from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from graphql import GraphQLError, OperationType
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry import UNSET
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
    MULTIPART_SUBSCRIPTION_PROTOCOL,
)
from strawberry.types import ExecutionResult

from app.config import Settings
from app.graphql.context import GraphQLContext
from app.graphql.fanout import FanOut, SharedEncoding
from app.graphql.graphiql import graphiql_page
from app.graphql.http_callers import http_context
from app.graphql.persisted_queries import PersistedQueries, PersistedQueryError
from app.graphql.response_media import (
    GRAPHQL_RESPONSE_JSON,
    failed_before_execution,
    json_qualities,
    prefers_graphql_response_json,
)
from app.graphql.schema import EventStoreSchema, build_schema
from app.graphql.websocket_handlers import LegacyWSHandler, RefusedMessage, TransportWSHandler
from app.services import Services
from app.upstream.starlette import DeliverySocket
from app.upstream.strawberry import (
    BaseRequestProtocol,
    GraphQLRequestData,
    drop_origin_refusal_warnings,
)
from app.web.json_input import JsonRefused, decode

__all__ = ["GraphQLView"]

log = logging.getLogger(__name__)

_SUBSCRIPTION_NEEDS_A_STREAM = GraphQLError(
    "a subscription streams: open a websocket on /graphql (graphql-transport-ws), or ask "
    "for a stream with Accept: text/event-stream (graphql-sse) or "
    'multipart/mixed;subscriptionSpec="1.0"',
    extensions={"code": "BAD_REQUEST"},
)


# Strawberry's warning on a refused origin names its own `allowed_origins` argument, where
# operators set EVENTSTORE_CORS_ORIGINS (the view logs that instead).
drop_origin_refusal_warnings()


class GraphQLView(GraphQL[GraphQLContext, None]):
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql else None,
            # Both websocket protocols: graphql-transport-ws (graphql-ws, Apollo, urql) and
            # the legacy graphql-ws of subscriptions-transport-ws, which also gets "ka"
            # keep-alives. Over HTTP too: Server-Sent Events (graphql-sse, distinct
            # connections) and Apollo's multipart subscriptions, where no websocket opens.
            subscription_protocols=(
                GRAPHQL_TRANSPORT_WS_PROTOCOL,
                GRAPHQL_WS_PROTOCOL,
                GRAPHQL_SSE_PROTOCOL,
                MULTIPART_SUBSCRIPTION_PROTOCOL,
            ),
            keep_alive=True,
            keep_alive_interval=settings.ws_ping_seconds,
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            # Strawberry refuses cross-origin websocket handshakes unless the origin is listed.
            allowed_origins=settings.allowed_origins,
        )
        self._shared_encoding = SharedEncoding()
        self._persisted = PersistedQueries()

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        if super().is_websocket_origin_allowed(request, origin):
            return True
        log.warning(
            "Refused a websocket from a page on %r: add it to EVENTSTORE_CORS_ORIGINS if that "
            "page should subscribe",
            origin,
        )
        return False

    @property
    def fanout(self) -> FanOut:
        assert isinstance(self.schema, EventStoreSchema)
        return self.schema.fanout

    async def _is_subscription(self, request_data: GraphQLRequestData) -> bool:
        assert isinstance(self.schema, EventStoreSchema)
        query, name = request_data.query, request_data.operation_name
        operation = None if query is None else await self.schema.documents.operation(query, name)
        return operation is not None and operation.operation is OperationType.SUBSCRIPTION

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET with only a persisted query's hash is a query, not a browser opening the page.
        return super().should_render_graphql_ide(request) and (
            request.query_params.get("extensions") is None
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        # Our page and its assets, served from the package (app/graphql/graphiql.py).
        return graphiql_page(request)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: GraphQLContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            query = self._persisted.resolve(request_data.query, request_data.extensions)
        except PersistedQueryError as refused:
            return ExecutionResult(data=None, errors=[refused.error])
        resolved = replace(request_data, query=query)
        if await self._is_subscription(resolved):
            # Strawberry would run it as a query and fail inside, as an internal error.
            return ExecutionResult(data=None, errors=[_SUBSCRIPTION_NEEDS_A_STREAM])
        return await super().execute_single(
            request, request_adapter, sub_response, context, root_value, resolved
        )

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        request_data = await super().parse_http_body(request)
        # urql offers text/event-stream after the JSON types on every request: a query or a
        # mutation is then one JSON result (urql reads no CRLF-framed stream), only a
        # subscription streams.
        if (
            isinstance(request_data, GraphQLRequestData)
            and request_data.protocol != "http"
            and max(json_qualities(request.headers.get("accept", ""))) > 0
            and not await self._is_subscription(request_data)
        ):
            return replace(request_data, protocol="http")
        return request_data

    def decode_json(self, data: str | bytes) -> object:
        """A websocket message (HTTP bodies go through `parse_json`)."""
        try:
            return decode(data)
        except JsonRefused as refused:
            # Strawberry would close with "must be valid JSON" for any decoding error; the
            # transport handler closes with the reason instead.
            return RefusedMessage(refused.reason)

    def parse_json(self, data: str | bytes) -> Any:
        """A request body, or `variables` or `extensions` of a GET: each a JSON object."""
        try:
            value = decode(data)
        except JsonRefused as refused:
            raise HTTPException(400, f"The request's JSON is refused: {refused.reason}") from None
        except json.JSONDecodeError:
            raise HTTPException(400, "Unable to parse request body as JSON") from None
        if not isinstance(value, dict):
            raise HTTPException(400, "The request's JSON must be an object")
        return value

    def encode_json(self, data: object) -> str | bytes:
        # A result shared by a subscription group is encoded once for all its sockets.
        return self._shared_encoding.encode(data) or super().encode_json(data)

    # GraphQL over HTTP's media types (app/graphql/response_media.py).
    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        if prefers_graphql_response_json(request.headers.get("accept", "")):
            sub_response.media_type = GRAPHQL_RESPONSE_JSON
        return sub_response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        accept = request.headers.get("accept", "")
        if failed_before_execution(result) and prefers_graphql_response_json(accept):
            processed.pop("data", None)
        return processed

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = GRAPHQL_RESPONSE_JSON
            if isinstance(response_data, dict) and "data" not in response_data:
                response.status_code = 400
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # as Strawberry's, with the socket results go out on
            # Straight to Strawberry's `run`: a websocket needs nothing of this class's, and a
            # layer more would stay suspended (~1 KiB) for the connection's whole life.
            await super().run(DeliverySocket(scope, receive=receive, send=send))
        else:
            await super().__call__(scope, receive, send)

    # Strawberry declares `run` as two overloads (HTTP, websocket); this one serves both.
    async def run(  # type: ignore[override]
        self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response | WebSocket:
        """HTTP callers authenticate here, before anything runs; the IDE's page needs no
        token (it asks for one), and a missing or unknown token is a 401 in GraphQL's shape."""
        if isinstance(request, WebSocket) or context is not UNSET:
            return await super().run(request, context, root_value)
        if self.graphql_ide and self.should_render_graphql_ide(StarletteRequestAdapter(request)):
            return await self.render_graphql_ide(request)
        context = http_context(request)
        if isinstance(context, Response):
            return context
        return await super().run(request, context, root_value)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GraphQLContext:
        """A websocket's context: its caller comes with `connection_init` (HTTP callers get
        theirs in `run`)."""
        services: Services = request.app.state.services
        if not isinstance(request, WebSocket):
            raise TypeError("HTTP requests are authenticated in GraphQLView.run")
        return GraphQLContext(services=services, caller_or_none=None, websocket=request)

    async def on_ws_connect(self, context: GraphQLContext) -> Any:
        context.caller_or_none = context.services.tokens.from_connection_params(
            context.connection_params
        )
        return await super().on_ws_connect(context)
