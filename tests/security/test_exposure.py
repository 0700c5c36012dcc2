"""What the service shows of itself: no internals on failure; introspection, GraphiQL and
cross-origin access only as configured."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin, Subprotocol

from app.config import Settings
from tests.graphql.queries import INGEST_LIFECYCLE
from tests.utils.service import RunningService, running_service
from tests.utils.websocket import TRANSPORT_WS


async def test_an_internal_error_shows_an_error_id_and_nothing_else(
    service: RunningService, caplog: pytest.LogCaptureFixture
) -> None:
    # Break the store under the running service: its sequence counter disappears.
    await service.mongo[service.settings.database]["counters"].drop()

    graphql = await service.graphql(
        INGEST_LIFECYCLE, input={"eventName": "build", "eventAction": "failed"}
    )
    rest = await service.http.post(
        "/events", json={"event_name": "build", "event_action": "failed"}
    )

    error = graphql.errors[0]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["message"] == f"Internal server error (error id {error['extensions']['errorId']})."
    assert rest.status_code == 500
    assert set(rest.json()) == {"name", "message", "code", "className", "errors"}
    for shown in (str(graphql.errors), rest.text):
        for secret in ("Traceback", "counter", "RuntimeError", ".py", "mongodb"):
            assert secret not in shown
    assert error["extensions"]["errorId"] in caplog.text
    assert "sequence counter is missing" in caplog.text


@pytest.fixture
async def locked_down(settings: Settings) -> AsyncIterator[RunningService]:
    production = settings.model_copy(
        update={"introspection": False, "graphiql": False, "cors_origins": "https://dash.example"}
    )
    async with running_service(production) as running:
        yield running


async def test_introspection_and_graphiql_can_be_switched_off(locked_down: RunningService) -> None:
    introspection = await locked_down.graphql("{ __schema { types { name } } }")
    page = await locked_down.http.get("/graphql", headers={"accept": "text/html"})

    assert introspection.errors
    assert "introspection" in introspection.errors[0]["message"].lower()
    assert page.status_code == 404 or "graphiql" not in page.text.lower()


async def test_listed_frontends_may_call_and_subscribe_others_may_not(
    locked_down: RunningService,
) -> None:
    preflight = {"origin": "https://dash.example", "access-control-request-method": "POST"}
    allowed = await locked_down.http.options("/graphql", headers=preflight)
    stranger = await locked_down.http.options(
        "/graphql", headers=preflight | {"origin": "https://evil.example"}
    )

    assert allowed.headers["access-control-allow-origin"] == "https://dash.example"
    assert "access-control-allow-origin" not in stranger.headers
    assert await websocket_opens(locked_down.ws_url, "https://dash.example")
    assert not await websocket_opens(locked_down.ws_url, "https://evil.example")


async def websocket_opens(url: str, origin: str) -> bool:
    """Whether a page on `origin` may open a GraphQL websocket (a browser sends `Origin`)."""
    try:
        async with connect(url, subprotocols=[Subprotocol(TRANSPORT_WS)], origin=Origin(origin)):
            return True
    except InvalidStatus:
        return False


async def test_cors_is_off_by_default(service: RunningService) -> None:
    answer = await service.http.options(
        "/graphql",
        headers={"origin": "https://dash.example", "access-control-request-method": "POST"},
    )

    assert "access-control-allow-origin" not in answer.headers


async def test_an_origin_copied_from_the_address_bar_works_for_apollo_and_websockets(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    copied = settings.model_copy(update={"cors_origins": "http://LocalHost:5173/"})
    preflight = {
        "origin": "http://localhost:5173",
        "access-control-request-method": "POST",
        # Apollo Client names itself in its own headers.
        "access-control-request-headers": "content-type,apollographql-client-name",
    }
    async with running_service(copied) as service:
        allowed = await service.http.options("/graphql", headers=preflight)
        assert await websocket_opens(service.ws_url, "http://localhost:5173")
        assert not await websocket_opens(service.ws_url, "http://localhost:5174")

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "apollographql-client-name" in allowed.headers["access-control-allow-headers"]
    assert "EVENTSTORE_CORS_ORIGINS" in caplog.text  # the refusal says what to set
    assert "allowed_origins" not in caplog.text


def test_a_value_that_is_no_origin_stops_start_up_naming_the_variable() -> None:
    started = subprocess.run(
        [sys.executable, "-m", "app"],
        env={**os.environ, "EVENTSTORE_CORS_ORIGINS": "localhost:5173"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert started.returncode != 0
    assert "EVENTSTORE_CORS_ORIGINS" in started.stderr
    assert "'localhost:5173' is not an origin" in started.stderr
    assert "Traceback" not in started.stderr
