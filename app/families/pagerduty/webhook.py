"""PagerDuty's v3 webhook at `POST /webhooks/pagerduty`, as PagerDuty delivers: signed, each
event identified in its body.

- `X-PagerDuty-Signature` is `v1=` and the hex HMAC-SHA256 of the raw body with the
  subscription's secret; while a secret is being rotated, several, separated by commas. The
  secrets are `EVENTSTORE_WEBHOOK_SECRETS`' `pagerduty:` entries, each for a team: a delivery is
  that team's whose secret any of its signatures verifies with (compared in constant time), and
  one that verifies with none is refused. With no `pagerduty:` secret configured, the caller's
  token decides as everywhere.
- The event's `event.id` is the idempotency key: PagerDuty retries a delivery (up to five times
  over about 20 minutes) with the same event.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from app.config import Settings
from app.families.family import Header, Refused, Webhook
from app.families.pagerduty.intake import EVENT_ID, PagerDutyWebhook
from app.intake.paths import text_at

__all__ = ["WEBHOOK"]

SECRET_SOURCE = "pagerduty"
SIGNATURE_HEADER = "X-PagerDuty-Signature"
_VERSION = "v1="


def _signatures(header: str) -> list[bytes]:
    return [
        part.strip().removeprefix(_VERSION).lower().encode()
        for part in header.split(",")
        if part.strip().startswith(_VERSION)
    ]


def _sender(headers: Mapping[str, str], body: bytes, settings: Settings) -> str | None:
    secrets = settings.webhook_secrets_of(SECRET_SOURCE)
    if not secrets:
        return None
    signatures = _signatures(headers.get(SIGNATURE_HEADER, ""))
    if not signatures:
        raise Refused(f"missing {SIGNATURE_HEADER} header (v1=…)")
    for secret, team in secrets:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
        if any(hmac.compare_digest(given, expected) for given in signatures):
            return team
    raise Refused(f"{SIGNATURE_HEADER} does not verify with any PagerDuty secret configured")


def _key(headers: Mapping[str, str], body: Any) -> str | None:
    return text_at(body, EVENT_ID)


def _proof(settings: Settings) -> Header | None:
    if not settings.webhook_secrets_of(SECRET_SOURCE):
        return None
    return Header(
        SIGNATURE_HEADER,
        "`v1=` and the hex HMAC-SHA256 of the raw body with the secret; several, separated by "
        "commas, while a secret is rotated.",
    )


WEBHOOK = Webhook(
    path="/webhooks/pagerduty",
    summary="Receive a PagerDuty v3 webhook",
    body=PagerDutyWebhook,
    sender=_sender,
    key=_key,
    key_header=None,
    key_path=EVENT_ID,
    proof=_proof,
    team_bound=lambda settings: bool(settings.webhook_secrets_of(SECRET_SOURCE)),
    secret_source=SECRET_SOURCE,
)
