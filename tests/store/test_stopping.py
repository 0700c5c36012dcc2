"""A stopping store ends its background work, even where a cancellation does not arrive."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from pymongo import AsyncMongoClient

from app.config import Settings
from app.store import EventStore
from app.store.sequencer import Sequencer


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


class SwallowsCancellation:
    """A collection whose `update_one`, once `slow` is set, takes a moment and takes in a
    cancellation that reaches it, finishing the update instead: what the driver did under a
    stopping service, whose sequencer then waited for its release task for good."""

    def __init__(self, collection: Any) -> None:
        self._collection = collection
        self.slow = False
        self.updating = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)

    async def update_one(self, *args: Any, **kwargs: Any) -> Any:
        if not self.slow:
            return await self._collection.update_one(*args, **kwargs)

        async def update() -> Any:
            await asyncio.sleep(0.5)
            return await self._collection.update_one(*args, **kwargs)

        self.updating.set()
        updated = asyncio.ensure_future(update())
        try:
            return await asyncio.shield(updated)
        except asyncio.CancelledError:
            return await updated


async def test_the_sequencer_closes_when_the_driver_takes_in_its_cancellation(
    settings: Settings,
) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongodb_uri)
    database = client[settings.database + "_closing"]
    counters = SwallowsCancellation(database["counters"])
    sequencer = Sequencer(
        cast(Any, counters), database["leases"], lease_seconds=30, settle_seconds=60
    )
    await sequencer.prepare(0)
    counters.slow = True
    async with sequencer.positions(1):
        pass  # answered: its release is written a moment later, by the release task
    await asyncio.wait_for(counters.updating.wait(), 10)

    closing = asyncio.ensure_future(sequencer.close())
    closed, _ = await asyncio.wait([closing], timeout=10)  # waits, cancelling nothing

    assert closed == {closing}
    await client.drop_database(database.name)
    await client.close()
