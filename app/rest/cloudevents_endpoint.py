"""`POST /cloudevents` (and `POST /events` when the request is a CloudEvent): CDEvents over
CloudEvents' HTTP binding, in binary, structured or batched mode.

Each CloudEvent's `source` and `id` are its idempotency key, so a redelivery stores nothing.
A batch is stored all together or, when any event of it is bad, not at all.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.errors import InvalidInput, MalformedJson
from app.families.cdevents.intake import cloudevent_event, cloudevent_key
from app.ingest.ingestor import Submission
from app.rest.answers import CloudEventsAccepted, WebhookAccepted
from app.rest.cloudevents import cloudevents_from_http
from app.rest.responses import RestError, caller_of, rest_endpoint
from app.services import Services
from app.web.media_types import media_type

__all__ = ["is_cloudevent_request", "post_cloudevents"]


def is_cloudevent_request(request: Request) -> bool:
    """Whether a request is in one of CloudEvents' HTTP modes: a CloudEvents media type
    (structured, batched) or CloudEvents attributes in `ce-` headers (binary)."""
    media = media_type(request.headers.get("content-type"))
    return media.startswith("application/cloudevents") or "ce-specversion" in request.headers


@rest_endpoint
async def post_cloudevents(request: Request) -> Response:
    """Store the CDEvents a request carries; 201 when any is new, 200 when all were stored
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
                cloudevent_event,
                where=(index,) if batched else (),
                key=cloudevent_key(item),
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
