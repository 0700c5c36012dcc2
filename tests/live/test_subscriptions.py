"""Live monitors subscribe over websockets and get each matching event as it is stored."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from websockets.exceptions import ConnectionClosed

from app.access.teams import owned, scoped_key
from app.config import Settings
from app.families.lifecycle.intake import lifecycle_event
from app.timestamps import utc_now
from tests.graphql.queries import EVENTS_PAGE, INGEST_BATCH, INGEST_LIFECYCLE
from tests.utils.live import SUBSCRIBE, build, wait_until
from tests.utils.service import RunningService, running_service
from tests.utils.websocket import LEGACY_WS, TRANSPORT_WS, graphql_websocket

MARKER = {"eventName": "marker", "eventAction": "succeeded", "teamId": "b"}


async def test_each_protocol_receives_exactly_its_matching_events(
    service: RunningService,
) -> None:
    transport = WebsocketsTransport(
        url=service.ws_url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]
    )
    events = [
        build(n, team, action)
        for n, (team, action) in enumerate(
            [
                ("a", "succeeded"),
                ("b", "failed"),
                ("a", "failed"),
                ("b", "succeeded"),
                ("c", "succeeded"),
            ]
        )
    ]
    async with (
        Client(transport=transport) as modern,
        graphql_websocket(service.ws_url, LEGACY_WS) as legacy,
    ):
        succeeded = modern.subscribe(
            GraphQLRequest(SUBSCRIBE, variable_values={"filter": {"action": {"eq": "succeeded"}}})
        )
        first = asyncio.ensure_future(anext(succeeded))
        await legacy.subscribe(SUBSCRIBE, filter={"teamId": {"eq": "b"}})
        await wait_until(lambda: service.subscribers == 2)

        for event in [*events, MARKER]:
            await service.graphql(INGEST_LIFECYCLE, input=event)

        seen_modern = [await first]
        while seen_modern[-1]["events"]["type"] != "marker":
            seen_modern.append(await asyncio.wait_for(anext(succeeded), 10))
        seen_legacy = [await legacy.next_event()]
        while seen_legacy[-1]["data"]["events"]["type"] != "marker":
            seen_legacy.append(await legacy.next_event())
        await succeeded.aclose()

    assert [e["events"]["raw"].get("n") for e in seen_modern] == [0, 3, 4, None]
    assert [e["data"]["events"]["raw"].get("n") for e in seen_legacy] == [1, 3, None]
    assert seen_modern[0]["events"]["__typename"] == "BuildEvent"


async def test_a_subscriber_resumes_from_its_cursor_without_gap_or_repeat(
    service: RunningService,
) -> None:
    team_x = {"filter": {"teamId": {"eq": "x"}}}
    async with graphql_websocket(service.ws_url) as client:
        await client.subscribe(SUBSCRIBE, **team_x)
        await wait_until(lambda: service.subscribers == 1)
        await service.graphql(INGEST_BATCH, lifecycle=[build(n, "x") for n in range(5)])
        received = [(await client.next_event())["data"]["events"] for _ in range(5)]
    last_cursor = received[-1]["cursor"]

    # 100 events for team x (and others' in between): half while the client is away, half
    # while it reconnects.
    wanted = [build(n, "x") for n in range(100, 200)]
    noise = [build(n, "y") for n in range(40)]
    mixed = [
        item for pair in zip(wanted, noise + [None] * 60, strict=True) for item in pair if item
    ]

    async def ingest(events: list[dict[str, Any]]) -> None:
        for event in events:
            await service.graphql(INGEST_LIFECYCLE, input=event)

    await ingest(mixed[:70])
    async with graphql_websocket(service.ws_url) as client:
        during = asyncio.create_task(ingest(mixed[70:]))
        await client.subscribe(SUBSCRIBE, after=last_cursor, **team_x)
        resumed = [(await client.next_event())["data"]["events"] for _ in range(100)]
        await during
        await service.graphql(INGEST_LIFECYCLE, input={**build(999, "x"), "eventName": "marker"})
        after_all = (await client.next_event())["data"]["events"]

    assert [event["raw"]["n"] for event in resumed] == list(range(100, 200))
    assert after_all["type"] == "marker"


async def test_a_subscription_ends_when_the_client_leaves(service: RunningService) -> None:
    async with graphql_websocket(service.ws_url) as client:
        await client.subscribe(SUBSCRIBE)
        await wait_until(lambda: service.subscribers == 1)

    await wait_until(lambda: service.subscribers == 0)


async def test_a_bad_filter_is_refused_on_subscribe(service: RunningService) -> None:
    async with graphql_websocket(service.ws_url) as client:
        await client.subscribe(SUBSCRIBE, filter={"field": [{"path": "$where", "eq": 1}]})
        message = await client.receive()

    assert message["type"] in ("error", "next")
    assert "not a stored field" in str(message["payload"])
    assert "BAD_USER_INPUT" in str(message["payload"])


async def test_concurrent_ingests_are_stored_once_each_and_pushed_in_stored_order(
    service: RunningService,
) -> None:
    at = "2026-11-23T10:00:00Z"  # one timestamp: the stored order is then the sequence order
    distinct = [{**build(n, "x"), "timestamp": at} for n in range(80)]
    retried = {**build(999, "x"), "timestamp": at}
    async with graphql_websocket(service.ws_url) as client:
        await client.subscribe(SUBSCRIBE)
        await wait_until(lambda: service.subscribers == 1)

        answers = await asyncio.gather(
            *(service.graphql(INGEST_LIFECYCLE, input=event) for event in distinct),
            *(service.graphql(INGEST_LIFECYCLE, input=retried, key="same") for _ in range(20)),
        )
        pushed = [(await client.next_event())["data"]["events"] for _ in range(81)]

    results = [answer.data["ingestLifecycleEvent"] for answer in answers]
    assert [result["event"]["raw"]["n"] for result in results[:80]] == list(range(80))
    assert all(result["created"] for result in results[:80])
    assert sorted(result["created"] for result in results[80:]) == [False] * 19 + [True]
    assert len({result["event"]["id"] for result in results}) == 81
    assert await service.stored_count() == 81
    page = await service.graphql(EVENTS_PAGE, limit=100)
    newest_first = [edge["node"]["id"] for edge in page.data["events"]["edges"]]
    assert [event["id"] for event in pushed] == newest_first[::-1]


async def test_racing_retries_do_not_hold_back_live_events(settings: Settings) -> None:
    # Gap filling out of reach: later events flow only if given-up sequence numbers are told.
    patient = settings.model_copy(update={"live_gap_seconds": 600})
    retried = build(1, "x")
    async with running_service(patient) as service, graphql_websocket(service.ws_url) as client:
        await client.subscribe(SUBSCRIBE)
        await wait_until(lambda: service.subscribers == 1)
        for attempt in range(10):  # until a race gives a sequence number up
            await asyncio.gather(
                *(
                    service.graphql(INGEST_LIFECYCLE, input=retried, key=f"retry-{attempt}")
                    for _ in range(10)
                )
            )
            stored = await service.stored_count()
            if await service.services.store.last_seq() > stored:
                break
        assert await service.services.store.last_seq() > stored
        await service.graphql(INGEST_LIFECYCLE, input=MARKER)

        pushed = [(await client.next_event())["data"]["events"]["type"] for _ in range(stored + 1)]

    assert pushed == ["build"] * stored + ["marker"]


async def test_a_big_batch_arrives_whole_and_in_order(service: RunningService) -> None:
    batch = [build(n, "x") for n in range(250)]  # more than one bus message carries
    async with graphql_websocket(service.ws_url) as client:
        await client.subscribe(SUBSCRIBE)
        await wait_until(lambda: service.subscribers == 1)
        await service.graphql(INGEST_BATCH, lifecycle=batch)

        pushed = [(await client.next_event())["data"]["events"] for _ in batch]

    assert [event["raw"]["n"] for event in pushed] == list(range(250))


async def test_mistakes_on_a_websocket_get_answers_not_silence(service: RunningService) -> None:
    answers = {}
    for protocol in (TRANSPORT_WS, LEGACY_WS):
        async with graphql_websocket(service.ws_url, protocol) as client:
            await client.subscribe("not graphql")
            answers[protocol, "syntax"] = await client.receive()
            await client.subscribe("{ events { totalCount } }")
            answers[protocol, "query"] = await client.receive()
    async with graphql_websocket(service.ws_url) as client:
        await client.connection.send("[]")
        with pytest.raises(ConnectionClosed) as closed:
            await client.receive()

    for protocol in (TRANSPORT_WS, LEGACY_WS):
        syntax = answers[protocol, "syntax"]
        assert syntax["type"] == "error"
        assert "GRAPHQL_PARSE_FAILED" in json.dumps(syntax["payload"])
    # The legacy protocol carries subscriptions only; the newer one runs queries too.
    assert answers[LEGACY_WS, "query"]["type"] == "error"
    assert "queries are not allowed" in json.dumps(answers[LEGACY_WS, "query"]["payload"])
    assert answers[TRANSPORT_WS, "query"]["type"] == "next"
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
        4400,
        "WebSocket message must be a JSON object",
    )


async def test_a_cursor_of_another_database_is_refused_not_waited_on(
    service: RunningService, settings: Settings
) -> None:
    for n in range(3):
        answer = await service.graphql(INGEST_LIFECYCLE, input=build(n, "x"))
    third = answer.data["ingestLifecycleEvent"]["event"]["cursor"]
    elsewhere = settings.model_copy(update={"database": f"{settings.database}_elsewhere"})

    async with running_service(elsewhere) as fresh, graphql_websocket(fresh.ws_url) as client:
        await fresh.graphql(INGEST_LIFECYCLE, input=build(0, "x"))
        await client.subscribe(SUBSCRIBE, after=third)
        refused = await client.receive()

    assert refused["type"] == "error"  # the operation fails at its start, not mid-stream
    errors = refused["payload"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "after: is not a cursor of this event store" in errors[0]["message"]


async def test_a_cursor_past_a_restored_database_is_refused_not_waited_on(
    service: RunningService,
) -> None:
    for n in range(3):
        answer = await service.graphql(INGEST_LIFECYCLE, input=build(n, "x"))
    third = answer.data["ingestLifecycleEvent"]["event"]["cursor"]
    # As if restored from a backup taken before the last two events.
    await service.mongo[service.settings.database]["events"].delete_many({"data.n": {"$gt": 0}})

    async with graphql_websocket(service.ws_url) as client:
        await client.subscribe(SUBSCRIBE, after=third)
        refused = await client.receive()

    assert refused["type"] == "error"  # the operation fails at its start, not mid-stream
    errors = refused["payload"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "after: points past the newest stored event" in errors[0]["message"]


async def test_an_event_whose_announcement_was_lost_goes_live_when_its_retry_finds_it(
    service: RunningService,
) -> None:
    """A crash between storing and announcing leaves an event stored but unannounced; the
    client's retry with the same key is what brings it to live subscribers."""
    async with graphql_websocket(service.ws_url) as watcher:
        await watcher.subscribe(SUBSCRIBE)
        await wait_until(lambda: service.subscribers == 1)
        # Stored straight through the store: what the killed attempt got done.
        caller = service.services.tokens.from_authorization(None)
        now = utc_now()
        event = lifecycle_event(
            {"event_name": "deployment", "event_action": "failed"},
            now,
            service.services.intake_limits,
        )
        stored = await service.services.store.append(
            owned(caller, event), received_at=now, idempotency_key=scoped_key(caller, "deploy-41")
        )
        retry = await service.graphql(
            INGEST_LIFECYCLE,
            input={"eventName": "deployment", "eventAction": "failed"},
            key="deploy-41",
        )
        pushed = (await watcher.next_event())["data"]["events"]

    assert retry.data["ingestLifecycleEvent"]["created"] is False
    assert pushed["id"] == stored.event.id == retry.data["ingestLifecycleEvent"]["event"]["id"]
