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


KEYED_BATCH = """
mutation($lifecycle: [LifecycleEventInput!], $key: String) {
    ingestEvents(lifecycle: $lifecycle, idempotencyKey: $key) {
        count created events { ... on Event { id type } }
    }
}
"""
RELEASE = [
    {"eventName": "build", "eventAction": "succeeded"},
    DEPLOYED,
    {"eventName": "test", "eventAction": "initiated"},
]


async def test_a_retried_batch_returns_the_first_outcome_and_stores_nothing_twice(
    service: RunningService,
) -> None:
    first = await service.graphql(KEYED_BATCH, lifecycle=RELEASE, key="release-7")
    # The answer was lost (a timeout, a killed client): the pipeline sends it all again.
    retry = await service.graphql(KEYED_BATCH, lifecycle=RELEASE, key="release-7")

    assert first.data["ingestEvents"]["created"] is True
    assert retry.data["ingestEvents"]["created"] is False
    assert retry.data["ingestEvents"]["events"] == first.data["ingestEvents"]["events"]
    assert [event["type"] for event in retry.data["ingestEvents"]["events"]] == [
        "build",
        "deployment",
        "test",
    ]
    assert await service.stored_count() == 3


async def test_concurrent_retries_of_a_batch_store_it_once_and_whole(
    service: RunningService,
) -> None:
    # Large enough that the attempts overlap while the first is still writing.
    builds = [
        {"eventName": "build", "eventAction": "initiated", "commit": f"c{n}"} for n in range(200)
    ]
    answers = await asyncio.gather(
        *(service.graphql(KEYED_BATCH, lifecycle=builds, key="release-8") for _ in range(6))
    )

    results = [answer.data["ingestEvents"] for answer in answers]
    assert all(result["count"] == 200 for result in results)
    assert sum(result["created"] for result in results) <= 1
    assert len({str(result["events"]) for result in results}) == 1
    assert await service.stored_count() == 200
    # Live delivery does not wait for the numbers the losing attempts reserved.
    late = await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED)
    assert late.errors == []


async def test_a_batch_key_and_an_event_key_of_the_same_text_are_apart(
    service: RunningService,
) -> None:
    single = await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED, key="nightly")
    batch = await service.graphql(KEYED_BATCH, lifecycle=RELEASE, key="nightly")
    control = await service.graphql(KEYED_BATCH, lifecycle=RELEASE, key="night\x1fly")

    assert single.data["ingestLifecycleEvent"]["created"] is True
    assert batch.data["ingestEvents"]["created"] is True
    assert control.error_codes == ["BAD_USER_INPUT"]
    assert "idempotencyKey: must not hold control characters" in control.errors[0]["message"]
    assert await service.stored_count() == 4
