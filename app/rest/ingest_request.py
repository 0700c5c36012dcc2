"""The one way a REST endpoint ingests the event in a request's body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from app.access.caller import Caller
from app.errors import FieldPath, InvalidInput
from app.events import StoredEvent
from app.ingest.ingestor import Parser, Submission
from app.intake.bodies import IDEMPOTENCY_HEADER
from app.rest.responses import RestError, caller_of, read_json
from app.services import Services

__all__ = ["IDEMPOTENCY_HEADER", "ingest_request"]


def _as_sent(body: Any) -> Any:
    return body


async def ingest_request(
    request: Request,
    parse: Parser,
    key_of: Callable[[Any], str | None],
    *,
    caller: Caller | None = None,
    key_field: FieldPath = (IDEMPOTENCY_HEADER,),
    read: Callable[[Any], Any] = _as_sent,
) -> tuple[StoredEvent, bool]:
    """Authenticate (unless the endpoint did: `caller`), then ingest the body: 422 naming
    each bad field.

    `key_of` gives the idempotency key for the body (a bad one is reported as `key_field`);
    keys are kept per team. `read` makes of the body what `parse` takes.
    """
    services: Services = request.app.state.services
    caller = caller or caller_of(request)
    body = await read_json(request)
    submission = Submission(read(body), parse, key=key_of(body), key_field=key_field)
    try:
        return await services.ingestor.ingest(caller, submission)
    except InvalidInput as invalid:
        raise RestError.from_invalid(422, invalid) from None
