"""Event counts per group and per period, with the empty periods of a time range as zeros."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.documents.keys import unescape_keys
from app.errors import FieldError, InvalidInput
from app.filters import Condition, EventFilter, Op, conjuncts
from app.periods import Bucket, following, truncate
from app.store import EventStore

__all__ = ["Bucket", "EventCount", "count_events", "time_range"]


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
    event_filter: EventFilter,
    group_by: Sequence[tuple[str, str]],
    bucket: Bucket | None,
    within: TimeRange | None,
    *,
    max_rows: int,
) -> list[EventCount]:
    """Counts for (client name, stored path) groups; zero-filled periods when `within` is known.

    At most `max_rows` counts: one answer must not exhaust the service (an hourly bucket over a
    century, or grouping by a field every event has its own value of).
    """
    rows = await store.count_groups(
        event_filter, [path for _, path in group_by], bucket, limit=max_rows + 1
    )
    if len(rows) > max_rows:
        message = (
            f"more than {max_rows} groups: group by fewer or coarser fields, or narrow the filter"
        )
        raise InvalidInput([FieldError(("groupBy",), message)])
    names = [name for name, _ in group_by]
    # Grouped values may be objects or arrays, which cannot be dict keys: groups are keyed by
    # their repr, which keeps the distinctions MongoDB grouped by (types, field order).
    groups = {repr(key): key for key, _, _ in rows}
    counts = {(repr(key), when): count for key, when, count in rows}
    if bucket is not None and within is not None:
        if not groups and not names:
            groups = {repr(()): ()}  # no events: still one zero per period
        _fill_empty_periods(counts, list(groups), bucket, within, max_rows)
    ordered = sorted(counts.items(), key=lambda item: (_order(item[0][1]), item[0][0]))
    return [
        EventCount(
            group={name: _json_safe(value) for name, value in zip(names, groups[key], strict=True)},
            bucket=when,
            count=count,
        )
        for (key, when), count in ordered
    ]


def _fill_empty_periods(
    counts: dict[tuple[str, datetime | None], int],
    groups: list[str],
    bucket: Bucket,
    within: TimeRange,
    max_rows: int,
) -> None:
    """Count 0 for every group in every period of the range it has no events in."""
    starts = periods(bucket, within, at_most=max_rows // max(len(groups), 1))
    if len(starts) * len(groups) > max_rows:
        message = (
            f"this range holds too many {bucket.value}s for its {len(groups)} groups (more "
            f"than {max_rows} counts): use a larger bucket or a narrower timestamp range"
        )
        raise InvalidInput([FieldError(("bucket",), message)])
    for start in starts:
        for group in groups:
            counts.setdefault((group, start), 0)


def time_range(event_filter: EventFilter) -> TimeRange | None:
    """The `timestamp` range a filter holds to at its top level, when it names both ends."""
    conditions = conjuncts(event_filter)
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


def periods(bucket: Bucket, within: TimeRange, *, at_most: int | None = None) -> list[datetime]:
    """The starts of the periods that overlap the range (UTC; weeks start on Monday).

    With `at_most`, stops after `at_most` + 1 of them: more is all a caller needs to know.
    """
    current = truncate(bucket, within.start)
    starts = []
    while current < within.end or (within.end_inclusive and current == within.end):
        starts.append(current)
        if at_most is not None and len(starts) > at_most:
            break
        current = following(bucket, current)
    return starts


def _json_safe(value: Any) -> Any:
    """A grouped value as JSON can carry it: stored keys restored, dates as ISO-8601 text."""
    if isinstance(value, datetime):
        return value.isoformat()
    return unescape_keys(value)


def _order(when: datetime | None) -> float:
    return when.timestamp() if when is not None else float("-inf")
