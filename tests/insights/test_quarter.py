"""A quarter of all three families, generated with the awkward cases in it, measured by the
service and by this file's own reading of docs/insights.md's rules, for a team, a repository and
everyone: every figure of DORA's five metrics (and time to restore) must agree.

team-a sends resolutions (some incidents are resolved, some abandoned, some never closed);
team-b sends none (its incidents recover with its next production deployment). Deployments
go to production, to staging, or name no environment; FlexDeploy's completed stages go to
PRODUCTION or QA; CDEvents deploy to production or staging and open and resolve incidents by
their subject.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.utils.metrics import Worked, close_enough
from tests.utils.quarter import END, START, Happened, band, figures, quarter, send
from tests.utils.service import RunningService
from tests.utils.tokens import ADMIN, TEAM_B

PRODUCTION = {"production", "prod"}


METRICS = f"""
query($from: DateTime!, $to: DateTime!, $teamId: String, $repo: String) {{
  deliveryMetrics(from: $from, to: $to, teamId: $teamId, repo: $repo) {{ {figures()} }}
}}
"""
TREND = f"""
query($from: DateTime!, $to: DateTime!, $teamId: String) {{
  deliveryTrend(from: $from, to: $to, teamId: $teamId) {{
    start end metrics {{ {figures(band=False)} }}
  }}
}}
"""
BREAKDOWN = f"""
query($from: DateTime!, $to: DateTime!, $by: DeliveryGroup!, $teamId: String) {{
  deliveryBreakdown(from: $from, to: $to, by: $by, teamId: $teamId) {{
    teamId repo metrics {{ {figures()} }}
  }}
}}
"""


# --- The rules of docs/insights.md, read here on the generated list ----------------------


def production(happened: Happened) -> bool:
    return happened.environment is None or happened.environment.casefold() in PRODUCTION


def place(happened: Happened) -> tuple[str, str | None]:
    return happened.team, happened.repo


def concerns(incident: Happened, happened: Happened) -> bool:
    """An incident concerns its repository's deployments, or its team's when it names none."""
    return incident.team == happened.team and incident.repo in (None, happened.repo)


def worked_out(
    history: list[Happened],
    team: str | None,
    repo: str | None,
    start: datetime = START,
    until: datetime = END,
) -> dict[str, Any]:
    mine = [h for h in history if team in (None, h.team) and repo in (None, h.repo)]
    within = [h for h in mine if start <= h.at < until]
    made = [h for h in within if h.role in ("deployed", "failed") and production(h)]
    succeeded = [h for h in made if h.role == "deployed"]
    failed = [h for h in made if h.role == "failed"]
    # Lead time: a commit's first change (any time) to its first production success here.
    first_deploy: dict[str, datetime] = {}
    for h in succeeded:
        if h.commit is not None:
            first_deploy[h.commit] = min(first_deploy.get(h.commit, h.at), h.at)
    first_change: dict[str, datetime] = {}
    for h in mine:
        if h.role == "change" and h.commit is not None:
            first_change[h.commit] = min(first_change.get(h.commit, h.at), h.at)
    spans = [
        (first_deploy[c] - first_change[c]).total_seconds()
        for c in first_deploy
        if c in first_change
    ]
    # Incidents opened here; what ends them from the first of them on, in production.
    incidents = [h for h in within if h.role == "opened" and production(h)]
    closings = sorted(
        (h for h in mine if h.role in ("resolved", "abandoned") and production(h)),
        key=lambda h: h.at,
    )
    closing_teams = {h.team for h in closings}
    every_success = sorted(
        (h for h in mine if h.role == "deployed" and production(h)), key=lambda h: h.at
    )
    linked = [h for h in incidents if h.commit is not None and h.commit in first_deploy]
    restores, windows, taken = [], [], set()
    counts = {"identity": 0, "deployment": 0, "abandoned": 0, "unresolved": 0}
    for incident in sorted(incidents, key=lambda h: h.at):
        end = next(
            (
                c
                for c in closings
                if id(c) not in taken
                and c.team == incident.team
                and c.incident == incident.incident
                and c.repo == incident.repo
                and c.at >= incident.at
            ),
            None,
        )
        way = "identity"
        next_success = next(
            (s for s in every_success if concerns(incident, s) and s.at > incident.at), None
        )
        if end is not None:
            taken.add(id(end))
        elif incident.team not in closing_teams:
            end, way = next_success, "deployment"
        over = end or next_success
        windows.append((incident, incident.at, None if over is None else over.at))
        if end is None:
            counts["unresolved"] += 1
        elif end.role == "abandoned":
            counts["abandoned"] += 1
        else:
            counts[way] += 1
            restores.append((end.at - incident.at).total_seconds())
    # Recovery from failed deployments, per team and repository.
    recoveries: list[float] = []
    failing: dict[tuple[str, str | None], datetime] = {}
    for h in sorted(made, key=lambda h: h.at):
        if h.role == "failed":
            failing.setdefault(place(h), h.at)
        elif place(h) in failing:
            recoveries.append((h.at - failing.pop(place(h))).total_seconds())
    unrecovered = 0
    for where, since in failing.items():
        later = [s.at for s in every_success if place(s) == where and s.at >= until]
        if later:
            recoveries.append((min(later) - since).total_seconds())
        else:
            unrecovered += 1
    rework = [
        h
        for h in made
        if any(
            concerns(w, h) and opened < h.at and (over is None or h.at <= over)
            for w, opened, over in windows
        )
    ]
    return Worked(
        succeeded=len(succeeded),
        band=band({datetime(h.at.year, h.at.month, h.at.day, tzinfo=UTC) for h in succeeded}),
        spans=spans,
        failed=len(failed),
        linked=len(linked),
        total=len(made),
        restores=restores,
        paired=counts,
        recoveries=recoveries,
        unrecovered=unrecovered,
        rework=len(rework),
    ).figures()


async def test_a_quarter_of_every_family_measures_as_worked_out(guarded: RunningService) -> None:
    history = quarter()
    await send(guarded, history)
    await _measured_as_a_whole(guarded, history)
    await _measured_week_by_week(guarded, history)
    await _measured_team_by_team(guarded, history)
    await _counted_events_listed(guarded, history)


async def _measured_as_a_whole(guarded: RunningService, history: list[Happened]) -> None:
    span = {"from": START.isoformat(), "to": END.isoformat()}

    for team, repo in (("team-a", None), ("team-a", "api"), ("team-b", "app"), (None, None)):
        answer = await guarded.graphql(METRICS, token=ADMIN, **span, teamId=team, repo=repo)

        assert answer.errors == []
        expected = worked_out(history, team, repo)
        got = answer.data["deliveryMetrics"]
        for metric, wanted in expected.items():
            assert close_enough(got[metric], wanted), (team, repo, metric, got[metric], wanted)
    # Not a quiet quarter: every awkward case is in it.
    everyone = worked_out(history, None, None)
    restore = everyone["timeToRestore"]
    assert restore["abandonedIncidents"]
    assert restore["unresolvedIncidents"]
    assert restore["recoveredByDeployment"]
    assert restore["pairedByIdentity"]
    assert everyone["failedDeploymentRecoveryTime"]["durations"]["count"]
    assert everyone["deploymentReworkRate"]["reworkDeployments"]


def _without_band(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures a period shorter than the band's weeks and months can be checked on."""
    frequency = {k: v for k, v in figures["deploymentFrequency"].items() if k != "band"}
    return figures | {"deploymentFrequency": frequency}


async def _measured_week_by_week(guarded: RunningService, history: list[Happened]) -> None:
    # A range that cuts its first and last weeks short: those periods are cut to it.
    start, end = START + timedelta(days=3, hours=5), END - timedelta(days=2)
    answer = await guarded.graphql(
        TREND, token=ADMIN, **{"from": start.isoformat(), "to": end.isoformat()}, teamId="team-a"
    )

    assert answer.errors == []
    trend = answer.data["deliveryTrend"]
    bounds = [(datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"])) for p in trend]
    mondays = [START + timedelta(weeks=n) for n in range(1, 13)]
    assert bounds == list(zip([start, *mondays], [*mondays, end], strict=True))
    for (first, last), period in zip(bounds, trend, strict=True):
        expected = _without_band(worked_out(history, "team-a", None, first, last))
        for metric, wanted in expected.items():
            got = period["metrics"][metric]
            assert close_enough(got, wanted), (first, metric, got, wanted)
    assert sum(p["metrics"]["deploymentFrequency"]["deployments"] for p in trend) > 0


async def _measured_team_by_team(guarded: RunningService, history: list[Happened]) -> None:
    span = {"from": START.isoformat(), "to": END.isoformat()}
    by_team = await guarded.graphql(BREAKDOWN, token=ADMIN, **span, by="TEAM", teamId=None)
    by_repo = await guarded.graphql(BREAKDOWN, token=ADMIN, **span, by="REPO", teamId="team-a")
    # A team sees its own groups only, whatever it asks for.
    seen_by_b = await guarded.graphql(BREAKDOWN, token=TEAM_B, **span, by="TEAM", teamId=None)

    assert by_team.errors == by_repo.errors == seen_by_b.errors == []
    groups = [((g["teamId"], None), g) for g in by_team.data["deliveryBreakdown"]] + [
        (("team-a", g["repo"]), g) for g in by_repo.data["deliveryBreakdown"]
    ]
    assert [key for key, _ in groups] == [
        *((team, None) for team in _busiest(history, "team")),
        *(
            ("team-a", repo)
            for repo in _busiest([h for h in history if h.team == "team-a"], "repo")
        ),
    ]
    for (team, repo), group in groups:
        for metric, wanted in worked_out(history, team, repo).items():
            got = group["metrics"][metric]
            assert close_enough(got, wanted), (team, repo, metric, got, wanted)
    assert [g["teamId"] for g in seen_by_b.data["deliveryBreakdown"]] == ["team-b"]


def _busiest(history: list[Happened], by: str) -> list[str]:
    """Teams (or repositories) by their deployments and incidents in the quarter, of every
    environment; those that name none (FlexDeploy's stages name no repository) in no group."""
    counted: dict[str, int] = {}
    for h in history:
        value = getattr(h, by)
        if START <= h.at < END and h.role in ("deployed", "failed", "opened") and value:
            counted[value] = counted.get(value, 0) + 1
    return sorted(counted, key=lambda k: (-counted[k], k))


async def _counted_events_listed(guarded: RunningService, history: list[Happened]) -> None:
    """What a chart's bar is made of: every production deployment and incident opened."""
    span = {"from": START + timedelta(weeks=2), "to": END - timedelta(weeks=3)}
    answer = await guarded.graphql(
        """query($from: DateTime!, $to: DateTime!, $teamId: String) {
             deliveryEvents(from: $from, to: $to, teamId: $teamId, limit: 1000) {
               ... on Event { source timestamp }
             }
           }""",
        token=ADMIN,
        **{name: moment.isoformat() for name, moment in span.items()},
        teamId="team-a",
    )

    assert answer.errors == []
    listed = [
        (datetime.fromisoformat(event["timestamp"]), event["source"].lower())
        for event in answer.data["deliveryEvents"]
    ]
    expected = sorted(
        (
            (h.at, h.family)
            for h in history
            if h.team == "team-a"
            and span["from"] <= h.at < span["to"]
            and h.role in ("deployed", "failed", "opened")
            and production(h)
        ),
        reverse=True,
    )
    assert sorted(listed, reverse=True) == expected
    assert [at for at, _ in listed] == [at for at, _ in expected]  # newest first
    assert {family for _, family in listed} == {"lifecycle", "flexdeploy", "cdevents"}
