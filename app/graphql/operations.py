"""The operation a request asks for, read before Strawberry executes it (cached, bounded)."""

from __future__ import annotations

from functools import lru_cache

from graphql import DocumentNode, OperationDefinitionNode, get_operation_ast, parse
from graphql.error import GraphQLSyntaxError

__all__ = ["requested_operation"]


@lru_cache(maxsize=512)
def _document(query: str) -> DocumentNode | None:
    try:
        return parse(query)
    except GraphQLSyntaxError:
        return None


def requested_operation(query: str, operation_name: str | None) -> OperationDefinitionNode | None:
    """The operation `query` runs, or None when it does not parse or names none (Strawberry
    then reports why)."""
    document = _document(query)
    return None if document is None else get_operation_ast(document, operation_name)
