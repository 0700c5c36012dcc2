"""What the webhook tests share: a service that checks its sources' secrets, each tool's
signature as the tool computes it, and reading back the event a delivery stored."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from pydantic import SecretStr

from app.config import Settings
from tests.graphql.queries import EVENT_BY_ID
from tests.utils.service import RunningService, running_service
from tests.utils.tokens import ADMIN, TOKENS

__all__ = ["github_signature", "pagerduty_signature", "stored", "with_webhook_secrets"]


@asynccontextmanager
async def with_webhook_secrets(settings: Settings, secrets: str) -> AsyncIterator[RunningService]:
    """Tokens on, and these webhook secrets (`source:secret=team`, separated by commas)."""
    configured = settings.model_copy(
        update={"tokens": TOKENS, "webhook_secrets": SecretStr(secrets)}
    )
    async with running_service(configured) as running:
        yield running


async def stored(service: RunningService, answer: Any) -> Any:
    """The event an accepted delivery stored, as GraphQL reads it."""
    event_id = answer.json()["id"]
    return (await service.graphql(EVENT_BY_ID, token=ADMIN, id=event_id)).data["event"]


def github_signature(secret: str, raw: bytes) -> str:
    """`X-Hub-Signature-256`: HMAC-SHA256 of the body's bytes, in hex, after `sha256=`."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def pagerduty_signature(secrets: Iterable[str], raw: bytes) -> str:
    """`X-PagerDuty-Signature`: a `v1=` HMAC-SHA256 per secret (several while one rotates)."""
    return ",".join(
        "v1=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest() for secret in secrets
    )
