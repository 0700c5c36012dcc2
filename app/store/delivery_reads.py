"""Reading delivery events for the DORA metrics: from the delivery read model and the tail of
the log it has not absorbed yet, or from the log itself for a filter the model cannot answer."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from app.filters import AllOf, Condition, EventFilter, Op, matches, paths_of, to_mongo
from app.filters.mongo import split_conjunction
from app.insights.delivery_kinds import DELIVERY_TYPES
from app.store.conditions import narrowed
from app.store.counting import TAIL_LIMIT
from app.store.delivery_model import DELIVERY_FIELDS
from app.store.projection import Projection

__all__ = ["read_deliveries"]

Document = dict[str, Any]
_FIELDS = dict.fromkeys(DELIVERY_FIELDS, 1)


async def read_deliveries(
    event_filter: EventFilter,
    projection: Projection,
    events: AsyncCollection[Document],
    allocated: int,
    max_time_ms: int,
) -> list[Document]:
    """The delivery fields of the events `event_filter` selects (no order)."""
    checkpoint = await projection.checkpoint()
    flat, rest = split_conjunction(event_filter)
    if not _answerable(event_filter) or allocated - checkpoint.seq > TAIL_LIMIT:
        everything = events.find(to_mongo(event_filter), _FIELDS, max_time_ms=max_time_ms)
        return await everything.to_list()
    absorbed = projection.deliveries.collection.find(
        narrowed(flat, "_id", {"$lte": checkpoint.seq}), _FIELDS, max_time_ms=max_time_ms
    )
    tail = events.find(
        narrowed(flat, "seq", {"$gt": checkpoint.seq}), _FIELDS, max_time_ms=max_time_ms
    )
    found = [*await absorbed.to_list(), *await tail.to_list()]
    return found if rest is None else [row for row in found if matches(rest, row)]


def _answerable(event_filter: EventFilter) -> bool:
    """Whether the model holds every event the filter selects, with every field it reads."""
    if not paths_of(event_filter) <= DELIVERY_FIELDS:
        return False
    lifecycle = of_kinds = False
    for item in event_filter.filters if isinstance(event_filter, AllOf) else (event_filter,):
        match item:
            case Condition(path="source", op=Op.EQ, value="LIFECYCLE"):
                lifecycle = True
            case Condition(path="type", op=Op.EQ, value=str() as name):
                of_kinds = of_kinds or name in DELIVERY_TYPES
            case Condition(path="type", op=Op.IN, value=tuple() as names):
                of_kinds = of_kinds or set(names) <= DELIVERY_TYPES
    return lifecycle and of_kinds
