"""What the service shows of itself: no internals on failure; introspection, GraphiQL and
cross-origin access only as configured."""

from __future__ import annotations

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
    async with connect(
        locked_down.ws_url,
        subprotocols=[Subprotocol(TRANSPORT_WS)],
        origin=Origin("https://dash.example"),
    ) as socket:
        assert socket.subprotocol == TRANSPORT_WS
    with pytest.raises(InvalidStatus):
        async with connect(
            locked_down.ws_url,
            subprotocols=[Subprotocol(TRANSPORT_WS)],
            origin=Origin("https://evil.example"),
        ):
            pass


async def test_cors_is_off_by_default(service: RunningService) -> None:
    answer = await service.http.options(
        "/graphql",
        headers={"origin": "https://dash.example", "access-control-request-method": "POST"},
    )

    assert "access-control-allow-origin" not in answer.headers
