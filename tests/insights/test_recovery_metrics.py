"""Time to restore pairs each incident with its own resolution: by the commit CTO.ai's incident
events carry, or first in first out when neither names one; `incident` `failed` abandons it;
a team that sends no resolutions is recovered by its next successful deployment. Failed
deployment recovery time and deployment rework rate read the same history. Worked out by hand
on a history with each awkward case in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.graphql.queries import INGEST_BATCH
from tests.utils.metrics import durations
from tests.utils.service import RunningService

START = datetime(2026, 3, 2, tzinfo=UTC)
RESTORE = """
query($from: DateTime!, $to: DateTime!, $teamId: String) {
  deliveryMetrics(from: $from, to: $to, teamId: $teamId) {
    timeToRestore {
      durations { count meanSeconds medianSeconds }
      unresolvedIncidents pairedByIdentity pairedByOrder recoveredByDeployment abandonedIncidents
    }
    failedDeploymentRecoveryTime {
      durations { count meanSeconds medianSeconds } unrecoveredFailures level
    }
    deploymentReworkRate { rate deployments reworkDeployments }
  }
}
"""


def event(hours: float, team: str, repo: str, name: str, action: str, commit: str | None) -> Any:
    body = {"eventName": name, "eventAction": action, "teamId": team, "repo": repo}
    moment = (START + timedelta(hours=hours)).isoformat()
    return body | {"timestamp": moment} | ({"commit": commit} if commit else {})


HISTORY = [
    # "pairs" sends resolutions. Two incidents resolved in the other order: first in first
    # out would give 2 h and 8 h; by their commits, 9 h and 1 h.
    event(1, "pairs", "api", "incident", "initiated", "a"),
    event(2, "pairs", "api", "incident", "initiated", "b"),
    event(3, "pairs", "api", "incident", "succeeded", "b"),
    event(10, "pairs", "api", "recovery", "succeeded", "a"),
    event(20, "pairs", "api", "incident", "initiated", "c"),  # never resolved
    event(30, "pairs", "api", "incident", "initiated", "d"),
    event(40, "pairs", "api", "incident", "failed", "d"),  # abandoned
    event(50, "pairs", "api", "incident", "initiated", None),  # names none: by order
    event(52, "pairs", "api", "recovery", "succeeded", None),
    event(60, "pairs", "api", "incident", "succeeded", "zz"),  # resolves no incident here
    # Its deployments: one failure recovered 5 h later; a run of two that nothing recovers.
    # Incident "c" was never resolved: it was open until the next success (75 h), so the
    # deployments at 70 h and 75 h were rework.
    event(70, "pairs", "api", "deployment", "failed", "p1"),
    event(75, "pairs", "api", "deployment", "succeeded", "p2"),
    event(100, "pairs", "api", "deployment", "failed", "p3"),
    event(101, "pairs", "api", "deployment", "failed", "p4"),
    # "quiet" sends no resolutions: its next successful deployment of the repo recovers.
    event(0.5, "quiet", "web", "deployment", "succeeded", "e0"),
    event(5, "quiet", "web", "incident", "initiated", "e"),
    event(7, "quiet", "other", "deployment", "succeeded", "x"),  # another repository
    event(8, "quiet", "web", "deployment", "failed", "e1"),  # not a recovery
    event(9, "quiet", "web", "deployment", "succeeded", "e2"),
    event(10, "quiet", "web", "incident", "initiated", "f"),
    event(13, "quiet", "web", "deployment", "succeeded", "f1"),
    event(200, "quiet", "web", "incident", "initiated", "g"),  # nothing after it
]

HOUR = 3600.0
WORKED_OUT: dict[str | None, dict[str, Any]] = {
    "pairs": {
        "spans": [9 * HOUR, 1 * HOUR, 2 * HOUR],
        "unresolvedIncidents": 1,
        "pairedByIdentity": 2,
        "pairedByOrder": 1,
        "recoveredByDeployment": 0,
        "abandonedIncidents": 1,
        "recovery_spans": [5 * HOUR],
        "unrecoveredFailures": 1,
        "deployments": 4,
        "reworkDeployments": 2,
    },
    "quiet": {
        "spans": [4 * HOUR, 3 * HOUR],
        "unresolvedIncidents": 1,
        "pairedByIdentity": 0,
        "pairedByOrder": 0,
        "recoveredByDeployment": 2,
        "abandonedIncidents": 0,
        # The failure at 8 h, recovered at 9 h; the deployments at 8, 9 and 13 h were made
        # while an incident of web was open (5 h to 9 h, 10 h to 13 h).
        "recovery_spans": [1 * HOUR],
        "unrecoveredFailures": 0,
        "deployments": 5,
        "reworkDeployments": 3,
    },
}
WORKED_OUT[None] = {
    key: WORKED_OUT["pairs"][key] + WORKED_OUT["quiet"][key] for key in WORKED_OUT["pairs"]
}


def expected(team: str | None) -> dict[str, Any]:
    worked = WORKED_OUT[team]
    restore = {
        key: worked[key]
        for key in (
            "unresolvedIncidents",
            "pairedByIdentity",
            "pairedByOrder",
            "recoveredByDeployment",
            "abandonedIncidents",
        )
    }
    made, rework = worked["deployments"], worked["reworkDeployments"]
    return {
        "timeToRestore": {"durations": durations(worked["spans"])} | restore,
        "failedDeploymentRecoveryTime": {
            "durations": durations(worked["recovery_spans"]),
            "unrecoveredFailures": worked["unrecoveredFailures"],
            # Medians of 5 h, 1 h and 3 h: each at least an hour, under a day.
            "level": "HIGH",
        },
        "deploymentReworkRate": {
            "rate": rework / made,
            "deployments": made,
            "reworkDeployments": rework,
        },
    }


async def test_recovery_metrics_equal_the_worked_out_answers(service: RunningService) -> None:
    answer = await service.graphql(INGEST_BATCH, lifecycle=HISTORY)
    assert answer.errors == []
    span = {"from": START.isoformat(), "to": (START + timedelta(days=14)).isoformat()}

    for team in ("pairs", "quiet", None):
        read = await service.graphql(RESTORE, **span, teamId=team)

        assert read.errors == []
        assert read.data["deliveryMetrics"] == expected(team), team
