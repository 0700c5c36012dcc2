"""What the REST endpoints answer: FeathersJS-style errors, and events in the tools' shapes."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.access.caller import Caller
from app.access.tokens import BEARER_CHALLENGE, Forbidden, Unauthenticated
from app.errors import (
    DatabaseUnavailable,
    FieldError,
    InvalidInput,
    KeyInUse,
    QueryTimeout,
    ServiceBusy,
    render_path,
)
from app.events import StoredEvent
from app.named_fields import NAMED_FIELDS, FieldKind
from app.rest.answers import CtoEvent, ErrorAnswer
from app.services import Services
from app.web.json_input import JsonRefused, decode

__all__ = ["RestError", "caller_of", "cto_event", "error_response", "read_json", "rest_endpoint"]

_NAMES = {
    400: ("BadRequest", "bad-request"),
    401: ("NotAuthenticated", "not-authenticated"),
    403: ("Forbidden", "forbidden"),
    404: ("NotFound", "not-found"),
    408: ("Timeout", "timeout"),
    409: ("Conflict", "conflict"),
    413: ("PayloadTooLarge", "payload-too-large"),
    422: ("Unprocessable", "unprocessable"),
    503: ("Unavailable", "unavailable"),
}


class RestError(Exception):
    """An answer other than success, with the fields it is about."""

    def __init__(self, status: int, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or []

    @classmethod
    def from_invalid(cls, status: int, invalid: InvalidInput) -> RestError:
        return cls(status, str(invalid), list(invalid.errors))


Endpoint = Callable[[Request], Awaitable[Response]]


def rest_endpoint(handler: Endpoint) -> Endpoint:
    """Answers the errors a REST handler raises: its own, and who-may-do-what."""

    @functools.wraps(handler)
    async def answer(request: Request) -> Response:
        try:
            return await handler(request)
        except RestError as error:
            return error_response(error)
        except Unauthenticated as error:
            response = error_response(RestError(401, str(error)))
            response.headers.update(BEARER_CHALLENGE)
            return response
        except Forbidden as error:
            return error_response(RestError(403, str(error)))
        except KeyInUse as error:
            return error_response(RestError(409, str(error), list(error.errors)))
        except DatabaseUnavailable as error:
            return error_response(RestError(503, str(error)))
        except ServiceBusy as error:
            response = error_response(RestError(503, str(error)))
            response.headers["Retry-After"] = str(error.retry_after_seconds)
            return response
        except QueryTimeout as error:
            return error_response(RestError(408, str(error)))

    return answer


def caller_of(request: Request) -> Caller:
    services: Services = request.app.state.services
    return services.tokens.from_authorization(request.headers.get("authorization"))


def error_response(error: RestError) -> JSONResponse:
    """Errors in the shape FeathersJS clients (and CTO.ai's) already handle."""
    name, class_name = _NAMES.get(error.status, ("GeneralError", "general-error"))
    answer: ErrorAnswer = {
        "name": name,
        "message": error.message,
        "code": error.status,
        "className": class_name,
        "errors": [
            {"field": render_path(item.path), "message": item.message} for item in error.errors
        ],
    }
    return JSONResponse(answer, status_code=error.status)


async def read_json(request: Request) -> Any:
    """The request body as JSON, whatever its content type (curl -d sends a form type)."""
    body = await request.body()
    try:
        return decode(body)
    except JsonRefused as refused:
        raise RestError(400, refused.reason, [FieldError((), refused.reason)]) from None
    except json.JSONDecodeError as error:
        raise RestError(
            400,
            f"malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}",
            [FieldError((), f"line {error.lineno}, column {error.colno}: {error.msg}")],
        ) from None


def cto_event(event: StoredEvent) -> CtoEvent:
    """A lifecycle event as CTO.ai's API shows it: the body's fields, snake_case, plus ids."""
    named: dict[str, Any] = {"id": event.id}
    for field in NAMED_FIELDS:
        if field.cto_name is not None:
            value = getattr(event, field.attribute)
            named[field.cto_name] = value.isoformat() if field.kind is FieldKind.TIME else value
    shown = {key: value for key, value in named.items() if value is not None}
    extra = {key: value for key, value in (event.data or {}).items() if key not in named}
    # A cast: the body's further fields are keys a TypedDict cannot name.
    return cast(CtoEvent, shown | extra)
