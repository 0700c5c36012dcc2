"""DORA's five metrics (and the older time to restore), for one team, repo and time range.

Which roles feed which metric (also in docs/insights.md), decided here only; which stored events of
each family play each role is `delivery_role`'s, so events of every family count alike and
together:

- deployment frequency: `deployment` `succeeded` in the range.
- lead time for changes: per commit a deployment brought (its own, and those pushed before
  it that it includes: `app/insights/changes.py`), from the commit's first `commit` or
  `change` (any time), or the time a push listed it with, whichever is earlier, to the
  deployment's commit's first `deployment` `succeeded` in the range. Non-positive spans are
  ignored and counted.
- change failure rate: (`deployment` `failed` + `incident` `initiated` whose commit was
  deployed successfully in the range) / (`deployment` `succeeded` + `failed`).
- time to restore: `incident` `initiated` in the range → its resolution (`incident`
  `succeeded` or `recovery` `succeeded`), paired by the incident's identity (the subject its
  events share, or the commit they carry: `incident_identities`); an `incident` `failed`
  abandons it (no recovery time). Incidents and resolutions that name none pair with each
  other, first in first out per team and repository. A team that sends no resolutions at all
  is recovered by the next successful deployment of the same repository (CTO.ai's rule). The
  answer counts the incidents paired each way.
- failed deployment recovery time and deployment rework rate: `app/insights/recovery.py`.

The events come from the store's delivery read model (only these kinds, only the fields read
here), so a metric costs what the deployments, commits and incidents in its range cost.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from app.families.delivery import pushed
from app.families.roles import CHANGE_STARTS, DEPLOYED, DEPLOYMENT_FAILED
from app.filters import Condition, EventFilter, Op, all_of
from app.insights.changes import Brought, brought_by
from app.insights.counts import TimeRange, periods
from app.insights.durations import Durations
from app.insights.incidents import TimeToRestore, incidents_in, time_to_restore
from app.insights.levels import (
    DoraLevel,
    fail_rate_level,
    frequency_level,
    lead_time_level,
)
from app.insights.played import DeliveryReads, Environments, Row, during, playing
from app.insights.recovery import (
    DeploymentReworkRate,
    FailedDeploymentRecoveryTime,
    failed_deployment_recovery,
    rework_rate,
)
from app.periods import Bucket, Unit, following, truncate
from app.store import EventStore, FirstChanges

__all__ = ["DeliveryMetrics", "DoraBand", "delivery_metrics"]

# Lead-time lookups name this many commits at a time (the embedded server's `$in` slows
# with the square of its list: 25 at a time read 1,000 commits in a third of 200's time).
_COMMITS_PER_READ = 25


class DoraBand(StrEnum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    YEARLY = "YEARLY"


@dataclass(frozen=True)
class DeploymentFrequency:
    deployments: int
    per_day: float
    band: DoraBand
    level: DoraLevel | None


@dataclass(frozen=True)
class LeadTime:
    durations: Durations
    ignored_non_positive: int
    deployments_without_commit: int
    commits_without_change_event: int
    level: DoraLevel | None


@dataclass(frozen=True)
class ChangeFailureRate:
    rate: float | None
    deployments: int
    failed_deployments: int
    linked_incidents: int
    unlinked_incidents: int
    level: DoraLevel | None


@dataclass(frozen=True)
class DeliveryMetrics:
    deployment_frequency: DeploymentFrequency
    lead_time: LeadTime
    change_failure_rate: ChangeFailureRate
    time_to_restore: TimeToRestore
    failed_deployment_recovery_time: FailedDeploymentRecoveryTime
    deployment_rework_rate: DeploymentReworkRate


async def delivery_metrics(
    store: EventStore,
    scope: EventFilter,
    start: datetime,
    end: datetime,
    *,
    environments: Environments,
) -> DeliveryMetrics:
    """The metrics over [start, end) for the events `scope` selects (team, repo), deployments
    and incidents in `environments`."""
    reads = DeliveryReads(store, environments)
    in_range = during(scope, start, end)
    deployments = await playing(reads, in_range, {DEPLOYED[0], DEPLOYMENT_FAILED[0]})
    deploys, days = _per_commit(deployments)
    successes = {row["commit"]: row for row in deploys if row["first_success"] is not None}
    deployed = {c: row["first_success"] for c, row in successes.items() if c is not None}
    of_deployed = await _first_changes(reads, scope, sorted(deployed), start, end)
    brought = await brought_by(reads, scope, deployed, of_deployed.pushed)
    behind = sorted({c for each in brought for c in each.commits} - deployed.keys())
    of_behind = await _first_changes(reads, scope, behind, start, end)
    lead_spans, ignored, without_event = _lead_times(brought, of_deployed.times | of_behind.times)
    succeeded = sum(row["succeeded"] for row in deploys)
    failed = sum(row["failed"] for row in deploys)
    incidents, closings = await incidents_in(reads, scope, in_range)
    linked = sum(1 for row in incidents if row.get("commit") in successes and row.get("commit"))
    restored, windows = await time_to_restore(reads, scope, incidents, closings)
    total = succeeded + failed
    band = _band(days, TimeRange(start, end, end_inclusive=False))
    lead = Durations.of(lead_spans)
    fail_rate = None if total == 0 else (failed + linked) / total
    return DeliveryMetrics(
        deployment_frequency=DeploymentFrequency(
            deployments=succeeded,
            per_day=succeeded / ((end - start) / timedelta(days=1)),
            band=band,
            level=frequency_level(band, total),
        ),
        lead_time=LeadTime(
            durations=lead,
            ignored_non_positive=ignored,
            deployments_without_commit=successes[None]["succeeded"] if None in successes else 0,
            commits_without_change_event=without_event,
            level=lead_time_level(lead.median_seconds),
        ),
        change_failure_rate=ChangeFailureRate(
            rate=fail_rate,
            deployments=total,
            failed_deployments=failed,
            linked_incidents=linked,
            unlinked_incidents=len(incidents) - linked,
            level=fail_rate_level(fail_rate),
        ),
        time_to_restore=restored,
        failed_deployment_recovery_time=await failed_deployment_recovery(
            reads, scope, deployments, end
        ),
        deployment_rework_rate=rework_rate(deployments, windows),
    )


def _per_commit(rows: list[Row]) -> tuple[list[dict[str, Any]], list[datetime]]:
    """Per commit (None for deployments without one): first success, successes, failures;
    and the days (UTC) with a successful deployment."""
    per_commit: dict[Any, dict[str, Any]] = {}
    days: set[datetime] = set()
    for row in rows:
        commit = row.get("commit")
        seen = per_commit.setdefault(
            commit, {"commit": commit, "first_success": None, "succeeded": 0, "failed": 0}
        )
        if row["role"] == DEPLOYED:
            seen["succeeded"] += 1
            moment = row["timestamp"]
            first = seen["first_success"]
            seen["first_success"] = moment if first is None else min(first, moment)
            days.add(truncate(Unit.DAY, moment))
        elif row["role"] == DEPLOYMENT_FAILED:
            seen["failed"] += 1
    return list(per_commit.values()), sorted(days)


async def _first_changes(
    reads: DeliveryReads, scope: EventFilter, commits: list[str], start: datetime, end: datetime
) -> FirstChanges:
    if not commits:
        return FirstChanges({}, frozenset())
    known = await reads.store.first_changes(scope, commits, (start, end))
    if known is not None:
        return known
    first: dict[str, datetime] = {}
    heads: set[str] = set()
    for index in range(0, len(commits), _COMMITS_PER_READ):
        chunk = tuple(commits[index : index + _COMMITS_PER_READ])
        of_chunk = all_of([scope, Condition("commit", Op.IN, chunk)])
        for row in await playing(reads, of_chunk, CHANGE_STARTS):
            commit, moment = row["commit"], row["timestamp"]
            first[commit] = min(first.get(commit, moment), moment)
            if pushed(row) is not None:
                heads.add(commit)
    return FirstChanges(first, frozenset(heads))


def _lead_times(
    brought: list[Brought], first_changes: dict[str, datetime]
) -> tuple[list[float], int, int]:
    """Per commit a deployment brought, from its first change (the earliest of its stored
    change events and the time a push listed it with) to the deployment."""
    spans: list[float] = []
    ignored = without_event = 0
    for deployment in brought:
        for commit, listed in deployment.commits.items():
            known = [t for t in (first_changes.get(commit), listed) if t is not None]
            if not known:
                without_event += 1
                continue
            seconds = (deployment.deployed - min(known)).total_seconds()
            if seconds <= 0:
                ignored += 1
            else:
                spans.append(seconds)
    return spans, ignored, without_event


def _band(days: list[datetime], within: TimeRange) -> DoraBand:
    """Four Keys' rule, on medians: most weeks with 3+ deploy days is daily, and so on.

    Over whole weeks and months only: a week the range cuts short has fewer days to deploy on,
    and counting it as a week without deployments made the band fall when one was added (22
    deployments over [11-07, 12-07) were daily, 25 over [11-08, 12-08) weekly). A range shorter
    than a whole week (or month) is judged on the parts it has.
    """
    weeks = _per_period(days, Bucket.WEEK, within)
    months = _per_period(days, Bucket.MONTH, within)
    if weeks and statistics.median(weeks) >= 3:
        return DoraBand.DAILY
    if weeks and statistics.median(1 if n else 0 for n in weeks) >= 1:
        return DoraBand.WEEKLY
    if months and statistics.median(1 if n else 0 for n in months) >= 1:
        return DoraBand.MONTHLY
    return DoraBand.YEARLY


def _per_period(days: list[datetime], bucket: Bucket, within: TimeRange) -> list[int]:
    """Deploy days in each whole `bucket` of the range (in each part, when none is whole)."""
    starts = periods(bucket, within)
    whole = [
        start
        for start in starts
        if start >= within.start and following(bucket, start) <= within.end
    ]
    counted = dict.fromkeys(whole or starts, 0)
    for moment in days:
        period = truncate(bucket, moment)
        if period in counted:
            counted[period] += 1
    return list(counted.values())
