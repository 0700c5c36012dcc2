"""The four DORA metrics on a generated history, against answers worked out here in plain
Python over the same list of events."""

from __future__ import annotations

import importlib.util
import statistics
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.graphql.queries import INGEST_BATCH
from tests.utils.metrics import close_enough, durations
from tests.utils.service import RunningService

_spec = importlib.util.spec_from_file_location(
    "generate_history", Path(__file__).parents[2] / "scripts" / "generate_history.py"
)
assert _spec is not None
assert _spec.loader is not None
generator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generator)

METRICS = """
query($from: DateTime!, $to: DateTime!, $teamId: String, $repo: String) {
  deliveryMetrics(from: $from, to: $to, teamId: $teamId, repo: $repo) {
    deploymentFrequency { deployments perDay band }
    leadTime {
      durations { count meanSeconds medianSeconds }
      ignoredNonPositive deploymentsWithoutCommit commitsWithoutChangeEvent
    }
    changeFailureRate { rate deployments failedDeployments linkedIncidents unlinkedIncidents }
    timeToRestore {
      durations { count meanSeconds medianSeconds }
      unresolvedIncidents pairedByIdentity pairedByOrder recoveredByDeployment abandonedIncidents
    }
    failedDeploymentRecoveryTime {
      durations { count meanSeconds medianSeconds } unrecoveredFailures
    }
    deploymentReworkRate { rate deployments reworkDeployments }
  }
}
"""
START: datetime = generator.START
END = START + timedelta(weeks=6)


def at(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["timestamp"])


def kind(event: dict[str, Any]) -> tuple[str, str]:
    return event["event_name"], event["event_action"]


def worked_out(events: list[dict[str, Any]], team: str, repo: str) -> dict[str, Any]:
    """The metrics, by hand, the way docs/insights.md defines them."""
    mine = [e for e in events if e["team_id"] == team and e["repo"] == repo]
    within = [e for e in mine if START <= at(e) < END]
    succeeded = [e for e in within if kind(e) == ("deployment", "succeeded")]
    failed = [e for e in within if kind(e) == ("deployment", "failed")]
    first_deploy: dict[str, datetime] = {}
    for e in succeeded:
        if "commit" in e:
            first_deploy[e["commit"]] = min(first_deploy.get(e["commit"], at(e)), at(e))
    first_change: dict[str, datetime] = {}
    for e in mine:
        if e["event_name"] in ("commit", "change") and "commit" in e:
            first_change[e["commit"]] = min(first_change.get(e["commit"], at(e)), at(e))
    spans = [
        (first_deploy[c] - first_change[c]).total_seconds()
        for c in first_deploy
        if c in first_change
    ]
    incidents = sorted((e for e in within if kind(e) == ("incident", "initiated")), key=at)
    linked = [e for e in incidents if e.get("commit") in first_deploy]
    # Every incident and resolution the generator writes names its commit: each incident is
    # paired with the first resolution of its own commit (an unresolved one stays open).
    fixes = sorted(
        (e for e in mine if kind(e) in (("incident", "succeeded"), ("recovery", "succeeded"))),
        key=at,
    )
    restores = []
    windows = []  # while each incident was open: to its fix, or to the next success
    every_success = sorted(at(e) for e in mine if kind(e) == ("deployment", "succeeded"))
    for incident in incidents:
        fix = next(
            (f for f in fixes if f["commit"] == incident["commit"] and at(f) >= at(incident)), None
        )
        if fix is not None:
            fixes.remove(fix)
            restores.append((at(fix) - at(incident)).total_seconds())
            windows.append((at(incident), at(fix)))
        else:
            after = [t for t in every_success if t > at(incident)]
            if after:
                windows.append((at(incident), after[0]))
    # A run of failed deployments, from its first, to the next success (in the range or not).
    recoveries, failing_since = [], None
    for e in sorted(succeeded + failed, key=at):
        if kind(e) == ("deployment", "failed") and failing_since is None:
            failing_since = at(e)
        elif kind(e) == ("deployment", "succeeded") and failing_since is not None:
            recoveries.append((at(e) - failing_since).total_seconds())
            failing_since = None
    unrecovered = 0
    if failing_since is not None:
        later = [t for t in every_success if t >= END]
        if later:
            recoveries.append((later[0] - failing_since).total_seconds())
        else:
            unrecovered = 1
    made = succeeded + failed
    rework = [e for e in made if any(opened < at(e) <= ended for opened, ended in windows)]
    weeks = [START + timedelta(weeks=n) for n in range(6)]
    days_per_week = [
        len({at(e).date() for e in succeeded if w <= at(e) < w + timedelta(weeks=1)}) for w in weeks
    ]
    band = (
        "DAILY"
        if statistics.median(days_per_week) >= 3
        else "WEEKLY"
        if statistics.median([1 if d else 0 for d in days_per_week]) >= 1
        else "MONTHLY"
    )
    return {
        "deploymentFrequency": {
            "deployments": len(succeeded),
            "perDay": len(succeeded) / 42,
            "band": band,
        },
        "leadTime": {
            "durations": durations([s for s in spans if s > 0]),
            "ignoredNonPositive": sum(1 for s in spans if s <= 0),
            "deploymentsWithoutCommit": sum(1 for e in succeeded if "commit" not in e),
            "commitsWithoutChangeEvent": sum(1 for c in first_deploy if c not in first_change),
        },
        "changeFailureRate": {
            "rate": (len(failed) + len(linked)) / (len(succeeded) + len(failed)),
            "deployments": len(succeeded) + len(failed),
            "failedDeployments": len(failed),
            "linkedIncidents": len(linked),
            "unlinkedIncidents": len(incidents) - len(linked),
        },
        "timeToRestore": {
            "durations": durations(restores),
            "unresolvedIncidents": len(incidents) - len(restores),
            "pairedByIdentity": len(restores),
            "pairedByOrder": 0,
            "recoveredByDeployment": 0,
            "abandonedIncidents": 0,
        },
        "failedDeploymentRecoveryTime": {
            "durations": durations(recoveries),
            "unrecoveredFailures": unrecovered,
        },
        "deploymentReworkRate": {
            "rate": len(rework) / len(made),
            "deployments": len(made),
            "reworkDeployments": len(rework),
        },
    }


async def load(service: RunningService, events: list[dict[str, Any]]) -> None:
    names = {"event_name": "eventName", "event_action": "eventAction", "team_id": "teamId"}
    inputs = [{names.get(k, k): v for k, v in e.items()} for e in events]
    for start in range(0, len(inputs), 500):
        answer = await service.graphql(INGEST_BATCH, lifecycle=inputs[start : start + 500])
        assert answer.errors == []


@pytest.mark.parametrize(("team", "repo"), [("team-payments", "api"), ("team-web", "web")])
async def test_metrics_match_the_worked_out_answers(
    service: RunningService, team: str, repo: str
) -> None:
    events = generator.delivery_history()
    await load(service, events)

    answer = await service.graphql(
        METRICS, **{"from": START.isoformat(), "to": END.isoformat(), "teamId": team, "repo": repo}
    )

    assert answer.errors == []
    expected = worked_out(events, team, repo)
    assert close_enough(answer.data["deliveryMetrics"], expected), (
        answer.data["deliveryMetrics"],
        expected,
    )
    assert expected["changeFailureRate"]["failedDeployments"] > 0


async def test_edge_cases_have_defined_answers(service: RunningService) -> None:
    day = datetime(2025, 1, 6, 9, tzinfo=UTC)
    events = [
        {
            "eventName": "deployment",
            "eventAction": "succeeded",
            "repo": "r",
            "teamId": "t",
            "timestamp": day.isoformat(),
        },  # names no commit
        {
            "eventName": "deployment",
            "eventAction": "succeeded",
            "repo": "r",
            "teamId": "t",
            "commit": "c1",
            "timestamp": (day + timedelta(hours=1)).isoformat(),
        },  # no commit event
        {
            "eventName": "incident",
            "eventAction": "initiated",
            "repo": "r",
            "teamId": "t",
            "commit": "c1",
            "timestamp": (day + timedelta(hours=2)).isoformat(),
        },  # never resolved
    ]
    await service.graphql(INGEST_BATCH, lifecycle=events)
    week = {"from": day.replace(hour=0).isoformat(), "to": (day + timedelta(days=7)).isoformat()}

    busy = (await service.graphql(METRICS, **week, teamId="t", repo="r")).data["deliveryMetrics"]
    quiet = (
        await service.graphql(
            METRICS, **{"from": "2020-01-01T00:00:00Z", "to": "2020-02-01T00:00:00Z"}
        )
    ).data["deliveryMetrics"]

    assert busy["leadTime"] == {
        "durations": {"count": 0, "meanSeconds": None, "medianSeconds": None},
        "ignoredNonPositive": 0,
        "deploymentsWithoutCommit": 1,
        "commitsWithoutChangeEvent": 1,
    }
    assert busy["changeFailureRate"]["rate"] == pytest.approx(0.5)
    assert busy["timeToRestore"]["unresolvedIncidents"] == 1
    assert quiet["deploymentFrequency"] == {"deployments": 0, "perDay": 0.0, "band": "YEARLY"}
    assert quiet["changeFailureRate"]["rate"] is None
    assert quiet["timeToRestore"]["durations"]["count"] == 0


async def test_to_must_follow_from(service: RunningService) -> None:
    answer = await service.graphql(METRICS, **{"from": END.isoformat(), "to": START.isoformat()})

    assert answer.error_codes == ["BAD_USER_INPUT"]


async def test_a_filter_narrows_every_metric(service: RunningService) -> None:
    events = generator.delivery_history()
    await load(service, events)
    window = {"from": START.isoformat(), "to": END.isoformat()}

    narrowed = await service.graphql(
        METRICS.replace("$repo: String)", "$repo: String, $filter: EventFilter)").replace(
            "repo: $repo)", "repo: $repo, filter: $filter)"
        ),
        **window,
        teamId="team-payments",
        filter={"repo": {"eq": "api"}},
    )
    direct = await service.graphql(METRICS, **window, teamId="team-payments", repo="api")

    assert narrowed.errors == []
    assert narrowed.data == direct.data


async def test_a_range_of_centuries_is_refused(service: RunningService) -> None:
    answer = await service.graphql(
        METRICS, **{"from": "1900-01-01T00:00:00Z", "to": END.isoformat()}
    )

    assert answer.error_codes == ["BAD_USER_INPUT"]
    assert "to: must be at most 20 years after from" in answer.errors[0]["message"]


async def test_a_trend_or_breakdown_too_large_is_refused_naming_the_argument(
    service: RunningService,
) -> None:
    year = {"from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"}
    by_day = await service.graphql(
        """query($from: DateTime!, $to: DateTime!) {
             deliveryTrend(from: $from, to: $to, bucket: DAY) { start }
           }""",
        **year,
    )
    by_week = await service.graphql(
        """query($from: DateTime!, $to: DateTime!) {
             deliveryTrend(from: $from, to: $to) { start }
           }""",
        **year,
    )
    many = await service.graphql(
        """query($from: DateTime!, $to: DateTime!) {
             deliveryBreakdown(by: TEAM, from: $from, to: $to, groups: 1000) { teamId }
           }""",
        **year,
    )

    assert by_day.error_codes == many.error_codes == ["BAD_USER_INPUT"]
    assert "bucket: the range holds more than 60 days" in by_day.errors[0]["message"]
    assert "groups: must be between 1 and 100" in many.errors[0]["message"]
    assert by_week.errors == []
    assert len(by_week.data["deliveryTrend"]) == 53  # 2026's weeks, the first and last cut
