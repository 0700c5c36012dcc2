"""`POST /cloudevents` (and `POST /events` when the request is a CloudEvent): CloudEvents' HTTP
binding, in binary, structured or batched mode, for the family whose events arrive as
CloudEvents (`Family.cloudevents_in`).

Each CloudEvent's `source` and `id` are its idempotency key, so a redelivery stores nothing.
A batch is stored all together or, when any event of it is bad, not at all.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.errors import InvalidInput, MalformedJson
from app.families import FAMILIES
from app.families.family import CloudEventsIn
from app.ingest.ingestor import Submission
from app.rest.answers import CloudEventsAccepted, WebhookAccepted
from app.rest.cloudevents import cloudevents_from_http
from app.rest.openapi_parts import (
    UNAVAILABLE_FOR_WRITES,
    body_errors,
    header,
    json_answer,
    one_of_json,
    operation,
    ref,
    token_errors,
)
from app.rest.responses import RestError, caller_of, rest_endpoint
from app.services import Services
from app.web.media_types import media_type

__all__ = ["REQUEST_MODELS", "ROUTES", "is_cloudevent_request", "openapi_paths", "post_cloudevents"]

_TAKERS = [family.cloudevents_in for family in FAMILIES if family.cloudevents_in is not None]
if len(_TAKERS) != 1:
    # The binding hands every CloudEvent to one family's intake; two would need a rule to
    # choose between them first.
    raise RuntimeError(f"one family must take CloudEvents in, {len(_TAKERS)} do")
_IN: CloudEventsIn = _TAKERS[0]


def is_cloudevent_request(request: Request) -> bool:
    """Whether a request is in one of CloudEvents' HTTP modes: a CloudEvents media type
    (structured, batched) or CloudEvents attributes in `ce-` headers (binary)."""
    media = media_type(request.headers.get("content-type"))
    return media.startswith("application/cloudevents") or "ce-specversion" in request.headers


@rest_endpoint
async def post_cloudevents(request: Request) -> Response:
    """Store the CloudEvents a request carries; 201 when any is new, 200 when all were stored
    before, 422 naming every problem (the attribute, header or path inside `data`), 400 for
    a body that is not JSON."""
    services: Services = request.app.state.services
    caller = caller_of(request)
    body = await request.body()
    try:
        cloud_events, batched = cloudevents_from_http(request.headers, body)
        submissions = [
            Submission(
                item,
                _IN.parse,
                where=(index,) if batched else (),
                key=_IN.key(item),
                key_field=(index, "id") if batched else ("id",),
            )
            for index, item in enumerate(cloud_events)
        ]
        if not batched:
            stored, created = await services.ingestor.ingest(caller, submissions[0])
            answer: WebhookAccepted = {"id": stored.id, "created": created}
            return JSONResponse(answer, status_code=201 if created else 200)
        ingested = await services.ingestor.ingest_batch(caller, submissions)
    except MalformedJson as malformed:
        # As on `POST /events`: a body that is not JSON is a 400, bad fields a 422.
        raise RestError.from_invalid(400, malformed) from None
    except InvalidInput as invalid:
        raise RestError.from_invalid(422, invalid) from None
    accepted: CloudEventsAccepted = {
        "count": len(ingested.events),
        "events": [
            {"id": event.id, "created": made}
            for event, made in zip(ingested.events, ingested.created, strict=True)
        ],
    }
    return JSONResponse(accepted, status_code=201 if any(ingested.created) else 200)


ROUTES = [Route("/cloudevents", post_cloudevents, methods=["POST"])]

REQUEST_MODELS: dict[str, type[BaseModel]] = {
    _IN.event.__name__: _IN.event,
    _IN.data.__name__: _IN.data,
}


def openapi_paths(tokens: bool) -> dict[str, Any]:
    responses = {
        "201": one_of_json(("WebhookAccepted", "CloudEventsAccepted"), "Stored (any of them)."),
        "200": one_of_json(
            ("WebhookAccepted", "CloudEventsAccepted"),
            "Stored before: each CloudEvent's `source` and `id` are its idempotency key.",
        ),
        **body_errors(),
        **token_errors(tokens),
        "503": json_answer("ErrorAnswer", UNAVAILABLE_FOR_WRITES),
    }
    binary = [
        header(f"ce-{name}", f"Binary mode: the CloudEvent's `{name}`.", {"type": "string"})
        for name in ("specversion", "id", "source", "type", "subject", "time")
    ]
    event = ref(_IN.event.__name__)
    post = operation(
        f"Receive {_IN.title} as CloudEvents (binary, structured or batched mode)",
        responses,
        description="`POST /events` takes the same requests. A batch is stored all "
        "together, or not at all when any of its events is bad.",
        parameters=binary,
        requestBody={
            "required": True,
            "content": {
                "application/cloudevents+json": {"schema": event},
                "application/cloudevents-batch+json": {"schema": {"type": "array", "items": event}},
                "application/json": {"schema": ref(_IN.data.__name__)},
            },
        },
    )
    return {"/cloudevents": {"post": post}}
