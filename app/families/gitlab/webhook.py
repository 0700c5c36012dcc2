"""GitLab's webhook at `POST /webhooks/gitlab`, as GitLab delivers: with its secret token,
identified, typed by header.

- `X-Gitlab-Token` is the hook's secret token as configured, sent as is. The tokens are
  `EVENTSTORE_WEBHOOK_SECRETS`' `gitlab:` entries, each for a team: a delivery is that team's
  whose token it carries (compared in constant time), and one that carries none of them is
  refused. With no `gitlab:` token configured, the caller's token decides as everywhere (so
  deliveries are taken only while the service runs without tokens, GitLab sending none).
- `Idempotency-Key`, which GitLab (17.4 and later) keeps when a delivery is sent again, is
  the idempotency key; before it, `X-Gitlab-Event-UUID`, which a delivery sent again by hand
  does not keep.
- `X-Gitlab-Event` is the kind.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from app.config import Settings
from app.families.family import Header, Refused, Webhook
from app.families.gitlab.intake import EVENT_HEADER
from app.intake.bodies import CHECKED, IDEMPOTENCY_HEADER

__all__ = ["WEBHOOK"]

SECRET_SOURCE = "gitlab"
TOKEN_HEADER = "X-Gitlab-Token"
EVENT_UUID_HEADER = "X-Gitlab-Event-UUID"


class GitLabDelivery(BaseModel):
    """A GitLab webhook delivery's body: an object whose shape `X-Gitlab-Event` names (the
    kinds GitLab documents in "Webhook events")."""

    model_config = ConfigDict(**CHECKED, title="GitLabDelivery")


def _sender(headers: Mapping[str, str], body: bytes, settings: Settings) -> str | None:
    tokens = settings.webhook_secrets_of(SECRET_SOURCE)
    if not tokens:
        return None
    given = headers.get(TOKEN_HEADER)
    if not given:
        raise Refused(f"missing {TOKEN_HEADER} header")
    for token, team in tokens:
        if hmac.compare_digest(given.encode(), token.encode()):
            return team
    raise Refused(f"{TOKEN_HEADER} is none of the GitLab tokens configured")


def _key(headers: Mapping[str, str], body: Any) -> str | None:
    # A blank Idempotency-Key is a bad key (refused, as on every endpoint), not a missing one.
    key = headers.get(IDEMPOTENCY_HEADER)
    return key if key is not None else headers.get(EVENT_UUID_HEADER)


def _proof(settings: Settings) -> Header | None:
    if not settings.webhook_secrets_of(SECRET_SOURCE):
        return None
    return Header(TOKEN_HEADER, "The hook's secret token, as configured in GitLab.")


WEBHOOK = Webhook(
    path="/webhooks/gitlab",
    summary="Receive a GitLab webhook delivery",
    body=GitLabDelivery,
    sender=_sender,
    key=_key,
    key_header=IDEMPOTENCY_HEADER,
    proof=_proof,
    team_bound=lambda settings: bool(settings.webhook_secrets_of(SECRET_SOURCE)),
    headers=(Header(EVENT_HEADER, "The kind of event (`Push Hook`, `Deployment Hook`, …)."),),
    read=lambda headers, body: {"event": headers.get(EVENT_HEADER), "body": body},
    secret_source=SECRET_SOURCE,
)
