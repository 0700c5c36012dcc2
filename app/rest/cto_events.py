"""CTO.ai's events API: `POST /events` to send a lifecycle event, `GET /events` to read them."""

from __future__ import annotations

from typing import Any, cast

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.access.teams import scoped, visible
from app.errors import FieldError, InvalidInput
from app.families.lifecycle.body import LifecycleBody
from app.families.lifecycle.intake import SOURCE, lifecycle_event
from app.filters import Condition, Op, all_of
from app.rest.answers import CtoEvent, EventPage
from app.rest.cloudevents import BATCH, cloudevents_batch
from app.rest.cloudevents_endpoint import is_cloudevent_request, post_cloudevents
from app.rest.feathers import parse_feathers_query
from app.rest.ingest_request import IDEMPOTENCY_HEADER, ingest_request
from app.rest.openapi_parts import (
    UNAVAILABLE_FOR_WRITES,
    body,
    body_errors,
    idempotency_key,
    json_answer,
    operation,
    token_errors,
)
from app.rest.responses import RestError, caller_of, cto_event, rest_endpoint
from app.services import Services
from app.store import DEFAULT_SORT, EventQuery
from app.web.media_types import accepted_quality

__all__ = ["REQUEST_MODELS", "ROUTES", "get_event", "get_events", "openapi_paths", "post_events"]

_DEFAULT_LIMIT = 50


@rest_endpoint
async def post_events(request: Request) -> Response:
    """Store one lifecycle event sent as CTO.ai's JSON body; 201 with the stored event.
    A CloudEvent sent here is taken as `POST /cloudevents` takes it."""
    if is_cloudevent_request(request):
        return await post_cloudevents(request)
    key = request.headers.get(IDEMPOTENCY_HEADER)
    stored, created = await ingest_request(request, lifecycle_event, lambda body: key)
    return JSONResponse(cto_event(stored), status_code=201 if created else 200)


@rest_endpoint
async def get_events(request: Request) -> Response:
    """Lifecycle events, with FeathersJS query syntax, in Feathers' paginated shape; or, to
    `Accept: application/cloudevents-batch+json`, events of every family as CloudEvents."""
    services: Services = request.app.state.services
    caller = caller_of(request)
    try:
        query = parse_feathers_query(request.query_params.multi_items())
    except InvalidInput as invalid:
        raise RestError.from_invalid(400, invalid) from None
    maximum = services.settings.max_page_size
    limit = _DEFAULT_LIMIT if query.limit is None else query.limit
    if limit > maximum:
        problem = FieldError(("$limit",), f"must be at most {maximum}, got {limit}")
        raise RestError(400, problem.describe(), [problem])
    as_cloudevents = _wants_cloudevents(request)
    if as_cloudevents:
        # Every family reads as a CloudEvent; the query's filters and paging apply as ever.
        selected = scoped(caller, query.filter)
    else:
        selected = scoped(caller, all_of([query.filter, Condition("source", Op.EQ, SOURCE)]))
    page = await services.store.page(
        EventQuery(filter=selected, sort=query.sort or DEFAULT_SORT, limit=limit, skip=query.skip)
    )
    if as_cloudevents:
        return Response(cloudevents_batch(item.event for item in page.events), media_type=BATCH)
    events = [cto_event(item.event) for item in page.events]
    if query.select is not None:
        chosen = {"id", *query.select}
        events = [_only(event, chosen) for event in events]
    answer: EventPage = {
        "total": await services.store.count(selected),
        "limit": limit,
        "skip": query.skip,
        "data": events,
    }
    return JSONResponse(answer)


@rest_endpoint
async def get_event(request: Request) -> Response:
    """One lifecycle event by its id, as Feathers' `get`; a 404 for anything the caller
    cannot read (another team's event included: its existence is not the caller's business)."""
    services: Services = request.app.state.services
    caller = caller_of(request)
    event_id = request.path_params["id"]
    try:
        event = await services.store.get(event_id)
    except InvalidInput:
        event = None  # not an id this store makes: no record either
    if event is None or event.source != SOURCE or not visible(caller, event):
        raise RestError(404, f"No record found for id '{event_id}'")
    return JSONResponse(cto_event(event))


async def events(request: Request) -> Response:
    """`/events`, one resource: a 405 for other methods lists both of its own in `Allow`."""
    return await (get_events if request.method in ("GET", "HEAD") else post_events)(request)


def _only(event: CtoEvent, chosen: set[str]) -> CtoEvent:
    # A cast: `id` is always chosen, so the shape's one required key stays.
    return cast(CtoEvent, {key: value for key, value in event.items() if key in chosen})


def _wants_cloudevents(request: Request) -> bool:
    return accepted_quality(request.headers.get("accept", ""), BATCH) > 0


ROUTES = [
    Route("/events", events, methods=["GET", "POST"]),
    Route("/events/{id}", get_event, methods=["GET"]),
]

REQUEST_MODELS: dict[str, type[BaseModel]] = {"LifecycleBody": LifecycleBody}


def openapi_paths(parameters: list[dict[str, Any]], tokens: bool) -> dict[str, Any]:
    """`parameters`: the Feathers query parameters, as configured."""
    return {
        "/events": {"post": _post_events(tokens), "get": _get_events(parameters, tokens)},
        "/events/{id}": {"get": _get_event(tokens)},
    }


def _post_events(tokens: bool) -> dict[str, Any]:
    responses = {
        "201": json_answer("CtoEvent", "Stored."),
        "200": json_answer("CtoEvent", f"Stored before, under this {IDEMPOTENCY_HEADER}."),
        **body_errors(),
        **token_errors(tokens, forbidden="The body names another team than the token's."),
        "503": json_answer("ErrorAnswer", UNAVAILABLE_FOR_WRITES),
    }
    return operation(
        "Send a CTO.ai lifecycle event",
        responses,
        parameters=[idempotency_key()],
        requestBody=body("LifecycleBody"),
    )


def _get_events(parameters: list[dict[str, Any]], tokens: bool) -> dict[str, Any]:
    page = json_answer("EventPage", "A page.")
    page["content"]["application/cloudevents-batch+json"] = {
        "schema": {"type": "array", "items": {"type": "object"}}
    }
    page["description"] = (
        "A page; to `Accept: application/cloudevents-batch+json`, the page's events of every "
        "family as CloudEvents."
    )
    responses = {
        "200": page,
        "400": json_answer("ErrorAnswer", "A parameter this API does not take, or a bad value."),
        **token_errors(tokens, forbidden="The query names another team than the token's."),
        "408": json_answer("ErrorAnswer", "The query ran past its time limit: narrow it."),
        "503": json_answer("ErrorAnswer", "MongoDB did not answer in time; retry later."),
    }
    return operation(
        "Read lifecycle events, with FeathersJS query syntax", responses, parameters=parameters
    )


def _get_event(tokens: bool) -> dict[str, Any]:
    responses = {
        "200": json_answer("CtoEvent", "The event."),
        "404": json_answer(
            "ErrorAnswer", "No lifecycle event with this id that the caller may read."
        ),
        **token_errors(tokens),
        "503": json_answer("ErrorAnswer", "MongoDB did not answer in time; retry later."),
    }
    return operation(
        "Read one lifecycle event",
        responses,
        parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
    )
