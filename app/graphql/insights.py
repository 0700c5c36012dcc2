"""Delivery insights as GraphQL: counts of events per group and per period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from app.access.teams import scoped
from app.errors import FieldError, InvalidInput
from app.filters import Condition, Op, all_of
from app.filters.paths import stored_path
from app.graphql.connections import DEFAULT_LIMIT
from app.graphql.context import Info
from app.graphql.filters import EventFilter, selection
from app.graphql.types import event_node
from app.insights.counts import count_events, time_range
from app.insights.delivery_views import DeliveryGroup, counted_events
from app.insights.delivery_views import delivery_groups as compute_groups
from app.insights.delivery_views import delivery_trend as compute_trend
from app.insights.dora import DoraBand
from app.insights.dora import delivery_metrics as compute_delivery_metrics
from app.insights.levels import DoraLevel
from app.insights.played import Environments
from app.periods import Bucket
from app.timestamps import OutOfRange, to_storage_precision

__all__ = [
    "DeliveryGroupMetrics",
    "DeliveryMetrics",
    "DeliveryPeriod",
    "EventCount",
    "delivery_breakdown",
    "delivery_events",
    "delivery_metrics",
    "delivery_trend",
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
strawberry.enum(DeliveryGroup, description="What a delivery breakdown groups by.")


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
    "the incident's identity: the subject its events share, or the commit they carry."
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


From = Annotated[datetime, strawberry.argument(name="from")]
Scope = Annotated[
    EventFilter | None,
    strawberry.argument(description="Narrows the events every metric reads from."),
]
Environment = Annotated[
    str | None,
    strawberry.argument(
        description="Deployments and incidents of this environment only (any case). "
        "Left out: production's (EVENTSTORE_PRODUCTION_ENVIRONMENTS), and those that name "
        "none."
    ),
]


@dataclass(frozen=True)
class _Asked:
    """What every delivery read is asked: a range, a scope, the environments that count."""

    start: datetime
    end: datetime
    scope: Any
    environments: Environments


def _asked(
    info: Info,
    from_: datetime,
    to: datetime,
    team_id: str | None,
    repo: str | None,
    filter: EventFilter | None,
    environment: str | None,
) -> _Asked:
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
    settings = info.context.services.settings
    return _Asked(
        start=_stored_time(from_, "from"),
        end=_stored_time(to, "to"),
        scope=scoped(info.context.caller, all_of(parts)),
        environments=(
            Environments.production(settings.production_environment_names)
            if environment is None
            else Environments.only(environment)
        ),
    )


async def delivery_metrics(
    info: Info,
    from_: From,
    to: datetime,
    team_id: str | None = None,
    repo: str | None = None,
    filter: Scope = None,
    environment: Environment = None,
) -> Any:
    asked = _asked(info, from_, to, team_id, repo, filter, environment)
    # The domain's answer has this type's shape: Strawberry reads its fields as they are.
    return await compute_delivery_metrics(
        info.context.services.store,
        asked.scope,
        asked.start,
        asked.end,
        environments=asked.environments,
    )


@strawberry.type(description="The delivery metrics of one period of a trend.")
class DeliveryPeriod:
    start: datetime = strawberry.field(description="The period's start (the range's, if later).")
    end: datetime = strawberry.field(description="The period's end (the range's, if earlier).")
    metrics: DeliveryMetrics = strawberry.field(
        description="What `deliveryMetrics` answers for [start, end) and the same arguments."
    )


async def delivery_trend(
    info: Info,
    from_: From,
    to: datetime,
    bucket: Annotated[
        Bucket, strawberry.argument(description="The periods; weeks start on Monday (UTC).")
    ] = Bucket.WEEK,
    team_id: str | None = None,
    repo: str | None = None,
    filter: Scope = None,
    environment: Environment = None,
) -> Any:
    asked = _asked(info, from_, to, team_id, repo, filter, environment)
    return await compute_trend(
        info.context.services.store,
        asked.scope,
        (asked.start, asked.end),
        bucket,
        environments=asked.environments,
    )


@strawberry.type(description="The delivery metrics of one team or one repository.")
class DeliveryGroupMetrics:
    team_id: str | None = strawberry.field(description="The team, when grouped by team.")
    repo: str | None = strawberry.field(description="The repository, when grouped by repo.")
    delivery_events: int = strawberry.field(
        description="Its deployments and incidents in the range, of every environment: what "
        "orders the groups."
    )
    metrics: DeliveryMetrics = strawberry.field(
        description="What `deliveryMetrics` answers for this team (or repo) and the same arguments."
    )


MAX_BREAKDOWN_GROUPS = 100


async def delivery_breakdown(
    info: Info,
    by: DeliveryGroup,
    from_: From,
    to: datetime,
    team_id: str | None = None,
    repo: str | None = None,
    filter: Scope = None,
    environment: Environment = None,
    groups: Annotated[
        int,
        strawberry.argument(
            description=f"How many, the busiest first; at most {MAX_BREAKDOWN_GROUPS}."
        ),
    ] = 20,
) -> Any:
    if not 0 < groups <= MAX_BREAKDOWN_GROUPS:
        message = f"must be between 1 and {MAX_BREAKDOWN_GROUPS}"
        raise InvalidInput([FieldError(("groups",), message)])
    asked = _asked(info, from_, to, team_id, repo, filter, environment)
    return await compute_groups(
        info.context.services.store,
        asked.scope,
        (asked.start, asked.end),
        by,
        environments=asked.environments,
        limit=groups,
        max_rows=info.context.services.settings.max_count_rows,
    )


async def delivery_events(
    info: Info,
    from_: From,
    to: datetime,
    team_id: str | None = None,
    repo: str | None = None,
    filter: Scope = None,
    environment: Environment = None,
    limit: Annotated[
        int,
        strawberry.argument(
            description="How many, newest first; at most the configured maximum (1000)."
        ),
    ] = DEFAULT_LIMIT,
) -> Any:
    largest = info.context.services.settings.max_page_size
    if not 0 < limit <= largest:
        raise InvalidInput([FieldError(("limit",), f"must be between 1 and {largest}")])
    asked = _asked(info, from_, to, team_id, repo, filter, environment)
    store = info.context.services.store
    events = await counted_events(
        store, asked.scope, (asked.start, asked.end), environments=asked.environments, limit=limit
    )
    return [event_node(event, store.cursor_of(event)) for event in events]


def _stored_time(moment: datetime, argument: str) -> datetime:
    try:
        return to_storage_precision(moment)
    except OutOfRange as error:
        raise InvalidInput([FieldError((argument,), str(error))]) from None
