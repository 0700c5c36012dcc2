"""Each GraphQL document parsed once: scripts send the same mutation again and again.

Strawberry's `ParserCache` raises a syntax error from inside its extension hook, where the
websocket transports do not catch it (the subscription then ends without a word). Here a
document that does not parse is left to Strawberry's own parsing, which reports it.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension

from app.graphql.document_work import LARGE_DOCUMENT, document_work

__all__ = ["DocumentCache"]

# Bounded: distinct documents sent by clients cannot grow memory.
_CACHED_DOCUMENTS = 256


def _parse(query: str, max_tokens: int | None) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


_parsed = functools.lru_cache(maxsize=_CACHED_DOCUMENTS)(_parse)


class DocumentCache(SchemaExtension):
    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        query = context.query
        # A document that does not parse is left for Strawberry to parse again and report.
        if query is not None:
            with contextlib.suppress(GraphQLError):
                max_tokens = context.parse_options.get("max_tokens")
                # A large document is not kept: 256 of them, each tens of thousands of nodes,
                # would be millions of objects for every full garbage collection to walk.
                kept = _parsed if len(query) < LARGE_DOCUMENT else _parse
                context.graphql_document = await document_work(query, kept, query, max_tokens)
        yield
