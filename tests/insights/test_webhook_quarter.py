"""A scripted quarter of GitHub pushes, deployment statuses and issues labelled `incident`,
GitLab pushes and deployments, and PagerDuty incidents, sent through the webhooks as a backfill
(in no order): every figure of DORA's five metrics equals this file's own reading of
docs/insights.md's rules, worked out from what happened rather than from what was sent.

What is in it: deployments to staging and in-progress statuses (left out), failed deployments
retried, pushes of several commits (each counts from its own time), feature branches merged,
forced pushes (what they dropped was never deployed), issues opened with their label (GitHub
then says they were labelled: one incident) or labelled later, closed, unlabelled (abandoned)
or left open, PagerDuty incidents acknowledged, resolved, reopened or never resolved (they name
no repository: they concern every repository of their team), and a second team.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from app.config import Settings
from tests.utils.metrics import Worked, close_enough
from tests.utils.quarter import END, START, band, figures
from tests.utils.service import RunningService
from tests.utils.tokens import ADMIN
from tests.utils.webhook_quarter import SECRETS, Deployment, Told, World, send, world
from tests.utils.webhooks import with_webhook_secrets

METRICS = f"""
query($from: DateTime!, $to: DateTime!, $teamId: String, $repo: String, $filter: EventFilter) {{
  deliveryMetrics(from: $from, to: $to, teamId: $teamId, repo: $repo, filter: $filter) {{
    {figures()}
    leadTime {{ commitsWithoutChangeEvent }}
    changeFailureRate {{ unlinkedIncidents }}
  }}
}}
"""
SCOPES = [
    ("team-a", None),
    ("team-a", "acme/api"),
    ("team-a", "acme/web"),
    ("team-b", None),
    (None, None),
]


@pytest.fixture
async def webhooks(settings: Settings) -> AsyncIterator[RunningService]:
    async with with_webhook_secrets(settings, SECRETS) as running:
        yield running


# --- docs/insights.md's rules, read here on what happened ----------------------------------


def _scoped(team: str | None, repo: str | None) -> Any:
    return lambda x: team in (None, x.team) and repo in (None, x.repo)


def _brought(made: World, deployment: Deployment, deployed_before: set[str]) -> list[datetime]:
    """The times of the commits a production deployment brought: those pushed to its main
    branch back to the last commit successfully deployed before it, or to a forced push."""
    pushes = [p for p in made.pushes if p.repo == deployment.repo]
    index = next(i for i, p in enumerate(pushes) if p.commits[-1].sha == deployment.commit)
    times: list[datetime] = []
    while index >= 0 and pushes[index].commits[-1].sha not in deployed_before:
        times += [commit.at for commit in pushes[index].commits]
        if pushes[index].forced:
            break
        index -= 1
    return times


def _concerns(incident: Told, deployment: Deployment) -> bool:
    return incident.team == deployment.team and incident.repo in (None, deployment.repo)


def worked_out(
    made: World, team: str | None, repo: str | None, start: datetime, end: datetime
) -> dict[str, Any]:
    mine = _scoped(team, repo)
    production = sorted(
        (
            d
            for d in made.deployments
            if mine(d) and d.environment == "production" and d.outcome in ("success", "failed")
        ),
        key=lambda d: d.at,
    )
    successes = [d for d in production if d.outcome == "success"]
    within = [d for d in production if start <= d.at < end]
    succeeded = [d for d in within if d.outcome == "success"]
    failed = [d for d in within if d.outcome == "failed"]

    spans: list[float] = []
    first: dict[str, Deployment] = {}
    for d in succeeded:
        first.setdefault(d.commit, d)
    for d in first.values():
        before = {s.commit for s in successes if s.repo == d.repo and s.at < d.at}
        spans += [(d.at - moment).total_seconds() for moment in _brought(made, d, before)]

    told = sorted((t for t in made.told if mine(t)), key=lambda t: (t.at, t.role != "opened"))
    opened_now: set[tuple[str, str | None, str]] = set()
    incidents: list[Told] = []
    for t in told:
        name = (t.team, t.repo, t.incident)
        if t.role != "opened":
            opened_now.discard(name)
        elif name not in opened_now:
            opened_now.add(name)
            if start <= t.at < end:
                incidents.append(t)
    closings = [t for t in told if t.role != "opened"]
    closing_teams = {t.team for t in closings}
    taken: set[int] = set()
    restores: list[float] = []
    windows: list[tuple[Told, datetime | None]] = []
    counts = {"identity": 0, "deployment": 0, "abandoned": 0, "unresolved": 0}
    for incident in incidents:
        match: Any = next(
            (
                c
                for c in closings
                if id(c) not in taken
                and (c.team, c.repo, c.incident)
                == (incident.team, incident.repo, incident.incident)
                and c.at >= incident.at
            ),
            None,
        )
        way = "identity"
        following = next(
            (s for s in successes if _concerns(incident, s) and s.at > incident.at), None
        )
        if match is not None:
            taken.add(id(match))
        elif incident.team not in closing_teams:
            match, way = following, "deployment"
        over = match or following
        windows.append((incident, None if over is None else over.at))
        if match is None:
            counts["unresolved"] += 1
        elif getattr(match, "role", None) == "abandoned":
            counts["abandoned"] += 1
        else:
            counts[way] += 1
            restores.append((match.at - incident.at).total_seconds())

    recoveries: list[float] = []
    failing: dict[tuple[str, str], datetime] = {}
    for d in within:
        if d.outcome == "failed":
            failing.setdefault((d.team, d.repo), d.at)
        elif (d.team, d.repo) in failing:
            recoveries.append((d.at - failing.pop((d.team, d.repo))).total_seconds())
    unrecovered = 0
    for (failed_team, failed_repo), since in failing.items():
        later = [
            s.at
            for s in successes
            if (s.team, s.repo) == (failed_team, failed_repo) and s.at >= end
        ]
        if later:
            recoveries.append((min(later) - since).total_seconds())
        else:
            unrecovered += 1

    rework = [
        d
        for d in within
        if any(
            _concerns(incident, d) and incident.at < d.at and (over is None or d.at <= over)
            for incident, over in windows
        )
    ]
    figures = Worked(
        succeeded=len(succeeded),
        band=band({d.at.replace(hour=0, minute=0, second=0) for d in succeeded}),
        spans=spans,
        failed=len(failed),
        linked=0,  # neither issues nor pages name a commit
        total=len(within),
        restores=restores,
        paired=counts,
        recoveries=recoveries,
        unrecovered=unrecovered,
        rework=len(rework),
    ).figures()
    figures["leadTime"]["commitsWithoutChangeEvent"] = 0
    figures["changeFailureRate"]["unlinkedIncidents"] = len(incidents)
    return figures


# --- The test ----------------------------------------------------------------------------


async def test_a_quarter_of_webhooks_measures_as_worked_out(webhooks: RunningService) -> None:
    made = world()
    await send(webhooks, made)

    # The whole quarter, and five weeks inside it whose first deployments' walks stop at
    # deployments before them.
    middle = (START + timedelta(weeks=4), START + timedelta(weeks=9))
    for start, end in ((START, END), middle):
        for team, repo in SCOPES:
            answer = await webhooks.graphql(
                METRICS,
                token=ADMIN,
                **{"from": start.isoformat(), "to": end.isoformat()},
                teamId=team,
                repo=repo,
            )

            assert answer.errors == []
            expected = worked_out(made, team, repo, start, end)
            got = answer.data["deliveryMetrics"]
            if (start, end) == middle:  # the band is worked out here for the quarter only
                del expected["deploymentFrequency"]["band"], got["deploymentFrequency"]["band"]
            for metric, wanted in expected.items():
                assert close_enough(got[metric], wanted), (start, team, repo, metric, got[metric])

    # A filter on a field the read models do not keep reads every event from the log, and
    # walks back through the pushes the same way.
    answer = await webhooks.graphql(
        METRICS,
        token=ADMIN,
        **{"from": START.isoformat(), "to": END.isoformat()},
        teamId="team-a",
        filter={"receivedAt": {"gte": "2000-01-01T00:00:00Z"}},
    )
    assert answer.errors == []
    expected = worked_out(made, "team-a", None, START, END)
    for metric, wanted in expected.items():
        assert close_enough(answer.data["deliveryMetrics"][metric], wanted), metric

    # Not a quiet quarter: every awkward case is in it.
    everyone = worked_out(made, None, None, START, END)
    assert (
        everyone["leadTime"]["durations"]["count"]
        > 2 * (everyone["deploymentFrequency"]["deployments"])
    )
    restore = everyone["timeToRestore"]
    assert restore["abandonedIncidents"]
    assert restore["unresolvedIncidents"]
    assert everyone["failedDeploymentRecoveryTime"]["durations"]["count"]
    assert everyone["deploymentReworkRate"]["reworkDeployments"]
    assert any(p.forced for p in made.pushes if START <= p.at < END)
    reopened = {t.incident for t in made.told if t.repo is None and t.role == "opened"}
    assert len(reopened) < sum(1 for t in made.told if t.repo is None and t.role == "opened")
    assert {d.environment for d in made.deployments} == {"production", "staging"}
