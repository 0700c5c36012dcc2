"""Delivery insights as GraphQL: counts of events per group and per period."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from app.errors import FieldError, InvalidInput
from app.filters import to_mongo
from app.filters.paths import stored_path
from app.graphql.context import Info
from app.graphql.filters import EventFilter, selection
from app.insights.counts import Bucket, count_events, time_range

__all__ = ["EventCount", "TimeBucket", "event_counts"]

MAX_GROUP_BY = 5


@strawberry.enum(description="Periods of `timestamp`, in UTC; weeks start on Monday.")
class TimeBucket(Enum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


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
    info: Info, *, filter: Filter = None, group_by: GroupBy, bucket: TimeBucket | None = None
) -> list[EventCount]:
    if len(group_by) > MAX_GROUP_BY:
        raise InvalidInput([FieldError(("groupBy",), f"group by at most {MAX_GROUP_BY} fields")])
    fields = [(name, stored_path(name, ("groupBy", index))) for index, name in enumerate(group_by)]
    selected = selection(info.context.caller, filter, None)
    counts = await count_events(
        info.context.services.store,
        to_mongo(selected),
        fields,
        None if bucket is None else Bucket(bucket.value),
        time_range(selected),
    )
    return [
        EventCount(group=JSON(item.group), bucket=item.bucket, count=item.count) for item in counts
    ]
