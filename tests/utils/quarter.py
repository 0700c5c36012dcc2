"""A generated quarter of all three families with the awkward cases in it (see
tests/insights/test_quarter.py, which works its figures out), and sending it as the teams do."""

from __future__ import annotations

import copy
import json
import random
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.graphql.queries import INGEST_BATCH
from tests.utils.service import RunningService, reference
from tests.utils.tokens import TEAM_A, TEAM_B

__all__ = ["END", "START", "Happened", "band", "figures", "quarter", "send"]

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
END = START + timedelta(weeks=13)
TOKENS = {"team-a": TEAM_A, "team-b": TEAM_B}
CDEVENTS = Path(__file__).parents[1] / "data" / "cdevents"
STAGE = next(
    m
    for m in reference("flexdeploy-events.json")["examples"]
    if m["eventType"] == "Pipeline Stage Completed"
)
INGEST_CDEVENTS = "mutation($events: [JSON!]!) { ingestCDEvents(events: $events) { created } }"


def figures(*, band: bool = True) -> str:
    """Every figure of the five metrics and time to restore; the band only over a quarter."""
    frequency = "deployments band" if band else "deployments"
    return f"""
    deploymentFrequency {{ {frequency} }}
    leadTime {{ durations {{ count meanSeconds medianSeconds }} ignoredNonPositive }}
    changeFailureRate {{ rate deployments failedDeployments linkedIncidents }}
    timeToRestore {{
      durations {{ count meanSeconds medianSeconds }}
      unresolvedIncidents pairedByIdentity recoveredByDeployment abandonedIncidents
    }}
    failedDeploymentRecoveryTime {{
      durations {{ count meanSeconds medianSeconds }} unrecoveredFailures
    }}
    deploymentReworkRate {{ rate deployments reworkDeployments }}
    """


def band(days: set[Any]) -> str:
    """Four Keys' band (docs/insights.md) of the deploy days of the quarter from START."""
    weeks = [START + timedelta(weeks=n) for n in range(13)]
    per_week = [sum(1 for d in days if w <= d < w + timedelta(weeks=1)) for w in weeks]
    months = [datetime(2026, m, 1, tzinfo=UTC) for m in (2, 3)]  # the whole months in range
    per_month = [sum(1 for d in days if d.month == m.month) for m in months]
    if statistics.median(per_week) >= 3:
        return "DAILY"
    if statistics.median([1 if n else 0 for n in per_week]) >= 1:
        return "WEEKLY"
    if statistics.median([1 if n else 0 for n in per_month]) >= 1:
        return "MONTHLY"
    return "YEARLY"


@dataclass
class Happened:
    """One generated event, as this file reads it (and as it is sent)."""

    at: datetime
    team: str
    family: str  # lifecycle, flexdeploy, cdevents
    role: str  # deployed, failed, change, opened, resolved, abandoned
    repo: str | None = None
    commit: str | None = None
    environment: str | None = None
    incident: str | None = None  # what names the incident (commit or subject)
    sent: dict[str, Any] = field(default_factory=dict)


def quarter(seed: int = 11) -> list[Happened]:
    rng = random.Random(seed)
    events: list[Happened] = []
    serial = 0

    def name() -> str:
        nonlocal serial
        serial += 1
        return f"{serial:05d}"

    for day in range(-7, 13 * 7 + 7):  # a week either side of the range: what crosses it
        date = START + timedelta(days=day)
        if date.weekday() >= 5:
            continue
        for team, repo in (("team-a", "api"), ("team-a", "web"), ("team-b", "app")):
            for _ in range(rng.randint(0, 2)):
                commit = f"{repo}-{name()}"
                written = date + timedelta(hours=rng.randint(8, 11), minutes=rng.randint(0, 59))
                events.append(Happened(written, team, "lifecycle", "change", repo, commit))
                deployed = written + timedelta(hours=rng.randint(1, 40))
                environment = rng.choice(["production", "production", "PROD", None, "staging"])
                outcome = "failed" if rng.random() < 0.2 else "deployed"
                events.append(
                    Happened(deployed, team, "lifecycle", outcome, repo, commit, environment)
                )
                if outcome == "deployed" and environment != "staging" and rng.random() < 0.2:
                    opened = deployed + timedelta(hours=rng.randint(1, 8))
                    events.append(
                        Happened(opened, team, "lifecycle", "opened", repo, commit, incident=commit)
                    )
                    ending = rng.random()
                    if team == "team-a" and ending < 0.6:
                        done = opened + timedelta(minutes=rng.randint(10, 3000))
                        events.append(
                            Happened(
                                done, team, "lifecycle", "resolved", repo, commit, incident=commit
                            )
                        )
                    elif team == "team-a" and ending < 0.8:
                        gave_up = opened + timedelta(hours=rng.randint(2, 48))
                        events.append(
                            Happened(
                                gave_up,
                                team,
                                "lifecycle",
                                "abandoned",
                                repo,
                                commit,
                                incident=commit,
                            )
                        )
        if rng.random() < 0.6:  # FlexDeploy stages of team-a, to PRODUCTION or QA
            moment = date + timedelta(hours=rng.randint(12, 18))
            role = "failed" if rng.random() < 0.25 else "deployed"
            environment = rng.choice(["PRODUCTION", "PRODUCTION", "QA"])
            events.append(Happened(moment, "team-a", "flexdeploy", role, environment=environment))
        if rng.random() < 0.3:  # CDEvents of team-a: a deployment, now and then an incident
            moment = date + timedelta(hours=rng.randint(12, 18))
            environment = rng.choice(["production", "staging"])
            events.append(
                Happened(moment, "team-a", "cdevents", "deployed", environment=environment)
            )
            if environment == "production" and rng.random() < 0.4:
                subject = f"incident-{name()}"
                opened = moment + timedelta(hours=1)
                events.append(
                    Happened(
                        opened,
                        "team-a",
                        "cdevents",
                        "opened",
                        environment=environment,
                        incident=subject,
                    )
                )
                if rng.random() < 0.7:
                    done = opened + timedelta(minutes=rng.randint(30, 600))
                    events.append(
                        Happened(
                            done,
                            "team-a",
                            "cdevents",
                            "resolved",
                            environment=environment,
                            incident=subject,
                        )
                    )
    return sorted(events, key=lambda happened: happened.at)


# How this file sends each event.
_LIFECYCLE = {
    "change": ("commit", "initiated"),
    "deployed": ("deployment", "succeeded"),
    "failed": ("deployment", "failed"),
    "opened": ("incident", "initiated"),
    "resolved": ("incident", "succeeded"),
    "abandoned": ("incident", "failed"),
}


def lifecycle_input(happened: Happened) -> dict[str, Any]:
    event_name, action = _LIFECYCLE[happened.role]
    sent: dict[str, Any] = {
        "eventName": event_name,
        "eventAction": action,
        "teamId": happened.team,
        "repo": happened.repo,
        "commit": happened.commit,
        "timestamp": happened.at.isoformat(),
    }
    if happened.environment is not None:
        sent["data"] = {"environment": happened.environment}
    return sent


def flexdeploy_input(happened: Happened) -> dict[str, Any]:
    message = {k: v for k, v in copy.deepcopy(STAGE).items() if not k.startswith("_")}
    payload = message["payload"]
    payload["pipelineStageExecution"]["executionStatus"] = (
        "SUCCESSFUL" if happened.role == "deployed" else "FAILED"
    )
    payload["environment"]["environmentCode"] = happened.environment
    message["timestamp"] = happened.at.strftime("%Y-%m-%d %H:%M:%S +0000")
    return message


def cdevent(happened: Happened, number: int) -> dict[str, Any]:
    kind = {"deployed": "service.deployed", "opened": "incident.detected"}.get(
        happened.role, "incident.resolved"
    )
    event: dict[str, Any] = json.loads((CDEVENTS / f"{kind}.json").read_text())
    event["context"]["id"] = f"quarter-{number}"
    event["context"]["timestamp"] = happened.at.isoformat().replace("+00:00", "Z")
    content = event["subject"]["content"]
    content["environment"]["id"] = happened.environment
    # Its artifact was packaged by nobody here: no commit, no repository.
    if happened.incident is not None:
        event["subject"]["id"] = happened.incident
    return event


async def send(service: RunningService, history: list[Happened]) -> None:
    for team, token in TOKENS.items():
        mine = [h for h in history if h.team == team]
        lifecycle = [lifecycle_input(h) for h in mine if h.family == "lifecycle"]
        stages = [flexdeploy_input(h) for h in mine if h.family == "flexdeploy"]
        for start in range(0, len(lifecycle), 500):
            answer = await service.graphql(
                INGEST_BATCH, token=token, lifecycle=lifecycle[start : start + 500]
            )
            assert answer.errors == []
        if stages:
            answer = await service.graphql(INGEST_BATCH, token=token, flexDeploy=stages)
            assert answer.errors == []
        cdevents = [cdevent(h, n) for n, h in enumerate(mine) if h.family == "cdevents"]
        if cdevents:
            answer = await service.graphql(INGEST_CDEVENTS, token=token, events=cdevents)
            assert answer.errors == []
