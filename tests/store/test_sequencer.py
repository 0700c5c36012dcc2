"""Which sequence numbers are settled, as two processes sharing one database see them: a range
is in flight from the update that hands it out until its insert is answered; one whose outcome
is unknown stays so until any write could have landed; a dead process's stays so for two of its
leases, and no longer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import AutoReconnect, DuplicateKeyError

from app.config import Settings
from app.store.sequencer import Sequencer

LEASE = 0.3


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongodb_uri)
    yield client[settings.database + "_sequencer"]
    await client.drop_database(settings.database + "_sequencer")
    await client.close()


def process(database: Any, *, settle: float = 60) -> Sequencer:
    """One process's sequencer on the shared counter."""
    return Sequencer(
        database["counters"], database["leases"], lease_seconds=LEASE, settle_seconds=settle
    )


async def test_a_range_is_in_flight_until_its_insert_is_answered(database: Any) -> None:
    writer, reader = process(database), process(database)
    await writer.prepare(0)
    await reader.prepare(0)
    try:
        async with writer.positions(5) as seqs:
            during = await reader.settled()
        await asyncio.sleep(0.4)  # the release rides on no allocation here: written alone
        after = await reader.settled()
        with contextlib.suppress(DuplicateKeyError):
            async with writer.positions(2):
                raise DuplicateKeyError("refused: the database answered")
        await asyncio.sleep(0.4)
        refused = await reader.settled()
    finally:
        await writer.close()
        await reader.close()

    assert list(seqs) == [1, 2, 3, 4, 5]
    assert during.unsettled == ((1, 5),)
    assert during.settled_through(stored=0) == 0
    assert after.unsettled == ()
    assert after.settled_through(stored=5) == 5
    assert refused.unsettled == ()
    assert refused.allocated == 7


async def test_an_unknown_outcome_waits_until_any_write_could_have_landed(database: Any) -> None:
    writer, reader = process(database, settle=0.5), process(database)
    await writer.prepare(0)
    await reader.prepare(0)
    try:
        with contextlib.suppress(AutoReconnect):
            async with writer.positions(3):
                raise AutoReconnect("connection lost mid-insert: it may yet land")
        await asyncio.sleep(0.35)
        waiting = await reader.settled()
        await asyncio.sleep(0.5)
        settled = await reader.settled()
    finally:
        await writer.close()
        await reader.close()

    assert waiting.unsettled == ((1, 3),)
    assert settled.unsettled == ()


async def test_a_dead_processs_range_is_skipped_after_two_leases_and_not_before(
    database: Any,
) -> None:
    dead, reader = process(database), process(database)
    await dead.prepare(0)
    await reader.prepare(0)
    seen = []
    try:
        async with dead.positions(4):
            # A batch whose process dies mid-insert (kill -9): its lease is renewed no more.
            for task in dead._tasks:
                task.cancel()
            for _ in range(12):
                seen.append((await reader.settled()).unsettled)
                await asyncio.sleep(LEASE / 3)
    finally:
        await reader.close()

    # In flight while its lease held, and a whole lease after it lapsed; then skipped.
    assert seen[:6] == [((1, 4),)] * 6
    assert seen[-1] == ()
