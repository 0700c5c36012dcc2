"""`POST /webhooks/flexdeploy`: FlexDeploy event messages, exactly as FlexDeploy sends them."""

from __future__ import annotations

import hashlib
import hmac
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.access.caller import Caller
from app.families.flexdeploy.intake import flexdeploy_event
from app.rest.answers import WebhookAccepted
from app.rest.ingest_request import IDEMPOTENCY_HEADER, ingest_request
from app.rest.responses import RestError, rest_endpoint
from app.services import Services

__all__ = ["SECRET_HEADER", "post_flexdeploy_message"]

SECRET_HEADER = "X-Webhook-Secret"


@rest_endpoint
async def post_flexdeploy_message(request: Request) -> Response:
    """Store one message under the caller's team; 202 once stored, once however often sent."""
    services: Services = request.app.state.services
    _check_secret(request, services)
    key = request.headers.get(IDEMPOTENCY_HEADER)
    # A blank key is refused as on `POST /events`, not taken for no key: one rule for both.
    stored, created = await ingest_request(
        request,
        flexdeploy_event,
        lambda message: _delivery_key(message) if key is None else key,
        caller=_secret_bearer(request, services),
    )
    answer: WebhookAccepted = {"id": stored.id, "created": created}
    return JSONResponse(answer, status_code=202)


def _check_secret(request: Request, services: Services) -> None:
    secret = services.settings.flexdeploy_secret
    if secret is None:
        return
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, secret.get_secret_value().encode()):
        raise RestError(401, f"missing or wrong {SECRET_HEADER} header")


def _secret_bearer(request: Request, services: Services) -> Caller | None:
    """The team a call bearing the (checked) secret and no token stands for, if one is bound
    to the secret; otherwise the token decides, as everywhere."""
    team = services.settings.flexdeploy_team
    if team is None or request.headers.get("authorization") is not None:
        return None
    return Caller(team_id=team, admin=False)


def _delivery_key(message: object) -> str:
    """The same message delivered twice has the same key: FlexDeploy retries are harmless."""
    canonical = json.dumps(message, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # Surrogates pass here: such a message is refused by its intake, which names the field.
    return "flexdeploy:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
