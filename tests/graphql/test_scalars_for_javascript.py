"""What a JavaScript client reads back: times in one form, 64-bit ids without rounding, and
filters that take every time form ingest takes."""

from __future__ import annotations

from tests.graphql.queries import INGEST_FLEXDEPLOY, INGEST_LIFECYCLE
from tests.utils.service import RunningService

COMMENT = """
query($filter: EventFilter) {
  events(filter: $filter) {
    nodes { ... on Event { timestamp receivedAt }
            ... on CommentAddedEvent { commentPayload { commentId objectId } } }
  }
}
"""
PAST_JAVASCRIPT = 2**53 + 1  # JSON.parse reads it as 2**53


async def test_times_are_utc_with_z_and_milliseconds_whatever_was_sent(
    service: RunningService,
) -> None:
    for sent in ("2026-10-17T05:51:00-05:00", "2026-10-17 05:51:00.5 -0500"):
        await service.graphql(
            INGEST_LIFECYCLE, input={"eventName": "x", "eventAction": "y", "timestamp": sent}
        )

    nodes = (await service.graphql(COMMENT)).data["events"]["nodes"]

    assert sorted(node["timestamp"] for node in nodes) == [
        "2026-10-17T10:51:00.000Z",
        "2026-10-17T10:51:00.500Z",
    ]
    assert all(node["receivedAt"].endswith("Z") and len(node["receivedAt"]) == 24 for node in nodes)


async def test_a_filter_takes_flexdeploys_own_time_form(service: RunningService) -> None:
    await service.graphql(
        INGEST_LIFECYCLE,
        input={"eventName": "x", "eventAction": "y", "timestamp": "2026-11-16T05:00:01Z"},
    )

    after = await service.graphql(
        COMMENT, filter={"timestamp": {"gte": "2026-11-16 00:00:00 -0500"}}
    )
    before = await service.graphql(
        COMMENT, filter={"timestamp": {"lt": "2026-11-16 00:00:00 -0500"}}
    )

    assert len(after.data["events"]["nodes"]) == 1
    assert before.data["events"]["nodes"] == []


async def test_long_ids_past_2_53_come_as_decimal_strings(service: RunningService) -> None:
    message = {
        "eventType": "Comment Added",
        "payload": {"commentId": PAST_JAVASCRIPT, "objectId": 10001},
    }
    assert (await service.graphql(INGEST_FLEXDEPLOY, input=message)).errors == []

    raw = (await service.http.post("/graphql", json={"query": COMMENT})).text
    payload = (await service.graphql(COMMENT)).data["events"]["nodes"][0]["commentPayload"]

    assert f'"commentId":"{PAST_JAVASCRIPT}"' in raw.replace(" ", "")
    assert payload == {"commentId": str(PAST_JAVASCRIPT), "objectId": 10001}


async def test_a_filter_bound_may_be_any_year_a_stored_time_can_have(
    service: RunningService,
) -> None:
    await service.graphql(
        INGEST_LIFECYCLE,
        input={"eventName": "x", "eventAction": "y", "timestamp": "2026-11-16T05:00:01Z"},
    )

    open_ended = await service.graphql(
        COMMENT, filter={"timestamp": {"gte": "0001-01-01", "lt": "9999-12-31"}}
    )
    past_the_end = await service.graphql(
        COMMENT, filter={"timestamp": {"lt": "9999-12-31T23:00:00-05:00"}}
    )

    assert open_ended.errors == [], open_ended.errors
    assert len(open_ended.data["events"]["nodes"]) == 1
    assert past_the_end.error_codes == ["BAD_USER_INPUT"]
    assert "outside the years 1 to 9999 once moved to UTC" in past_the_end.errors[0]["message"]
