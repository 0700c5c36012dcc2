"""The one way a REST endpoint ingests the event in a request's body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from app.access.caller import Caller
from app.errors import InvalidInput
from app.events import StoredEvent
from app.ingest.ingestor import Parser, Submission
from app.rest.responses import RestError, caller_of, read_json
from app.services import Services

__all__ = ["IDEMPOTENCY_HEADER", "ingest_request"]

IDEMPOTENCY_HEADER = "Idempotency-Key"


async def ingest_request(
    request: Request,
    parse: Parser,
    key_of: Callable[[Any], str | None],
    caller: Caller | None = None,
) -> tuple[StoredEvent, bool]:
    """Authenticate (unless the endpoint did: `caller`), then ingest the body: 422 naming
    each bad field.

    `key_of` gives the idempotency key for the body; keys are kept per team.
    """
    services: Services = request.app.state.services
    caller = caller or caller_of(request)
    body = await read_json(request)
    submission = Submission(body, parse, key=key_of(body), key_field=(IDEMPOTENCY_HEADER,))
    try:
        return await services.ingestor.ingest(caller, submission)
    except InvalidInput as invalid:
        raise RestError.from_invalid(422, invalid) from None
