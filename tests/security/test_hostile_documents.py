"""Documents small as text and large as work are refused before they cost, on every transport,
while live subscribers keep receiving; oversized websocket messages are cut off unread."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from app.graphql.document_work import LARGE_DOCUMENT
from app.graphql.query import PAGE_FIELDS
from tests.graphql.queries import INGEST_FLEXDEPLOY, INGEST_LIFECYCLE
from tests.utils.hostile_documents import HOSTILE_DOCUMENTS, INTROSPECTION_QUERIES
from tests.utils.live import SUBSCRIBE, wait_until
from tests.utils.service import RunningService
from tests.utils.tokens import TEAM_A
from tests.utils.websocket import LEGACY_WS, TRANSPORT_WS, graphql_websocket


def refused(answer_errors: list[dict[str, Any]], setting: str | None) -> None:
    """Refused naming `setting`; or, with None, by graphql-core's own parsing or validation."""
    assert answer_errors, "answered, not refused"
    error = answer_errors[0]
    if setting is None:
        codes = {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"}
        assert error["extensions"]["code"] in codes, error
    else:
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", error
        assert setting in error["message"], error["message"]


@pytest.mark.parametrize(("name"), list(HOSTILE_DOCUMENTS))
async def test_a_hostile_document_is_refused_naming_its_limit(
    service: RunningService, name: str
) -> None:
    document, setting = HOSTILE_DOCUMENTS[name]

    # The second time, the document comes from the parse and validation caches.
    for _ in range(2):
        answer = await service.graphql(document)
        refused(answer.errors, setting)


async def test_graphql_over_http_clients_get_a_400_naming_the_limit(
    service: RunningService,
) -> None:
    document, setting = HOSTILE_DOCUMENTS["fragment bomb, 30 levels"]

    response = await service.http.post(
        "/graphql",
        json={"query": document},
        headers={"accept": "application/graphql-response+json"},
    )

    assert response.status_code == 400
    assert setting is not None
    assert setting in response.json()["errors"][0]["message"]


async def ingest(service: RunningService, note: str) -> None:
    build = {"eventName": "build", "eventAction": "succeeded", "data": {"note": note}}
    answer = await service.graphql(INGEST_LIFECYCLE, input=build)
    assert answer.errors == []


def subscription_bomb(levels: int) -> str:
    lines = ["subscription Bomb { events { ...F0 } }"]
    lines.append(f"fragment F{levels} on AnyEvent {{ __typename }}")
    lines += [f"fragment F{n} on AnyEvent {{ ...F{n + 1} ...F{n + 1} }}" for n in range(levels)]
    return "\n".join(lines)


async def test_a_bomb_over_the_websocket_fails_alone_and_the_socket_goes_on(
    service: RunningService,
) -> None:
    async with graphql_websocket(service.ws_url) as client:
        await client.subscribe(subscription_bomb(30))
        error = await client.receive()
        await client.subscribe(SUBSCRIBE)
        await wait_until(lambda: service.subscribers == 1)
        await ingest(service, "after the bomb")
        event = await client.next_event()

    assert error["type"] == "error"
    assert "EVENTSTORE_MAX_QUERY_FIELDS" in error["payload"][0]["message"]
    assert event["data"]["events"]["raw"]["note"] == "after the bomb"


async def test_a_large_subscription_is_read_as_a_small_one_is(service: RunningService) -> None:
    # Parsed off the loop, once per request: its type and operation still decide how it runs.
    large = SUBSCRIBE + "\n# " + "padding " * (LARGE_DOCUMENT // 8)

    plain = await service.graphql(large)
    async with (
        graphql_websocket(service.ws_url) as first,
        graphql_websocket(service.ws_url) as second,
    ):
        await first.subscribe(large)
        await second.subscribe(large)
        await wait_until(lambda: service.subscribers == 2)
        await ingest(service, "large")
        events = [await first.next_event(), await second.next_event()]

    assert plain.error_codes == ["BAD_REQUEST"]
    assert "text/event-stream" in plain.errors[0]["message"]
    assert [event["data"]["events"]["raw"]["note"] for event in events] == ["large", "large"]


async def test_a_large_document_that_does_not_parse_is_parsed_once_and_says_why(
    service: RunningService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Parsed on the worker; Strawberry's own parse, on the loop, is not run again.
    strawberry_parses: list[str] = []
    monkeypatch.setattr(
        strawberry_schema, "parse", lambda *args, **kwargs: strawberry_parses.append("x")
    )
    broken = "query Named { events { totalCount } }\n# " + "x" * LARGE_DOCUMENT + "\n{"
    broken_subscription = SUBSCRIBE + "\n# " + "x" * LARGE_DOCUMENT + "\n}"

    plain = await service.graphql(broken)
    named = await service.http.post("/graphql", json={"query": broken, "operationName": "Named"})
    async with graphql_websocket(service.ws_url) as client:
        await client.subscribe(broken_subscription)
        error = await client.receive()
        await client.subscribe(SUBSCRIBE)
        await wait_until(lambda: service.subscribers == 1)
        await ingest(service, "after a broken document")
        event = await client.next_event()

    assert plain.error_codes == ["GRAPHQL_PARSE_FAILED"]
    assert plain.errors[0]["message"].startswith("Syntax Error")
    assert named.json()["errors"][0]["message"] == plain.errors[0]["message"]
    assert error["type"] == "error"
    assert error["payload"][0]["message"].startswith("Syntax Error")
    assert event["data"]["events"]["raw"]["note"] == "after a broken document"
    assert strawberry_parses == []


async def test_a_subscriber_receives_every_event_while_the_corpus_is_sent(
    service: RunningService,
) -> None:
    async with graphql_websocket(service.ws_url) as client:
        await client.subscribe(SUBSCRIBE)
        await wait_until(lambda: service.subscribers == 1)
        received = []
        for name, (document, setting) in HOSTILE_DOCUMENTS.items():
            attack = asyncio.create_task(service.graphql(document))
            await ingest(service, name)
            refused((await attack).errors, setting)
            received.append((await client.next_event())["data"]["events"])

    assert [event["raw"]["note"] for event in received] == list(HOSTILE_DOCUMENTS)
    assert (await service.http.get("/readyz")).status_code == 200


@pytest.mark.parametrize("name", list(INTROSPECTION_QUERIES))
async def test_graphiqls_introspection_is_within_every_limit(
    service: RunningService, name: str
) -> None:
    answer = await service.graphql(INTROSPECTION_QUERIES[name])

    assert answer.errors == []
    assert answer.data["__schema"]["queryType"]["name"] == "Query"


OVERSIZED = 15 * 1024 * 1024


async def closing_code(url: str, messages: list[str], protocol: str = TRANSPORT_WS) -> int | None:
    """Sends `messages`, the last one past a limit; the code the socket closed with."""
    async with connect(url, subprotocols=[Subprotocol(protocol)]) as connection:
        try:
            for message in messages:
                await connection.send(message)
            await asyncio.wait_for(connection.recv(), 10)
        except ConnectionClosed:
            pass
        await asyncio.wait_for(connection.wait_closed(), 10)
        return connection.close_code


@pytest.mark.parametrize("tokens", ["off", "on"])
async def test_a_message_past_the_request_limit_is_cut_off_unread(
    service: RunningService, guarded: RunningService, tokens: str
) -> None:
    running = guarded if tokens == "on" else service
    token = {"Authorization": f"Bearer {TEAM_A}"} if tokens == "on" else {}
    init = json.dumps({"type": "connection_init", "payload": token})
    # Unauthenticated: a stranger's first message is as large as anyone's.
    huge_init = json.dumps({"type": "connection_init", "payload": {"pad": "x" * OVERSIZED}})
    huge_subscribe = json.dumps(
        {"id": "1", "type": "subscribe", "payload": {"query": "x" * OVERSIZED}}
    )

    codes = [
        await closing_code(running.ws_url, [huge_init]),
        await closing_code(running.ws_url, [init, huge_subscribe]),
    ]

    assert codes == [1009, 1009]
    assert (await running.http.get("/readyz")).status_code == 200


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_connection_init_is_small_and_later_messages_may_be_as_large_as_a_request(
    guarded: RunningService, protocol: str
) -> None:
    token = {"Authorization": f"Bearer {TEAM_A}"}
    # A valid token does not make 100 KB a connection_init: it is read before anyone is known.
    padded_init = json.dumps({"type": "connection_init", "payload": token | {"pad": "x" * 100_000}})
    large = SUBSCRIBE + "\n# " + "x" * 100_000

    code = await closing_code(guarded.ws_url, [padded_init], protocol)
    async with graphql_websocket(guarded.ws_url, protocol, payload=token) as client:
        await client.subscribe(large)
        await wait_until(lambda: guarded.subscribers == 1)
        build = {"eventName": "build", "eventAction": "succeeded", "data": {"note": "large"}}
        await guarded.graphql(INGEST_LIFECYCLE, token=TEAM_A, input=build)
        event = await client.next_event()

    assert code == 1009
    assert event["data"]["events"]["raw"]["note"] == "large"


@pytest.mark.parametrize(
    ("query", "event", "field"),
    [
        (INGEST_LIFECYCLE, {"eventName": "deploy", "repo": "r" * 1025}, "repo"),
        (INGEST_LIFECYCLE, {"eventName": "x" * 200_000}, "type"),
        (
            INGEST_FLEXDEPLOY,
            {"eventType": "Pipeline Stage Completed", "actor": "a" * 5000, "payload": {}},
            "actor",
        ),
    ],
    ids=["repo", "type", "actor"],
)
async def test_a_named_field_no_filter_could_match_is_refused_naming_it(
    service: RunningService, query: str, event: dict[str, Any], field: str
) -> None:
    answer = await service.graphql(query, input=event)

    assert answer.error_codes == ["BAD_USER_INPUT"]
    assert f"{field}: the named field filters compare holds at most 1,024" in str(answer.errors)
    assert await service.stored_count() == 0


async def test_a_named_field_as_long_as_a_filter_takes_is_stored_and_found(
    service: RunningService,
) -> None:
    repo = "r" * 1024
    await service.graphql(
        INGEST_LIFECYCLE, input={"eventName": "build", "eventAction": "succeeded", "repo": repo}
    )

    found = await service.graphql(
        "query($repo: String) { events(filter: {repo: {eq: $repo}}) { totalCount } }", repo=repo
    )

    assert found.data["events"]["totalCount"] == 1


def nested_and(levels: int) -> dict[str, Any]:
    inner: dict[str, Any] = {"repo": {"eq": "api"}}
    for _ in range(levels):
        inner = {"and": [inner]}
    return inner


async def test_a_filter_too_deep_over_the_websocket_fails_alone_naming_it(
    service: RunningService,
) -> None:
    async with graphql_websocket(service.ws_url) as client:
        await client.subscribe(SUBSCRIBE, filter=nested_and(7))
        error = await client.receive()
        await client.subscribe(SUBSCRIBE)
        await wait_until(lambda: service.subscribers == 1)

    assert error["type"] == "error"
    assert "filters nest at most 6 levels of and/or/not" in str(error["payload"])


async def test_a_message_nested_past_json_limits_closes_saying_why(
    service: RunningService,
) -> None:
    async with graphql_websocket(service.ws_url) as client:
        await client.subscribe(SUBSCRIBE, filter=nested_and(300))
        with pytest.raises(ConnectionClosed) as closed:
            await client.receive()

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4400
    assert "nested deeper than 256 levels" in closed.value.rcvd.reason


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ a: events(limit: 600) { totalCount } b: events(limit: 401) { totalCount } }", {}),
        (
            "query($n: Int) { a: events(limit: $n) { totalCount } b: cdEvents { totalCount } }",
            {"n": 951},
        ),
        ("{ " + " ".join(f"p{n}: lifecycleEvents {{ totalCount }}" for n in range(21)) + " }", {}),
    ],
    ids=["literal limits", "a variable and a default", "21 default pages"],
)
async def test_pages_asking_for_more_events_than_the_bound_are_refused(
    service: RunningService, query: str, variables: dict[str, Any]
) -> None:
    answer = await service.graphql(query, **variables)

    refused(answer.errors, "EVENTSTORE_MAX_QUERY_EVENTS")


async def test_pages_within_the_bound_are_answered(service: RunningService) -> None:
    query = "query($n: Int) { a: events(limit: $n) { totalCount } b: events { totalCount } }"

    answer = await service.graphql(query, n=950)

    assert answer.errors == []


async def test_the_page_fields_the_bounds_count_are_the_schemas(service: RunningService) -> None:
    answer = await service.graphql('{ __type(name: "Query") { fields { name args { name } } } }')

    with_limit = {
        field["name"]
        for field in answer.data["__type"]["fields"]
        if any(argument["name"] == "limit" for argument in field["args"])
    }
    assert with_limit == PAGE_FIELDS
