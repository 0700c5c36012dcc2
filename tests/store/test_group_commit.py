"""Appends that arrive together are written together, each keeping its own outcome."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from app.config import Settings
from app.events import NewEvent
from app.families.lifecycle.intake import lifecycle_event
from app.intake import IntakeLimits
from app.store import EventStore
from app.timestamps import utc_now


class InsertCommands(CommandListener):
    """How many events each `insert` command the driver sends carries."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def started(self, event: CommandStartedEvent) -> None:
        if event.command_name == "insert" and event.command["insert"] == "events":
            self.sizes.append(len(event.command["documents"]))

    def succeeded(self, event: CommandSucceededEvent) -> None: ...

    def failed(self, event: CommandFailedEvent) -> None: ...


@pytest.fixture
def inserts() -> InsertCommands:
    return InsertCommands()


@pytest.fixture
async def store(settings: Settings, inserts: InsertCommands) -> AsyncIterator[EventStore]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongodb_uri, tz_aware=True, event_listeners=[inserts]
    )
    store = EventStore(client, settings.database)
    await store.prepare()
    yield store
    await store.close()


def deployment(n: int) -> NewEvent:
    body = {"event_name": "deployment", "event_action": "succeeded", "commit": f"c{n}"}
    return lifecycle_event(body, utc_now(), IntakeLimits(max_bytes=1 << 20, max_depth=32))


async def test_a_lone_append_is_written_at_once(store: EventStore, inserts: InsertCommands) -> None:
    appended = await store.append(deployment(1), received_at=utc_now())

    assert appended.created
    assert inserts.sizes == [1]


async def test_appends_arriving_together_share_inserts_and_keep_their_own_outcome(
    store: EventStore, inserts: InsertCommands
) -> None:
    # 45 distinct events, and 5 retries of one more racing on the key "k".
    distinct = [store.append(deployment(n), received_at=utc_now()) for n in range(45)]
    retries = [
        store.append(deployment(99), received_at=utc_now(), idempotency_key="k") for _ in range(5)
    ]
    results = await asyncio.gather(*distinct, *retries)

    assert [result.created for result in results[:45]] == [True] * 45
    assert sorted(result.created for result in results[45:]) == [False] * 4 + [True]
    assert len({result.event.id for result in results[45:]}) == 1
    assert len(inserts.sizes) < 46, "distinct appends were not grouped"
    # Every sequence number reserved is either stored or announced as given up: live
    # delivery has nothing to wait for.
    stored = {result.event.seq for result in results if result.created}
    given_up = {result.skipped_seq for result in results if result.skipped_seq is not None}
    assert sorted(stored | given_up) == list(range(1, len(stored) + len(given_up) + 1))
    assert stored.isdisjoint(given_up)
