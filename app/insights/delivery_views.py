"""The delivery metrics seen the ways a dashboard needs: period by period across a range (a
trend), group by group (each team, each repository), and as the events they counted.

Each period and each group is measured by `delivery_metrics` itself, over its own range and
scope, so a trend's point or a table's row is exactly what `deliveryMetrics` answers when asked
for that period or that team: one definition of every figure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.errors import FieldError, InvalidInput
from app.events import StoredEvent
from app.families.delivery import DEPLOYMENT_OR_INCIDENT_TYPES
from app.families.roles import DEPLOYED, DEPLOYMENT_FAILED, INCIDENT_OPENED
from app.filters import Condition, EventFilter, Op, all_of
from app.insights.counts import TimeRange, periods
from app.insights.dora import DeliveryMetrics, delivery_metrics
from app.insights.played import DeliveryReads, Environments, during, playing
from app.periods import Bucket, following
from app.store import EventStore

__all__ = [
    "DeliveryGroup",
    "GroupMetrics",
    "PeriodMetrics",
    "counted_events",
    "delivery_groups",
    "delivery_trend",
]

# A trend is a chart: a year of weeks is the most one answer measures (each period is a read).
MAX_TREND_PERIODS = 60
# Periods or groups measured at once.
_TOGETHER = 4


class DeliveryGroup(StrEnum):
    TEAM = "teamId"
    REPO = "repo"


@dataclass(frozen=True)
class PeriodMetrics:
    start: datetime
    end: datetime
    metrics: DeliveryMetrics


@dataclass(frozen=True)
class GroupMetrics:
    team_id: str | None
    repo: str | None
    delivery_events: int
    metrics: DeliveryMetrics


async def delivery_trend(
    store: EventStore,
    scope: EventFilter,
    within: tuple[datetime, datetime],
    bucket: Bucket,
    *,
    environments: Environments,
) -> list[PeriodMetrics]:
    """The metrics of each `bucket` of [start, end), the first and last cut to the range."""
    start, end = within
    starts = periods(bucket, TimeRange(start, end, end_inclusive=False), at_most=MAX_TREND_PERIODS)
    if len(starts) > MAX_TREND_PERIODS:
        message = (
            f"the range holds more than {MAX_TREND_PERIODS} {bucket.value}s: use a larger "
            "bucket or a shorter range"
        )
        raise InvalidInput([FieldError(("bucket",), message)])
    bounds = [(max(period, start), min(following(bucket, period), end)) for period in starts]
    measured = await _at_most_together(
        [delivery_metrics(store, scope, *within, environments=environments) for within in bounds]
    )
    return [
        PeriodMetrics(first, last, metrics)
        for (first, last), metrics in zip(bounds, measured, strict=True)
    ]


async def delivery_groups(
    store: EventStore,
    scope: EventFilter,
    within: tuple[datetime, datetime],
    by: DeliveryGroup,
    *,
    environments: Environments,
    limit: int,
    max_rows: int,
) -> list[GroupMetrics]:
    """The metrics of each team (or repository) with deployments or incidents in the range,
    those with the most first; at most `limit` of them, chosen among the first `max_rows`
    groups the store counts."""
    start, end = within
    delivering = all_of(
        [during(scope, start, end), Condition("type", Op.IN, DEPLOYMENT_OR_INCIDENT_TYPES)]
    )
    counts = await store.count_groups(delivering, [by.value], None, limit=max_rows)
    busiest = sorted(
        ((key[0], count) for key, _, count in counts if isinstance(key[0], str)),
        key=lambda item: (-item[1], item[0]),
    )[:limit]
    measured = await _at_most_together(
        [
            delivery_metrics(
                store,
                all_of([scope, Condition(by.value, Op.EQ, value)]),
                start,
                end,
                environments=environments,
            )
            for value, _ in busiest
        ]
    )
    return [
        GroupMetrics(
            value if by is DeliveryGroup.TEAM else None,
            value if by is DeliveryGroup.REPO else None,
            count,
            metrics,
        )
        for (value, count), metrics in zip(busiest, measured, strict=True)
    ]


async def _at_most_together(
    measures: list[Coroutine[Any, Any, DeliveryMetrics]],
) -> list[DeliveryMetrics]:
    """The measures, a few at a time: the database overlaps their reads, and one answer never
    holds more than a few of the connection pool's sockets."""
    turns = asyncio.Semaphore(_TOGETHER)

    async def measure(one: Coroutine[Any, Any, DeliveryMetrics]) -> DeliveryMetrics:
        async with turns:
            return await one

    return list(await asyncio.gather(*(measure(one) for one in measures)))


# What a chart of deliveries draws: deployments made and incidents opened.
_DRAWN = frozenset({DEPLOYED, DEPLOYMENT_FAILED, INCIDENT_OPENED})


async def counted_events(
    store: EventStore,
    scope: EventFilter,
    within: tuple[datetime, datetime],
    *,
    environments: Environments,
    limit: int,
) -> list[StoredEvent]:
    """The deployments (succeeded and failed) and the incidents opened that the metrics of
    [start, end) count, of every family and in the environments counted: newest first, at
    most `limit`."""
    start, end = within
    in_range = during(scope, start, end)
    rows = await playing(
        DeliveryReads(store, environments), in_range, {DEPLOYED[0], INCIDENT_OPENED[0]}
    )
    drawn = sorted(
        (row for row in rows if row["role"] in _DRAWN),
        key=lambda row: (row["timestamp"], row["seq"]),
        reverse=True,
    )[:limit]
    events = await store.events_by_seq([row["seq"] for row in drawn])
    return sorted(events, key=lambda event: (event.timestamp, event.seq), reverse=True)
