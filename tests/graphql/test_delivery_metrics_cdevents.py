"""The DORA metrics read CDEvents as they read CTO.ai lifecycle events: one delivery history
told in either family (or in both at once) gives one answer, whichever read path gives it."""

from __future__ import annotations

import copy
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.filters import Condition, EventFilter, Op, all_of
from app.insights.dora import delivery_metrics
from app.insights.played import Environments
from tests.graphql.queries import INGEST_BATCH
from tests.utils.read_models import until_absorbed
from tests.utils.service import RunningService
from tests.utils.tokens import ADMIN, TEAM_A, TEAM_B

EXAMPLES = Path(__file__).parents[1] / "data" / "cdevents"
METRICS = """
query($from: DateTime!, $to: DateTime!, $teamId: String, $repo: String, $filter: EventFilter) {
  deliveryMetrics(from: $from, to: $to, teamId: $teamId, repo: $repo, filter: $filter) {
    deploymentFrequency { deployments perDay band }
    leadTime {
      durations { count meanSeconds medianSeconds }
      ignoredNonPositive deploymentsWithoutCommit commitsWithoutChangeEvent
    }
    changeFailureRate { rate deployments failedDeployments linkedIncidents unlinkedIncidents }
    timeToRestore { durations { count meanSeconds medianSeconds } unresolvedIncidents }
  }
}
"""
INGEST_CDEVENTS = """
mutation($events: [JSON!]!) { ingestCDEvents(events: $events) { created } }
"""
COUNTS = """
query($filter: EventFilter) {
  eventCounts(filter: $filter, groupBy: ["source", "type", "action"]) { group count }
}"""
MONDAY = datetime(2025, 1, 6, 9, tzinfo=UTC)
SPAN = {"from": "2025-01-06T00:00:00Z", "to": "2025-01-20T00:00:00Z"}
REPO = "myorg/myapp"
# Only the events can answer a condition on this path: the read models do not keep it.
FROM_EVENTS = {"path": "raw.neverSent", "exists": False}

# (hours after MONDAY, CDEvents subject.predicate, the change it is about): two weeks of one
# repo. Commit 4 has no change event; an artifact nobody packaged names no commit.
HISTORY: list[tuple[float, str, str]] = [
    (-50, "change.created", "7"),  # before the range: lead time reaches back for it
    (0, "change.created", "1"),
    (2, "change.merged", "1"),  # later: the earliest change counts
    (3, "artifact.packaged", "1"),
    (5, "service.deployed", "1"),
    (24, "change.created", "2"),
    (25, "change.reviewed", "2"),
    (27, "artifact.packaged", "2"),
    (28, "service.upgraded", "2"),
    (30, "incident.detected", "2"),  # on a deployed commit: a failure of that change
    (32.5, "incident.resolved", "2"),
    (48, "change.created", "3"),
    (50, "artifact.packaged", "3"),
    (51, "service.deployed", "3"),
    (52, "service.rolledback", "3"),  # the change failed in production
    (72, "artifact.packaged", "4"),
    (74, "service.deployed", "4"),
    (80, "service.deployed", "unpackaged"),
    (96, "change.created", "5"),
    (97, "artifact.packaged", "5"),
    (100, "incident.reported", "5"),  # its commit never deployed: unlinked, and unresolved
    (170, "change.updated", "6"),
    (171, "change.abandoned", "6"),
    (175, "artifact.packaged", "7"),
    (176, "service.deployed", "7"),
    (200, "service.deployed", "1"),  # again: a deployment, not a new lead time
]
# What the lifecycle family calls each step.
LIFECYCLE_KINDS = {
    "change.created": ("change", "initiated"),
    "change.merged": ("change", "succeeded"),
    "change.reviewed": ("review", "succeeded"),
    "change.updated": ("commit", "initiated"),
    "change.abandoned": ("change", "failed"),
    "artifact.packaged": ("build", "succeeded"),
    "service.deployed": ("deployment", "succeeded"),
    "service.upgraded": ("deployment", "succeeded"),
    "service.rolledback": ("deployment", "failed"),
    "incident.detected": ("incident", "initiated"),
    "incident.reported": ("incident", "initiated"),
    "incident.resolved": ("incident", "succeeded"),
}


@dataclass(frozen=True)
class Step:
    """One event of the history, with the commit and repo the ingest links it to."""

    at: datetime
    kind: str
    change: str
    commit: str | None
    repo: str | None

    def cdevent(self, number: int) -> dict[str, Any]:
        """The CDEvent telling this step: the catalog's example, about this change."""
        event: dict[str, Any] = copy.deepcopy(
            json.loads((EXAMPLES / f"{self.kind}.json").read_text())
        )
        event["context"]["id"] = f"step-{number}"
        event["context"]["timestamp"] = self.at.isoformat().replace("+00:00", "Z")
        subject, content = event["subject"], event["subject"]["content"]
        if self.kind.startswith("change."):
            subject["id"] = change_id(self.change)
            if "repository" in content:
                content["repository"]["id"] = REPO
        elif self.kind == "artifact.packaged":
            subject["id"] = artifact_id(self.change)
            content["change"]["id"] = change_id(self.change)
        else:
            content["artifactId"] = artifact_id(self.change)
            if self.kind.startswith("incident."):
                subject["id"] = f"incident-{self.change}"  # each incident its own
        return event

    def lifecycle(self, team: str) -> dict[str, Any]:
        """The same step as a CTO.ai lifecycle event, naming what the CDEvent is linked to."""
        name, action = LIFECYCLE_KINDS[self.kind]
        event = {"eventName": name, "eventAction": action, "teamId": team}
        known = {"commit": self.commit, "repo": self.repo}
        return event | {"timestamp": self.at.isoformat()} | {k: v for k, v in known.items() if v}


def change_id(change: str) -> str:
    return f"{REPO}/pull/{change}"


def artifact_id(change: str) -> str:
    return f"pkg:oci/myapp@sha256%3A{change}"


def steps() -> list[Step]:
    """The history with each event's commit and repo, linked as the CDEvents ingest does:
    a change names itself and its repository; a packaging its change, and that change's repo
    when a change event of it came first; a deployment or incident its artifact's packaging."""
    repos: dict[str, str] = {}
    packaged: dict[str, tuple[str, str | None]] = {}
    found: list[Step] = []
    for hours, kind, change in sorted(HISTORY):
        commit: str | None = None
        repo: str | None = None
        if kind.startswith("change."):
            commit, repo = change_id(change), REPO
            repos[commit] = REPO
        elif kind == "artifact.packaged":
            commit = change_id(change)
            repo = repos.get(commit)
            packaged[change] = (commit, repo)
        elif change in packaged:
            commit, repo = packaged[change]
        found.append(Step(MONDAY + timedelta(hours=hours), kind, change, commit, repo))
    return found


async def send_cdevents(service: RunningService, token: str, history: list[Step]) -> None:
    """Send the history as CDEvents, as a tool would: the team is the token's, and the ingest
    links each deployment and incident to its artifact's change."""
    events = [step.cdevent(number) for number, step in enumerate(history)]
    answer = await service.graphql(INGEST_CDEVENTS, token=token, events=events)
    assert answer.errors == []


async def send_lifecycle(service: RunningService, team: str, history: list[Step]) -> None:
    lifecycle = [step.lifecycle(team) for step in history]
    answer = await service.graphql(INGEST_BATCH, token=ADMIN, lifecycle=lifecycle)
    assert answer.errors == []


async def metrics(service: RunningService, team: str, repo: str | None) -> Any:
    """The metrics over the two weeks, from the domain, where the answer's three paths are
    told apart: the read models with the unabsorbed tail, and the log itself."""
    start, end = (datetime.fromisoformat(SPAN[edge]) for edge in ("from", "to"))
    parts: list[EventFilter] = [Condition("teamId", Op.EQ, team)]
    if repo is not None:
        parts.append(Condition("repo", Op.EQ, repo))
    store = service.services.store
    production = Environments.production(["production"])
    from_models = await delivery_metrics(store, all_of(parts), start, end, environments=production)
    only_in_events = Condition("raw.neverSent", Op.EXISTS, False)
    from_events = await delivery_metrics(
        store, all_of([*parts, only_in_events]), start, end, environments=production
    )
    assert from_events == from_models
    return from_models


@pytest.mark.parametrize("absorbed", [False, True], ids=["tail", "read-models"])
async def test_a_history_told_in_cdevents_measures_as_told_in_lifecycle_events(
    guarded: RunningService, absorbed: bool
) -> None:
    service = guarded
    history = steps()
    await send_cdevents(service, TEAM_A, history)
    await send_lifecycle(service, "team-b", history)
    if absorbed:
        await until_absorbed(service)

    for repo in (REPO, None):
        told_in_cdevents = await metrics(service, "team-a", repo)
        told_in_lifecycle = await metrics(service, "team-b", repo)

        assert told_in_cdevents == told_in_lifecycle
    # Every part of the history was measured, not merely left out alike.
    assert told_in_cdevents.deployment_frequency.deployments == 7
    assert told_in_cdevents.lead_time.durations.count == 4
    assert told_in_cdevents.lead_time.deployments_without_commit == 1
    assert told_in_cdevents.lead_time.commits_without_change_event == 1
    assert told_in_cdevents.change_failure_rate.failed_deployments == 1
    assert told_in_cdevents.change_failure_rate.linked_incidents == 1
    assert told_in_cdevents.change_failure_rate.unlinked_incidents == 1
    assert told_in_cdevents.time_to_restore.durations.mean_seconds == 2.5 * 3600
    assert told_in_cdevents.time_to_restore.unresolved_incidents == 1


async def test_a_history_told_in_both_families_gives_one_answer(
    guarded: RunningService,
) -> None:
    service = guarded
    history = steps()
    # A change's first event and every packaging in CDEvents (the links need them), the rest
    # alternately in each family.
    in_cdevents = [
        step
        for index, step in enumerate(history)
        if step.kind in ("change.created", "artifact.packaged") or index % 2 == 0
    ]
    in_lifecycle = [step for step in history if step not in in_cdevents]
    await send_cdevents(service, TEAM_A, in_cdevents)
    await send_lifecycle(service, "team-a", in_lifecycle)
    await send_lifecycle(service, "team-b", history)

    for repo in (REPO, None):
        assert await metrics(service, "team-a", repo) == await metrics(service, "team-b", repo)
    await until_absorbed(service)
    assert await metrics(service, "team-a", None) == await metrics(service, "team-b", None)


@pytest.mark.parametrize("filter", [None, {"field": [FROM_EVENTS]}], ids=["models", "events"])
async def test_delivery_metrics_answer_alike_for_both_families(
    guarded: RunningService, filter: dict[str, Any] | None
) -> None:
    history = steps()
    await send_cdevents(guarded, TEAM_A, history)
    await send_lifecycle(guarded, "team-b", history)

    answers = [
        await guarded.graphql(METRICS, token=token, **SPAN, repo=REPO, filter=filter)
        for token in (TEAM_A, TEAM_B)
    ]

    assert [answer.errors for answer in answers] == [[], []]
    assert answers[0].data == answers[1].data
    assert answers[0].data["deliveryMetrics"]["changeFailureRate"]["failedDeployments"] == 1


@pytest.mark.parametrize("filter", [{}, {"field": [FROM_EVENTS]}], ids=["models", "events"])
async def test_event_counts_count_cdevents_by_type(
    guarded: RunningService, filter: dict[str, Any]
) -> None:
    history = steps()
    await send_cdevents(guarded, TEAM_A, history)
    await until_absorbed(guarded)

    answer = await guarded.graphql(COUNTS, token=TEAM_A, filter=filter)

    assert answer.errors == []
    counted = {
        (row["group"]["source"], row["group"]["type"], row["group"]["action"]): row["count"]
        for row in answer.data["eventCounts"]
    }
    told = Counter(("CDEVENTS", step.cdevent(0)["context"]["type"], None) for step in history)
    assert counted == dict(told)
