"""No event is lost to a crash: the service killed (SIGKILL) with deliveries pending, and two
processes sharing the webhooks, one of them killed. Every event arrives at least once, in
order; the only repeats are the deliveries in flight at the kill (one per webhook at most:
a webhook sends one event at a time)."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from tests.utils.process import RedisServer, free_port, service_process, until_stopped
from tests.utils.receiver import Answer, Receiver, receiving

CREATE = """
mutation($input: WebhookInput!) { createWebhook(input: $input) { webhook { id } } }
"""
INGEST = """
mutation($events: [LifecycleEventInput!]) {
  ingestEvents(lifecycle: $events) { events { ... on Event { id } } }
}
"""
ENVIRONMENT = {
    "EVENTSTORE_WEBHOOK_ALLOW_PRIVATE": "true",
    "EVENTSTORE_WEBHOOK_LEASE_SECONDS": "2",
    "EVENTSTORE_WEBHOOK_RETRY_SCHEDULE": "0.2,0.2,0.2,0.2,0.2",
}


async def graphql(http: httpx.AsyncClient, query: str, **variables: Any) -> Any:
    answer = (await http.post("/graphql", json={"query": query, "variables": variables})).json()
    assert "errors" not in answer, answer
    return answer["data"]


async def ingest(http: httpx.AsyncClient, names: list[str]) -> list[str]:
    events = [{"eventName": name, "eventAction": "succeeded"} for name in names]
    stored = await graphql(http, INGEST, events=events)
    return [event["id"] for event in stored["ingestEvents"]["events"]]


def arrivals(receiver: Receiver) -> list[str]:
    """The event ids the receiver was sent, in the order they came (repeats included)."""
    return [r.headers["webhook-id"].rsplit("_", 1)[1] for r in receiver.received]


def at_least_once_in_order(receiver: Receiver, stored: list[str]) -> None:
    came = arrivals(receiver)
    first_arrivals = list(dict.fromkeys(came))
    assert first_arrivals == stored
    repeated = [event for event, times in Counter(came).items() if times > 1]
    assert len(repeated) <= 1, repeated  # the one in flight at the kill, if any


async def test_a_killed_service_delivers_every_event_after_its_restart(tmp_path: Path) -> None:
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    environment |= ENVIRONMENT | {
        "EVENTSTORE_PORT": str(port),
        "EVENTSTORE_DATA_DIR": str(tmp_path / "data"),
    }
    log_path = tmp_path / "service.log"
    async with receiving() as receiver:
        # Slow enough that deliveries are pending when the service is killed.
        receiver.answer = lambda request, before: Answer(204, delay=0.05)
        with log_path.open("ab") as log:
            first = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "app", env=environment, stdout=log, stderr=log
            )
        async with until_stopped(first, port, log_path) as http:
            await graphql(http, CREATE, input={"url": receiver.url})
            stored = await ingest(http, [f"e{n}" for n in range(40)])
            await receiver.wait_for(5)
            first.kill()  # SIGKILL: no clean stop, leases left to expire
            await first.wait()
            sent_before = len(receiver.received)
        async with service_process(tmp_path, port, ENVIRONMENT) as http:
            stored += await ingest(http, [f"after{n}" for n in range(5)])
            await receiver.wait_for(len(stored), within=60)
            await asyncio.sleep(0.5)  # nothing more comes

    assert sent_before < 40  # killed with deliveries pending
    at_least_once_in_order(receiver, stored)
    assert "Traceback" not in log_path.read_text()


async def test_two_processes_share_the_webhooks_and_one_takes_over(
    tmp_path: Path, mongodb_uri: str, redis: RedisServer
) -> None:
    shared = ENVIRONMENT | {
        "MONGODB_URI": mongodb_uri,
        "EVENTSTORE_DATABASE": f"test_{uuid.uuid4().hex}",
        "BROADCAST_URL": redis.url,
    }
    port_a, port_b = free_port(), free_port()
    environment = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    environment |= shared | {"EVENTSTORE_PORT": str(port_a)}
    log_a = tmp_path / "a.log"
    async with receiving("/one") as one, receiving("/two") as two:
        with log_a.open("ab") as log:
            process_a = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "app", env=environment, stdout=log, stderr=log
            )
        async with (
            until_stopped(process_a, port_a, log_a) as a,
            service_process(tmp_path, port_b, shared) as b,
        ):
            # Each process takes the lease of the webhook made through it at once.
            await graphql(a, CREATE, input={"url": one.url})
            await graphql(b, CREATE, input={"url": two.url})
            stored: list[str] = []
            for round_ in range(6):
                stored += await ingest(a if round_ % 2 else b, [f"r{round_}-{n}" for n in range(5)])
            await one.wait_for(10)
            process_a.kill()  # the other process takes its webhook on once its lease expires
            await process_a.wait()
            stored += await ingest(b, [f"late{n}" for n in range(5)])
            await one.wait_for(len(stored), within=60)
            await two.wait_for(len(stored), within=60)
            await asyncio.sleep(0.5)

    at_least_once_in_order(one, stored)
    at_least_once_in_order(two, stored)
    assert Counter(arrivals(two)).most_common(1)[0][1] == 1  # its process was never killed
