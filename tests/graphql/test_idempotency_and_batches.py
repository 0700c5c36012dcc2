"""Retries with an idempotency key store once; batches store all of their events or none."""

from __future__ import annotations

import asyncio

from tests.graphql.queries import INGEST_BATCH, INGEST_FLEXDEPLOY, INGEST_LIFECYCLE
from tests.utils.service import RunningService

DEPLOYED = {"eventName": "deployment", "eventAction": "succeeded", "repo": "api", "commit": "abc"}


async def test_a_retried_ingest_stores_one_event(service: RunningService) -> None:
    first = await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED, key="deploy-abc-1")
    retry = await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED, key="deploy-abc-1")

    assert first.data["ingestLifecycleEvent"]["created"] is True
    assert retry.data["ingestLifecycleEvent"]["created"] is False
    assert (
        retry.data["ingestLifecycleEvent"]["event"] == first.data["ingestLifecycleEvent"]["event"]
    )
    assert await service.stored_count() == 1


async def test_concurrent_retries_store_one_event(service: RunningService) -> None:
    sent = {"eventType": "Task Approved", "payload": {"taskId": 5}}

    answers = await asyncio.gather(
        *(service.graphql(INGEST_FLEXDEPLOY, input=sent, key="task-5") for _ in range(10))
    )

    results = [answer.data["ingestFlexDeployEvent"] for answer in answers]
    assert sorted(result["created"] for result in results) == [False] * 9 + [True]
    assert len({result["event"]["id"] for result in results}) == 1
    assert await service.stored_count() == 1


async def test_different_keys_store_different_events(service: RunningService) -> None:
    await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED, key="one")
    await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED, key="two")
    await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED)

    assert await service.stored_count() == 3


async def test_a_batch_is_stored_whole_in_order(service: RunningService) -> None:
    answer = await service.graphql(
        INGEST_BATCH,
        lifecycle=[DEPLOYED, {"eventName": "my-check", "eventAction": "ran"}],
        flexDeploy=[{"eventType": "User Created", "payload": {"userName": "marge"}}],
    )

    batch = answer.data["ingestEvents"]
    assert batch["count"] == 3
    assert [event["__typename"] for event in batch["events"]] == [
        "DeploymentEvent",
        "CustomLifecycleEvent",
        "UserCreatedEvent",
    ]
    assert await service.stored_count() == 3


async def test_one_bad_item_stores_none_and_every_bad_item_is_named(
    service: RunningService,
) -> None:
    answer = await service.graphql(
        INGEST_BATCH,
        lifecycle=[DEPLOYED, {"eventName": "build", "eventAction": "melted"}, DEPLOYED],
        flexDeploy=[
            {"eventType": "Comment Added", "timestamp": "never"},
            {"eventType": "Comment Added"},
        ],
    )

    assert answer.error_codes == ["BAD_USER_INPUT"]
    paths = [item["path"] for item in answer.errors[0]["extensions"]["fields"]]
    assert paths == ["lifecycle[1].eventAction", "flexDeploy[0].timestamp"]
    assert "lifecycle[1].eventAction" in answer.errors[0]["message"]
    assert await service.stored_count() == 0


async def test_a_batch_that_fails_in_the_database_leaves_nothing_behind(
    service: RunningService,
) -> None:
    await service.graphql(INGEST_BATCH, lifecycle=[DEPLOYED, DEPLOYED, DEPLOYED])
    # Wind the sequence back so the third event of the next batch collides with a stored one.
    counters = service.mongo[service.settings.database]["counters"]
    await counters.update_one({"_id": "events"}, {"$set": {"seq": 0}})

    answer = await service.graphql(INGEST_BATCH, lifecycle=[DEPLOYED] * 5)

    assert answer.error_codes == ["INTERNAL_SERVER_ERROR"]
    assert "error id" in answer.errors[0]["message"]
    assert "Traceback" not in str(answer.errors)
    assert "E11000" not in str(answer.errors)
    assert await service.stored_count() == 3


async def test_a_batch_over_the_maximum_is_refused(service: RunningService) -> None:
    answer = await service.graphql(INGEST_BATCH, lifecycle=[DEPLOYED] * 1001)

    assert answer.error_codes == ["BAD_USER_INPUT"]
    assert "at most 1000" in answer.errors[0]["message"]
    assert await service.stored_count() == 0


async def test_a_blank_or_overlong_key_is_refused_not_shared(service: RunningService) -> None:
    # A script whose key variable is unset sends "": every later event would be dropped.
    blank = await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED, key="")
    spaces = await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED, key="  ")
    long = await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED, key="k" * 257)

    for answer in (blank, spaces):
        assert answer.error_codes == ["BAD_USER_INPUT"]
        assert "idempotencyKey: must not be blank" in answer.errors[0]["message"]
    assert "idempotencyKey: is longer than 256 characters" in long.errors[0]["message"]
    assert await service.stored_count() == 0
