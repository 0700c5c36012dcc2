"""Tools that speak CDEvents (Jenkins' plugin, Testkube, Tekton) post CloudEvents here, in any
of the HTTP binding's three modes, and read each back typed, as sent, and as a CloudEvent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
from pydantic import BaseModel

from app.families.cdevents.types import CDEVENT_TYPES, check_cdevent
from tests.utils.live import wait_until
from tests.utils.service import RunningService, reference
from tests.utils.websocket import graphql_websocket

DATA = Path(__file__).parent.parent / "data"
EXAMPLES: dict[str, dict[str, Any]] = {
    example["context"]["type"]: example
    for example in (
        json.loads(path.read_text()) for path in sorted((DATA / "cdevents").glob("*.json"))
    )
    if example["context"]["type"] in CDEVENT_TYPES
}
CLOUDEVENTS_SCHEMA = json.loads((DATA / "cloudevents-1.0.schema.json").read_text())
STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"


def renamed(example: dict[str, Any], suffix: str) -> dict[str, Any]:
    """The example as another event: its own id, so that it is not a redelivery."""
    context = example["context"] | {"id": f"{example['context']['id']}-{suffix}"}
    return example | {"context": context}


def binary_headers(cdevent: dict[str, Any]) -> dict[str, str]:
    context = cdevent["context"]
    return {
        "content-type": "application/json; charset=utf-8",
        "ce-specversion": "1.0",
        "ce-id": context["id"],
        "ce-source": context["source"],
        "ce-type": context["type"],
        "ce-subject": cdevent["subject"]["id"],
        "ce-time": context["timestamp"],
    }


def structured(cdevent: dict[str, Any]) -> dict[str, Any]:
    context = cdevent["context"]
    return {
        "specversion": "1.0",
        "id": context["id"],
        "source": context["source"],
        "type": context["type"],
        "subject": cdevent["subject"]["id"],
        "time": context["timestamp"],
        "datacontenttype": "application/json",
        "data": cdevent,
    }


def first_scalar(model: type[BaseModel]) -> str | None:
    """A selection of one scalar field of a typed content, to read it through its type."""
    for name, info in model.model_fields.items():
        if info.annotation in (str | None, int | None, bool | None, float | None):
            return name
    return None


def read_back_query(stored_ids: list[str], cdevents: list[dict[str, Any]]) -> str:
    parts = []
    for index, (stored_id, cdevent) in enumerate(zip(stored_ids, cdevents, strict=True)):
        kind = CDEVENT_TYPES[cdevent["context"]["type"]]
        model = kind.content_model
        field = model.__name__[0].lower() + model.__name__[1:]
        scalar = first_scalar(model)
        typed = f"... on {kind.graphql_name} {{ {field} {{ {scalar} }} }}" if scalar else ""
        parts.append(
            f'e{index}: event(id: "{stored_id}") {{ __typename '
            f"... on Event {{ source type raw cloudEvent }} {typed} }}"
        )
    return "{ " + " ".join(parts) + " }"


async def assert_read_back(
    service: RunningService, stored_ids: list[str], cdevents: list[dict[str, Any]]
) -> None:
    # A query names at most 30 aliases (the service's limit): 15 events a query.
    for start in range(0, len(cdevents), 15):
        await assert_read_back_some(
            service, stored_ids[start : start + 15], cdevents[start : start + 15]
        )


async def assert_read_back_some(
    service: RunningService, stored_ids: list[str], cdevents: list[dict[str, Any]]
) -> None:
    answer = await service.graphql(read_back_query(stored_ids, cdevents))
    assert answer.errors == []
    for index, cdevent in enumerate(cdevents):
        event = answer.data[f"e{index}"]
        kind = CDEVENT_TYPES[cdevent["context"]["type"]]
        assert event["__typename"] == kind.graphql_name
        assert (event["source"], event["type"]) == ("CDEVENTS", kind.type)
        assert event["raw"] == cdevent
        assert event["cloudEvent"]["data"] == cdevent
        model = kind.content_model
        scalar = first_scalar(model)
        if scalar is not None:
            typed = event[model.__name__[0].lower() + model.__name__[1:]]
            assert typed[scalar] == cdevent["subject"]["content"][scalar]


async def test_every_type_in_every_mode_reads_back_typed_and_as_sent(
    service: RunningService,
) -> None:
    assert len(EXAMPLES) == 45
    binary = [renamed(example, "binary") for example in EXAMPLES.values()]
    single = [renamed(example, "structured") for example in EXAMPLES.values()]
    batched = [renamed(example, "batched") for example in EXAMPLES.values()]

    binary_ids = []
    for cdevent in binary:
        answer = await service.http.post(
            "/cloudevents", content=json.dumps(cdevent), headers=binary_headers(cdevent)
        )
        assert answer.status_code == 201, answer.text
        binary_ids.append(answer.json()["id"])
    structured_ids = []
    for cdevent in single:
        # `POST /events`, where CTO.ai events go, takes a CloudEvent as well.
        answer = await service.http.post(
            "/events", content=json.dumps(structured(cdevent)), headers={"content-type": STRUCTURED}
        )
        assert answer.status_code == 201, answer.text
        structured_ids.append(answer.json()["id"])
    answer = await service.http.post(
        "/cloudevents",
        content=json.dumps([structured(cdevent) for cdevent in batched]),
        headers={"content-type": BATCH},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["count"] == 45
    batched_ids = [item["id"] for item in answer.json()["events"]]

    await assert_read_back(service, binary_ids, binary)
    await assert_read_back(service, structured_ids, single)
    await assert_read_back(service, batched_ids, batched)
    assert await service.stored_count() == 135
    # Out again as CloudEvents: each valid in CloudEvents' JSON format and as its CDEvent.
    out = await service.http.get("/events", params={"$limit": "200"}, headers={"accept": BATCH})
    sent = {cdevent["context"]["id"]: cdevent for cdevent in [*binary, *single, *batched]}
    assert sorted(cloud_event["id"] for cloud_event in out.json()) == sorted(sent)
    for cloud_event in out.json():
        jsonschema.validate(
            cloud_event, CLOUDEVENTS_SCHEMA, format_checker=jsonschema.FormatChecker()
        )
        assert cloud_event["data"] == sent[cloud_event["id"]]
        assert check_cdevent(cloud_event["data"]) == []


async def test_a_redelivered_cloudevent_is_stored_once(service: RunningService) -> None:
    cdevent = EXAMPLES["dev.cdevents.service.deployed.0.3.0"]
    first = await service.http.post(
        "/cloudevents", content=json.dumps(cdevent), headers=binary_headers(cdevent)
    )
    # The same CloudEvent (same source and id) again, in another mode, then in a batch.
    again = await service.http.post(
        "/cloudevents",
        content=json.dumps(structured(cdevent)),
        headers={"content-type": STRUCTURED},
    )
    other = renamed(cdevent, "other")
    batch = await service.http.post(
        "/cloudevents",
        content=json.dumps([structured(cdevent), structured(other), structured(other)]),
        headers={"content-type": BATCH},
    )
    through_graphql = await service.graphql(
        "mutation($e: JSON!) { ingestCDEvent(event: $e) { created "
        "event { ... on Event { id } } } }",
        e=cdevent,
    )

    assert (first.status_code, again.status_code, batch.status_code) == (201, 200, 201)
    assert again.json() == {"id": first.json()["id"], "created": False}
    assert [item["created"] for item in batch.json()["events"]] == [False, True, False]
    events = batch.json()["events"]
    assert events[0]["id"] == first.json()["id"]
    assert events[1]["id"] == events[2]["id"]
    assert through_graphql.data["ingestCDEvent"]["created"] is False
    assert through_graphql.data["ingestCDEvent"]["event"]["id"] == first.json()["id"]
    assert await service.stored_count() == 2


async def test_a_schema_violation_is_refused_naming_its_path(service: RunningService) -> None:
    cdevent = EXAMPLES["dev.cdevents.service.deployed.0.3.0"]
    content = {"environment": cdevent["subject"]["content"]["environment"]}  # no artifactId
    broken = cdevent | {"subject": cdevent["subject"] | {"content": content}}
    good = renamed(EXAMPLES["dev.cdevents.build.finished.0.3.0"], "good")
    wrong_version = renamed(cdevent, "old")
    wrong_version["context"] = wrong_version["context"] | {
        "type": "dev.cdevents.service.deployed.0.2.5"  # a version of no release
    }

    binary = await service.http.post(
        "/cloudevents", content=json.dumps(broken), headers=binary_headers(broken)
    )
    batch = await service.http.post(
        "/cloudevents",
        content=json.dumps([structured(good), structured(broken), structured(wrong_version)]),
        headers={"content-type": BATCH},
    )
    missing_id = structured(good)
    del missing_id["id"]
    no_id = await service.http.post(
        "/cloudevents", content=json.dumps(missing_id), headers={"content-type": STRUCTURED}
    )
    mismatch = structured(good) | {"type": "dev.cdevents.build.started.0.3.0"}
    mismatched = await service.http.post(
        "/cloudevents", content=json.dumps(mismatch), headers={"content-type": STRUCTURED}
    )
    mutation = await service.graphql(
        "mutation($e: JSON!) { ingestCDEvent(event: $e) { created } }", e=broken
    )
    malformed = await service.http.post(
        "/cloudevents", content=b'{"specversion": "1.0",', headers={"content-type": STRUCTURED}
    )

    assert binary.status_code == 422
    # In binary mode the body is the CloudEvent's data: named as in the other modes.
    assert [e["field"] for e in binary.json()["errors"]] == ["data.subject.content.artifactId"]
    assert batch.status_code == 422
    fields = [e["field"] for e in batch.json()["errors"]]
    assert fields == ["[1].data.subject.content.artifactId", "[2].data.context.type"]
    assert "dev.cdevents.service.deployed.0.3.0" in batch.json()["errors"][1]["message"]
    assert (no_id.status_code, [e["field"] for e in no_id.json()["errors"]]) == (422, ["id"])
    assert [e["field"] for e in mismatched.json()["errors"]] == ["type"]
    # Not JSON at all: a 400 saying where it broke, as on `POST /events`.
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["message"].startswith("line 1, column 23")
    assert mutation.error_codes == ["BAD_USER_INPUT"]
    assert mutation.errors[0]["extensions"]["fields"][0]["path"] == (
        "event.subject.content.artifactId"
    )
    # All or nothing: the good event of the refused batch is not stored either.
    assert await service.stored_count() == 0


async def test_every_family_reads_as_a_valid_cloudevent(service: RunningService) -> None:
    cdevent = EXAMPLES["dev.cdevents.change.merged.0.3.0"]
    await service.http.post(
        "/cloudevents", content=json.dumps(cdevent), headers=binary_headers(cdevent)
    )
    lifecycle = reference("lifecycle-events.json")
    bodies = [
        lifecycle["example_body"] | {"event_name": name, "event_action": action}
        for name, actions in lifecycle["events"].items()
        for action in actions
    ] + [{"event_name": "my_custom_step", "custom": {"nested": [1, 2]}}]
    for body in bodies:
        assert (await service.http.post("/events", json=body)).status_code == 201
    messages = [
        {key: value for key, value in message.items() if not key.startswith("_")}
        for message in reference("flexdeploy-events.json")["examples"]
    ] + [{"eventType": "Branch Created", "actor": "ann", "object": "17", "payload": {}}]
    for message in messages:
        assert (await service.http.post("/webhooks/flexdeploy", json=message)).status_code == 202

    answer = await service.http.get("/events", params={"$limit": "200"}, headers={"accept": BATCH})

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(BATCH)
    cloud_events = answer.json()
    assert len(cloud_events) == 1 + len(bodies) + len(messages)
    for cloud_event in cloud_events:
        jsonschema.validate(
            cloud_event, CLOUDEVENTS_SCHEMA, format_checker=jsonschema.FormatChecker()
        )
    # Each as it was sent, under a type of its own family's.
    datas = [cloud_event["data"] for cloud_event in cloud_events]
    assert sorted(map(json.dumps, datas)) == sorted(map(json.dumps, [cdevent, *bodies, *messages]))
    by_type = {cloud_event["type"]: cloud_event for cloud_event in cloud_events}
    assert by_type["ai.cto.lifecycle.deployment.succeeded"]["subject"] == "api"
    assert by_type["ai.cto.lifecycle.my_custom_step"]["data"]["custom"] == {"nested": [1, 2]}
    assert by_type["com.flexagon.flexdeploy.branch-created"]["subject"] == "17"
    carried = by_type["dev.cdevents.change.merged.0.3.0"]
    assert (carried["id"], carried["source"]) == (
        cdevent["context"]["id"],
        cdevent["context"]["source"],
    )
    assert check_cdevent(carried["data"]) == []
    # Refused with q=0, CloudEvents are not what a client gets: CTO.ai's page is.
    declined = await service.http.get(
        "/events", headers={"accept": f"{BATCH};q=0, application/json"}
    )
    assert set(declined.json()) == {"total", "limit", "skip", "data"}
    # Sent back, the CDEvent's CloudEvent is the same event: a redelivery, stored once.
    again = await service.http.post(
        "/cloudevents", content=json.dumps(carried), headers={"content-type": STRUCTURED}
    )
    assert (again.status_code, again.json()["created"]) == (200, False)


WATCH_DEPLOYMENTS = """
subscription Watch($filter: EventFilter) {
    cdEvents(filter: $filter) {
        __typename
        ... on ServiceDeployedCDEvent {
            id subjectId commit repo
            serviceDeployedContent { artifactId environment { id source } }
        }
    }
}
"""


async def test_a_monitor_sees_cdevents_live_typed_and_linked(service: RunningService) -> None:
    change = EXAMPLES["dev.cdevents.change.merged.0.3.0"]
    packaged = EXAMPLES["dev.cdevents.artifact.packaged.0.3.0"]
    deployed = EXAMPLES["dev.cdevents.service.deployed.0.3.0"]
    artifact = deployed["subject"]["content"]["artifactId"]
    packaged = packaged | {
        "subject": packaged["subject"]
        | {
            "id": artifact,
            "content": {"change": {"id": change["subject"]["id"], "source": "/github"}},
        }
    }
    async with graphql_websocket(service.ws_url) as monitor:
        await monitor.subscribe(
            WATCH_DEPLOYMENTS, filter={"type": {"eq": "dev.cdevents.service.deployed.0.3.0"}}
        )
        await wait_until(lambda: service.subscribers == 1)
        for cdevent in (change, packaged, deployed):
            answer = await service.http.post(
                "/cloudevents", content=json.dumps(cdevent), headers=binary_headers(cdevent)
            )
            assert answer.status_code == 201, answer.text
        pushed = (await monitor.next_event())["data"]["cdEvents"]

    assert pushed["__typename"] == "ServiceDeployedCDEvent"
    assert pushed["subjectId"] == deployed["subject"]["id"]
    assert pushed["serviceDeployedContent"] == deployed["subject"]["content"]
    # The deployment names only its artifact: its change is found through the packaging.
    assert pushed["commit"] == change["subject"]["id"]
    assert pushed["repo"] == change["subject"]["content"]["repository"]["id"]
