"""Bad input is answered with BAD_USER_INPUT naming the field, and nothing is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.config import Settings
from tests.graphql.queries import INGEST_FLEXDEPLOY, INGEST_LIFECYCLE
from tests.utils.service import RunningService, running_service


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[RunningService]:
    """Bodies may be large here: these cases are about each event's own limits."""
    roomy = settings.model_copy(update={"max_request_bytes": 8 * 1024 * 1024})
    async with running_service(roomy) as running:
        yield running


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": True}
    for _ in range(depth):
        value = {"next": value}
    return value


GOOD_LIFECYCLE = {"eventName": "build", "eventAction": "succeeded", "repo": "api"}
GOOD_FLEXDEPLOY = {"eventType": "Comment Added", "actor": "fdadmin", "payload": {"commentId": 1}}

# (case, mutation, input, what the message must name, words the message must hold)
CASES: list[tuple[str, str, dict[str, Any], str, list[str]]] = [
    ("eventName missing", INGEST_LIFECYCLE, {"eventAction": "initiated"}, "eventName", []),
    (
        "eventName not a string",
        INGEST_LIFECYCLE,
        {**GOOD_LIFECYCLE, "eventName": 5},
        "eventName",
        [],
    ),
    (
        "eventName empty",
        INGEST_LIFECYCLE,
        {**GOOD_LIFECYCLE, "eventName": "  "},
        "input.eventName",
        ["empty"],
    ),
    ("teamId not a string", INGEST_LIFECYCLE, {**GOOD_LIFECYCLE, "teamId": ["a"]}, "teamId", []),
    (
        "unknown action for a known name",
        INGEST_LIFECYCLE,
        {**GOOD_LIFECYCLE, "eventAction": "exploded"},
        "input.eventAction",
        ["initiated", "succeeded", "failed", "exploded"],
    ),
    (
        "no action for a known name",
        INGEST_LIFECYCLE,
        {"eventName": "support_request"},
        "input.eventAction",
        ["opened", "updated", "resolved"],
    ),
    (
        "unparseable lifecycle timestamp",
        INGEST_LIFECYCLE,
        {**GOOD_LIFECYCLE, "timestamp": "last tuesday"},
        "input.timestamp",
        ["ISO-8601"],
    ),
    ("data not an object", INGEST_LIFECYCLE, {**GOOD_LIFECYCLE, "data": [1, 2]}, "input.data", []),
    (
        "data repeats a named field",
        INGEST_LIFECYCLE,
        {**GOOD_LIFECYCLE, "data": {"repo": "web"}},
        "input.data.repo",
        [],
    ),
    (
        "integer past 64 bits",
        INGEST_LIFECYCLE,
        {**GOOD_LIFECYCLE, "data": {"build": {"number": 2**70}}},
        "input.data.build.number",
        ["64 bits"],
    ),
    (
        "200-deep nesting",
        INGEST_LIFECYCLE,
        {**GOOD_LIFECYCLE, "data": {"tree": nested(200)}},
        "input.data.tree",
        ["deeper"],
    ),
    (
        "text that is not Unicode",
        INGEST_LIFECYCLE,
        {**GOOD_LIFECYCLE, "data": {"note": "\ud800", "\udfff": 1}},
        "input.data.note",
        ["Unicode"],
    ),
    ("eventType missing", INGEST_FLEXDEPLOY, {"actor": "fdadmin"}, "eventType", []),
    ("actor not a string", INGEST_FLEXDEPLOY, {**GOOD_FLEXDEPLOY, "actor": 7}, "actor", []),
    (
        "unparseable FlexDeploy timestamp",
        INGEST_FLEXDEPLOY,
        {**GOOD_FLEXDEPLOY, "timestamp": "2023-13-45 99:00:00 -0500"},
        "input.timestamp",
        ["2023-13-45"],
    ),
    (
        "payload field of the wrong type",
        INGEST_FLEXDEPLOY,
        {**GOOD_FLEXDEPLOY, "payload": {"commentId": "one"}},
        "input.payload.commentId",
        ["integer"],
    ),
    (
        "payload not an object",
        INGEST_FLEXDEPLOY,
        {**GOOD_FLEXDEPLOY, "payload": "text"},
        "input.payload",
        ["object"],
    ),
    (
        "2 MB payload",
        INGEST_FLEXDEPLOY,
        {**GOOD_FLEXDEPLOY, "payload": {"commentText": "x" * (2 * 1024 * 1024)}},
        "input.payload",
        ["too large", "1,048,576"],
    ),
    (
        "200-deep payload",
        INGEST_FLEXDEPLOY,
        {**GOOD_FLEXDEPLOY, "payload": nested(200)},
        "input.payload",
        ["deeper"],
    ),
]


@pytest.mark.parametrize(
    ("mutation", "sent", "field", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
async def test_bad_input_is_rejected_naming_the_field(
    service: RunningService, mutation: str, sent: dict[str, Any], field: str, words: list[str]
) -> None:
    answer = await service.graphql(mutation, input=sent)

    assert answer.data is None
    assert answer.error_codes == ["BAD_USER_INPUT"]
    message = answer.errors[0]["message"]
    assert field in message
    for word in words:
        assert word in message
    assert "Traceback" not in message
    assert await service.stored_count() == 0


async def test_every_problem_of_one_event_is_reported_at_once(service: RunningService) -> None:
    sent = {
        "eventType": "Task Approved",
        "timestamp": "soon",
        "payload": {"taskId": "x", "roleId": []},
    }

    answer = await service.graphql(INGEST_FLEXDEPLOY, input=sent)

    paths = [item["path"] for item in answer.errors[0]["extensions"]["fields"]]
    assert paths == ["input.timestamp", "input.payload.taskId", "input.payload.roleId"]
    assert await service.stored_count() == 0


async def test_a_good_event_after_bad_ones_is_stored(service: RunningService) -> None:
    await service.graphql(INGEST_LIFECYCLE, input={**GOOD_LIFECYCLE, "eventAction": "nope"})

    answer = await service.graphql(INGEST_LIFECYCLE, input=GOOD_LIFECYCLE)

    assert answer.errors == []
    assert await service.stored_count() == 1
