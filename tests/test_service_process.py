"""The service as a newcomer runs it: `python -m app`, embedded database, data kept."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from tests.graphql.queries import EVENT_BY_ID, INGEST_LIFECYCLE


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def service_process(workdir: Path, port: int) -> AsyncIterator[httpx.AsyncClient]:
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    env |= {"EVENTSTORE_PORT": str(port), "EVENTSTORE_DATA_DIR": str(workdir / "data")}
    with (workdir / "service.log").open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app", cwd=workdir, env=env, stdout=log, stderr=log
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(600):
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.returncode is None, (workdir / "service.log").read_text()
                await asyncio.sleep(0.1)
            yield http
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)


async def graphql(http: httpx.AsyncClient, query: str, **variables: object) -> dict[str, object]:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    body: dict[str, object] = response.json()
    return body


async def test_events_survive_a_restart(tmp_path: Path) -> None:
    port = free_port()
    sent = {"eventName": "release", "eventAction": "succeeded", "repo": "api"}

    async with service_process(tmp_path, port) as http:
        ingested = await graphql(http, INGEST_LIFECYCLE, input=sent)
    event_id = ingested["data"]["ingestLifecycleEvent"]["event"]["id"]  # type: ignore[index]
    async with service_process(tmp_path, port) as http:
        read = await graphql(http, EVENT_BY_ID, id=event_id)

    assert read["data"]["event"]["raw"] == {  # type: ignore[index]
        "event_name": "release",
        "event_action": "succeeded",
        "repo": "api",
    }
    log = (tmp_path / "service.log").read_text()
    assert "embedded MongoDB" in log
    assert "not for production" in log
