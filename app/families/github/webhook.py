"""GitHub's webhook at `POST /webhooks/github`, as GitHub delivers: signed, identified, typed
by header.

- `X-Hub-Signature-256` is `sha256=` and the hex HMAC-SHA256 of the raw body with the hook's
  secret. The secrets are `EVENTSTORE_WEBHOOK_SECRETS`' `github:` entries, each for a team: a
  delivery is that team's whose secret it verifies with (compared in constant time), and one
  that verifies with none is refused. With no `github:` secret configured, the caller's token
  decides as everywhere (so deliveries are taken only while the service runs without tokens,
  GitHub sending none).
- `X-GitHub-Delivery`, the same when GitHub redelivers, is the idempotency key.
- `X-GitHub-Event` is the kind; `ping`, sent when a hook is made, is answered and not stored.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from app.config import Settings
from app.families.family import Header, Refused, Webhook
from app.families.github.intake import EVENT_HEADER
from app.intake.bodies import CHECKED

__all__ = ["WEBHOOK"]

SECRET_SOURCE = "github"
SIGNATURE_HEADER = "X-Hub-Signature-256"
DELIVERY_HEADER = "X-GitHub-Delivery"
_PREFIX = "sha256="


class GitHubDelivery(BaseModel):
    """A GitHub webhook delivery's body: an object whose shape `X-GitHub-Event` names (the
    kinds GitHub documents in "Webhook events and payloads")."""

    model_config = ConfigDict(**CHECKED, title="GitHubDelivery")


def _sender(headers: Mapping[str, str], body: bytes, settings: Settings) -> str | None:
    secrets = settings.webhook_secrets_of(SECRET_SOURCE)
    if not secrets:
        return None
    given = headers.get(SIGNATURE_HEADER, "")
    if not given.startswith(_PREFIX):
        raise Refused(f"missing {SIGNATURE_HEADER} header (sha256=…)")
    signature = given.removeprefix(_PREFIX).lower().encode()
    for secret, team in secrets:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
        if hmac.compare_digest(signature, expected):
            return team
    raise Refused(f"{SIGNATURE_HEADER} does not verify with any GitHub secret configured")


def _key(headers: Mapping[str, str], body: Any) -> str | None:
    return headers.get(DELIVERY_HEADER)


def _proof(settings: Settings) -> Header | None:
    if not settings.webhook_secrets_of(SECRET_SOURCE):
        return None
    return Header(
        SIGNATURE_HEADER, "`sha256=` and the hex HMAC-SHA256 of the raw body with the secret."
    )


WEBHOOK = Webhook(
    path="/webhooks/github",
    summary="Receive a GitHub webhook delivery",
    body=GitHubDelivery,
    sender=_sender,
    key=_key,
    key_header=DELIVERY_HEADER,
    proof=_proof,
    team_bound=lambda settings: bool(settings.webhook_secrets_of(SECRET_SOURCE)),
    headers=(Header(EVENT_HEADER, "The kind of event (`push`, `deployment_status`, …; `ping`)."),),
    read=lambda headers, body: {"event": headers.get(EVENT_HEADER), "body": body},
    ignored=lambda headers: "ping" if headers.get(EVENT_HEADER) == "ping" else None,
    secret_source=SECRET_SOURCE,
)
