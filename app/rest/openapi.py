"""The OpenAPI description of the REST endpoints, served at `/openapi.json`.

Assembled here from the models that validate requests (`app.intake.bodies`, the Feathers parameters)
and the shapes answers are built as (`app.rest.answers`): pydantic writes their JSON Schema
(OpenAPI 3.1 uses JSON Schema itself), so nothing is described twice. What depends on the
configuration (tokens, the webhook secret, the largest page) is described as configured.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.access.teams import MAX_KEY_LENGTH
from app.config import Settings
from app.families.cdevents.body import CDEventBody, CloudEventBody
from app.families.flexdeploy.message import FlexDeployMessage
from app.families.lifecycle.body import LifecycleBody
from app.intake.bodies import SCHEMA_REF
from app.intake.json_checks import json_value_schema
from app.rest.answers import (
    CloudEventsAccepted,
    CtoEvent,
    ErrorAnswer,
    EventPage,
    Health,
    Readiness,
    WebhookAccepted,
)
from app.rest.feathers import FeathersParameters
from app.rest.flexdeploy_webhook import SECRET_HEADER
from app.rest.ingest_request import IDEMPOTENCY_HEADER
from app.services import Services

__all__ = ["build_openapi", "openapi_document"]

_SHAPES: dict[str, Any] = {
    "LifecycleBody": LifecycleBody,
    "FlexDeployMessage": FlexDeployMessage,
    "CloudEvent": CloudEventBody,
    "CDEvent": CDEventBody,
    "CloudEventsAccepted": CloudEventsAccepted,
    "CtoEvent": CtoEvent,
    "EventPage": EventPage,
    "WebhookAccepted": WebhookAccepted,
    "ErrorAnswer": ErrorAnswer,
    "Health": Health,
    "Readiness": Readiness,
    "FeathersParameters": FeathersParameters,
}
_REQUESTS = frozenset({"LifecycleBody", "FlexDeployMessage", "CloudEvent", "CDEvent"})
# `scoped_key`'s rule for keys (not blank, no control characters), over what an HTTP header
# can carry: printable ASCII and Latin-1 letters, with something besides spaces.
_KEY_PATTERN = r"^[ -~\x80-\xff]*[!-~\xa1-\xff][ -~\x80-\xff]*$"


async def openapi_document(request: Request) -> JSONResponse:
    services: Services = request.app.state.services
    return JSONResponse(build_openapi(services.settings, tokens=not services.tokens.open))


_UNAVAILABLE_FOR_WRITES = (
    "MongoDB did not answer in time (the write may have happened: retry with the same key), or "
    "the service is storing all the events it takes at once (nothing stored; see Retry-After)."
)


def build_openapi(settings: Settings, *, tokens: bool) -> dict[str, Any]:
    """The document for a service run with `settings`; `tokens`: callers must send one."""
    schemas = _schemas()
    parameters = _feathers_parameters(schemas.pop("FeathersParameters"), settings)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "eventstore REST API",
            "version": "1.0.0",
            "description": "CTO.ai's events API, a FlexDeploy webhook receiver and CDEvents over "
            "CloudEvents' HTTP binding; GraphQL is "
            f"at /graphql. Events are at most {settings.max_event_bytes:,} bytes as JSON and "
            f"nest at most {settings.max_event_depth} levels; request bodies are at most "
            f"{settings.max_request_bytes:,} bytes.",
        },
        "paths": {
            "/events": {
                "post": _post_events(tokens),
                "get": _get_events(parameters, tokens),
            },
            "/events/{id}": {"get": _get_event(tokens)},
            "/webhooks/flexdeploy": {"post": _post_webhook(settings, tokens)},
            "/cloudevents": {"post": _post_cloudevents(tokens)},
            "/healthz": {"get": _probe("Alive", {"200": _json("Health", "Alive.")})},
            "/readyz": {
                "get": _probe(
                    "Ready: MongoDB answers",
                    {
                        "200": _json("Readiness", "Ready (live events may still be down)."),
                        "503": _json("Readiness", "MongoDB does not answer."),
                    },
                )
            },
        },
        "components": {"schemas": schemas},
    }
    if tokens:
        document["components"]["securitySchemes"] = {"token": {"type": "http", "scheme": "bearer"}}
        document["security"] = [{"token": []}]
    return document


def _schemas() -> dict[str, Any]:
    inputs = [(name, "validation" if name in _REQUESTS else "serialization") for name in _SHAPES]
    _, found = TypeAdapter.json_schemas(
        [(key, mode, TypeAdapter(_SHAPES[key])) for key, mode in inputs],  # type: ignore[misc]
        ref_template=SCHEMA_REF,
    )
    schemas: dict[str, Any] = found["$defs"]
    schemas["JsonValue"] = json_value_schema(SCHEMA_REF.format(model="JsonValue"))
    return schemas


def _feathers_parameters(shape: dict[str, Any], settings: Settings) -> list[dict[str, Any]]:
    shape["properties"]["$limit"]["maximum"] = settings.max_page_size
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": schema.pop("description"),
            "schema": schema,
        }
        for name, schema in shape["properties"].items()
    ]


def _post_events(tokens: bool) -> dict[str, Any]:
    responses = {
        "201": _json("CtoEvent", "Stored."),
        "200": _json("CtoEvent", f"Stored before, under this {IDEMPOTENCY_HEADER}."),
        **_body_errors(),
        **_token_errors(tokens, forbidden="The body names another team than the token's."),
        "503": _json("ErrorAnswer", _UNAVAILABLE_FOR_WRITES),
    }
    return {
        "summary": "Send a CTO.ai lifecycle event",
        "parameters": [_idempotency_key()],
        "requestBody": _body("LifecycleBody"),
        "responses": dict(sorted(responses.items())),
    }


def _post_cloudevents(tokens: bool) -> dict[str, Any]:
    responses = {
        "201": _one_of_json(("WebhookAccepted", "CloudEventsAccepted"), "Stored (any of them)."),
        "200": _one_of_json(
            ("WebhookAccepted", "CloudEventsAccepted"),
            "Stored before: each CloudEvent's `source` and `id` are its idempotency key.",
        ),
        **_body_errors(),
        **_token_errors(tokens),
        "503": _json("ErrorAnswer", _UNAVAILABLE_FOR_WRITES),
    }
    binary = [
        _header(f"ce-{name}", f"Binary mode: the CloudEvent's `{name}`.", {"type": "string"})
        for name in ("specversion", "id", "source", "type", "subject", "time")
    ]
    return {
        "summary": "Receive CDEvents as CloudEvents (binary, structured or batched mode)",
        "description": "`POST /events` takes the same requests. A batch is stored all "
        "together, or not at all when any of its events is bad.",
        "parameters": binary,
        "requestBody": {
            "required": True,
            "content": {
                "application/cloudevents+json": {"schema": _ref("CloudEvent")},
                "application/cloudevents-batch+json": {
                    "schema": {"type": "array", "items": _ref("CloudEvent")}
                },
                "application/json": {"schema": _ref("CDEvent")},
            },
        },
        "responses": dict(sorted(responses.items())),
    }


def _get_events(parameters: list[dict[str, Any]], tokens: bool) -> dict[str, Any]:
    page = _json("EventPage", "A page.")
    page["content"]["application/cloudevents-batch+json"] = {
        "schema": {"type": "array", "items": {"type": "object"}}
    }
    page["description"] = (
        "A page; to `Accept: application/cloudevents-batch+json`, the page's events of every "
        "family as CloudEvents."
    )
    responses = {
        "200": page,
        "400": _json("ErrorAnswer", "A parameter this API does not take, or a bad value."),
        **_token_errors(tokens, forbidden="The query names another team than the token's."),
        "408": _json("ErrorAnswer", "The query ran past its time limit: narrow it."),
        "503": _json("ErrorAnswer", "MongoDB did not answer in time; retry later."),
    }
    return {
        "summary": "Read lifecycle events, with FeathersJS query syntax",
        "parameters": parameters,
        "responses": dict(sorted(responses.items())),
    }


def _get_event(tokens: bool) -> dict[str, Any]:
    responses = {
        "200": _json("CtoEvent", "The event."),
        "404": _json("ErrorAnswer", "No lifecycle event with this id that the caller may read."),
        **_token_errors(tokens),
        "503": _json("ErrorAnswer", "MongoDB did not answer in time; retry later."),
    }
    return {
        "summary": "Read one lifecycle event",
        "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "responses": dict(sorted(responses.items())),
    }


def _post_webhook(settings: Settings, tokens: bool) -> dict[str, Any]:
    parameters = [_idempotency_key()]
    responses = {
        "202": _json("WebhookAccepted", "Stored (once, however often sent)."),
        **_body_errors(),
        **_token_errors(tokens),
        "503": _json("ErrorAnswer", _UNAVAILABLE_FOR_WRITES),
    }
    if settings.flexdeploy_secret is not None:
        parameters.insert(0, _header(SECRET_HEADER, "The shared secret.", {"type": "string"}))
        parameters[0]["required"] = True
        responses["401"] = _json("ErrorAnswer", "No token, or a missing or wrong secret.")
    operation = {
        "summary": "Receive a FlexDeploy event message",
        "parameters": parameters,
        "requestBody": _body("FlexDeployMessage"),
        "responses": dict(sorted(responses.items())),
    }
    if tokens and settings.flexdeploy_team is not None:
        # The secret alone stands for its team: a token is welcome, not needed.
        operation["security"] = [{"token": []}, {}]
    return operation


def _probe(summary: str, responses: dict[str, Any]) -> dict[str, Any]:
    # Probes answer load balancers, which hold no token.
    return {"summary": summary, "security": [], "responses": responses}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _body_errors() -> dict[str, Any]:
    return {
        "400": _json("ErrorAnswer", "Malformed JSON, with the line and column."),
        "413": _json("ErrorAnswer", "The request body is too large."),
        "422": _json("ErrorAnswer", "The error, naming each field at fault."),
    }


def _token_errors(tokens: bool, forbidden: str | None = None) -> dict[str, Any]:
    if not tokens:
        return {}
    errors = {"401": _json("ErrorAnswer", "No token, or one this service does not know.")}
    if forbidden is not None:
        errors["403"] = _json("ErrorAnswer", forbidden)
    return errors


def _idempotency_key() -> dict[str, Any]:
    return _header(
        IDEMPOTENCY_HEADER,
        "Retries with the same key store the event once.",
        {"type": "string", "maxLength": MAX_KEY_LENGTH, "pattern": _KEY_PATTERN},
    )


def _header(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _one_of_json(names: tuple[str, ...], description: str) -> dict[str, Any]:
    schema = {"oneOf": [_ref(name) for name in names]}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": SCHEMA_REF.format(model=name)}
