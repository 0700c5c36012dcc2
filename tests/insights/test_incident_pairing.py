"""Time to restore pairs each incident with its own resolution: by the commit CTO.ai's incident
events carry, or first in first out when neither names one; `incident` `failed` abandons it;
a team that sends no resolutions is recovered by its next successful deployment. Worked out by
hand on a history with each awkward case in it."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.graphql.queries import INGEST_BATCH
from tests.utils.service import RunningService

START = datetime(2026, 3, 2, tzinfo=UTC)
RESTORE = """
query($from: DateTime!, $to: DateTime!, $teamId: String) {
  deliveryMetrics(from: $from, to: $to, teamId: $teamId) {
    timeToRestore {
      durations { count meanSeconds medianSeconds }
      unresolvedIncidents pairedByIdentity pairedByOrder recoveredByDeployment abandonedIncidents
    }
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
    },
    "quiet": {
        "spans": [4 * HOUR, 3 * HOUR],
        "unresolvedIncidents": 1,
        "pairedByIdentity": 0,
        "pairedByOrder": 0,
        "recoveredByDeployment": 2,
        "abandonedIncidents": 0,
    },
}
WORKED_OUT[None] = {
    key: WORKED_OUT["pairs"][key] + WORKED_OUT["quiet"][key] for key in WORKED_OUT["pairs"]
}


def expected(team: str | None) -> dict[str, Any]:
    worked = dict(WORKED_OUT[team])
    spans = worked.pop("spans")
    durations = {
        "count": len(spans),
        "meanSeconds": statistics.fmean(spans),
        "medianSeconds": statistics.median(spans),
    }
    return {"durations": durations} | worked


async def test_incidents_pair_with_their_own_resolutions(service: RunningService) -> None:
    answer = await service.graphql(INGEST_BATCH, lifecycle=HISTORY)
    assert answer.errors == []
    span = {"from": START.isoformat(), "to": (START + timedelta(days=14)).isoformat()}

    for team in ("pairs", "quiet", None):
        read = await service.graphql(RESTORE, **span, teamId=team)
        assert read.errors == []
        got = read.data["deliveryMetrics"]["timeToRestore"]
        want = expected(team)
        assert got["durations"]["count"] == want["durations"]["count"], (team, got)
        assert got["durations"]["meanSeconds"] == want["durations"]["meanSeconds"], (team, got)
        assert got["durations"]["medianSeconds"] == want["durations"]["medianSeconds"], team
        assert {k: v for k, v in got.items() if k != "durations"} == {
            k: v for k, v in want.items() if k != "durations"
        }, team
