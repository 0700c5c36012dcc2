"""Strawberry, where the service relies on more than its documented API.

Read from strawberry-graphql 0.341.3 (pyproject.toml bounds it below 0.342); each reach is
guarded by tests/upstream/test_strawberry.py. Documented hooks are used wherever they do the
job: the view's `get_context`, `process_result`, `decode_json`, `encode_json`,
`render_graphql_ide`, `on_ws_connect` and `is_websocket_origin_allowed`; `Schema.process_errors`;
the extensions' `on_parse` and `on_validate`; `strawberry.Private`; `Schema.execute`
(app/graphql/possible_types.py). What remains:

1. graphql-transport-ws's loop over an operation's results, the private
   `BaseGraphQLTransportWSHandler._send_result_stream(operation, result_source)`, is overridden
   by `EncodedResultsHandler` with a path of its own for results that carry their payload
   encoded (`EncodedResult`): every event goes that way once per socket, and building,
   encoding and passing on a message object there cost more than the socket's send itself
   (fan-out CPU in docs/performance.md). It re-does the loop's other branches, so it calls the
   private `_handle_pre_execution_error(operation, result)` and
   `_reject_incremental_delivery(operation)` and reads `Operation.id`, `.completed` and
   `.send_next`; `run_operation` must still call it, and `WebSocketDisconnected`
   (`strawberry.http.exceptions`) is what a handler ends quietly on.
2. The websocket handlers' hooks that are public but undocumented, overridden in
   app/graphql/websocket_handlers.py: graphql-transport-ws's `send_message`, `handle_message`,
   `handle_pong`, `handle_connection_init`, with its `context`, `websocket`,
   `connection_acknowledged`, `connection_init_timeout_task` and `handle_invalid_message` (read
   receipts; 4401 for a bad token; an object check; letting go of the init deadline's ended
   task, ~1.7 KiB); graphql-ws's `handle`, `handle_message`, `handle_connection_init`, with its
   `view`, `websocket`, `send_message` and `connection_acknowledged` (an init deadline the
   legacy protocol lacks); both installed through the view's
   `graphql_transport_ws_handler_class` and `graphql_ws_handler_class`, and typed with the
   protocols' message types (`...types`).
3. The view's methods outside its documented hooks, overridden in app/graphql/view.py: `run`
   (HTTP callers authenticated before anything runs, a 401 in GraphQL's shape),
   `execute_single` (persisted queries; a subscription over plain HTTP refused),
   `parse_http_body` (urql's `Accept`), `parse_json` (the JSON limits' own 400s),
   `should_render_graphql_ide` (a persisted query's GET is not the IDE), `get_sub_response`
   and `create_response` (application/graphql-response+json), the view's
   `connection_init_wait_timeout`, and `__call__`, whose websocket branch is re-done with a
   `DeliverySocket` and calls `run` directly (a layer less, ~1 KiB a connection). Their types:
   `GraphQLRequestData` and `BaseRequestProtocol`; Strawberry's HTTP errors are cross_web's
   `HTTPException`, its requests read through cross_web's `StarletteRequestAdapter`.
4. `Schema.stream(query, variable_values, context_value, root_value, operation_name, ...)`,
   through which graphql-transport-ws runs every operation, is overridden by
   app/graphql/schema.py so that alike subscriptions share one execution (app/graphql/fanout.py).
5. An input type's `StrawberryObjectDefinition.from_input`, a hook integrations set when they
   make a definition, is set after the fact by `build_input_by_renaming` (with the
   `InputContext` it is called with): a batch of 500 inputs spent most of its time in
   Strawberry's generic conversion. The renaming needs each field's GraphQL name: Strawberry's
   own converter (`strawberry.utils.str_converters.to_camel_case`), as `graphql_field_name`.
6. Names from modules Strawberry does not document: `SelectedField` and `Selection`
   (`strawberry.types.nodes`, what the documented `Info.selected_fields` holds),
   `PreExecutionError`, and `CannotGetOperationTypeError` and `InvalidOperationTypeError`
   (`strawberry.schema.exceptions`), how an error says its operation is not one the transport
   runs (app/graphql/errors.py), and `ScalarDefinition` (`strawberry.types.scalar`), what the
   documented `strawberry.scalar(...)` makes for `StrawberryConfig.scalar_map`.
7. The `strawberry.ws` logger's warning on a refused websocket origin is dropped by its text
   (`drop_origin_refusal_warnings`): it names Strawberry's `allowed_origins`, where operators
   set EVENTSTORE_CORS_ORIGINS, and the view logs that instead.
8. app/graphql/schema.py sets `ExecutionContext.parse_options["max_tokens"]` as parsing
   starts, and reads `.graphql_document` and `.query` and sets `.validation_rules` as
   validation starts (all of them, in place of every rule, for a document over a bound: see
   app/graphql/document_bounds.py); Strawberry's own `MaxTokensLimiter` and
   `AddValidationRules` set these from an operation hook, which stays open for a
   subscription's life (~2 KiB a socket).
9. app/graphql/document_validation.py validates documents itself (in place of
   `ValidationCache`, off the loop when large), as Strawberry's own validation does: through
   the module function `strawberry.schema.schema.validate_document(schema, document,
   validation_rules)`, which adds Strawberry's own rules (`@oneOf`, `Maybe`), with the
   graphql-core schema `Schema._schema` that `ValidationCache` reads too. It relies on
   Strawberry leaving validation alone when `ExecutionContext.pre_execution_errors` is set.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar

from graphql import GraphQLSchema
from starlette.websockets import WebSocketDisconnect
from strawberry import Schema
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import validate_document
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    PongMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage as LegacyConnectionInitMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.types import OperationMessage
from strawberry.types import ExecutionResult, get_object_definition
from strawberry.types.arguments import InputContext
from strawberry.types.execution import PreExecutionError
from strawberry.types.nodes import SelectedField, Selection
from strawberry.types.scalar import ScalarDefinition
from strawberry.utils.str_converters import to_camel_case

__all__ = [
    "BaseGraphQLWSHandler",
    "BaseRequestProtocol",
    "CannotGetOperationTypeError",
    "ConnectionInitMessage",
    "EncodedResult",
    "EncodedResultsHandler",
    "GraphQLRequestData",
    "InvalidOperationTypeError",
    "LegacyConnectionInitMessage",
    "Message",
    "NextCounter",
    "OperationMessage",
    "PongMessage",
    "ScalarDefinition",
    "SelectedField",
    "Selection",
    "build_input_by_renaming",
    "drop_origin_refusal_warnings",
    "graphql_core_schema",
    "graphql_field_name",
    "validate_document",
]

_log = logging.getLogger(__name__)

Context = TypeVar("Context")
RootValue = TypeVar("RootValue")


@dataclasses.dataclass
class EncodedResult(ExecutionResult):
    """A result that carries only data, with its `{"data": …}` payload already encoded."""

    payload_json: str = ""


class NextCounter(Protocol):
    """Counts the `next` messages a socket sends, and says when a ping should follow one."""

    def sent(self) -> bool: ...

    def pinged(self) -> None: ...


class EncodedResultsHandler(BaseGraphQLTransportWSHandler[Context, RootValue]):
    """graphql-transport-ws's handler, sending an `EncodedResult` as the text of its `next`
    message, the payload as it is: no message object is built, and nothing encoded, per socket.
    """

    def encoded_result_send(self) -> Callable[[str], Awaitable[None]] | None:
        """The socket's send for an encoded result's text; None sends it as any result."""
        return None

    def next_counter(self) -> NextCounter | None:
        """What counts the encoded results' `next` messages, and asks for pings."""
        return None

    async def handle_task_exception(self, error: Exception) -> None:
        # A client that leaves while a result is on its way (a resume, a closed tab) is how
        # subscriptions end every day: said in a line, not logged as a failure with its trace.
        if isinstance(error, WebSocketDisconnected):
            _log.info("A websocket client left while a result was being sent to it")
            return
        await super().handle_task_exception(error)

    # Strawberry's loop (0.341.3), with the encoded results' path first; the other branches
    # are Strawberry's own (tests/upstream/test_strawberry.py holds the loop they copy).
    async def _send_result_stream(
        self, operation: Operation[Context, RootValue], result_source: Any
    ) -> None:
        send_text, counter = self.encoded_result_send(), self.next_counter()
        prefix = '{"id":' + json.dumps(operation.id) + ',"type":"next","payload":'
        first = True
        async for result in result_source:
            if isinstance(result, EncodedResult) and send_text is not None:
                if operation.completed:
                    return
                ping = counter is not None and counter.sent()
                try:
                    await send_text(prefix + result.payload_json + "}")
                except WebSocketDisconnect as error:  # as Strawberry's adapter says it
                    raise WebSocketDisconnected from error
                if ping and counter is not None:
                    counter.pinged()
                    await super().send_message({"type": "ping"})
            elif first and isinstance(result, PreExecutionError):
                await self._handle_pre_execution_error(operation, result)
                return
            elif not isinstance(result, ExecutionResult):
                await self._reject_incremental_delivery(operation)
                return
            else:
                await operation.send_next(result)
            first = False


def graphql_field_name(python_name: str) -> str:
    """The GraphQL name Strawberry gives a field named `python_name` (camelCase)."""
    return to_camel_case(python_name)


def build_input_by_renaming(
    cls: type, graphql_name: Callable[[str], str] = graphql_field_name
) -> None:
    """Has Strawberry build the input type `cls` by renaming the keys of its GraphQL input
    value (a field's `graphql_name`, else `graphql_name(python_name)`), in place of its
    generic conversion, which resolves each field's type again for every item of a batch.

    Only for inputs whose every field is a scalar graphql-core has already coerced (String, or
    JSON, whose values are taken as they are): a rename is then all the conversion there is.
    Fields the client left out keep their default, as before.
    """
    definition = get_object_definition(cls, strict=True)
    python_names = {
        field.graphql_name or graphql_name(field.python_name): field.python_name
        for field in definition.fields
    }

    def build(origin: type, value: Mapping[str, Any], context: InputContext) -> Any:
        return origin(**{python_names[name]: item for name, item in value.items()})

    definition.from_input = build


ORIGIN_REFUSAL_LOGGER = "strawberry.ws"
ORIGIN_REFUSAL_WARNING = "Rejected WebSocket connection from origin"


class _OriginRefusalWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(ORIGIN_REFUSAL_WARNING)


def drop_origin_refusal_warnings() -> None:
    """Drops Strawberry's warning on a refused websocket origin (and nothing else it logs)."""
    logging.getLogger(ORIGIN_REFUSAL_LOGGER).addFilter(_OriginRefusalWarning())


def graphql_core_schema(schema: Schema) -> GraphQLSchema:
    """The graphql-core schema Strawberry built (what its `ValidationCache` validates with)."""
    built: GraphQLSchema = schema._schema
    return built
