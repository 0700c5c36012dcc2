"""Reading events newest first, a page at a time, with cursors."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from tests.graphql.queries import EVENTS_PAGE, INGEST_BATCH
from tests.utils.service import RunningService

START = datetime(2024, 1, 1, tzinfo=UTC)


async def ingest_builds(service: RunningService, count: int) -> None:
    # Pairs share a timestamp, so ties must be broken the same way on every page.
    builds = [
        {
            "eventName": "build",
            "eventAction": "succeeded",
            "data": {"n": n},
            "timestamp": (START + timedelta(minutes=n // 2)).isoformat(),
        }
        for n in range(count)
    ]
    answer = await service.graphql(INGEST_BATCH, lifecycle=builds)
    assert answer.errors == []


async def test_paging_newest_first_yields_every_event_once(service: RunningService) -> None:
    await ingest_builds(service, 23)
    seen: list[str] = []
    timestamps: list[str] = []
    after = None

    while True:
        page = (await service.graphql(EVENTS_PAGE, limit=5, after=after)).data["events"]
        assert page["totalCount"] == 23
        seen += [edge["node"]["id"] for edge in page["edges"]]
        timestamps += [edge["node"]["timestamp"] for edge in page["edges"]]
        assert [edge["cursor"] for edge in page["edges"]] == [
            edge["node"]["cursor"] for edge in page["edges"]
        ]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert len(seen) == len(set(seen)) == 23
    assert timestamps == sorted(timestamps, reverse=True)


async def test_default_page_is_fifty(service: RunningService) -> None:
    await ingest_builds(service, 60)

    page = (await service.graphql(EVENTS_PAGE)).data["events"]

    assert (len(page["nodes"]), page["pageInfo"]["hasNextPage"]) == (50, True)


async def test_family_roots_read_only_their_family(service: RunningService) -> None:
    await service.graphql(
        INGEST_BATCH,
        lifecycle=[{"eventName": "incident", "eventAction": "initiated"}],
        flexDeploy=[{"eventType": "Tag Assigned"}, {"eventType": "Tag Unassigned"}],
    )

    answer = await service.graphql(
        """{
            lifecycleEvents { totalCount nodes { __typename } }
            flexDeployEvents { totalCount nodes { __typename } }
        }"""
    )

    assert answer.data["lifecycleEvents"] == {
        "totalCount": 1,
        "nodes": [{"__typename": "IncidentEvent"}],
    }
    assert answer.data["flexDeployEvents"]["totalCount"] == 2


async def test_limit_past_the_maximum_is_an_error(service: RunningService) -> None:
    answer = await service.graphql(EVENTS_PAGE, limit=1001)

    assert answer.error_codes == ["BAD_USER_INPUT"]
    assert "limit" in answer.errors[0]["message"]


async def test_a_cursor_not_made_here_is_an_error(service: RunningService) -> None:
    answer = await service.graphql(EVENTS_PAGE, after="bm90IGEgY3Vyc29y")

    assert answer.error_codes == ["BAD_USER_INPUT"]
    assert "after" in answer.errors[0]["message"]


async def test_a_forged_cursor_is_refused(service: RunningService) -> None:
    await ingest_builds(service, 3)
    # Shaped like ours, with a sort value that, as a query operator, would match every event.
    forged = {"k": "-timestamp", "v": [{"$exists": True}], "s": 1_000_000}
    token = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")

    answer = await service.graphql(EVENTS_PAGE, after=token)

    assert answer.error_codes == ["BAD_USER_INPUT"]
    assert "after: is not a cursor of this event store" in answer.errors[0]["message"]
