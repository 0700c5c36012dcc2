"""Faults during concurrent ingest: the service killed (-9) and started again at once, and its
embedded database killed under it. Clients retry what was not acknowledged with the same key,
as the README tells them to; a subscriber resumes from its last cursor."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.utils.process import free_port, processes_running
from tests.utils.websocket import graphql_websocket

# Minutes of processes, kills or generated cases: `scripts/test --fast` leaves it out.
pytestmark = pytest.mark.slow

CLIENTS = 4
EVENTS_PER_CLIENT = 100
PACE_SECONDS = 0.02  # between a client's events, so the faults land while it sends
WATCH = """subscription($after: String) {
  events(after: $after) { ... on Event { id cursor } } }"""


class Service:
    """`python -m app` on the embedded database, killed and started as an operator would."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.data = workdir / "data"
        self.log = workdir / "service.log"
        self.url = f"http://127.0.0.1:{port}"
        self.environment = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
        self.environment |= {"EVENTSTORE_PORT": str(port), "EVENTSTORE_DATA_DIR": str(self.data)}
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "app", env=self.environment, stdout=log, stderr=log
            )

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    def kill_database(self) -> None:
        for pid in processes_running("secantusd", str(self.data)):
            os.kill(pid, signal.SIGKILL)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), 30)


async def ingest(url: str, client: int, acknowledged: list[str], retried: list[str]) -> None:
    """Send this client's events in order, each until it is acknowledged."""
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        for n in range(EVENTS_PER_CLIENT):
            key = f"client{client}-{n}"
            body = {"event_name": "build", "event_action": "initiated", "commit": key}
            while True:
                with contextlib.suppress(httpx.TransportError):
                    answer = await http.post("/events", json=body, headers={"Idempotency-Key": key})
                    if answer.status_code in (200, 201):
                        break
                    assert answer.status_code == 503, answer.text  # the database is away
                retried.append(key)
                await asyncio.sleep(0.05)
            acknowledged.append(key)
            await asyncio.sleep(PACE_SECONDS)


async def watch(url: str, seen: list[str], wanted: int, drops: list[str]) -> None:
    """Receive events, resuming from the last cursor whenever the connection drops."""
    ws_url = url.replace("http://", "ws://") + "/graphql"
    cursor: str | None = None
    while len(seen) < wanted:
        try:
            async with graphql_websocket(ws_url) as socket:
                await socket.subscribe(WATCH, after=cursor)
                while len(seen) < wanted:
                    event: dict[str, Any] = (await socket.next_event(within=30))["data"]["events"]
                    seen.append(event["id"])
                    cursor = event["cursor"]
        except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError) as dropped:
            drops.append(f"after {len(seen)} events: {dropped!r}")
            await asyncio.sleep(0.1)


async def ready(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as http:
        for _ in range(600):
            with contextlib.suppress(httpx.TransportError):
                if (await http.get("/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise AssertionError("the service never became ready")


async def test_killed_service_and_database_lose_nothing_and_store_nothing_twice(
    tmp_path: Path,
) -> None:
    service = Service(tmp_path, free_port())
    wanted = CLIENTS * EVENTS_PER_CLIENT
    seen: list[str] = []
    acknowledged: list[str] = []
    retried: list[str] = []
    await service.start()
    try:
        await ready(service.url)
        drops: list[str] = []
        watching = asyncio.create_task(watch(service.url, seen, wanted, drops))
        ingesting = asyncio.gather(
            *(ingest(service.url, client, acknowledged, retried) for client in range(CLIENTS))
        )
        await asyncio.sleep(0.7)
        await service.kill()
        killed_at = len(acknowledged)
        await service.start()  # at once, as a supervisor would
        await ready(service.url)
        await asyncio.sleep(0.5)
        service.kill_database()
        database_killed_at = len(acknowledged)
        await asyncio.wait_for(ingesting, 120)
        with contextlib.suppress(TimeoutError):  # the assertions below say what it missed
            await asyncio.wait_for(watching, 30)
        async with httpx.AsyncClient(base_url=service.url) as http:
            stored = (await http.get("/events", params={"$limit": "1000"})).json()
    finally:
        await service.stop()

    assert 0 < killed_at < database_killed_at < wanted  # both faults hit ingest midway
    assert retried  # and some events were sent again
    keys = sorted(event["commit"] for event in stored["data"])
    expected = sorted(f"client{c}-{n}" for c in range(CLIENTS) for n in range(EVENTS_PER_CLIENT))
    assert stored["total"] == wanted
    assert keys == expected  # every acknowledged event, none twice
    # The subscriber, resuming from its cursor across both faults, saw every stored event once.
    assert sorted(seen) == sorted(event["id"] for event in stored["data"]), drops
    assert "Traceback" not in service.log.read_text()
