"""Strawberry still has the shape app/upstream/strawberry.py relies on (its docstring says why).

Each check fails naming what Strawberry changed; the fix is to re-read Strawberry's code there,
adapt ours, and update the check (and the version app/upstream/strawberry.py names).
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import cross_web
import strawberry
from graphql import (
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLSchema,
    ValidationRule,
    parse,
    specified_rules,
)
from graphql.language import FieldNode
from strawberry.asgi import GraphQL
from strawberry.extensions import SchemaExtension
from strawberry.http import async_base_view
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema import schema as schema_module
from strawberry.subscriptions.protocols.graphql_transport_ws import handlers as transport
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.types import ExecutionContext, get_object_definition
from strawberry.types.execution import PreExecutionError

from app.upstream.strawberry import (
    ORIGIN_REFUSAL_LOGGER,
    ORIGIN_REFUSAL_WARNING,
    CannotGetOperationTypeError,
    InvalidOperationTypeError,
    SelectedField,
    build_input_by_renaming,
    graphql_core_schema,
    graphql_field_name,
    validate_document,
)
from tests.utils.upstream import (
    Reliance,
    expect_call,
    expect_code,
    expect_coroutine,
    expect_parameters,
)

ENCODED = Reliance(
    "Strawberry",
    "app/upstream/strawberry.py's EncodedResultsHandler overrides graphql-transport-ws's "
    "loop over results for shared fan-out results, and re-does its other branches",
)
TRANSPORT_HOOKS = Reliance(
    "Strawberry",
    "app/graphql/websocket_handlers.py's TransportWSHandler overrides or reads it (read "
    "receipts, 4401 on a bad token, the init deadline's task let go)",
)
LEGACY_HOOKS = Reliance(
    "Strawberry",
    "app/graphql/websocket_handlers.py's LegacyWSHandler overrides or reads it (init deadline)",
)
VIEW = Reliance(
    "Strawberry",
    "app/graphql/view.py's GraphQLView overrides it outside the documented hooks (auth, "
    "persisted queries, graphql-response+json, DeliverySocket)",
)
FANOUT = Reliance(
    "Strawberry", "app/graphql/schema.py overrides Schema.stream so subscriptions share runs"
)
INPUTS = Reliance(
    "Strawberry",
    "app/upstream/strawberry.py's build_input_by_renaming sets the input types' from_input "
    "(each family's graphql_input.py: a batch of 500 events)",
)
NAMES = Reliance(
    "Strawberry", "app/upstream/strawberry.py re-exports it for app/graphql/ (query, errors)"
)
LIMITS = Reliance(
    "Strawberry", "app/graphql/schema.py sets the document limits from on_parse and on_validate"
)
ORIGINS = Reliance(
    "Strawberry",
    "app/upstream/strawberry.py drops its refused-origin warning, by logger and text",
)

TRANSPORT_HANDLER = transport.BaseGraphQLTransportWSHandler
VIEW_RUN: Any = GraphQL.run  # two overloads and their implementation


# 1. graphql-transport-ws's private loop over an operation's results.

STRAWBERRY_RESULT_LOOP = """
async def _send_result_stream(
    self, operation: Operation[Context, RootValue], result_source: StreamResult
) -> None:
    is_first_result = True
    async for result in result_source:
        if is_first_result and isinstance(result, PreExecutionError):
            await self._handle_pre_execution_error(operation, result)
            return
        if not isinstance(result, ExecutionResult):
            await self._reject_incremental_delivery(operation)
            return
        await operation.send_next(result)
        is_first_result = False
"""


def test_the_result_loop_is_still_the_one_encoded_results_handler_re_does() -> None:
    loop = expect_parameters(
        TRANSPORT_HANDLER, "_send_result_stream", ["self", "operation", "result_source"], ENCODED
    )
    expect_coroutine(loop, ENCODED)
    expect_code(loop, STRAWBERRY_RESULT_LOOP, ENCODED)
    expect_call(TRANSPORT_HANDLER.run_operation, "self._send_result_stream", ENCODED)
    expect_parameters(
        TRANSPORT_HANDLER, "_handle_pre_execution_error", ["self", "operation", "result"], ENCODED
    )
    expect_parameters(
        TRANSPORT_HANDLER, "_reject_incremental_delivery", ["self", "operation"], ENCODED
    )
    expect_parameters(transport.Operation, "send_next", ["self", "execution_result"], ENCODED)
    for attribute in ("id", "completed"):
        assert attribute in transport.Operation.__slots__, ENCODED.broken(
            f"removed Operation.{attribute}"
        )


def test_a_vanished_peer_is_still_what_a_handler_ends_quietly_on() -> None:
    # EncodedResultsHandler raises it for a peer gone mid-send, as Strawberry's adapter does.
    assert vars(transport)["WebSocketDisconnected"] is WebSocketDisconnected, ENCODED.broken(
        "moved WebSocketDisconnected (strawberry.http.exceptions)"
    )
    source = inspect.getsource(TRANSPORT_HANDLER.handle)
    assert "except WebSocketDisconnected" in source, ENCODED.broken(
        "no longer ends a graphql-transport-ws connection quietly on WebSocketDisconnected"
    )
    # What ended an operation reaches handle_task_exception, which logs it: overridden so a
    # client that left mid-send is a line, not an error with its trace.
    function = expect_parameters(
        TRANSPORT_HANDLER, "handle_task_exception", ["self", "error"], ENCODED
    )
    expect_coroutine(function, ENCODED)
    expect_call(TRANSPORT_HANDLER.run_operation, "self.handle_task_exception", ENCODED)


# 2. The websocket handlers' undocumented hooks.


def _attributes_after_init(handler: Any, **arguments: Any) -> dict[str, Any]:
    made = handler(
        view=None, websocket=None, context=None, root_value=None, schema=None, **arguments
    )
    return dict(vars(made))


def test_the_transport_handler_still_has_the_hooks_the_view_overrides() -> None:
    expect_parameters(
        TRANSPORT_HANDLER,
        "__init__",
        [
            "self",
            "view",
            "websocket",
            "context",
            "root_value",
            "schema",
            "connection_init_wait_timeout",
            "max_subscriptions_per_connection",
        ],
        TRANSPORT_HOOKS,
    )
    for hook in ("send_message", "handle_message", "handle_pong", "handle_connection_init"):
        function = expect_parameters(TRANSPORT_HANDLER, hook, ["self", "message"], TRANSPORT_HOOKS)
        expect_coroutine(function, TRANSPORT_HOOKS)
    expect_parameters(
        TRANSPORT_HANDLER, "handle_invalid_message", ["self", "error_message"], TRANSPORT_HOOKS
    )
    attributes = _attributes_after_init(
        TRANSPORT_HANDLER, connection_init_wait_timeout=timedelta(seconds=1)
    )
    for attribute in ("context", "websocket", "connection_acknowledged"):
        assert attribute in attributes, TRANSPORT_HOOKS.broken(
            f"no longer sets BaseGraphQLTransportWSHandler.{attribute}"
        )
    assert attributes.get("connection_init_timeout_task", False) is None, TRANSPORT_HOOKS.broken(
        "no longer starts BaseGraphQLTransportWSHandler.connection_init_timeout_task as None"
    )
    # The view lets go of the deadline's task once acknowledged: Strawberry has cancelled it.
    expect_call(
        TRANSPORT_HANDLER.handle_connection_init,
        "self.connection_init_timeout_task.cancel",
        TRANSPORT_HOOKS,
    )


def test_the_legacy_handler_still_has_the_hooks_the_view_overrides() -> None:
    handler = BaseGraphQLWSHandler
    expect_parameters(
        handler,
        "__init__",
        [
            "self",
            "view",
            "websocket",
            "context",
            "root_value",
            "schema",
            "keep_alive",
            "keep_alive_interval",
            "max_subscriptions_per_connection",
        ],
        LEGACY_HOOKS,
    )
    expect_coroutine(expect_parameters(handler, "handle", ["self"], LEGACY_HOOKS), LEGACY_HOOKS)
    for hook in ("send_message", "handle_message", "handle_connection_init"):
        expect_coroutine(
            expect_parameters(handler, hook, ["self", "message"], LEGACY_HOOKS), LEGACY_HOOKS
        )
    attributes = _attributes_after_init(handler, keep_alive=False, keep_alive_interval=None)
    for attribute in ("view", "websocket", "connection_acknowledged"):
        assert attribute in attributes, LEGACY_HOOKS.broken(
            f"no longer sets BaseGraphQLWSHandler.{attribute}"
        )


def test_the_view_still_installs_the_handlers_from_its_class_attributes() -> None:
    for attribute in ("graphql_transport_ws_handler_class", "graphql_ws_handler_class"):
        expect_call(VIEW_RUN, f"self.{attribute}", TRANSPORT_HOOKS)


# 3. The view's methods outside its documented hooks.

STRAWBERRY_ASGI_CALL = """
async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http":
        http_request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(http_request)
        except HTTPException as e:
            response = PlainTextResponse(e.reason, status_code=e.status_code)
        await response(scope, receive, send)
    elif scope["type"] == "websocket":
        ws_request = WebSocket(scope, receive=receive, send=send)
        await self.run(ws_request)
    else:
        raise ValueError("Unknown scope type: {!r}".format(scope["type"]))
"""

VIEW_METHODS = {
    "run": ["self", "request", "context", "root_value"],
    "execute_single": [
        "self",
        "request",
        "request_adapter",
        "sub_response",
        "context",
        "root_value",
        "request_data",
    ],
    "parse_http_body": ["self", "request"],
    "parse_json": ["self", "data"],
    "should_render_graphql_ide": ["self", "request"],
    "get_sub_response": ["self", "request"],
    "create_response": ["self", "response_data", "sub_response"],
}


def test_the_view_still_has_the_methods_the_view_overrides() -> None:
    for name, parameters in VIEW_METHODS.items():
        expect_parameters(GraphQL, name, parameters, VIEW)
    # Where Strawberry calls them from, so that ours still take part.
    for caller, called in [
        (VIEW_RUN, "self.should_render_graphql_ide"),
        (VIEW_RUN, "self.parse_http_body"),
        (VIEW_RUN, "self.get_sub_response"),
        (VIEW_RUN, "self.create_response"),
        (GraphQL.execute_operation, "self.execute_single"),
        (GraphQL.parse_http_body, "self.parse_json"),
        (GraphQL.parse_query_params, "self.parse_json"),
    ]:
        expect_call(caller, called, VIEW)


def test_the_views_call_is_still_the_one_graphql_view_re_does_for_websockets() -> None:
    expect_code(GraphQL.__call__, STRAWBERRY_ASGI_CALL, VIEW)


def test_the_view_still_answers_and_reads_requests_with_cross_web() -> None:
    import strawberry.asgi

    assert vars(strawberry.asgi)["HTTPException"] is cross_web.HTTPException, VIEW.broken(
        "no longer answers cross_web's HTTPException, which GraphQLView.parse_json raises"
    )
    assert GraphQL.request_adapter_class is cross_web.StarletteRequestAdapter, VIEW.broken(
        "no longer reads requests through cross_web's StarletteRequestAdapter"
    )
    adapter = vars(async_base_view)["AsyncHTTPRequestAdapter"]
    assert adapter is cross_web.AsyncHTTPRequestAdapter, VIEW.broken(
        "no longer types the view's request adapters with cross_web's AsyncHTTPRequestAdapter"
    )


def test_the_view_keeps_the_settings_the_legacy_handler_reads() -> None:
    view = GraphQL(_tiny_schema(), connection_init_wait_timeout=timedelta(seconds=3))
    assert view.connection_init_wait_timeout == timedelta(seconds=3), LEGACY_HOOKS.broken(
        "no longer keeps the view's connection_init_wait_timeout"
    )


# 4. Schema.stream, through which graphql-transport-ws runs every operation.


def test_stream_is_still_where_graphql_transport_ws_runs_operations() -> None:
    stream = strawberry.Schema.stream
    names = list(inspect.signature(stream).parameters)[:6]
    expected = ["self", "query", "variable_values", "context_value", "root_value"]
    assert names == [*expected, "operation_name"], FANOUT.broken(
        f"renamed or changed Schema.stream({', '.join(expected)}, operation_name, ...)"
    )
    expect_call(TRANSPORT_HANDLER.run_operation, "self.schema.stream", FANOUT)


# 5. Input types built through from_input.


@strawberry.input
class _Note:
    event_name: str
    detail: str | None = strawberry.UNSET


@strawberry.type
class _NoteQuery:
    @strawberry.field
    def take(self, note: _Note) -> str:
        return f"{note.event_name}|{note.detail is strawberry.UNSET}"


build_input_by_renaming(_Note, {"event_name": "eventName", "detail": "detail"}.__getitem__)


async def test_inputs_are_still_built_through_their_from_input() -> None:
    definition = get_object_definition(_Note, strict=True)
    ours, seen = definition.from_input, []
    assert ours is not None

    def spy(origin: type, value: Any, context: Any) -> Any:
        seen.append(dict(value))
        return ours(origin, value, context)

    definition.from_input = spy
    try:
        result = await _QuietSchema(query=_NoteQuery).execute('{ take(note: {eventName: "x"}) }')
    finally:
        definition.from_input = ours
    assert result.errors is None, INPUTS.broken(f"builds inputs otherwise now: {result.errors}")
    assert result.data == {"take": "x|True"}
    assert seen == [{"eventName": "x"}], INPUTS.broken(
        "no longer builds an input through StrawberryObjectDefinition.from_input("
        "origin, value by GraphQL names, InputContext)"
    )


def test_a_fields_graphql_name_is_still_the_one_the_renaming_computes() -> None:
    definition = get_object_definition(_Note, strict=True)
    note = graphql_core_schema(_QuietSchema(query=_NoteQuery)).type_map[definition.name]
    assert isinstance(note, GraphQLInputObjectType)
    fields = list(note.fields)
    python_names = [field.python_name for field in definition.fields]
    assert sorted(map(graphql_field_name, python_names)) == sorted(fields), INPUTS.broken(
        f"names input fields otherwise now: {sorted(fields)}"
    )


# 6. Names from modules Strawberry does not document.


@strawberry.type
class _Item:
    name: str = "a"
    size: int = 1


_SELECTED: list[Any] = []


@strawberry.type
class _ItemQuery:
    @strawberry.field
    def item(self, info: strawberry.Info) -> _Item:
        _SELECTED[:] = info.selected_fields
        return _Item()


async def test_selected_fields_are_still_selected_fields_and_fragments() -> None:
    query = "{ item { name ... on Item { size } ...More } } fragment More on Item { name }"
    result = await _QuietSchema(query=_ItemQuery).execute(query)
    assert result.errors is None
    assert [type(field) for field in _SELECTED] == [SelectedField], NAMES.broken(
        "no longer answers Info.selected_fields with strawberry.types.nodes.SelectedField"
    )
    inside = _SELECTED[0].selections
    assert [type(item).__name__ for item in inside] == [
        "SelectedField",
        "InlineFragment",
        "FragmentSpread",
    ], NAMES.broken("changed the selections in a SelectedField (app/graphql/query.py walks them)")
    assert inside[0].name == "name"
    assert all(hasattr(item, "selections") for item in inside)


async def test_an_operation_the_transport_cannot_run_is_still_said_with_these_errors() -> None:
    schema = _tiny_schema()
    unknown = await schema.stream("query A { a }", operation_name="B")
    first = await anext(unknown)
    assert isinstance(first, PreExecutionError)
    assert _original_errors(first) == [CannotGetOperationTypeError], NAMES.broken(
        "no longer says an unknown operation name with CannotGetOperationTypeError"
    )
    not_a_subscription = await schema.subscribe("{ a }")
    assert isinstance(not_a_subscription, AsyncGenerator)
    first = await anext(not_a_subscription)
    assert _original_errors(first) == [InvalidOperationTypeError], NAMES.broken(
        "no longer says an operation of the wrong type with InvalidOperationTypeError"
    )


def _original_errors(result: Any) -> list[type]:
    return [type(error.original_error) for error in result.errors or []]


# 7. The refused origin's warning.


def test_the_refused_origin_warning_is_still_logged_as_it_is_dropped() -> None:
    assert async_base_view.logger.name == ORIGIN_REFUSAL_LOGGER, ORIGINS.broken(
        f"no longer logs websocket origins on {ORIGIN_REFUSAL_LOGGER!r}"
    )
    assert ORIGIN_REFUSAL_WARNING in inspect.getsource(async_base_view), ORIGINS.broken(
        f"reworded its warning {ORIGIN_REFUSAL_WARNING!r}"
    )
    assert isinstance(async_base_view.logger, logging.Logger)


# 8. The document limits, set as parsing and validation start.


async def test_the_document_limits_are_still_read_where_they_are_set() -> None:
    fields = {field.name for field in dataclasses.fields(ExecutionContext)}
    assert {"query", "graphql_document", "parse_options", "validation_rules"} <= fields
    documents: list[Any] = []

    class NoFieldA(ValidationRule):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.name.value == "a":
                self.report_error(GraphQLError("no a"))

    class Limits(SchemaExtension):
        def on_parse(self) -> Iterator[None]:
            self.execution_context.parse_options["max_tokens"] = self.tokens
            yield

        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            documents.append(context.graphql_document)
            # In place of every rule, as a refused document's are: `zzz` goes unreported.
            context.validation_rules = (NoFieldA,)
            yield

        tokens = 4

    schema = _tiny_schema(extensions=[Limits])
    assert _messages(await schema.execute("{ a zzz }")) == ["no a"], LIMITS.broken(
        "no longer validates with (only) ExecutionContext.validation_rules set in on_validate"
    )
    assert documents[0] is not None, LIMITS.broken(
        "no longer has ExecutionContext.graphql_document parsed when on_validate starts"
    )
    Limits.tokens = 2
    assert _messages(await schema.execute("{ a }")) == [
        "Syntax Error: Document contains more than 2 tokens. Parsing aborted."
    ], LIMITS.broken("no longer parses with ExecutionContext.parse_options set in on_parse")


def _messages(result: Any) -> list[str]:
    return [error.message for error in result.errors or []]


@strawberry.type
class _Query:
    a: int = 1


@strawberry.type
class _Subscription:
    @strawberry.subscription
    async def tick(self) -> AsyncGenerator[int, None]:
        yield 1


class _QuietSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """These schemas' errors are expected: no log of each."""


def _tiny_schema(**options: Any) -> strawberry.Schema:
    return _QuietSchema(query=_Query, subscription=_Subscription, **options)


# 9. Validation done by our own extension, as Strawberry's own does it.

VALIDATION = Reliance(
    "Strawberry",
    "app/graphql/document_validation.py validates in place of ValidationCache (off the loop)",
)


async def test_validation_is_still_strawberrys_function_and_left_to_an_extension_that_did_it() -> (
    None
):
    expect_parameters(
        schema_module, "validate_document", ["schema", "document", "validation_rules"], VALIDATION
    )
    built = graphql_core_schema(_tiny_schema())
    assert isinstance(built, GraphQLSchema), VALIDATION.broken("no longer keeps Schema._schema")
    rules = tuple(specified_rules)
    assert validate_document(built, parse("{ a }"), rules) == []
    assert validate_document(built, parse("{ zzz }"), rules), VALIDATION.broken(
        "no longer validates with graphql-core's rules in validate_document"
    )

    class SetsErrors(SchemaExtension):
        async def on_validate(self) -> AsyncIterator[None]:
            self.execution_context.pre_execution_errors = [GraphQLError("ours")]
            yield

    answer = await _tiny_schema(extensions=[SetsErrors]).execute("{ zzz }")
    assert _messages(answer) == ["ours"], VALIDATION.broken(
        "no longer leaves validation alone when an extension set pre_execution_errors"
    )
