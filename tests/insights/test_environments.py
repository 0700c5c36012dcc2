"""Deployments and incidents count where they happened: production by default (the names
EVENTSTORE_PRODUCTION_ENVIRONMENTS gives, any case, and events that name none), another
environment when asked; FlexDeploy's completed pipeline stages are deployments of their
stage's environment, succeeded or failed as their execution ended."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.graphql.queries import INGEST_BATCH, INGEST_FLEXDEPLOY
from tests.utils.service import RunningService, reference
from tests.utils.tokens import TEAM_A

START = datetime(2026, 4, 6, tzinfo=UTC)
CDEVENTS = Path(__file__).parents[1] / "data" / "cdevents"
INGEST_CDEVENTS = "mutation($events: [JSON!]!) { ingestCDEvents(events: $events) { created } }"
METRICS = """
query($from: DateTime!, $to: DateTime!, $environment: String, $filter: EventFilter) {
  deliveryMetrics(from: $from, to: $to, environment: $environment, filter: $filter) {
    deploymentFrequency { deployments }
    changeFailureRate { deployments failedDeployments }
  }
}
"""
STAGE = next(
    m
    for m in reference("flexdeploy-events.json")["examples"]
    if m["eventType"] == "Pipeline Stage Completed"
)


def at(hours: int) -> str:
    return (START + timedelta(hours=hours)).isoformat()


def lifecycle(hours: int, action: str, environment: str | None) -> dict[str, Any]:
    data = {} if environment is None else {"data": {"environment": environment}}
    return {
        "eventName": "deployment",
        "eventAction": action,
        "repo": "api",
        "timestamp": at(hours),
    } | data


def stage(hours: int, status: str, code: str) -> dict[str, Any]:
    message = {k: v for k, v in copy.deepcopy(STAGE).items() if not k.startswith("_")}
    message["payload"]["pipelineStageExecution"]["executionStatus"] = status
    message["payload"]["environment"]["environmentCode"] = code
    # FlexDeploy's own time format.
    message["timestamp"] = (START + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M:%S +0000")
    return message


def deployed(hours: int, environment: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((CDEVENTS / "service.deployed.json").read_text())
    event["context"]["id"] = f"deployed-{hours}"
    event["context"]["timestamp"] = at(hours).replace("+00:00", "Z")
    event["subject"]["content"]["environment"]["id"] = environment
    return event


async def test_metrics_count_the_environment_asked_about(guarded: RunningService) -> None:
    lifecycles = [
        lifecycle(1, "succeeded", "production"),
        lifecycle(2, "succeeded", "production"),
        lifecycle(3, "succeeded", "Production"),
        lifecycle(4, "succeeded", None),  # names none: production's
        lifecycle(5, "failed", "PROD"),
        lifecycle(6, "succeeded", "staging"),
        lifecycle(7, "succeeded", "staging"),
    ]
    stages = [
        stage(8, "SUCCESSFUL", "PRODUCTION"),
        stage(9, "SUCCESSFUL", "PRODUCTION"),
        stage(10, "FAILED", "PRODUCTION"),
        stage(11, "SUCCESSFUL", "DEV"),
        stage(12, "SUCCESSFUL", "DEV"),
    ]
    answers = [await guarded.graphql(INGEST_BATCH, token=TEAM_A, lifecycle=lifecycles)]
    answers += [await guarded.graphql(INGEST_FLEXDEPLOY, token=TEAM_A, input=m) for m in stages]
    answers.append(
        await guarded.graphql(
            INGEST_CDEVENTS,
            token=TEAM_A,
            events=[deployed(13, "production"), deployed(14, "staging")],
        )
    )
    assert [answer.errors for answer in answers] == [[]] * len(answers)
    span = {"from": START.isoformat(), "to": (START + timedelta(days=7)).isoformat()}

    async def counted(**arguments: Any) -> tuple[int, int, int]:
        answer = await guarded.graphql(METRICS, token=TEAM_A, **span, **arguments)
        assert answer.errors == []
        metrics = answer.data["deliveryMetrics"]
        failure = metrics["changeFailureRate"]
        return (
            metrics["deploymentFrequency"]["deployments"],
            failure["failedDeployments"],
            failure["deployments"],
        )

    # Production: lifecycle 4 + 1 failed, FlexDeploy 2 + 1 failed, CDEvents 1.
    assert await counted() == (7, 2, 9)
    assert await counted(environment="staging") == (3, 0, 3)
    assert await counted(environment="dev") == (2, 0, 2)
    flexdeploy = {"source": {"eq": "FLEXDEPLOY"}}
    assert await counted(filter=flexdeploy) == (2, 1, 3)


@pytest.mark.parametrize(
    ("status", "action"),
    [("SUCCESSFUL", "succeeded"), ("FAILED", "failed"), ("ABORTED", "aborted")],
)
async def test_a_completed_stage_reads_back_with_its_outcome_and_environment(
    service: RunningService, status: str, action: str
) -> None:
    answer = await service.graphql(INGEST_FLEXDEPLOY, input=stage(1, status, "QA"))
    event_id = answer.data["ingestFlexDeployEvent"]["event"]["id"]
    read = await service.graphql(
        "query($id: ID!) { event(id: $id) { ... on Event { action environment } } }", id=event_id
    )

    assert read.data["event"] == {"action": action, "environment": "QA"}
