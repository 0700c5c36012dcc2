"""How errors reach GraphQL clients: coded, naming the field, never a stack trace.

Codes follow Apollo's conventions, which GraphQL clients already understand.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError

from app.errors import FieldErrors, ServiceError, render_path
from app.upstream.strawberry import CannotGetOperationTypeError, InvalidOperationTypeError

__all__ = ["shape_error"]

log = logging.getLogger(__name__)


def shape_error(error: GraphQLError) -> GraphQLError:
    """The error as clients see it: coded, and masked when it was not raised on purpose."""
    original = error.original_error
    if isinstance(original, FieldErrors):
        return _with(
            error,
            str(original),
            {
                "code": original.code,
                "fields": [
                    {"path": render_path(item.path), "message": item.message}
                    for item in original.errors
                ],
            },
        )
    if isinstance(original, ServiceError):
        return _with(error, str(original), {"code": original.code})
    if isinstance(original, InvalidOperationTypeError | CannotGetOperationTypeError):
        # The document asks for something this transport does not run (a query over the
        # legacy graphql-ws protocol) or names no operation it holds.
        return _with(error, error.message, {"code": "GRAPHQL_VALIDATION_FAILED"})
    if isinstance(original, ValueError) and error.path is None:
        # A literal of the document that its scalar refuses (a DateTime that is no time):
        # found while validating the document, before anything ran.
        return _with(error, error.message, {"code": "BAD_USER_INPUT"})
    if original is not None and not isinstance(original, GraphQLError):
        error_id = uuid.uuid4().hex
        log.error("Unexpected error %s", error_id, exc_info=original)
        return _with(
            error,
            f"Internal server error (error id {error_id}).",
            {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
        )
    if error.extensions and "code" in error.extensions:
        return error
    return _with(error, error.message, {**(error.extensions or {}), "code": _code_of(error)})


def _code_of(error: GraphQLError) -> str:
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if error.path is None and error.message.startswith("Variable '$"):
        # The variables do not fit the input types: a field missing, of the wrong type, …
        return "BAD_USER_INPUT"
    if error.path is None:
        return "GRAPHQL_VALIDATION_FAILED"
    # Raised while executing, yet not by our code: graphql-core found a broken result.
    return "INTERNAL_SERVER_ERROR"


def _with(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )
