"""The OpenAPI description of the REST endpoints, served at `/openapi.json`.

Assembled here from each REST edge's operations, the models that validate requests (each
family's, the Feathers parameters) and the shapes answers are built as (`app.rest.answers`):
pydantic writes their JSON Schema (OpenAPI 3.1 uses JSON Schema itself), so nothing is
described twice. What depends on the configuration (tokens, a webhook's secret, the largest
page) is described as configured.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.config import Settings
from app.intake.bodies import SCHEMA_REF
from app.intake.json_checks import json_value_schema
from app.rest import cloudevents_endpoint, cto_events, webhooks
from app.rest.answers import (
    CloudEventsAccepted,
    CtoEvent,
    ErrorAnswer,
    EventPage,
    Health,
    Readiness,
    WebhookAccepted,
    WebhookIgnored,
)
from app.rest.feathers import FeathersParameters
from app.rest.openapi_parts import json_answer
from app.services import Services

__all__ = ["build_openapi", "openapi_document"]

# What requests carry, as each edge validates it.
_REQUESTS: dict[str, Any] = (
    cto_events.REQUEST_MODELS | webhooks.REQUEST_MODELS | cloudevents_endpoint.REQUEST_MODELS
)
_ANSWERS: dict[str, Any] = {
    "CloudEventsAccepted": CloudEventsAccepted,
    "CtoEvent": CtoEvent,
    "EventPage": EventPage,
    "WebhookAccepted": WebhookAccepted,
    "WebhookIgnored": WebhookIgnored,
    "ErrorAnswer": ErrorAnswer,
    "Health": Health,
    "Readiness": Readiness,
    "FeathersParameters": FeathersParameters,
}


async def openapi_document(request: Request) -> JSONResponse:
    services: Services = request.app.state.services
    return JSONResponse(build_openapi(services.settings, tokens=not services.tokens.open))


def build_openapi(settings: Settings, *, tokens: bool) -> dict[str, Any]:
    """The document for a service run with `settings`; `tokens`: callers must send one."""
    schemas = _schemas()
    parameters = _feathers_parameters(schemas.pop("FeathersParameters"), settings)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "eventstore REST API",
            "version": "1.0.0",
            "description": "The REST shapes delivery tools already speak: an events API, "
            "their webhooks and CloudEvents' HTTP binding; GraphQL is "
            f"at /graphql. Events are at most {settings.max_event_bytes:,} bytes as JSON and "
            f"nest at most {settings.max_event_depth} levels; request bodies are at most "
            f"{settings.max_request_bytes:,} bytes.",
        },
        "paths": {
            **cto_events.openapi_paths(parameters, tokens),
            **webhooks.openapi_paths(settings, tokens),
            **cloudevents_endpoint.openapi_paths(tokens),
            "/healthz": {"get": _probe("Alive", {"200": json_answer("Health", "Alive.")})},
            "/readyz": {
                "get": _probe(
                    "Ready: MongoDB answers",
                    {
                        "200": json_answer("Readiness", "Ready (live events may still be down)."),
                        "503": json_answer("Readiness", "MongoDB does not answer."),
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
    shapes = [(name, "validation", shape) for name, shape in _REQUESTS.items()] + [
        (name, "serialization", shape) for name, shape in _ANSWERS.items()
    ]
    _, found = TypeAdapter.json_schemas(
        [(key, mode, TypeAdapter(shape)) for key, mode, shape in shapes],  # type: ignore[misc]
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


def _probe(summary: str, responses: dict[str, Any]) -> dict[str, Any]:
    # Probes answer load balancers, which hold no token.
    return {"summary": summary, "security": [], "responses": responses}
