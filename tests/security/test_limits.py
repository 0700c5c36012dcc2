"""Every limit refuses an over-limit request clearly, and the service keeps serving others."""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from app.config import Settings
from app.graphql.document_validation import _spent as validation_spent
from tests.graphql.queries import INGEST_BATCH
from tests.utils.hostile_documents import INTROSPECTION_QUERIES
from tests.utils.live import SUBSCRIBE
from tests.utils.service import RunningService, running_service
from tests.utils.websocket import LEGACY_WS, TRANSPORT_WS, graphql_websocket

DEEP = """{ events { nodes { ... on PipelineStageCompletedEvent {
    pipelineStagePayload { pipelineStageExecution { activeStep { id } } } } } } }"""


@pytest.fixture
async def limited(settings: Settings) -> AsyncIterator[RunningService]:
    tight = settings.model_copy(
        update={
            "max_query_depth": 3,
            "max_subscriptions_per_connection": 3,
            "ws_init_timeout_seconds": 1.0,
        }
    )
    async with running_service(tight) as running:
        yield running


async def still_serving(service: RunningService) -> None:
    answer = await service.graphql("{ events(limit: 1) { totalCount } }")
    assert answer.errors == []


def nested_or(depth: int) -> dict[str, Any]:
    inner: dict[str, Any] = {"repo": {"eq": "api"}}
    for _ in range(depth):
        inner = {"or": [inner]}
    return inner


@pytest.mark.parametrize(
    ("query", "variables", "words"),
    [
        (DEEP, {}, "exceeds maximum operation depth of 3"),
        (
            "{ " + " ".join(f"a{n}: events {{ totalCount }}" for n in range(31)) + " }",
            {},
            "aliases",
        ),
        ("{ events { " + "__typename " * 6000 + "} }", {}, "token"),
        ("{ events(limit: 5000) { totalCount } }", {}, "limit: must be between 0 and 1000"),
        (
            "query($f: EventFilter) { events(filter: $f) { totalCount } }",
            {"f": nested_or(8)},
            "nest at most 6 levels of and/or/not",
        ),
        (
            INGEST_BATCH,
            {"lifecycle": [{"eventName": "build", "eventAction": "failed"}] * 1001},
            "at most 1000 events",
        ),
    ],
    ids=["depth", "aliases", "tokens", "limit", "filter nesting", "batch size"],
)
async def test_graphql_limits(
    limited: RunningService, query: str, variables: dict[str, Any], words: str
) -> None:
    # The second time, the document comes from the parse and validation caches.
    answers = [await limited.graphql(query, **variables) for _ in range(2)]

    for answer in answers:
        assert answer.errors, answer.data
        assert words in answer.errors[0]["message"]
    await still_serving(limited)


@pytest.mark.parametrize("operator", ["and", "or", "not"])
async def test_filters_nest_as_deep_as_the_readme_says_and_no_deeper(
    service: RunningService, operator: str
) -> None:
    def nested(levels: int) -> dict[str, Any]:
        inner: dict[str, Any] = {"repo": {"eq": "api"}}
        for _ in range(levels):
            inner = {operator: inner if operator == "not" else [inner]}
        return inner

    query = "query($f: EventFilter) { events(filter: $f) { totalCount } }"
    six = await service.graphql(query, f=nested(6))
    seven = await service.graphql(query, f=nested(7))

    assert six.errors == []
    assert seven.error_codes == ["BAD_USER_INPUT"]
    assert "filters nest at most 6 levels of and/or/not" in seven.errors[0]["message"]


async def test_request_body_size(limited: RunningService) -> None:
    huge = json.dumps({"query": "{ events { totalCount } }", "padding": "x" * 2_000_000})

    answer = await limited.http.post(
        "/graphql", content=huge, headers={"content-type": "application/json"}
    )
    rest = await limited.http.post("/events", content=huge)

    assert (answer.status_code, rest.status_code) == (413, 413)
    assert "1,048,576 bytes" in answer.json()["message"]
    await still_serving(limited)


async def test_subscriptions_per_connection(limited: RunningService) -> None:
    async with graphql_websocket(limited.ws_url) as client:
        for _ in range(3):
            await client.subscribe(SUBSCRIBE)
        await client.subscribe(SUBSCRIBE)
        refused = await client.receive()

    assert refused["type"] == "error"
    assert "Subscription limit reached" in str(refused["payload"])
    await still_serving(limited)


async def closing_code(url: str, protocol: str) -> int | None:
    """Open a websocket and never send `connection_init`; the code the server closes with."""
    async with connect(url, subprotocols=[Subprotocol(protocol)]) as silent:
        try:
            while True:  # the legacy protocol may send a keep-alive first
                await asyncio.wait_for(silent.recv(), 10)
        except ConnectionClosed as closed:
            return None if closed.rcvd is None else closed.rcvd.code


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_sockets_that_never_initialise_are_closed(
    limited: RunningService, protocol: str
) -> None:
    codes = await asyncio.gather(*(closing_code(limited.ws_url, protocol) for _ in range(300)))

    assert codes == [4408] * 300
    await still_serving(limited)


async def test_a_query_that_scans_too_long_is_stopped(settings: Settings) -> None:
    hasty = settings.model_copy(update={"query_timeout_seconds": 0.001})
    async with running_service(hasty) as service:
        for start in range(0, 3000, 1000):
            builds = [
                {"eventName": "build", "eventAction": "succeeded", "data": {"note": f"n{n}"}}
                for n in range(start, start + 1000)
            ]
            assert (await service.graphql(INGEST_BATCH, lifecycle=builds)).errors == []

        # No index holds `data.note`: the database scans every event, past the limit.
        scan = await service.graphql(
            """{ events(filter: { field: [{ path: "data.note", contains: "needle" }] }) {
                   nodes { __typename } } }"""
        )
        rest = await service.http.get("/events", params={"note": "needle"})
        ready = await service.http.get("/readyz")

    assert scan.error_codes == ["QUERY_TIMEOUT"]
    assert "ran longer than 0.001s in MongoDB; narrow it" in scan.errors[0]["message"]
    assert rest.status_code == 408
    assert rest.json()["name"] == "Timeout"
    assert ready.status_code == 200


async def test_validation_past_its_budget_stops_and_refuses_naming_the_setting(
    settings: Settings,
) -> None:
    # A millisecond: what GraphiQL's introspection takes to validate is several.
    hurried = settings.model_copy(update={"max_validation_ms": 1})
    async with running_service(hurried) as service:
        over = await service.graphql(INTROSPECTION_QUERIES["every option"])
        small = await service.graphql("{ __typename }")

    assert over.error_codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert "EVENTSTORE_MAX_VALIDATION_MS" in over.errors[0]["message"]
    assert small.errors == []


def test_the_validation_budget_is_not_charged_for_the_garbage_collector() -> None:
    # A full collection in the middle of a validation refused an ordinary mutation once
    # (250 ms of the collector's in a 100 ms budget).
    held = [[n, []] for n in range(200_000)]
    spent, computed = validation_spent(), time.thread_time()
    gc.collect()
    charged, taken = validation_spent() - spent, time.thread_time() - computed

    assert taken > 0
    assert charged < taken / 10
    del held
