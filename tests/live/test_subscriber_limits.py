"""One stalled subscriber cannot slow the others; nothing outlives a departed client."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.config import Settings
from tests.graphql.queries import INGEST_BATCH, INGEST_LIFECYCLE
from tests.utils.live import SUBSCRIBE, build, wait_until
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


STALL_BUFFER, STALL_BURST = 40, 400


async def stall_one_subscriber(
    service: RunningService, after: str | None
) -> tuple[list[int], list[dict[str, Any]], dict[str, Any]]:
    """A healthy subscriber and one that stops reading, during a burst of small events: what
    the healthy one got, and what the stalled one reads when it resumes (events, last)."""
    stalled = StalledWebSocket(service.ws_url, receive_buffer=4 << 20)
    await stalled.open()
    async with graphql_websocket(service.ws_url) as healthy:
        await stalled.subscribe(SUBSCRIBE, after=after)
        await healthy.subscribe(SUBSCRIBE, after=after)
        await wait_until(lambda: service.subscribers == 2)

        async def ingest_all() -> None:
            for start in range(0, STALL_BURST, 10):
                lifecycle = [build(n, "a") for n in range(start, start + 10)]
                assert (await service.graphql(INGEST_BATCH, lifecycle=lifecycle)).errors == []

        ingesting = asyncio.create_task(ingest_all())
        received = [
            (await healthy.next_event())["data"]["events"]["raw"]["n"] for _ in range(STALL_BURST)
        ]
        await ingesting
        await wait_until(lambda: service.subscribers == 1)  # the stalled one has ended

        events, last = [], await stalled.receive()
        while "errors" not in last["payload"]:
            events.append(last["payload"]["data"]["events"])
            last = await stalled.receive()
        await stalled.close()
    await wait_until(lambda: service.subscribers == 0)
    return received, events, last


@pytest.mark.parametrize("resuming", [False, True], ids=["live", "from-a-cursor"])
async def test_a_subscriber_that_stops_reading_is_told_within_its_buffer(
    settings: Settings, resuming: bool
) -> None:
    """Small events and roomy socket buffers: the kernel alone could hold the whole burst for
    the stalled client, so only counting what it has not read can notice it fell behind."""
    roomy = settings.model_copy(
        update={"subscriber_buffer": STALL_BUFFER, "max_batch_size": STALL_BUFFER}
    )
    tracemalloc.start()
    try:
        async with running_service(roomy) as service:
            for round_ in range(2):
                answer = await service.graphql(INGEST_LIFECYCLE, input=build(-1, "a"))
                after = answer.data["ingestLifecycleEvent"]["event"]["cursor"]
                received, events, last = await stall_one_subscriber(
                    service, after if resuming else None
                )
                assert received == list(range(STALL_BURST))  # the others got everything
                assert last["payload"]["errors"][0]["extensions"]["code"] == "SUBSCRIBER_TOO_SLOW"
                assert len(events) <= STALL_BUFFER  # told within its buffer's worth of events
                assert [event["raw"]["n"] for event in events] == list(range(len(events)))
                del received, events, last
                gc.collect()
                if round_ == 0:  # the first round fills what the service caches
                    before, _ = tracemalloc.get_traced_memory()
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # Its socket gone, a stalled subscriber leaves nothing behind.
    assert grown < 256 * 1024, grown


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
