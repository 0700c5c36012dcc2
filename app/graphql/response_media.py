"""GraphQL over HTTP's media types: a caller that accepts application/graphql-response+json
gets it, and a request that fails before execution is then a 400 without `data`;
application/json stays 200 for every GraphQL result, as the spec asks for clients that
predate it."""

from __future__ import annotations

from strawberry.types import ExecutionResult

from app.web.media_types import accepted_quality

__all__ = [
    "GRAPHQL_RESPONSE_JSON",
    "failed_before_execution",
    "json_qualities",
    "prefers_graphql_response_json",
]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


def json_qualities(accept: str) -> tuple[float, float]:
    """How much `accept` wants application/graphql-response+json and application/json (0-1)."""
    return (
        accepted_quality(accept, GRAPHQL_RESPONSE_JSON),
        accepted_quality(accept, "application/json"),
    )


def prefers_graphql_response_json(accept: str) -> bool:
    """Whether `accept` ranks GraphQL-over-HTTP's own media type at least as high as
    `application/json` (Apollo Client 4 and graphql-http ask for it first)."""
    ours, plain = json_qualities(accept)
    return ours > 0 and ours >= plain


def failed_before_execution(result: ExecutionResult) -> bool:
    """A request error (unparsable, invalid, bad variables, unknown persisted query): no data,
    and no error belongs to a field."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)
