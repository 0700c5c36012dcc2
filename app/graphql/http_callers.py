"""HTTP callers of the GraphQL endpoint: authenticated before anything runs, a missing or
unknown token answered 401 in GraphQL's own shape (websocket callers authenticate with
`connection_init`, in the view)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.access.tokens import BEARER_CHALLENGE, Unauthenticated
from app.graphql.context import GraphQLContext
from app.services import Services

__all__ = ["http_context"]


def http_context(request: Request) -> GraphQLContext | Response:
    """The request's context with its caller, or the 401 to answer."""
    services: Services = request.app.state.services
    try:
        caller = services.tokens.from_authorization(request.headers.get("authorization"))
    except Unauthenticated as error:
        return _unauthenticated(str(error))
    return GraphQLContext(services=services, caller_or_none=caller)


def _unauthenticated(message: str) -> Response:
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers=BEARER_CHALLENGE,
    )
