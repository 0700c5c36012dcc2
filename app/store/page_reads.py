"""One page of events in any sort order, after a cursor: by windows of time for the time
orders (`windows.py`, sized by the read models' density), by the sort's index otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from app.documents.layout import from_document
from app.events import StoredEvent
from app.filters import AllOf, EventFilter, to_mongo
from app.store.cursors import CursorCodec
from app.store.paging import SortKey, after_clause, sort_spec, sort_value
from app.store.projection import Projection
from app.store.windows import Density, read_in_windows

__all__ = ["DEFAULT_SORT", "EventPage", "EventQuery", "PagedEvent", "read_page"]

Document = dict[str, Any]
DEFAULT_SORT = (SortKey("timestamp", descending=True),)


@dataclass(frozen=True)
class EventQuery:
    """What to read: the events `filter` selects, in `sort` order, after the cursor `after`."""

    filter: EventFilter = field(default_factory=lambda: AllOf(()))
    sort: tuple[SortKey, ...] = DEFAULT_SORT
    limit: int = 50
    after: str | None = None
    # Offset paging, for clients that speak it (FeathersJS `$skip`); cursors need none.
    skip: int = 0


@dataclass(frozen=True)
class PagedEvent:
    event: StoredEvent
    cursor: str


@dataclass(frozen=True)
class EventPage:
    events: list[PagedEvent]
    has_next_page: bool


async def read_page(
    events: AsyncCollection[Document],
    projection: Projection,
    codec: CursorCodec,
    query: EventQuery,
    *,
    query_ms: int,
) -> EventPage:
    """One page of the events matching `query`, in its order, after its cursor.

    Counting all matches is a separate count, paid for only by callers who want it.
    """
    after = None if query.after is None else codec.decode(query.sort, query.after)
    if query.sort and query.sort[0].path == "timestamp":
        checkpoint = await projection.checkpoint()
        density = Density(checkpoint.count, checkpoint.first, checkpoint.last)
        wanted = query.skip + query.limit + 1
        found = await read_in_windows(
            events, query.filter, query.sort, after, wanted, density, query_ms / 1000
        )
        found = found[query.skip :]
    else:
        condition = to_mongo(query.filter)
        if after is not None:
            clause = after_clause(query.sort, after)
            condition = {"$and": [condition, clause]} if condition else clause
        cursor = events.find(condition, max_time_ms=query_ms)
        cursor = cursor.sort(sort_spec(query.sort)).skip(query.skip).limit(query.limit + 1)
        found = await cursor.to_list()
    return EventPage(
        events=[
            PagedEvent(
                event=from_document(document),
                cursor=codec.encode(
                    query.sort,
                    tuple(sort_value(document, key) for key in query.sort),
                    document["seq"],
                ),
            )
            for document in found[: query.limit]
        ],
        has_next_page=len(found) > query.limit,
    )
