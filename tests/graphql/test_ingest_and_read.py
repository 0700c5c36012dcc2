"""Every documented event kind goes in through GraphQL and comes back typed and exact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.graphql.queries import EVENT_BY_ID, INGEST_FLEXDEPLOY, INGEST_LIFECYCLE
from tests.utils.service import RunningService, reference

LIFECYCLE = reference("lifecycle-events.json")
FLEXDEPLOY = reference("flexdeploy-events.json")
CDEVENTS = Path(__file__).parents[1] / "data" / "cdevents"


def flexdeploy_input(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if not key.startswith("_")}


def type_name(event_type: str) -> str:
    return event_type.title().replace(" ", "") + "Event"


@pytest.mark.parametrize(
    "message", FLEXDEPLOY["examples"], ids=lambda m: m.get("_section", m["eventType"])[:40]
)
async def test_flexdeploy_example_reads_back_typed_and_exact(
    service: RunningService, message: dict[str, Any]
) -> None:
    sent = flexdeploy_input(message)

    ingested = await service.graphql(INGEST_FLEXDEPLOY, input=sent)
    assert ingested.errors == []
    event_id = ingested.data["ingestFlexDeployEvent"]["event"]["id"]
    read = await service.graphql(EVENT_BY_ID, id=event_id)

    event = read.data["event"]
    assert event["__typename"] == type_name(sent["eventType"])
    assert (event["source"], event["type"]) == ("FLEXDEPLOY", sent["eventType"])
    assert event["raw"] == sent
    assert event == ingested.data["ingestFlexDeployEvent"]["event"]


async def test_flexdeploy_typed_payload_fields(service: RunningService) -> None:
    by_type = {m["eventType"]: flexdeploy_input(m) for m in FLEXDEPLOY["examples"]}
    stage = by_type["Pipeline Stage Completed"]
    release = next(m for m in FLEXDEPLOY["examples"] if m["eventType"] == "Release Started")

    stage_event = (await service.graphql(INGEST_FLEXDEPLOY, input=stage)).data
    release_event = await service.graphql(INGEST_FLEXDEPLOY, input=flexdeploy_input(release))

    typed = stage_event["ingestFlexDeployEvent"]["event"]["pipelineStagePayload"]
    assert typed["pipelineStageExecution"]["executionStatus"] == "FAILED"
    assert typed["environment"]["environmentCode"] == "DEV"
    projects = release_event.data["ingestFlexDeployEvent"]["event"]["releasePayload"]["projects"]
    assert [p["buildEnvironment"]["environmentCode"] for p in projects] == [
        "DEV1",
        "503BUILD",
        "DEV",
    ]


async def test_flexdeploy_oddities_are_kept_as_sent(service: RunningService) -> None:
    snapshot = next(m for m in FLEXDEPLOY["examples"] if m["eventType"] == "Snapshot Completed")

    answer = await service.graphql(INGEST_FLEXDEPLOY, input=flexdeploy_input(snapshot))

    event = answer.data["ingestFlexDeployEvent"]["event"]
    # No timestamp: the receive time stands in; dates inside the payload stay as sent.
    assert event["timestamp"] == event["receivedAt"]
    assert event["snapshotPayload"]["createdOn"] == "2020-58-16 15:58:57 -0500"
    assert event["raw"]["timestamp"] is None


async def test_unknown_flexdeploy_type_is_kept_generically(service: RunningService) -> None:
    sent = {"eventType": "Environment Frozen", "actor": "ops", "payload": {"reason": "audit"}}

    answer = await service.graphql(INGEST_FLEXDEPLOY, input=sent)

    event = answer.data["ingestFlexDeployEvent"]["event"]
    assert event["__typename"] == "OtherFlexDeployEvent"
    assert (event["type"], event["payload"], event["raw"]) == (
        "Environment Frozen",
        sent["payload"],
        sent,
    )


@pytest.mark.parametrize("name", sorted(LIFECYCLE["events"]))
async def test_each_lifecycle_name_reads_back_as_its_member(
    service: RunningService, name: str
) -> None:
    action = LIFECYCLE["events"][name][-1]
    example = LIFECYCLE["example_body"]
    sent = {
        "eventName": name.upper(),
        "eventAction": action.capitalize(),
        "commit": example["commit"],
        "branch": example["branch"],
        "repo": example["repo"],
        "teamId": example["team_id"],
        "timestamp": "2024-03-25T13:17:08.123456-05:00",
    }

    ingested = await service.graphql(INGEST_LIFECYCLE, input=sent)
    assert ingested.errors == []
    event_id = ingested.data["ingestLifecycleEvent"]["event"]["id"]
    event = (await service.graphql(EVENT_BY_ID, id=event_id)).data["event"]

    assert event["__typename"] == "".join(p.capitalize() for p in name.split("_")) + "Event"
    # Documented names and actions are matched case-insensitively and stored canonical.
    assert (event["source"], event["type"], event["action"]) == ("LIFECYCLE", name, action)
    assert event["teamId"] == example["team_id"]
    assert event["timestamp"] == "2024-03-25T18:17:08.123Z"  # RFC 3339, UTC, milliseconds
    assert event["raw"] == {
        "event_name": name.upper(),
        "event_action": action.capitalize(),
        "team_id": example["team_id"],
        "commit": example["commit"],
        "branch": example["branch"],
        "repo": example["repo"],
        "timestamp": "2024-03-25T13:17:08.123456-05:00",
    }


async def test_custom_lifecycle_event_keeps_its_name_action_and_data(
    service: RunningService,
) -> None:
    data = {
        "environment": "production",
        "score": 0.97,
        "labels": {"app.kubernetes.io/name": "api"},
    }
    sent = {"eventName": "Canary Analysis", "eventAction": "Promoted", "repo": "api", "data": data}

    answer = await service.graphql(INGEST_LIFECYCLE, input=sent)

    event = answer.data["ingestLifecycleEvent"]["event"]
    assert event["__typename"] == "CustomLifecycleEvent"
    assert (event["type"], event["action"], event["repo"]) == ("Canary Analysis", "Promoted", "api")
    assert event["data"] == data
    assert event["raw"] == {
        "event_name": "Canary Analysis",
        "event_action": "Promoted",
        "repo": "api",
        **data,
    }


async def test_keys_mongodb_cannot_take_as_is_round_trip_exactly(service: RunningService) -> None:
    awkward = {"$where": "1", "a.b": {"$gt": 1, "~0": [{"x.y": None}]}, "": "empty", "~1": True}
    sent = {"eventType": "Comment Added", "payload": {"commentId": 7, **awkward}}

    answer = await service.graphql(INGEST_FLEXDEPLOY, input=sent)
    event_id = answer.data["ingestFlexDeployEvent"]["event"]["id"]
    event = (await service.graphql(EVENT_BY_ID, id=event_id)).data["event"]

    assert event["raw"] == sent
    assert event["payload"] == sent["payload"]
    assert event["commentPayload"]["commentId"] == 7


async def test_unknown_event_id_reads_as_null(service: RunningService) -> None:
    answer = await service.graphql(EVENT_BY_ID, id="6b0467611eef060ddf5efdf0")

    assert (answer.data, answer.errors) == ({"event": None}, [])


NAMED_ACROSS_KINDS = """
query Named($id: ID!) {
    event(id: $id) { __typename ... on Event { repo branch commit actor object } }
}
"""
INGEST_CDEVENT = """
mutation($events: [JSON!]!) { ingestCDEvents(events: $events) { event { ... on Event { id } } } }
"""


async def test_the_named_fields_are_selected_on_event_across_every_kind(
    service: RunningService,
) -> None:
    deployment = {
        "eventName": "deployment",
        "eventAction": "succeeded",
        "repo": "acme/api",
        "branch": "main",
        "commit": "c0ffee",
    }
    comment = flexdeploy_input(
        next(m for m in FLEXDEPLOY["examples"] if m["eventType"] == "Comment Added")
    )
    merged = json.loads((CDEVENTS / "change.merged.json").read_text())
    merged["context"]["id"] = "named-fields-across-kinds"

    ids = [
        (await service.graphql(INGEST_LIFECYCLE, input=deployment)).data["ingestLifecycleEvent"][
            "event"
        ]["id"],
        (await service.graphql(INGEST_FLEXDEPLOY, input=comment)).data["ingestFlexDeployEvent"][
            "event"
        ]["id"],
        (await service.graphql(INGEST_CDEVENT, events=[merged])).data["ingestCDEvents"][0]["event"][
            "id"
        ],
    ]
    read = [(await service.graphql(NAMED_ACROSS_KINDS, id=i)).data["event"] for i in ids]

    assert read == [
        {
            "__typename": "DeploymentEvent",
            "repo": "acme/api",
            "branch": "main",
            "commit": "c0ffee",
            "actor": None,
            "object": None,
        },
        {
            "__typename": "CommentAddedEvent",
            "repo": None,
            "branch": None,
            "commit": None,
            "actor": comment["actor"],
            "object": comment["object"],
        },
        {
            "__typename": "ChangeMergedCDEvent",
            "repo": "myorg/myapp",
            "branch": None,
            "commit": "myorg/myapp/pull/42",
            "actor": None,
            "object": "myorg/myapp/pull/42",
        },
    ]


READ_IN_A_LIST = """
query($id: ID!) { event(id: $id) { ... on Event { summary status } } }
"""


async def test_every_event_reads_in_a_list_as_its_family_says(service: RunningService) -> None:
    by_type = {m["eventType"]: flexdeploy_input(m) for m in FLEXDEPLOY["examples"]}
    stage, comment = by_type["Pipeline Stage Completed"], by_type["Comment Added"]
    deployed = json.loads((CDEVENTS / "service.deployed.json").read_text())
    deployed["context"]["id"] = "read-in-a-list"
    build = {"eventName": "build", "eventAction": "initiated"}

    ids = [
        (await service.graphql(INGEST_LIFECYCLE, input=build)).data["ingestLifecycleEvent"][
            "event"
        ]["id"],
        *[
            (await service.graphql(INGEST_FLEXDEPLOY, input=message)).data["ingestFlexDeployEvent"][
                "event"
            ]["id"]
            for message in (stage, comment)
        ],
        (await service.graphql(INGEST_CDEVENT, events=[deployed])).data["ingestCDEvents"][0][
            "event"
        ]["id"],
    ]
    read = [(await service.graphql(READ_IN_A_LIST, id=i)).data["event"] for i in ids]

    execution, environment = (
        stage["payload"]["pipelineStageExecution"],
        stage["payload"]["environment"],
    )
    assert read == [
        {"summary": "build / initiated", "status": None},
        {
            "summary": "Pipeline Stage Completed / failed",
            "status": f"{execution['executionStatus']} · {environment['environmentCode']}",
        },
        {"summary": "Comment Added", "status": None},
        {"summary": "service.deployed", "status": None},
    ]
