"""Subscriptions over plain HTTP, for clients that cannot open a websocket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.graphql.queries import INGEST_LIFECYCLE
from tests.utils.live import SUBSCRIBE, build, wait_until
from tests.utils.service import RunningService

SSE = "text/event-stream"
MULTIPART = 'multipart/mixed;subscriptionSpec="1.0", application/json'


async def first_streamed_event(service: RunningService, accept: str) -> dict[str, Any]:
    """Subscribe over HTTP with `accept`, store an event, and return what streams back."""
    body = {"query": SUBSCRIBE, "variables": {"filter": {"teamId": {"eq": "http"}}}}
    async with service.http.stream(
        "POST", "/graphql", json=body, headers={"accept": accept}
    ) as response:
        assert response.status_code == 200
        lines = response.aiter_lines()
        await wait_until(lambda: service.subscribers == 1)
        await service.graphql(INGEST_LIFECYCLE, input=build(7, "http"))
        async with asyncio.timeout(10):
            async for line in lines:
                # SSE: `data: {"data": …}`; multipart: a part whose body is `{"payload": …}`.
                text = line.removeprefix("data: ")
                if text.startswith("{") and "events" in text:
                    message: dict[str, Any] = json.loads(text)
                    event: dict[str, Any] = message.get("payload", message)["data"]["events"]
                    return event
    raise AssertionError("the stream ended without an event")


@pytest.mark.parametrize("accept", [SSE, MULTIPART], ids=["graphql-sse", "multipart"])
async def test_a_subscription_streams_over_http(service: RunningService, accept: str) -> None:
    event = await first_streamed_event(service, accept)

    assert event["teamId"] == "http"
    assert event["raw"]["n"] == 7
    await wait_until(lambda: service.subscribers == 0)  # the stream closed, the feed with it


async def test_a_subscription_asked_for_as_a_plain_query_says_how_to_stream(
    service: RunningService,
) -> None:
    answer = await service.graphql(SUBSCRIBE)

    assert answer.error_codes == ["BAD_REQUEST"]
    assert "websocket" in answer.errors[0]["message"]
    assert "text/event-stream" in answer.errors[0]["message"]
