"""The one way a REST endpoint ingests the event in a request's body."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request

from app.access import owned, scoped_key
from app.context import Caller
from app.errors import InvalidInput
from app.events import NewEvent, StoredEvent
from app.intake import IntakeLimits
from app.rest.responses import RestError, caller_of, read_json
from app.services import Services
from app.timestamps import utc_now

__all__ = ["IDEMPOTENCY_HEADER", "ingest_request"]

IDEMPOTENCY_HEADER = "Idempotency-Key"

Parser = Callable[[Any, datetime, IntakeLimits], NewEvent]


async def ingest_request(
    request: Request,
    parse: Parser,
    key_of: Callable[[Any], str | None],
    caller: Caller | None = None,
) -> tuple[StoredEvent, bool]:
    """Authenticate (unless the endpoint did: `caller`), parse (422 naming each bad field),
    and store under the caller's team.

    `key_of` gives the idempotency key for the parsed body; keys are kept per team.
    """
    services: Services = request.app.state.services
    caller = caller or caller_of(request)
    body = await read_json(request)
    received_at = utc_now()
    try:
        event = parse(body, received_at, services.intake_limits)
        key = scoped_key(caller, key_of(body), field=IDEMPOTENCY_HEADER)
    except InvalidInput as invalid:
        raise RestError.from_invalid(422, invalid) from None
    return await services.ingestor.ingest(
        owned(caller, event), received_at=received_at, idempotency_key=key
    )
