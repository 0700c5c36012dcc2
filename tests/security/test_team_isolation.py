"""Two teams' tokens against every read path: no path ever shows the other team's events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from tests.graphql.queries import EVENT_BY_ID, INGEST_BATCH, INGEST_LIFECYCLE
from tests.utils.live import SUBSCRIBE, wait_until
from tests.utils.service import RunningService, bearer
from tests.utils.tokens import ADMIN, TEAM_A, TEAM_B
from tests.utils.websocket import LEGACY_WS, TRANSPORT_WS, graphql_websocket

COUNTS = """
{
    events { totalCount nodes { ... on Event { id teamId } } }
    lifecycleEvents { totalCount nodes { ... on Event { id teamId } } }
    flexDeployEvents { totalCount nodes { ... on Event { id teamId } } }
}
"""
ROOTS = ("events", "lifecycleEvents", "flexDeployEvents")


async def seed(service: RunningService) -> dict[str, list[str]]:
    """Team a: 3 lifecycle + 2 FlexDeploy events; team b: 2 + 1. Returns ids per token."""
    ids: dict[str, list[str]] = {TEAM_A: [], TEAM_B: []}
    for token, lifecycle, flexdeploy in ((TEAM_A, 3, 2), (TEAM_B, 2, 1)):
        answer = await service.graphql(
            INGEST_BATCH,
            token=token,
            lifecycle=[{"eventName": "build", "eventAction": "succeeded"}] * lifecycle,
        )
        ids[token] += [event["id"] for event in answer.data["ingestEvents"]["events"]]
        for n in range(flexdeploy):
            delivered = await service.http.post(
                "/webhooks/flexdeploy",
                json={"eventType": "Tag Assigned", "object": f"{token}-{n}"},
                headers=bearer(token),
            )
            ids[token].append(delivered.json()["id"])
    return ids


async def test_query_roots_and_counts_show_only_the_callers_team(guarded: RunningService) -> None:
    ids = await seed(guarded)

    seen = {
        token: (await guarded.graphql(COUNTS, token=token)).data
        for token in (TEAM_A, TEAM_B, ADMIN)
    }

    expected = {TEAM_A: (5, 3, 2), TEAM_B: (3, 2, 1), ADMIN: (8, 5, 3)}
    for token, counts in expected.items():
        assert tuple(seen[token][root]["totalCount"] for root in ROOTS) == counts, token
    for token in (TEAM_A, TEAM_B):
        team = "team-a" if token == TEAM_A else "team-b"
        nodes = seen[token]["events"]["nodes"]
        assert {node["id"] for node in nodes} == set(ids[token])
        assert {node["teamId"] for node in nodes} == {team}


async def test_an_event_of_another_team_reads_as_unknown(guarded: RunningService) -> None:
    ids = await seed(guarded)

    own = await guarded.graphql(EVENT_BY_ID, token=TEAM_A, id=ids[TEAM_A][0])
    other = await guarded.graphql(EVENT_BY_ID, token=TEAM_A, id=ids[TEAM_B][0])
    admin = await guarded.graphql(EVENT_BY_ID, token=ADMIN, id=ids[TEAM_B][0])

    assert own.data["event"]["id"] == ids[TEAM_A][0]
    assert (other.data, other.errors) == ({"event": None}, [])
    assert admin.data["event"]["id"] == ids[TEAM_B][0]


async def test_asking_for_another_team_is_forbidden(guarded: RunningService) -> None:
    query = await guarded.graphql(
        "query($f: EventFilter) { events(filter: $f) { totalCount } }",
        token=TEAM_A,
        f={"teamId": {"in": ["team-a", "team-b"]}},
    )
    write = await guarded.graphql(
        INGEST_LIFECYCLE,
        token=TEAM_A,
        input={"eventName": "build", "eventAction": "failed", "teamId": "team-b"},
    )
    rest = await guarded.http.get("/events?team_id=team-b", headers=bearer(TEAM_A))

    assert query.error_codes == ["FORBIDDEN"]
    assert write.error_codes == ["FORBIDDEN"]
    assert rest.status_code == 403
    assert await guarded.stored_count() == 0


async def test_a_lifecycle_event_without_team_is_filed_under_the_callers(
    guarded: RunningService,
) -> None:
    answer = await guarded.graphql(
        INGEST_LIFECYCLE, token=TEAM_B, input={"eventName": "build", "eventAction": "failed"}
    )

    event = answer.data["ingestLifecycleEvent"]["event"]
    assert event["teamId"] == "team-b"
    assert event["raw"] == {"event_name": "build", "event_action": "failed"}


async def test_get_events_shows_only_the_callers_team(guarded: RunningService) -> None:
    await seed(guarded)

    pages = {
        token: (await guarded.http.get("/events", headers=bearer(token))).json()
        for token in (TEAM_A, TEAM_B, ADMIN)
    }

    assert {token: page["total"] for token, page in pages.items()} == {
        TEAM_A: 3,
        TEAM_B: 2,
        ADMIN: 5,
    }
    assert {event["team_id"] for event in pages[TEAM_A]["data"]} == {"team-a"}


async def test_idempotency_keys_are_per_team(guarded: RunningService) -> None:
    build = {"eventName": "build", "eventAction": "failed"}

    first = await guarded.graphql(INGEST_LIFECYCLE, token=TEAM_A, input=build, key="k")
    other = await guarded.graphql(INGEST_LIFECYCLE, token=TEAM_B, input=build, key="k")

    assert other.data["ingestLifecycleEvent"]["created"] is True
    assert (
        other.data["ingestLifecycleEvent"]["event"]["id"]
        != first.data["ingestLifecycleEvent"]["event"]["id"]
    )


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_subscriptions_live_and_catch_up_show_only_the_callers_team(
    guarded: RunningService, protocol: str
) -> None:
    ids = await seed(guarded)
    first_cursor = (
        await guarded.graphql(
            '{ events(sort: [{field: "timestamp", order: ASC}], limit: 1) '
            "{ nodes { ... on Event { cursor } } } }",
            token=ADMIN,
        )
    ).data["events"]["nodes"][0]["cursor"]

    async def watch(token: str, after: str | None) -> list[dict[str, Any]]:
        async with graphql_websocket(
            guarded.ws_url, protocol, {"Authorization": f"Bearer {token}"}
        ) as client:
            await client.subscribe(SUBSCRIBE, after=after)
            events = []
            while True:
                message = (await client.next_event())["data"]["events"]
                events.append(message)
                if message["type"] == "done":
                    return events

    watchers = [asyncio.create_task(watch(token, first_cursor)) for token in (TEAM_A, TEAM_B)]
    await wait_until(lambda: guarded.subscribers == 2)
    for token in (TEAM_B, TEAM_A):
        await guarded.graphql(
            INGEST_LIFECYCLE, token=token, input={"eventName": "deploy", "eventAction": "x"}
        )
        await guarded.graphql(
            INGEST_LIFECYCLE, token=token, input={"eventName": "done", "eventAction": "x"}
        )
    seen_a, seen_b = await asyncio.gather(*watchers)

    # Catch-up from the very first event (team a's own), then live.
    assert [event["id"] for event in seen_a[:4]] == ids[TEAM_A][1:]
    assert {event["teamId"] for event in seen_a} == {"team-a"}
    assert [event["id"] for event in seen_b[:3]] == ids[TEAM_B]
    assert {event["teamId"] for event in seen_b} == {"team-b"}
    assert [event["type"] for event in seen_a[4:]] == ["deploy", "done"]


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
@pytest.mark.parametrize("resuming", [False, True], ids=["live", "from-a-cursor"])
async def test_a_subscription_to_another_team_fails_alone(
    guarded: RunningService, protocol: str, resuming: bool
) -> None:
    """The forbidden operation gets an `error`; the socket and its other subscription go on."""
    answer = await guarded.graphql(
        INGEST_LIFECYCLE, token=TEAM_A, input={"eventName": "marker", "eventAction": "x"}
    )
    after = answer.data["ingestLifecycleEvent"]["event"]["cursor"] if resuming else None
    async with graphql_websocket(guarded.ws_url, protocol, {"authToken": TEAM_A}) as client:
        mine = await client.subscribe(SUBSCRIBE)
        theirs = await client.subscribe(SUBSCRIBE, filter={"teamId": {"eq": "team-b"}}, after=after)
        refusal = await client.receive()
        await wait_until(lambda: guarded.subscribers == 1)
        await guarded.graphql(
            INGEST_LIFECYCLE, token=TEAM_A, input={"eventName": "deploy", "eventAction": "x"}
        )
        delivered = await client.receive()

    assert refusal["type"] == "error"
    assert refusal["id"] == theirs
    errors = refusal["payload"] if protocol == TRANSPORT_WS else [refusal["payload"]]
    assert [error["extensions"]["code"] for error in errors] == ["FORBIDDEN"]
    assert delivered["id"] == mine
    assert delivered["payload"]["data"]["events"]["type"] == "deploy"


@pytest.mark.parametrize("payload", [{}, {"Authorization": "Bearer wrong"}, {"token": ""}])
async def test_websockets_without_a_valid_token_close_with_4401(
    guarded: RunningService, payload: dict[str, str]
) -> None:
    with pytest.raises(ConnectionClosed) as closed:
        async with graphql_websocket(guarded.ws_url, payload=payload):
            pass

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("POST", "/graphql", {}),
        ("POST", "/graphql", {"authorization": "Bearer nope"}),
        ("GET", "/events", {}),
        ("POST", "/events", {"authorization": "Basic dXNlcg=="}),
        ("POST", "/webhooks/flexdeploy", {}),
    ],
)
async def test_http_without_a_valid_token_is_401(
    guarded: RunningService, method: str, path: str, headers: dict[str, str]
) -> None:
    body = {"query": "{ events { totalCount } }"} if path == "/graphql" else {"eventType": "x"}
    answer = await guarded.http.request(method, path, json=body, headers=headers)

    assert answer.status_code == 401
    assert await guarded.stored_count() == 0
    assert answer.headers["www-authenticate"].startswith("Bearer")  # which scheme to use
    if path == "/graphql":  # in GraphQL's shape, for its clients
        assert answer.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_graphiql_opens_without_a_token(guarded: RunningService) -> None:
    page = await guarded.http.get("/graphql", headers={"accept": "text/html"})

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
