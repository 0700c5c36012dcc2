"""How the metrics tests write the answers they work out: `Durations` as the API gives them,
and a comparison that takes floats to within rounding."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

import pytest

__all__ = ["Worked", "close_enough", "durations"]


def durations(seconds: list[float]) -> dict[str, Any]:
    if not seconds:
        return {"count": 0, "meanSeconds": None, "medianSeconds": None}
    return {
        "count": len(seconds),
        "meanSeconds": statistics.fmean(seconds),
        "medianSeconds": statistics.median(seconds),
    }


def close_enough(got: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return set(got) == set(expected) and all(
            close_enough(got[k], expected[k]) for k in expected
        )
    if isinstance(expected, float):
        return bool(got == pytest.approx(expected, rel=1e-9))
    return bool(got == expected)


@dataclass(frozen=True)
class Worked:
    """What a test worked out by itself, to be written as the API answers it."""

    succeeded: int
    band: str
    spans: list[float]  # lead time per commit, non-positive ones included
    failed: int
    linked: int
    total: int
    restores: list[float]
    paired: dict[str, int]  # identity, deployment, abandoned, unresolved
    recoveries: list[float]
    unrecovered: int
    rework: int

    def figures(self) -> dict[str, Any]:
        rate = (self.failed + self.linked) / self.total if self.total else None
        return {
            "deploymentFrequency": {"deployments": self.succeeded, "band": self.band},
            "leadTime": {
                "durations": durations([s for s in self.spans if s > 0]),
                "ignoredNonPositive": sum(1 for s in self.spans if s <= 0),
            },
            "changeFailureRate": {
                "rate": rate,
                "deployments": self.total,
                "failedDeployments": self.failed,
                "linkedIncidents": self.linked,
            },
            "timeToRestore": {
                "durations": durations(self.restores),
                "unresolvedIncidents": self.paired["unresolved"],
                "pairedByIdentity": self.paired["identity"],
                "recoveredByDeployment": self.paired["deployment"],
                "abandonedIncidents": self.paired["abandoned"],
            },
            "failedDeploymentRecoveryTime": {
                "durations": durations(self.recoveries),
                "unrecoveredFailures": self.unrecovered,
            },
            "deploymentReworkRate": {
                "rate": self.rework / self.total if self.total else None,
                "deployments": self.total,
                "reworkDeployments": self.rework,
            },
        }
