"""`POST /webhooks/<tool>`: each family's webhook deliveries (`Family.webhooks`), exactly as
its tool sends them; 202 once stored, once however often sent.

The family says who sent a delivery and what its idempotency key is; the steps are the same
for every tool: the sender checked before the body is read, then the one ingest use case.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.access.caller import Caller
from app.config import Settings
from app.families import FAMILIES, Family
from app.families.family import Refused, Webhook
from app.intake.bodies import NOT_BLANK
from app.rest.answers import WebhookAccepted, WebhookIgnored
from app.rest.ingest_request import ingest_request
from app.rest.openapi_parts import (
    UNAVAILABLE_FOR_WRITES,
    body,
    body_errors,
    header,
    idempotency_key,
    json_answer,
    operation,
    token_errors,
)
from app.rest.responses import RestError, caller_of, rest_endpoint
from app.services import Services

__all__ = ["REQUEST_MODELS", "ROUTES", "openapi_paths"]

_WEBHOOKS = tuple((family, webhook) for family in FAMILIES for webhook in family.webhooks)


def _receiver(family: Family, webhook: Webhook) -> Callable[[Request], Awaitable[Response]]:
    @rest_endpoint
    async def receive(request: Request) -> Response:
        services: Services = request.app.state.services
        try:
            team = webhook.sender(request.headers, await request.body(), services.settings)
        except Refused as refused:
            raise RestError(401, str(refused)) from None
        caller = caller_of(request) if team is None else Caller(team_id=team, admin=False)
        reason = webhook.ignored(request.headers) if webhook.ignored is not None else None
        if reason is not None:
            ignored: WebhookIgnored = {"ignored": reason}
            return JSONResponse(ignored, status_code=200)
        stored, created = await ingest_request(
            request,
            family.parse,
            lambda message: webhook.key(request.headers, message),
            caller=caller,
            key_field=webhook.key_field,
            read=lambda message: webhook.read(request.headers, message),
        )
        answer: WebhookAccepted = {"id": stored.id, "created": created}
        return JSONResponse(answer, status_code=202)

    return receive


ROUTES = [
    Route(webhook.path, _receiver(family, webhook), methods=["POST"])
    for family, webhook in _WEBHOOKS
]

REQUEST_MODELS: dict[str, type[BaseModel]] = {
    webhook.body.__name__: webhook.body for _, webhook in _WEBHOOKS
}


def openapi_paths(settings: Settings, tokens: bool) -> dict[str, Any]:
    return {
        webhook.path: {"post": _operation(webhook, settings, tokens)} for _, webhook in _WEBHOOKS
    }


def _operation(webhook: Webhook, settings: Settings, tokens: bool) -> dict[str, Any]:
    required = [
        header(item.name, item.description, {"type": "string", "pattern": NOT_BLANK})
        | {"required": True}
        for item in webhook.headers
    ]
    parameters = required
    if webhook.key_header is not None:
        parameters.append(idempotency_key(webhook.key_header))
    responses = {
        "202": json_answer("WebhookAccepted", "Stored (once, however often sent)."),
        **body_errors(),
        **token_errors(tokens),
        "503": json_answer("ErrorAnswer", UNAVAILABLE_FOR_WRITES),
    }
    if webhook.ignored is not None:
        responses["200"] = json_answer(
            "WebhookIgnored", "Not stored: the delivery carries no event (a ping)."
        )
    proof = webhook.proof(settings)
    if proof is not None:
        parameters.insert(
            0, header(proof.name, proof.description, {"type": "string"}) | {"required": True}
        )
        responses["401"] = json_answer(
            "ErrorAnswer", f"No token, or a missing or wrong {proof.name}."
        )
    more: dict[str, Any] = {"parameters": parameters, "requestBody": body(webhook.body.__name__)}
    if tokens and webhook.team_bound(settings):
        # The proof alone stands for its team: a token is welcome, not needed.
        more["security"] = [{"token": []}, {}]
    return operation(webhook.summary, responses, **more)
