"""Several app processes share live events through Redis; alone, the memory bus is refused."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from app.config import Settings
from tests.graphql.queries import INGEST_LIFECYCLE
from tests.utils.live import SUBSCRIBE, wait_until
from tests.utils.process import RedisServer, free_port, service_process
from tests.utils.service import RunningService, running_service
from tests.utils.websocket import graphql_websocket


async def test_an_event_ingested_in_one_process_reaches_a_subscriber_of_another(
    tmp_path: Path, settings: Settings, redis: RedisServer
) -> None:
    shared = {
        "MONGODB_URI": str(settings.mongodb_uri),
        "EVENTSTORE_DATABASE": settings.database,
        "BROADCAST_URL": redis.url,
    }
    port_a, port_b = free_port(), free_port()
    sent = {"eventName": "deployment", "eventAction": "succeeded", "repo": "api"}

    async with (
        service_process(tmp_path, port_a, shared) as process_a,
        service_process(tmp_path, port_b, shared),
        graphql_websocket(f"ws://127.0.0.1:{port_b}/graphql") as subscriber,
    ):
        await subscriber.subscribe(SUBSCRIBE, filter={"repo": {"eq": "api"}})

        async def ingest_through_a(event: dict[str, str]) -> dict[str, Any]:
            response = await process_a.post(
                "/graphql", json={"query": INGEST_LIFECYCLE, "variables": {"input": event}}
            )
            stored: dict[str, Any] = response.json()["data"]["ingestLifecycleEvent"]["event"]
            return stored

        # Process B registers the subscription in its own time: warm up until one arrives.
        warm_up = {"eventName": "warm-up", "eventAction": "ping", "repo": "api"}
        for _ in range(100):
            await ingest_through_a(warm_up)
            try:
                await subscriber.next_event(within=0.5)
                break
            except TimeoutError:
                continue
        ingested = await ingest_through_a(sent)
        pushed = (await subscriber.next_event())["data"]["events"]
        while pushed["type"] == "warm-up":
            pushed = (await subscriber.next_event())["data"]["events"]

    assert pushed["id"] == ingested["id"]
    assert pushed["raw"] == {"event_name": "deployment", "event_action": "succeeded", "repo": "api"}


async def test_several_workers_with_the_memory_bus_refuse_to_start(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        "serve",
        "--workers",
        "2",
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "BROADCAST_URL": "memory://"},
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode != 0
    assert "BROADCAST_URL=redis://" in err.decode()


async def wait_until_live(service: RunningService, within: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while (await service.http.get("/readyz")).json()["liveEvents"] != "ok":
        assert asyncio.get_running_loop().time() < deadline, "live events did not come back"
        await asyncio.sleep(0.05)


async def test_when_redis_fails_subscribers_are_told_and_resume_after_it_returns(
    settings: Settings, redis: RedisServer
) -> None:
    on_redis = settings.model_copy(update={"broadcast_url": redis.url})
    async with running_service(on_redis) as service:
        async with graphql_websocket(service.ws_url) as client:
            await client.subscribe(SUBSCRIBE)
            await wait_until(lambda: service.subscribers == 1)
            await service.graphql(INGEST_LIFECYCLE, input={"eventName": "one", "eventAction": "x"})
            cursor = (await client.next_event())["data"]["events"]["cursor"]

            await redis.stop()
            ended = await client.receive(within=30)
            ready = await service.http.get("/readyz")
            # Stored all the same while live events are down.
            stored = await service.graphql(
                INGEST_LIFECYCLE, input={"eventName": "two", "eventAction": "x"}
            )

        assert ended["payload"]["errors"][0]["extensions"]["code"] == "LIVE_EVENTS_UNAVAILABLE"
        # Still ready: ingest and queries work without live events.
        assert (ready.status_code, ready.json()["liveEvents"]) == (200, "unavailable")
        assert "resume with the cursor" in ended["payload"]["errors"][0]["message"]
        assert stored.errors == []

        await redis.start()
        # As a client would: live events are back when the service says so.
        await wait_until_live(service)
        async with graphql_websocket(service.ws_url) as client:
            await client.subscribe(SUBSCRIBE, after=cursor)
            missed = (await client.next_event())["data"]["events"]
            await service.graphql(
                INGEST_LIFECYCLE, input={"eventName": "three", "eventAction": "x"}
            )
            live = (await client.next_event())["data"]["events"]

    assert (missed["type"], live["type"]) == ("two", "three")
    # Connections opened before, during and after the outage were all closed with the service.
    assert await redis.connections() == 0
