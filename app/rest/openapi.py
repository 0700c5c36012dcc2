"""The OpenAPI description of the REST endpoints, served at `/openapi.json`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.access import MAX_KEY_LENGTH
from app.catalog.lifecycle import LIFECYCLE_ACTIONS
from app.rest.flexdeploy_webhook import SECRET_HEADER
from app.rest.ingest_request import IDEMPOTENCY_HEADER

__all__ = ["OPENAPI", "openapi_document"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


_ERROR = _json(_ref("Error"), "The error, naming each field at fault.")
_UNAVAILABLE = _json(_ref("Error"), "MongoDB did not answer in time; retry later.")
_IDEMPOTENCY = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": False,
    "description": "Retries with the same key store the event once (not blank, at most "
    f"{MAX_KEY_LENGTH} characters).",
    "schema": {"type": "string"},
}
_TEXT = {"type": "string"}
_TIME = {"type": "string", "format": "date-time"}

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "eventstore REST API",
        "version": "1.0.0",
        "description": "CTO.ai's events API and a FlexDeploy webhook receiver; GraphQL is at "
        "/graphql.",
    },
    "paths": {
        "/events": {
            "post": {
                "summary": "Send a CTO.ai lifecycle event",
                "parameters": [_IDEMPOTENCY],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("CtoEventBody")}},
                },
                "responses": {
                    "201": _json(_ref("CtoEvent"), "Stored."),
                    "200": _json(_ref("CtoEvent"), "Stored before, under this Idempotency-Key."),
                    "400": _json(_ref("Error"), "Malformed JSON, with the line and column."),
                    "422": _ERROR,
                    "503": _UNAVAILABLE,
                },
            },
            "get": {
                "summary": "Read lifecycle events, with FeathersJS query syntax",
                "parameters": [
                    _query("team_id", "Events of this team (any body field works: name=value)."),
                    _query("event_name", "Events of this name."),
                    _query("timestamp[$gte]", "Operators: $in $nin $lt $lte $gt $gte $ne."),
                    _query("$sort[timestamp]", "1 or -1; several $sort keys apply in order."),
                    _query("$limit", "Page size (default 50, at most 1000).", {"type": "integer"}),
                    _query("$skip", "Events to skip.", {"type": "integer"}),
                    _query("$select[]", "Fields to return (id always comes)."),
                ],
                "responses": {
                    "200": _json(_ref("EventPage"), "A page."),
                    "400": _ERROR,
                    "408": _json(_ref("Error"), "The query ran past its time limit: narrow it."),
                    "503": _UNAVAILABLE,
                },
            },
        },
        "/webhooks/flexdeploy": {
            "post": {
                "summary": "Receive a FlexDeploy event message",
                "parameters": [
                    {
                        "name": SECRET_HEADER,
                        "in": "header",
                        "required": False,
                        "description": "The shared secret, when one is configured.",
                        "schema": {"type": "string"},
                    },
                    _IDEMPOTENCY,
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("FlexDeployMessage")}},
                },
                "responses": {
                    "202": _json(_ref("WebhookAccepted"), "Stored (once, however often sent)."),
                    "400": _json(_ref("Error"), "Malformed JSON, with the line and column."),
                    "401": _json(_ref("Error"), "Missing or wrong secret."),
                    "422": _ERROR,
                    "503": _UNAVAILABLE,
                },
            }
        },
        "/healthz": {"get": {"summary": "Alive", "responses": {"200": {"description": "OK"}}}},
        "/readyz": {
            "get": {
                "summary": "Ready: MongoDB answers",
                "description": "`liveEvents` tells whether live events flow (`ok`) or not "
                "(`unavailable`: ingest and queries still work).",
                "responses": {
                    "200": {"description": "Ready"},
                    "503": {"description": "MongoDB does not answer"},
                },
            }
        },
    },
    "components": {
        "schemas": {
            "CtoEventBody": {
                "type": "object",
                "required": ["event_name"],
                "properties": {
                    "event_name": {
                        **_TEXT,
                        "description": "One of "
                        + ", ".join(LIFECYCLE_ACTIONS)
                        + ", or any custom name.",
                    },
                    "event_action": _TEXT,
                    "team_id": _TEXT,
                    "commit": _TEXT,
                    "branch": _TEXT,
                    "repo": _TEXT,
                    "timestamp": {**_TEXT, "description": "ISO-8601; the receive time if absent."},
                },
                "additionalProperties": True,
            },
            "CtoEvent": {
                "allOf": [
                    _ref("CtoEventBody"),
                    {
                        "type": "object",
                        "required": ["id", "timestamp", "received_at"],
                        "properties": {"id": _TEXT, "timestamp": _TIME, "received_at": _TIME},
                    },
                ]
            },
            "EventPage": {
                "type": "object",
                "required": ["total", "limit", "skip", "data"],
                "properties": {
                    "total": {"type": "integer"},
                    "limit": {"type": "integer"},
                    "skip": {"type": "integer"},
                    "data": {"type": "array", "items": _ref("CtoEvent")},
                },
            },
            "FlexDeployMessage": {
                "type": "object",
                "required": ["eventType"],
                "properties": {
                    "eventType": _TEXT,
                    "actor": {**_TEXT, "nullable": True},
                    "object": {**_TEXT, "nullable": True},
                    "timestamp": {
                        **_TEXT,
                        "nullable": True,
                        "description": "`2023-10-18 05:45:44 -0500`, ISO-8601, or null.",
                    },
                    "payload": {"type": "object", "nullable": True, "additionalProperties": True},
                },
            },
            "WebhookAccepted": {
                "type": "object",
                "required": ["id", "created"],
                "properties": {"id": _TEXT, "created": {"type": "boolean"}},
            },
            "Error": {
                "type": "object",
                "required": ["name", "message", "code", "errors"],
                "properties": {
                    "name": _TEXT,
                    "message": _TEXT,
                    "code": {"type": "integer"},
                    "className": _TEXT,
                    "errors": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"field": _TEXT, "message": _TEXT},
                        },
                    },
                },
            },
        }
    },
}


async def openapi_document(request: Request) -> JSONResponse:
    return JSONResponse(OPENAPI)
