"""FlexDeploy servers post their event messages here, exactly as they send them anywhere."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from app.config import Settings
from tests.graphql.queries import EVENT_BY_ID
from tests.utils.live import SUBSCRIBE, wait_until
from tests.utils.service import RunningService, bearer, reference, running_service
from tests.utils.tokens import ADMIN, TEAM_B, TOKENS
from tests.utils.websocket import graphql_websocket

EXAMPLES = [
    {key: value for key, value in message.items() if not key.startswith("_")}
    for message in reference("flexdeploy-events.json")["examples"]
]


async def deliver(service: RunningService, message: Any, **headers: str) -> Any:
    return await service.http.post("/webhooks/flexdeploy", json=message, headers=headers)


async def test_every_example_is_stored_typed_and_pushed_live(service: RunningService) -> None:
    async with graphql_websocket(service.ws_url) as monitor:
        await monitor.subscribe(SUBSCRIBE, filter={"source": {"eq": "FLEXDEPLOY"}})
        await wait_until(lambda: service.subscribers == 1)

        answers = [await deliver(service, message) for message in EXAMPLES]
        pushed = [(await monitor.next_event())["data"]["events"] for _ in EXAMPLES]

    assert [answer.status_code for answer in answers] == [202] * len(EXAMPLES)
    ids = [answer.json()["id"] for answer in answers]
    assert [event["id"] for event in pushed] == ids
    for event_id, sent in zip(ids, EXAMPLES, strict=True):
        event = (await service.graphql(EVENT_BY_ID, id=event_id)).data["event"]
        assert event["__typename"] == sent["eventType"].title().replace(" ", "") + "Event"
        assert event["raw"] == sent
    stage = (await service.graphql(EVENT_BY_ID, id=ids[5])).data["event"]
    assert stage["pipelineStagePayload"]["pipelineStageExecution"]["executionStatus"] == "FAILED"


async def test_a_redelivered_message_is_stored_once(service: RunningService) -> None:
    first = await deliver(service, EXAMPLES[0])
    again = await deliver(service, EXAMPLES[0])
    different = await deliver(service, EXAMPLES[1])

    assert (first.status_code, again.status_code) == (202, 202)
    assert (first.json()["created"], again.json()["created"]) == (True, False)
    assert first.json()["id"] == again.json()["id"] != different.json()["id"]
    assert await service.stored_count() == 2


async def test_bad_messages_are_refused_naming_the_problem(service: RunningService) -> None:
    malformed = await service.http.post(
        "/webhooks/flexdeploy", content='{"eventType": "Tag Assigned",}'
    )
    invalid = await deliver(service, {"eventType": "Task Created", "timestamp": "noon"})

    assert malformed.status_code == 400
    assert "line 1, column 30" in malformed.json()["message"]
    assert invalid.status_code == 422
    assert [item["field"] for item in invalid.json()["errors"]] == ["timestamp"]
    assert await service.stored_count() == 0


@pytest.fixture
async def with_secret(settings: Settings) -> AsyncIterator[RunningService]:
    guarded = settings.model_copy(update={"flexdeploy_secret": SecretStr("s3cret")})
    async with running_service(guarded) as running:
        yield running


async def test_a_configured_secret_keeps_strangers_out(with_secret: RunningService) -> None:
    service = with_secret

    missing, wrong, right = await asyncio.gather(
        deliver(service, EXAMPLES[0]),
        deliver(service, EXAMPLES[1], **{"X-Webhook-Secret": "guess"}),
        deliver(service, EXAMPLES[2], **{"X-Webhook-Secret": "s3cret"}),
    )

    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 202)
    assert "X-Webhook-Secret" in missing.json()["message"]
    assert await service.stored_count() == 1


async def test_a_secret_bound_to_a_team_is_enough_without_a_token(settings: Settings) -> None:
    """FlexDeploy can be set to send a secret header, not always a bearer token."""
    bound = settings.model_copy(
        update={
            "tokens": TOKENS,
            "flexdeploy_secret": SecretStr("s3cret"),
            "flexdeploy_team": "team-a",
        }
    )
    async with running_service(bound) as service:
        secret_only = await deliver(service, EXAMPLES[0], **{"X-Webhook-Secret": "s3cret"})
        wrong = await deliver(service, EXAMPLES[1], **{"X-Webhook-Secret": "guess"})
        with_token = await deliver(
            service, EXAMPLES[2], **{"X-Webhook-Secret": "s3cret", **bearer(TEAM_B)}
        )
        stored = secret_only.json()["id"], with_token.json()["id"]
        teams = [
            (await service.graphql(EVENT_BY_ID, token=ADMIN, id=event_id)).data["event"]["teamId"]
            for event_id in stored
        ]

    assert (secret_only.status_code, wrong.status_code, with_token.status_code) == (202, 401, 202)
    assert teams == ["team-a", "team-b"]  # the secret's team; a token still speaks for its own


def test_a_team_for_the_secret_needs_the_secret() -> None:
    with pytest.raises(ValidationError, match="EVENTSTORE_FLEXDEPLOY_SECRET"):
        Settings(flexdeploy_team="team-a")
