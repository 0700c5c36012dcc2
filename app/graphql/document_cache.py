"""Each GraphQL document parsed once, within the token limit; large ones off the loop.

Scripts send the same mutation again and again: a small document's parse is kept for every
request that sends it. A large one (`LARGE_DOCUMENT`) is parsed on the document worker and kept
for its own request only: the view reads its operation's type and the fan-out its operation
before Strawberry parses it, and those parses, on the loop and without the token limit, were a
quarter of the loop's time while one client sent large documents back to back.

Strawberry's `ParserCache` raises a syntax error from inside its extension hook, where the
websocket transports do not catch it (the subscription then ends without a word). Here a small
document that does not parse is left to Strawberry's own parsing, which reports it. A large one
is not parsed again on the loop (up to the token limit, ~35 ms, for each such request): its
error is set as the request's, with a one-field stand-in of an allowed type and the requested
name as its document, so that Strawberry answers with the error and runs nothing.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator
from contextvars import ContextVar

from graphql import (
    DocumentNode,
    GraphQLError,
    OperationDefinitionNode,
    get_operation_ast,
    parse,
)
from strawberry.extensions import SchemaExtension

from app.graphql.document_work import LARGE_DOCUMENT, document_work

__all__ = ["DocumentCache", "Documents"]

# Bounded: distinct documents sent by clients cannot grow memory. A large document is never
# kept here: 256 of them, each tens of thousands of nodes, would be millions of objects for
# every full garbage collection to walk.
_CACHED_DOCUMENTS = 256

_Parsed = DocumentNode | GraphQLError

# The large document this request (or this websocket operation) has parsed, and how it went.
# A context variable: it lives as long as the task that serves the request, no longer.
_this_request: ContextVar[tuple[str, _Parsed] | None] = ContextVar("large_document", default=None)


class Documents:
    """The service's parser: every document within `max_tokens`."""

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens
        self._small = functools.lru_cache(maxsize=_CACHED_DOCUMENTS)(self._parse)

    async def parse(self, query: str) -> DocumentNode:
        """`query` parsed; raises the parser's `GraphQLError` when it does not parse."""
        if len(query) < LARGE_DOCUMENT:
            return self._small(query)
        earlier = _this_request.get()
        if earlier is not None and earlier[0] == query:
            parsed = earlier[1]
        else:
            try:
                parsed = await document_work(query, self._parse, query)
            except GraphQLError as refused:
                parsed = refused
            _this_request.set((query, parsed))
        if isinstance(parsed, GraphQLError):
            raise parsed
        return parsed

    async def operation(
        self, query: str, operation_name: str | None
    ) -> OperationDefinitionNode | None:
        """The operation `query` runs, or None when it does not parse or names none
        (Strawberry then reports why)."""
        try:
            document = await self.parse(query)
        except GraphQLError:
            return None
        return get_operation_ast(document, operation_name)

    def _parse(self, query: str) -> DocumentNode:
        return parse(query, max_tokens=self.max_tokens)


class DocumentCache(SchemaExtension):
    def __init__(self, documents: Documents) -> None:
        self.documents = documents

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        # Strawberry's own parse, for a document that does not parse here, within the limit.
        context.parse_options["max_tokens"] = self.documents.max_tokens
        query = context.query
        if query is not None:
            try:
                context.graphql_document = await self.documents.parse(query)
            except GraphQLError as refused:
                if len(query) >= LARGE_DOCUMENT:
                    await self._refuse(refused)
        yield

    async def _refuse(self, refused: GraphQLError) -> None:
        context = self.execution_context
        allowed = {operation.value for operation in context.allowed_operations}
        kind = next((kind for kind in _STAND_IN_KINDS if kind in allowed), None)
        if kind is None:
            return
        name = context.operation_name  # the one asked for: no document is set yet
        with contextlib.suppress(GraphQLError):  # a name no document can have: Strawberry's
            stand_in = await self.documents.parse(f"{kind} {name or ''} {{ __typename }}")
            context.graphql_document = stand_in
            context.pre_execution_errors = [refused]


_STAND_IN_KINDS = ("query", "mutation", "subscription")
