"""Positions never go back: batches and single events from several clients at once, one
subscriber connected throughout and one that leaves and resumes with its last cursor every
few tenths of a second. Live delivery waits for a number only while its gap timeout lasts
(here 10 ms, so every batch insert outlasts it): what keeps the order is that a number still
being written is waited for as long as its writer lives, not how fast the insert is.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from app.config import Settings
from tests.graphql.queries import INGEST_BATCH, INGEST_LIFECYCLE
from tests.utils.depth import FULL
from tests.utils.live import SUBSCRIBE, build, wait_until
from tests.utils.service import RunningService, running_service
from tests.utils.websocket import graphql_websocket

# Minutes of processes, kills or generated cases: `scripts/test --fast` leaves it out.
pytestmark = pytest.mark.slow

BATCH_CLIENTS, SINGLE_CLIENTS = 3, 3
BATCHES, BATCH_SIZE, SINGLES = (6, 300, 60) if FULL else (2, 200, 20)


async def send_batches(service: RunningService, client: int) -> None:
    for batch in range(BATCHES):
        events = [build(n, f"batch-{client}-{batch}") for n in range(BATCH_SIZE)]
        answer = await service.graphql(INGEST_BATCH, lifecycle=events)
        assert answer.errors == []


async def send_singles(service: RunningService, client: int) -> None:
    for n in range(SINGLES):
        answer = await service.graphql(INGEST_LIFECYCLE, input=build(n, f"single-{client}"))
        assert answer.errors == []


class Watcher:
    """A subscriber, recording the position of each event it receives."""

    def __init__(self, service: RunningService) -> None:
        self.service = service
        self.seqs: list[int] = []
        self.cursor: str | None = None

    def take(self, event: dict[str, Any]) -> None:
        self.cursor = event["cursor"]
        self.seqs.append(self.service.services.store.seq_of_cursor(event["cursor"]))

    async def until(self, total: int, *, leave_every: float | None = None) -> None:
        while len(self.seqs) < total:
            async with graphql_websocket(self.service.ws_url) as client:
                await client.subscribe(SUBSCRIBE, after=self.cursor)
                left_at = asyncio.get_running_loop().time() + (leave_every or 1e9)
                while len(self.seqs) < total and asyncio.get_running_loop().time() < left_at:
                    with contextlib.suppress(TimeoutError):
                        message = await client.next_event(within=0.1)
                        self.take(message["data"]["events"])


async def test_positions_never_go_back_under_overlapping_slow_writes(settings: Settings) -> None:
    quick_gaps = settings.model_copy(update={"live_gap_seconds": 0.01})
    async with running_service(quick_gaps) as service:
        connected, resuming = Watcher(service), Watcher(service)
        first = await service.graphql(INGEST_LIFECYCLE, input=build(-1, "first"))
        assert first.errors == []
        total = 1 + BATCH_CLIENTS * BATCHES * BATCH_SIZE + SINGLE_CLIENTS * SINGLES
        # Both start from the first event's cursor, the resuming one again and again.
        cursor = first.data["ingestLifecycleEvent"]["event"]["cursor"]
        connected.cursor = resuming.cursor = cursor
        watching = [
            asyncio.create_task(connected.until(total - 1)),
            asyncio.create_task(resuming.until(total - 1, leave_every=0.4)),
        ]
        await wait_until(lambda: service.subscribers == 2)
        await asyncio.gather(
            *(send_batches(service, n) for n in range(BATCH_CLIENTS)),
            *(send_singles(service, n) for n in range(SINGLE_CLIENTS)),
        )
        stored = await service.stored_count()
        await asyncio.wait_for(asyncio.gather(*watching), 60)

    assert stored == total
    for watcher in (connected, resuming):
        # Each event once, in the store's order: never one below a position already held.
        assert watcher.seqs == sorted(set(watcher.seqs))
        assert len(watcher.seqs) == total - 1
