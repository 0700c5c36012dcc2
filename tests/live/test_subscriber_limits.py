"""One stalled subscriber cannot slow the others; nothing outlives a departed client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from app.config import Settings
from tests.graphql.queries import INGEST_BATCH
from tests.live.test_subscriptions import SUBSCRIBE, wait_until
from tests.utils.service import RunningService, running_service
from tests.utils.websocket import LEGACY_WS, TRANSPORT_WS, StalledWebSocket, graphql_websocket

BUFFER = 8


@pytest.fixture
async def small_buffers(settings: Settings) -> AsyncIterator[RunningService]:
    small = settings.model_copy(update={"subscriber_buffer": BUFFER, "max_batch_size": BUFFER})
    async with running_service(small) as running:
        yield running


async def test_a_stalled_subscriber_is_closed_and_a_healthy_one_gets_everything(
    small_buffers: RunningService,
) -> None:
    service = small_buffers
    # Big events, so the stalled client's socket buffers fill and the server backs up.
    bulky = "x" * 64_000
    events = [
        {"eventName": "build", "eventAction": "succeeded", "data": {"n": n, "log": bulky}}
        for n in range(200)
    ]
    stalled = StalledWebSocket(service.ws_url)
    await stalled.open()
    async with graphql_websocket(service.ws_url) as healthy:
        await stalled.subscribe(SUBSCRIBE)
        await healthy.subscribe(SUBSCRIBE)
        await wait_until(lambda: service.subscribers == 2)

        async def ingest_all() -> None:
            for start in range(0, len(events), BUFFER):
                answer = await service.graphql(
                    INGEST_BATCH, lifecycle=events[start : start + BUFFER]
                )
                assert answer.errors == []

        ingesting = asyncio.create_task(ingest_all())
        received = [(await healthy.next_event())["data"]["events"]["raw"]["n"] for _ in events]
        await ingesting

        # Now the stalled client reads what reached it: some events, then the reason it ended.
        messages = [await stalled.receive()]
        while messages[-1]["type"] == "next" and "errors" not in messages[-1]["payload"]:
            messages.append(await stalled.receive())
        await stalled.close()

    assert received == list(range(200))
    closing = messages[-1]
    assert closing["payload"]["errors"][0]["extensions"]["code"] == "SUBSCRIBER_TOO_SLOW"
    assert f"more than {BUFFER} events behind" in closing["payload"]["errors"][0]["message"]
    assert len(messages) - 1 < len(events)
    await wait_until(lambda: service.subscribers == 0)


async def test_a_thousand_short_subscriptions_leave_nothing_behind(
    service: RunningService,
) -> None:
    def server_tasks() -> int:
        return len(asyncio.all_tasks())

    async def cycle(protocol: str) -> None:
        async with graphql_websocket(service.ws_url, protocol) as client:
            await client.subscribe(SUBSCRIBE, filter={"teamId": {"eq": "nobody"}})

    await cycle(TRANSPORT_WS)  # warm up: the first connection starts long-lived helpers
    await wait_until(lambda: service.subscribers == 0)
    baseline = server_tasks()

    for start in range(0, 1000, 20):
        await asyncio.gather(
            *(cycle(TRANSPORT_WS if n % 2 else LEGACY_WS) for n in range(start, start + 20))
        )

    await wait_until(lambda: service.subscribers == 0)
    await wait_until(lambda: server_tasks() <= baseline)
    assert service.subscribers == 0
