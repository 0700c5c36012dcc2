"""FlexDeploy's webhook: messages exactly as FlexDeploy sends them, at `POST /webhooks/flexdeploy`.

FlexDeploy can send a shared secret (`X-Webhook-Secret`), not always a bearer token: with
`EVENTSTORE_FLEXDEPLOY_SECRET` set a delivery must carry it, and with
`EVENTSTORE_FLEXDEPLOY_TEAM` too, a delivery with the secret and no token is that team's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from app.config import Settings
from app.families.family import Header, Refused, Webhook
from app.families.flexdeploy.message import FlexDeployMessage
from app.intake.bodies import IDEMPOTENCY_HEADER

__all__ = ["SECRET_HEADER", "WEBHOOK"]

SECRET_HEADER = "X-Webhook-Secret"


def _sender(headers: Mapping[str, str], body: bytes, settings: Settings) -> str | None:
    secret = settings.flexdeploy_secret
    if secret is not None:
        given = headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, secret.get_secret_value().encode()):
            raise Refused(f"missing or wrong {SECRET_HEADER} header")
    # A token, when one is sent, decides as everywhere.
    if headers.get("authorization") is not None:
        return None
    return settings.flexdeploy_team


def _key(headers: Mapping[str, str], message: Any) -> str:
    # A blank key is refused as on `POST /events`, not taken for no key: one rule for both.
    given = headers.get(IDEMPOTENCY_HEADER)
    return _delivery_key(message) if given is None else given


def _delivery_key(message: object) -> str:
    """The same message delivered twice has the same key: FlexDeploy retries are harmless."""
    canonical = json.dumps(message, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # Surrogates pass here: such a message is refused by its intake, which names the field.
    return "flexdeploy:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _proof(settings: Settings) -> Header | None:
    if settings.flexdeploy_secret is None:
        return None
    return Header(SECRET_HEADER, "The shared secret.")


WEBHOOK = Webhook(
    path="/webhooks/flexdeploy",
    summary="Receive a FlexDeploy event message",
    body=FlexDeployMessage,
    sender=_sender,
    key=_key,
    key_header=IDEMPOTENCY_HEADER,
    proof=_proof,
    team_bound=lambda settings: settings.flexdeploy_team is not None,
)
