"""A stopping store ends its background work, even where a cancellation does not arrive."""

from __future__ import annotations

import asyncio
from typing import Any

from pymongo import AsyncMongoClient

from app.config import Settings
from app.store import EventStore


async def test_the_read_models_stop_when_told_without_a_cancellation(settings: Settings) -> None:
    # A cancellation can be swallowed under the driver's calls or by Python 3.11's wait_for;
    # the read models' loop must end on being told to stop all the same, or a stopping
    # service waits for it for good.
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongodb_uri)
    store = EventStore(client, settings.database)
    await store.prepare()
    store.keep_read_models()
    await asyncio.sleep(0.2)
    projecting = store._projecting
    assert projecting is not None
    assert not projecting.done()
    store._projection.stop()
    await asyncio.wait_for(projecting, 10)
    assert not projecting.cancelled()
    await store.close()
