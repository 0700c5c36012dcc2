"""Reads the read models answer, each falling back to the events when they cannot: counts,
delivery events and commits' first changes, all exact whatever the models have absorbed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from app.filters import EventFilter, matches, paths_of, to_mongo
from app.filters.mongo import split_conjunction
from app.periods import Bucket
from app.store.change_starts import FirstChanges
from app.store.conditions import index_friendly, time_bounds_exclusive
from app.store.counting import count_from_model, count_plan
from app.store.delivery_reads import read_deliveries, read_first_changes
from app.store.indexes import PAGE_SHAPES
from app.store.projection import Projection

__all__ = ["GroupCount", "ModelReads"]

Document = dict[str, Any]
GroupCount = tuple[tuple[Any, ...], datetime | None, int]


class ModelReads:
    def __init__(
        self,
        projection: Projection,
        events: AsyncCollection[Document],
        allocated: Callable[[], Awaitable[int]],
        max_time_ms: int,
    ) -> None:
        self._projection = projection
        self._events = events
        self._allocated = allocated
        self._max_time_ms = max_time_ms

    async def count(self, event_filter: EventFilter, at_most: int | None = None) -> int:
        counts = await self._from_model(event_filter, (), None)
        if counts is not None:
            return sum(count for _, _, count in counts)
        flat, _ = split_conjunction(event_filter)
        if isinstance(flat.get("timestamp"), dict):
            return await self._count_in_range(event_filter, flat)
        bound: dict[str, Any] = {"maxTimeMS": self._max_time_ms}
        if at_most is not None:
            bound["limit"] = at_most
        return await self._events.count_documents(to_mongo(event_filter), **bound)

    async def _count_in_range(self, event_filter: EventFilter, flat: Document) -> int:
        """Count a filter held to a time range by reading that range of the index it fits
        and testing the rest here: the embedded server, left to plan the whole filter, may
        walk a family's entire history instead."""
        query = index_friendly(flat, PAGE_SHAPES) | {"timestamp": flat["timestamp"]}
        fields = dict.fromkeys(_narrowest(paths_of(event_filter)), 1)
        found = self._events.find(
            time_bounds_exclusive(query), fields, max_time_ms=self._max_time_ms
        )
        return sum(1 for document in await found.to_list() if matches(event_filter, document))

    async def count_groups(
        self, event_filter: EventFilter, fields: Sequence[str], bucket: Bucket | None, limit: int
    ) -> list[GroupCount]:
        counts = await self._from_model(event_filter, fields, bucket)
        if counts is not None:
            return counts[:limit]
        group: Document = {f"k{index}": f"${path}" for index, path in enumerate(fields)}
        if bucket is not None:
            group["bucket"] = {
                "$dateTrunc": {"date": "$timestamp", "unit": bucket.value, "startOfWeek": "monday"}
            }
        pipeline: list[Document] = [
            {"$match": to_mongo(event_filter)},
            {"$group": {"_id": group, "count": {"$sum": 1}}},
            {"$limit": limit},
        ]
        found = await self._events.aggregate(pipeline, maxTimeMS=self._max_time_ms)
        return [
            (
                tuple(row["_id"].get(f"k{index}") for index in range(len(fields))),
                row["_id"].get("bucket"),
                int(row["count"]),
            )
            for row in await found.to_list()
        ]

    async def delivery_events(self, event_filter: EventFilter) -> list[Document]:
        return await read_deliveries(
            event_filter,
            self._projection,
            self._events,
            await self._allocated(),
            self._max_time_ms,
        )

    async def first_changes(
        self, scope: EventFilter, commits: Sequence[str], deployed: tuple[datetime, datetime]
    ) -> FirstChanges | None:
        return await read_first_changes(
            scope,
            commits,
            deployed,
            self._projection,
            self._events,
            await self._allocated(),
            self._max_time_ms,
        )

    async def _from_model(
        self, event_filter: EventFilter, fields: Sequence[str], bucket: Bucket | None
    ) -> list[GroupCount] | None:
        plan = count_plan(event_filter, fields, bucket)
        if plan is None:
            return None
        counts = await count_from_model(
            plan, self._projection, self._events, await self._allocated(), self._max_time_ms
        )
        if counts is None:
            return None
        return [(key, period, count) for (key, period), count in counts.items()]


def _narrowest(paths: set[str]) -> set[str]:
    """The fields to fetch to test conditions on `paths`: each path itself (a payload's one
    value, not all of it), unless a shorter one holds it, or it steps by position into an
    array (a projection path reads digits as field names)."""
    fetched = {
        path.split(".")[0] if any(part.isdigit() for part in path.split(".")) else path
        for path in paths
    }
    return {
        path
        for path in fetched
        if not any(path.startswith(other + ".") for other in fetched if other != path)
    }
