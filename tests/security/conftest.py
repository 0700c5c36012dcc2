from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.config import Settings
from tests.utils.service import RunningService, running_service

TEAM_A, TEAM_B, ADMIN = "token-a", "token-b", "token-admin"


@pytest.fixture
async def guarded(settings: Settings) -> AsyncIterator[RunningService]:
    """A service with tokens for two teams and an admin."""
    tokens = f"{TEAM_A}=team-a, {TEAM_B}=team-b, {ADMIN}=*"
    async with running_service(settings.model_copy(update={"tokens": tokens})) as running:
        yield running
