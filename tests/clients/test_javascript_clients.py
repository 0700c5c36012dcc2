"""The JavaScript clients frontends use (graphql-ws, Apollo Client, urql, graphql-sse), set up
as their documentation says, against the real service: what they receive is what a browser app
would show. (Python's gql drives subscriptions in tests/live/test_subscriptions.py.)"""

from __future__ import annotations

from typing import Any

from tests.clients.node import NodeClient, node_client
from tests.utils.live import wait_until
from tests.utils.service import RunningService
from tests.utils.tokens import TEAM_A, TEAM_B

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
INGEST = """
mutation Ingest($input: LifecycleEventInput!) {
    ingestLifecycleEvent(input: $input) {
        event {
            __typename
            ... on Event { id type teamId timestamp }
            ... on DeploymentEvent { repo commit data }
            ... on BuildEvent { repo data }
        }
    }
}
"""


async def ingest(service: RunningService, token: str, **event: Any) -> dict[str, Any]:
    answer = await service.graphql(INGEST, token=token, input=event)
    assert answer.errors == []
    stored: dict[str, Any] = answer.data["ingestLifecycleEvent"]["event"]
    return stored


async def reports_until(client: NodeClient, key: str) -> list[dict[str, Any]]:
    """What the client reports, up to and including the first report carrying `key`."""
    seen = [await client.next()]
    while key not in seen[-1]:
        seen.append(await client.next())
    return seen


async def test_graphql_ws_keeps_a_subscription_beside_a_forbidden_one_on_one_socket(
    guarded: RunningService,
) -> None:
    async with node_client("graphql_ws.mjs", guarded, TEAM_A, OTHER_TEAM="team-b") as client:
        before = await reports_until(client, "error")
        await wait_until(lambda: guarded.subscribers == 1)
        ours = [
            await ingest(guarded, TEAM_A, eventName="build", eventAction="succeeded"),
            await ingest(guarded, TEAM_B, eventName="build", eventAction="failed"),
            await ingest(guarded, TEAM_A, eventName="test", eventAction="succeeded"),
        ]
        received = [await client.next(), await client.next()]
        after = await client.rest()

    forbidden = [report for report in before if report.get("operation") == "forbidden"]
    assert [error["extensions"]["code"] for error in forbidden[0]["error"]] == ["FORBIDDEN"]
    assert [report["operation"] for report in received] == ["own", "own"]
    assert [report["next"]["data"]["events"]["id"] for report in received] == [
        ours[0]["id"],
        ours[2]["id"],
    ]
    reports = before + received + after
    # One socket throughout: connected once, closed only when the client was done.
    assert [report for report in reports if "connected" in report] == [{"connected": True}]
    assert [report for report in reports if "closed" in report] == [{"closed": 1000}]
    assert [report for report in reports if report.get("operation") == "forbidden"] == forbidden


async def test_apollo_client_caches_typed_fields_and_persists_its_queries(
    guarded: RunningService,
) -> None:
    async with node_client("apollo.mjs", guarded, TEAM_A) as client:
        await wait_until(lambda: guarded.subscribers == 1)
        stored = await ingest(
            guarded,
            TEAM_A,
            eventName="deployment",
            eventAction="succeeded",
            repo="web",
            commit="298673a9",
            data={"environment": "production"},
        )
        live = await client.next()
        asked = await client.next()
        await client.rest()

    typed = {key: stored[key] for key in ("id", "type", "teamId", "timestamp", "repo", "commit")}
    assert live["error"] is None
    assert live["subscription"]["events"] == live["subscription"]["events"] | typed
    # Apollo answers queries from its cache: without possibleTypes it would drop the fields
    # of `... on Event` here, without an error.
    for page in asked["queries"]:
        assert page["events"]["totalCount"] == 1
        assert page["events"]["nodes"][0] == page["events"]["nodes"][0] | typed
        assert page["events"]["nodes"][0]["__typename"] == "DeploymentEvent"
    exchanges = [
        (e["method"], e["sentQuery"], e["sentHash"], e["status"], e["errorCodes"])
        for e in asked["exchanges"]
    ]
    assert exchanges == [
        ("GET", False, True, 400, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", True, True, 200, []),
        ("GET", False, True, 200, []),
    ]
    assert {e["contentType"] for e in asked["exchanges"]} == {GRAPHQL_RESPONSE_JSON}


async def test_urql_queries_over_http_and_subscribes_over_graphql_ws(
    guarded: RunningService,
) -> None:
    async with node_client("urql.mjs", guarded, TEAM_A) as client:
        await wait_until(lambda: guarded.subscribers == 1)
        stored = await ingest(
            guarded, TEAM_A, eventName="build", eventAction="succeeded", repo="api", data={"n": 1}
        )
        live = await client.next()
        asked = await client.next()
        await client.rest()

    typed = {key: stored[key] for key in ("id", "type", "teamId", "timestamp", "repo", "data")}
    assert live["error"] is None
    assert live["subscription"]["events"] == live["subscription"]["events"] | typed
    assert asked["error"] is None
    assert asked["query"]["events"]["totalCount"] == 1
    assert asked["query"]["events"]["nodes"][0] == asked["query"]["events"]["nodes"][0] | typed


async def test_graphql_sse_receives_live_events_over_http(guarded: RunningService) -> None:
    async with node_client("sse.mjs", guarded, TEAM_A, EVENT_TYPE="deployment") as client:
        await wait_until(lambda: guarded.subscribers == 1)
        await ingest(guarded, TEAM_A, eventName="build", eventAction="succeeded")
        wanted = [
            await ingest(guarded, TEAM_A, eventName="deployment", eventAction=action)
            for action in ("initiated", "succeeded")
        ]
        received = [await client.next(), await client.next()]
        await client.rest()
        await wait_until(lambda: guarded.subscribers == 0)  # the stream's end ended the feed

    events = [report["next"]["data"]["events"] for report in received]
    assert [event["id"] for event in events] == [event["id"] for event in wanted]
    assert [event["timestamp"] for event in events] == [event["timestamp"] for event in wanted]
    assert {event["__typename"] for event in events} == {"DeploymentEvent"}
