"""What the webhook tests share: a service that checks its sources' secrets, and reading back
the event a delivery stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pydantic import SecretStr

from app.config import Settings
from tests.graphql.queries import EVENT_BY_ID
from tests.utils.service import RunningService, running_service
from tests.utils.tokens import ADMIN, TOKENS

__all__ = ["stored", "with_webhook_secrets"]


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
