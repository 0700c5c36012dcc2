"""Odd but well-formed reads are answered, or refused naming what is wrong; never a 500.

Each case once met an internal error, or stands beside one that did.
"""

from __future__ import annotations

import pytest

from tests.graphql.queries import INGEST_BATCH, INGEST_FLEXDEPLOY
from tests.utils.service import RunningService

RANGE = '{timestamp: {gte: "2024-01-01T00:00:00Z", lt: "2024-02-01T00:00:00Z"}}'
ODD = [
    '{ eventCounts(groupBy: ["raw"]) { group count } }',
    '{ eventCounts(groupBy: ["data"]) { group count } }',
    '{ eventCounts(groupBy: ["payload"]) { group count } }',
    '{ eventCounts(groupBy: ["data.nested.a"]) { group count } }',
    '{ eventCounts(groupBy: ["receivedAt"], bucket: DAY) { group bucket count } }',
    "{ eventCounts(groupBy: []) { group count } }",
    f"{{ eventCounts(groupBy: [], bucket: WEEK, filter: {RANGE}) {{ bucket count }} }}",
    '{ events(sort: [{field: "raw"}]) { nodes { __typename } pageInfo { endCursor } } }',
    '{ events(sort: [{field: "data.nested"}, {field: "payload.x"}]) { totalCount } }',
    '{ events(filter: {field: [{path: "data.when", gt: "2024-01-01"}]}) { totalCount } }',
    '{ events(filter: {field: [{path: "data.n", in: []}]}) { totalCount } }',
    "{ events(filter: {not: {or: []}}) { totalCount } }",
    '{ events(filter: {field: [{path: "data.a"}]}) { totalCount } }',
    "{ events(limit: 0) { totalCount nodes { __typename } pageInfo { endCursor } } }",
    '{ event(id: "zzzzzzzzzzzzzzzzzzzzzzzz") { __typename } }',
    '{ deliveryMetrics(from: "2024-01-01", to: "2024-01-02", teamId: "") { '
    "leadTime { durations { count } } } }",
]


@pytest.fixture
async def stocked(service: RunningService) -> RunningService:
    lifecycle = [
        {
            "eventName": "build",
            "eventAction": "succeeded",
            "data": {"n": n, "when": "2024-05-01", "nested": {"a": [1, {"b": 2}]}},
            "timestamp": f"2024-01-0{n + 1}T00:00:00Z",
        }
        for n in range(5)
    ]
    await service.graphql(INGEST_BATCH, lifecycle=lifecycle)
    message = {"eventType": "Comment Added", "payload": {"x": [1, 2], "commentText": "Jira"}}
    await service.graphql(INGEST_FLEXDEPLOY, input=message)
    return service


async def test_odd_reads_never_meet_an_internal_error(stocked: RunningService) -> None:
    codes = {query: (await stocked.graphql(query)).error_codes for query in ODD}

    assert {query: code for query, code in codes.items() if code} == {
        '{ event(id: "zzzzzzzzzzzzzzzzzzzzzzzz") { __typename } }': ["BAD_USER_INPUT"]
    }
