"""Delivery insights as GraphQL: counts of events per group and per period."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from app.access import scoped
from app.errors import FieldError, InvalidInput
from app.filters import Condition, Op, all_of
from app.filters.paths import stored_path
from app.graphql.context import Info
from app.graphql.filters import EventFilter, selection
from app.insights.counts import count_events, time_range
from app.insights.dora import DoraBand
from app.insights.dora import delivery_metrics as compute_delivery_metrics
from app.insights.levels import DoraLevel
from app.insights.played import Environments
from app.periods import Bucket
from app.timestamps import OutOfRange, to_storage_precision

__all__ = [
    "DeliveryMetrics",
    "EventCount",
    "delivery_metrics",
    "event_counts",
]

MAX_GROUP_BY = 5
# The DORA band walks every week of the range: a range of centuries is no one's dashboard.
MAX_METRICS_RANGE = timedelta(days=365 * 20)


# The domain's enums, published as they are (GraphQL shows the member names).
strawberry.enum(
    Bucket, name="TimeBucket", description="Periods of `timestamp`, in UTC; weeks start on Monday."
)
strawberry.enum(DoraBand, description="DORA deployment frequency bands.")
strawberry.enum(DoraLevel, description="DORA's performance levels (the 2024 report's clusters).")


@strawberry.type(description="How many events share one group (and one period).")
class EventCount:
    group: JSON = strawberry.field(description="The `groupBy` fields and their values.")
    bucket: datetime | None = strawberry.field(description="The start of the period.")
    count: int


GroupBy = Annotated[
    list[str],
    strawberry.argument(
        description="`type`, `action`, `teamId`, `repo`, `branch`, `source`, or any dotted path."
    ),
]
Filter = Annotated[
    EventFilter | None,
    strawberry.argument(
        description="Which events; with `timestamp` gte and lt/lte, empty periods count as 0."
    ),
]


async def event_counts(
    info: Info, *, filter: Filter = None, group_by: GroupBy, bucket: Bucket | None = None
) -> list[EventCount]:
    if len(group_by) > MAX_GROUP_BY:
        raise InvalidInput([FieldError(("groupBy",), f"group by at most {MAX_GROUP_BY} fields")])
    fields = [(name, stored_path(name, ("groupBy", index))) for index, name in enumerate(group_by)]
    selected = selection(info.context.caller, filter, None)
    counts = await count_events(
        info.context.services.store,
        selected,
        fields,
        bucket,
        time_range(selected),
        max_rows=info.context.services.settings.max_count_rows,
    )
    return [
        EventCount(group=JSON(item.group), bucket=item.bucket, count=item.count) for item in counts
    ]


def _level() -> Any:
    """A metric's `level` field (one field object per type: Strawberry binds each to its type)."""
    return strawberry.field(
        description="DORA's 2024 performance level; null when there is nothing to judge."
    )


@strawberry.type(description="Durations over the changes or incidents measured, in seconds.")
class Durations:
    count: int
    mean_seconds: float | None = strawberry.field(description="As CTO.ai reports it.")
    median_seconds: float | None = strawberry.field(description="As Four Keys reports it.")


@strawberry.type(description="Successful deployments in the range.")
class DeploymentFrequency:
    deployments: int
    per_day: float
    band: DoraBand
    level: DoraLevel | None = _level()


@strawberry.type(
    description="First commit/change event of a commit → its first successful deployment."
)
class LeadTime:
    durations: Durations
    ignored_non_positive: int
    deployments_without_commit: int = strawberry.field(
        description="Successful deployments that name no commit: not measurable."
    )
    commits_without_change_event: int = strawberry.field(
        description="Deployed commits with no commit/change event: not measurable."
    )
    level: DoraLevel | None = _level()


@strawberry.type(description="(Failed deployments + incidents on deployed commits) / deployments.")
class ChangeFailureRate:
    rate: float | None = strawberry.field(description="Null when nothing was deployed.")
    deployments: int
    failed_deployments: int
    linked_incidents: int
    unlinked_incidents: int = strawberry.field(
        description="Incidents whose commit was not deployed in the range: not counted."
    )
    level: DoraLevel | None = _level()


@strawberry.type(
    description="Incident initiated → its resolution (incident or recovery succeeded), paired by "
    "the incident's identity: the commit CTO.ai's incident events carry, a CDEvent's subject."
)
class TimeToRestore:
    durations: Durations
    unresolved_incidents: int
    paired_by_identity: int = strawberry.field(
        description="Incidents whose resolution names the same incident."
    )
    paired_by_order: int = strawberry.field(
        description="Incidents and resolutions that name none, paired first in first out per "
        "team and repository."
    )
    recovered_by_deployment: int = strawberry.field(
        description="Incidents of a team that sends no resolutions, recovered by the next "
        "successful deployment of the same repository."
    )
    abandoned_incidents: int = strawberry.field(
        description="Incidents ended by `incident` `failed` (abandoned): no recovery time."
    )
    level: DoraLevel | None = _level()


@strawberry.type(
    description="A failed deployment (the first of a run of them) → the next successful "
    "deployment of the same team and repository, in the range or after it."
)
class FailedDeploymentRecoveryTime:
    durations: Durations
    unrecovered_failures: int = strawberry.field(
        description="Runs of failed deployments nothing has recovered yet."
    )
    level: DoraLevel | None = _level()


@strawberry.type(
    description="Deployments made while an incident of the same team and repository was open "
    "(from its opening to its resolution, its abandonment or, when none came, the next "
    "successful deployment) / all deployments in the range. Incidents opened in the range."
)
class DeploymentReworkRate:
    rate: float | None = strawberry.field(description="Null when nothing was deployed.")
    deployments: int
    rework_deployments: int


@strawberry.type(description="DORA's five metrics over [from, to), and time to restore.")
class DeliveryMetrics:
    deployment_frequency: DeploymentFrequency
    lead_time: LeadTime
    change_failure_rate: ChangeFailureRate
    time_to_restore: TimeToRestore = strawberry.field(
        deprecation_reason="DORA replaced it with failedDeploymentRecoveryTime in 2023; kept "
        "for the clients that read it."
    )
    failed_deployment_recovery_time: FailedDeploymentRecoveryTime
    deployment_rework_rate: DeploymentReworkRate


async def delivery_metrics(
    info: Info,
    from_: Annotated[datetime, strawberry.argument(name="from")],
    to: datetime,
    team_id: str | None = None,
    repo: str | None = None,
    filter: Annotated[
        EventFilter | None,
        strawberry.argument(description="Narrows the events every metric reads from."),
    ] = None,
    environment: Annotated[
        str | None,
        strawberry.argument(
            description="Deployments and incidents of this environment only (any case). "
            "Left out: production's (EVENTSTORE_PRODUCTION_ENVIRONMENTS), and those that name "
            "none."
        ),
    ] = None,
) -> Any:
    if to <= from_:
        raise InvalidInput([FieldError(("to",), "must be after from")])
    if to - from_ > MAX_METRICS_RANGE:
        years = MAX_METRICS_RANGE.days // 365
        raise InvalidInput([FieldError(("to",), f"must be at most {years} years after from")])
    # Every family: which of its events feed which metric is the insights' table to decide.
    parts: list[Any] = []
    if team_id is not None:
        parts.append(Condition("teamId", Op.EQ, team_id))
    if repo is not None:
        parts.append(Condition("repo", Op.EQ, repo))
    if filter is not None:
        parts.append(filter.to_filter())
    scope = scoped(info.context.caller, all_of(parts))
    start, end = _stored_time(from_, "from"), _stored_time(to, "to")
    settings = info.context.services.settings
    environments = (
        Environments.production(settings.production_environment_names)
        if environment is None
        else Environments.only(environment)
    )
    # The domain's answer has this type's shape: Strawberry reads its fields as they are.
    return await compute_delivery_metrics(
        info.context.services.store, scope, start, end, environments=environments
    )


def _stored_time(moment: datetime, argument: str) -> datetime:
    try:
        return to_storage_precision(moment)
    except OutOfRange as error:
        raise InvalidInput([FieldError((argument,), str(error))]) from None
