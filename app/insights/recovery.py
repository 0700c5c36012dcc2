"""DORA's newer two: failed deployment recovery time and deployment rework rate.

- failed deployment recovery time: per team and repository, from a failed deployment in the
  range (the first of a run of failures) to the next successful deployment, in the range or
  after it; a run nothing has recovered yet is counted as unrecovered.
- deployment rework rate: the deployments in the range (succeeded or failed) made while an
  incident of the same team and repository (or of the team, naming no repository) was open
  (after it opened, up to what ended it, or still open: `IncidentWindow`), over all
  deployments in the range. Incidents opened in the range are the ones read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.families.roles import DEPLOYED, DEPLOYMENT_FAILED
from app.filters import Condition, EventFilter, Op, all_of
from app.insights.durations import Durations
from app.insights.incidents import IncidentWindow, place
from app.insights.levels import DoraLevel, recovery_level
from app.insights.played import DeliveryReads, Row, playing

__all__ = [
    "DeploymentReworkRate",
    "FailedDeploymentRecoveryTime",
    "failed_deployment_recovery",
    "rework_rate",
]


@dataclass(frozen=True)
class FailedDeploymentRecoveryTime:
    durations: Durations
    unrecovered_failures: int
    level: DoraLevel | None


@dataclass(frozen=True)
class DeploymentReworkRate:
    rate: float | None
    deployments: int
    rework_deployments: int


async def failed_deployment_recovery(
    reads: DeliveryReads, scope: EventFilter, deployments: list[Row], end: datetime
) -> FailedDeploymentRecoveryTime:
    """`deployments`: those of the range, succeeded and failed, each with its role."""
    failing_since: dict[Any, datetime] = {}
    spans: list[float] = []
    for row in sorted(deployments, key=lambda row: row["timestamp"]):
        where, moment = place(row), row["timestamp"]
        if row["role"] == DEPLOYMENT_FAILED:
            failing_since.setdefault(where, moment)
        elif row["role"] == DEPLOYED and where in failing_since:
            spans.append((moment - failing_since.pop(where)).total_seconds())
    unrecovered = 0
    if failing_since:
        after = all_of([scope, Condition("timestamp", Op.GTE, end)])
        later: dict[Any, list[datetime]] = defaultdict(list)
        for row in await playing(reads, after, {DEPLOYED[0]}):
            if row["role"] == DEPLOYED:
                later[place(row)].append(row["timestamp"])
        for where, since in failing_since.items():
            if later[where]:
                spans.append((min(later[where]) - since).total_seconds())
            else:
                unrecovered += 1
    durations = Durations.of(spans)
    return FailedDeploymentRecoveryTime(
        durations, unrecovered, recovery_level(durations.median_seconds)
    )


def rework_rate(deployments: list[Row], windows: list[IncidentWindow]) -> DeploymentReworkRate:
    # By place: a deployment looks only at its repository's windows and its team's that name
    # no repository, not at every window of its team.
    by_place: dict[Any, list[IncidentWindow]] = defaultdict(list)
    for window in windows:
        by_place[window.place].append(window)
    made = [row for row in deployments if row["role"] in (DEPLOYED, DEPLOYMENT_FAILED)]
    rework = sum(
        1
        for row in made
        if any(
            w.opened < row["timestamp"] and (w.ended is None or row["timestamp"] <= w.ended)
            for where in {place(row), (row.get("teamId"), None)}
            for w in by_place[where]
        )
    )
    return DeploymentReworkRate(
        rate=None if not made else rework / len(made),
        deployments=len(made),
        rework_deployments=rework,
    )
