"""The GraphQL endpoint (HTTP, GraphiQL, websockets) bound to the running service.

HTTP callers authenticate with `Authorization: Bearer <token>` (401 otherwise); websocket
callers in the `connection_init` payload (closed with 4401 otherwise).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

# Strawberry answers its own HTTP exception type (from cross_web, which it is built on).
from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from graphql import GraphQLError, OperationType
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
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

from app.auth import BEARER_CHALLENGE, Unauthenticated
from app.config import Settings
from app.graphql.context import GraphQLContext
from app.graphql.fanout import FanOut, SharedEncoding
from app.graphql.graphiql import graphiql_page
from app.graphql.persisted_queries import PersistedQueries, PersistedQueryError
from app.graphql.read_receipts import ReadReceipts
from app.graphql.schema import EventStoreSchema, build_schema
from app.json_input import JsonRefused, decode
from app.media_types import accepted_quality
from app.services import Services
from app.upstream.starlette import DeliverySocket
from app.upstream.strawberry import (
    BaseGraphQLWSHandler,
    BaseRequestProtocol,
    ConnectionInitMessage,
    EncodedResultsHandler,
    GraphQLRequestData,
    LegacyConnectionInitMessage,
    Message,
    NextCounter,
    OperationMessage,
    PongMessage,
    drop_origin_refusal_warnings,
)
from app.upstream.uvicorn import lift_message_limit

__all__ = ["GraphQLView"]

log = logging.getLogger(__name__)

UNAUTHORIZED = 4401


class TransportWSHandler(EncodedResultsHandler[GraphQLContext, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A ping every quarter of the buffer: a client reading along confirms results long
        # before it could count as behind. (Set here, not around `handle`: a wrapping
        # coroutine would stay suspended for the connection's life, ~0.7 KiB each.)
        buffer = self.context.services.settings.subscriber_buffer
        self.context.receipts = ReadReceipts(ping_every=buffer // 4)

    async def send_message(self, message: Message) -> None:
        receipts = self.context.receipts
        ping = message["type"] == "next" and receipts is not None and receipts.sent()
        await super().send_message(message)
        if ping and receipts is not None:
            receipts.pinged()
            await super().send_message({"type": "ping"})

    def encoded_result_send(self) -> Callable[[str], Awaitable[None]] | None:
        # The view's websockets are DeliverySockets; one made some other way sends checked.
        websocket = self.context.websocket
        if isinstance(websocket, DeliverySocket):
            return websocket.send_result
        return None if websocket is None else websocket.send_text

    def next_counter(self) -> NextCounter | None:
        # Counted for read receipts as `send_message` counts a `next`.
        return self.context.receipts

    async def handle_pong(self, message: PongMessage) -> None:
        if self.context.receipts is not None:
            self.context.receipts.ponged()

    async def handle_message(self, message: Message) -> None:
        if isinstance(message, RefusedMessage):
            await self.handle_invalid_message(f"WebSocket message refused: {message.reason}")
            return
        # Strawberry reads every message as an object; `[]` would end the connection with
        # an exception instead of the protocol's close code.
        if not isinstance(message, dict):
            await self.handle_invalid_message("WebSocket message must be a JSON object")
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except Unauthenticated as error:
            await self.websocket.close(code=UNAUTHORIZED, reason=str(error))
            return
        if self.connection_acknowledged:
            _peer_known(self.context)
            # Strawberry has cancelled the init deadline; the ended task, kept for the
            # socket's life, holds its cancellation and the coroutine it ended (~1.7 KiB).
            self.connection_init_timeout_task = None


class LegacyWSHandler(BaseGraphQLWSHandler[GraphQLContext, None]):
    async def handle(self) -> None:
        # The legacy protocol sets no time for `connection_init`; without one, a socket that
        # never sends it would be held (and cost memory) for as long as its client likes.
        self._deadline: asyncio.Task[None] | None = asyncio.create_task(
            self._close_unless_initialised()
        )
        try:
            await super().handle()
        finally:
            if self._deadline is not None:
                self._deadline.cancel()

    async def _close_unless_initialised(self) -> None:
        await asyncio.sleep(self.view.connection_init_wait_timeout.total_seconds())
        if not self.connection_acknowledged:
            # The same code graphql-transport-ws closes with.
            with contextlib.suppress(Exception):  # the client may be gone already
                await self.websocket.close(code=4408, reason="Connection initialisation timeout")

    async def handle_message(self, message: OperationMessage) -> None:
        # The legacy protocol ignores what it cannot read.
        if isinstance(message, dict) and isinstance(message.get("type"), str):
            await super().handle_message(message)

    async def handle_connection_init(self, message: LegacyConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except Unauthenticated as error:
            await self.send_message(
                {"type": "connection_error", "payload": {"message": str(error)}}
            )
            await self.websocket.close(code=UNAUTHORIZED, reason=str(error))
            return
        if self.connection_acknowledged:
            _peer_known(self.context)
        if self.connection_acknowledged and self._deadline is not None:
            # The deadline has nothing left to watch; let go of the ended task, which holds
            # its cancellation and its coroutine for as long as it is kept.
            self._deadline.cancel()
            self._deadline = None


def _peer_known(context: GraphQLContext) -> None:
    """The socket's `connection_init` is accepted: its messages may now be as large as a
    request (until then, `EVENTSTORE_MAX_INIT_BYTES`)."""
    if context.websocket is not None:
        lift_message_limit(context.websocket.scope)


@dataclass(frozen=True)
class RefusedMessage:
    """A websocket message that is JSON, or nearly, but refused (`app/json_input.py`)."""

    reason: str


_SUBSCRIPTION_NEEDS_A_STREAM = GraphQLError(
    "a subscription streams: open a websocket on /graphql (graphql-transport-ws), or ask "
    "for a stream with Accept: text/event-stream (graphql-sse) or "
    'multipart/mixed;subscriptionSpec="1.0"',
    extensions={"code": "BAD_REQUEST"},
)


# Strawberry's warning on a refused origin names its own `allowed_origins` argument, where
# operators set EVENTSTORE_CORS_ORIGINS (the view logs that instead).
drop_origin_refusal_warnings()


def _unauthenticated(message: str) -> Response:
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers=BEARER_CHALLENGE,
    )


GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


def _json_qualities(accept: str) -> tuple[float, float]:
    """How much `accept` wants application/graphql-response+json and application/json (0-1)."""
    return (
        accepted_quality(accept, GRAPHQL_RESPONSE_JSON),
        accepted_quality(accept, "application/json"),
    )


def _prefers_graphql_response_json(accept: str) -> bool:
    """Whether `accept` ranks GraphQL-over-HTTP's own media type at least as high as
    `application/json` (Apollo Client 4 and graphql-http ask for it first)."""
    ours, plain = _json_qualities(accept)
    return ours > 0 and ours >= plain


def _failed_before_execution(result: ExecutionResult) -> bool:
    """A request error (unparsable, invalid, bad variables, unknown persisted query): no data,
    and no error belongs to a field."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


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
            and max(_json_qualities(request.headers.get("accept", ""))) > 0
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

    # GraphQL over HTTP: a caller that accepts application/graphql-response+json gets it, and
    # a request that fails before execution is then a 400 without `data`. application/json
    # stays 200 for every GraphQL result, as the spec asks for clients that predate it.
    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        if _prefers_graphql_response_json(request.headers.get("accept", "")):
            sub_response.media_type = GRAPHQL_RESPONSE_JSON
        return sub_response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        accept = request.headers.get("accept", "")
        if _failed_before_execution(result) and _prefers_graphql_response_json(accept):
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
        services: Services = request.app.state.services
        try:
            caller = services.tokens.from_authorization(request.headers.get("authorization"))
        except Unauthenticated as error:
            return _unauthenticated(str(error))
        context = GraphQLContext(services=services, caller_or_none=caller)
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
