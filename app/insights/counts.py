"""Event counts per group and per period, with the empty periods of a time range as zeros."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from app.filters import AllOf, Condition, EventFilter, Op
from app.store import EventStore
from app.store.keys import unescape_keys

__all__ = ["Bucket", "EventCount", "count_events", "time_range"]


class Bucket(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class EventCount:
    group: dict[str, Any]
    bucket: datetime | None
    count: int


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime
    end_inclusive: bool


async def count_events(
    store: EventStore,
    match: dict[str, Any],
    group_by: Sequence[tuple[str, str]],
    bucket: Bucket | None,
    within: TimeRange | None,
) -> list[EventCount]:
    """Counts for (client name, stored path) groups; zero-filled periods when `within` is known."""
    rows = await store.count_groups(match, [path for _, path in group_by], bucket)
    names = [name for name, _ in group_by]
    counts = {(key, when): count for key, when, count in rows}
    if bucket is not None and within is not None:
        keys = {key for key, _ in counts} or ({()} if not names else set())
        for start in periods(bucket, within):
            for key in keys:
                counts.setdefault((key, start), 0)
    ordered = sorted(counts.items(), key=lambda item: (_order(item[0][1]), repr(item[0][0])))
    return [
        EventCount(
            group=dict(zip(names, unescape_keys(list(key)), strict=True)), bucket=when, count=count
        )
        for (key, when), count in ordered
    ]


def time_range(event_filter: EventFilter) -> TimeRange | None:
    """The `timestamp` range a filter holds to at its top level, when it names both ends."""
    conditions = event_filter.filters if isinstance(event_filter, AllOf) else (event_filter,)
    start = end = None
    inclusive = False
    for condition in conditions:
        if not isinstance(condition, Condition) or condition.path != "timestamp":
            continue
        if condition.op in (Op.GT, Op.GTE) and isinstance(condition.value, datetime):
            start = condition.value
        elif condition.op in (Op.LT, Op.LTE) and isinstance(condition.value, datetime):
            end, inclusive = condition.value, condition.op is Op.LTE
    if start is None or end is None or end < start:
        return None
    return TimeRange(start=start, end=end, end_inclusive=inclusive)


def periods(bucket: Bucket, within: TimeRange) -> list[datetime]:
    """The starts of every period that overlaps the range (UTC; weeks start on Monday)."""
    current = truncate(bucket, within.start)
    starts = []
    while current < within.end or (within.end_inclusive and current == within.end):
        starts.append(current)
        current = _next(bucket, current)
    return starts


def truncate(bucket: Bucket, moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    if bucket is Bucket.HOUR:
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if bucket is Bucket.DAY:
        return day
    if bucket is Bucket.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _next(bucket: Bucket, start: datetime) -> datetime:
    if bucket is Bucket.HOUR:
        return start + timedelta(hours=1)
    if bucket is Bucket.DAY:
        return start + timedelta(days=1)
    if bucket is Bucket.WEEK:
        return start + timedelta(weeks=1)
    days = calendar.monthrange(start.year, start.month)[1]
    return start + timedelta(days=days)


def _json_safe(value: Any) -> Any:
    """A grouped value as JSON can carry it: stored keys restored, dates as ISO-8601 text."""
    if isinstance(value, datetime):
        return value.isoformat()
    return unescape_keys(value)


def _order(when: datetime | None) -> float:
    return when.timestamp() if when is not None else float("-inf")
