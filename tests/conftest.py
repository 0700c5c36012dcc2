"""One real embedded MongoDB for the whole run; a fresh database and service per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.config import Settings
from app.store.embedded import EmbeddedMongo
from tests.utils.process import RedisServer
from tests.utils.service import RunningService, running_service
from tests.utils.tokens import TOKENS


@pytest.fixture(scope="session")
async def mongodb_uri(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The embedded server, as a subprocess: in-process it would compete with the tests' loop."""
    server = EmbeddedMongo(tmp_path_factory.mktemp("mongo"))
    uri = await server.start()
    yield uri
    await server.stop()


@pytest.fixture
async def redis() -> AsyncIterator[RedisServer]:
    server = RedisServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def settings(mongodb_uri: str, tmp_path: Path) -> Settings:
    return Settings(
        mongodb_uri=mongodb_uri,
        database=f"test_{uuid.uuid4().hex}",
        data_dir=tmp_path / "unused",
    )


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[RunningService]:
    async with running_service(settings) as running:
        yield running


@pytest.fixture
async def guarded(settings: Settings) -> AsyncIterator[RunningService]:
    """A service with tokens for two teams and an admin (`tests.utils.tokens`)."""
    async with running_service(settings.model_copy(update={"tokens": TOKENS})) as running:
        yield running
