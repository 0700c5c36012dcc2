"""The service as a newcomer runs it: `python -m app`, embedded database, data kept."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.graphql.queries import EVENT_BY_ID, INGEST_LIFECYCLE
from tests.utils.process import free_port, service_process


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
    log = (tmp_path / f"service-{port}.log").read_text()
    assert "embedded MongoDB" in log
    assert "not for production" in log
