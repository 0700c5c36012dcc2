"""Tools on older CDEvents SDKs: every example of the spec's 0.3.0 and 0.4.1 releases (copied
from the spec's tags into tests/data) is stored as sent and reads as the member of its subject
and predicate, as a 0.5.1 event of them does; an earlier deployment counts as one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.utils.service import DATA, RunningService

RELEASES = ("0.3.0", "0.4.1")
INGEST = """
mutation($events: [JSON!]!) { ingestCDEvents(events: $events) { event { ... on Event { id } } } }
"""
READ = "query($id: ID!) { event(id: $id) { __typename ... on Event { type raw } } }"


def subject_and_predicate(event_type: str) -> str:
    subject, predicate, _ = event_type.removeprefix("dev.cdevents.").split(".", 2)
    return f"{subject}.{predicate}"


def examples(folder: Path, prefix: str) -> list[dict[str, Any]]:
    """The folder's examples, each with an id of its own (the spec's share one id, which is
    half of a CDEvent's idempotency key)."""
    found = []
    for path in sorted(folder.glob("*.json")):
        event = json.loads(path.read_text())
        event["context"]["id"] = f"{prefix}-{path.stem}"
        found.append(event)
    return found


async def stored(service: RunningService, events: list[dict[str, Any]]) -> list[Any]:
    answer = await service.graphql(INGEST, events=events)
    assert answer.errors == []
    ids = [item["event"]["id"] for item in answer.data["ingestCDEvents"]]
    return [(await service.graphql(READ, id=i)).data["event"] for i in ids]


@pytest.mark.parametrize("release", RELEASES)
async def test_each_earlier_example_reads_as_its_subject_and_predicate(
    service: RunningService, release: str
) -> None:
    current = [
        event
        for event in examples(DATA / "cdevents", "current")
        if event["context"]["type"].startswith("dev.cdevents.")
    ]
    members = {
        subject_and_predicate(event["type"]): event["__typename"]
        for event in await stored(service, current)
    }
    earlier = examples(DATA / f"cdevents-{release}", release)

    read = await stored(service, earlier)

    assert len(read) == len(earlier) > 30
    for sent, event in zip(earlier, read, strict=True):
        assert event["type"] == sent["context"]["type"]  # stored as sent
        assert event["raw"] == sent
        assert event["__typename"] == members[subject_and_predicate(sent["context"]["type"])]


METRICS = """
query { deliveryMetrics(from: "2023-03-01T00:00:00Z", to: "2023-04-01T00:00:00Z",
                        environment: "test123") {
  deploymentFrequency { deployments }
} }
"""


async def test_an_earlier_releases_deployment_counts_as_one(service: RunningService) -> None:
    deployed = [
        event
        for release in RELEASES
        for event in examples(DATA / f"cdevents-{release}", release)
        if subject_and_predicate(event["context"]["type"]) == "service.deployed"
    ]
    await stored(service, deployed)

    answer = await service.graphql(METRICS)

    assert [event["context"]["type"] for event in deployed] == [
        "dev.cdevents.service.deployed.0.1.1",
        "dev.cdevents.service.deployed.0.2.0",
    ]
    assert answer.errors == []
    assert answer.data["deliveryMetrics"]["deploymentFrequency"]["deployments"] == 2
