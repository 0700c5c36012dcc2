"""Reading delivery events for the DORA metrics: from the delivery read model and the tail of
the log it has not absorbed yet, or from the log itself for a filter the model cannot answer."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from app.filters import Condition, EventFilter, Op, conjuncts, matches, paths_of, to_mongo
from app.filters.mongo import split_conjunction
from app.insights.delivery_kinds import DELIVERY_TYPES
from app.store.conditions import index_friendly, time_bounds_exclusive
from app.store.counting import TAIL_LIMIT
from app.store.delivery_model import DELIVERY_FIELDS
from app.store.projection import Projection

__all__ = ["read_deliveries"]

Document = dict[str, Any]
_FIELDS = dict.fromkeys(DELIVERY_FIELDS, 1)
# The equalities leading the model's indexes (`DeliveryModel.prepare`).
_SHAPES = (("type", "teamId"), ("type",))


async def read_deliveries(
    event_filter: EventFilter,
    projection: Projection,
    events: AsyncCollection[Document],
    allocated: int,
    max_time_ms: int,
) -> list[Document]:
    """The delivery fields of the events `event_filter` selects (no order)."""
    checkpoint = await projection.checkpoint()
    flat, _ = split_conjunction(event_filter)
    if not _answerable(event_filter) or allocated - checkpoint.seq > TAIL_LIMIT:
        everything = events.find(to_mongo(event_filter), _FIELDS, max_time_ms=max_time_ms)
        return await everything.to_list()
    # Shaped like one of the model's indexes; the whole filter is tested on what comes back.
    indexed = index_friendly(flat, _SHAPES)
    if not indexed and isinstance(flat.get("commit"), dict) and "$in" in flat["commit"]:
        indexed = {"commit": {"$in": flat["commit"]["$in"]}}
    if "commit" not in indexed and isinstance(flat.get("timestamp"), dict):
        indexed["timestamp"] = flat["timestamp"]
    absorbed = projection.deliveries.collection.find(
        time_bounds_exclusive(indexed), _FIELDS | {"_id": 1}, max_time_ms=max_time_ms
    )
    tail = events.find({"seq": {"$gt": checkpoint.seq}}, _FIELDS, max_time_ms=max_time_ms)
    found = [row for row in await absorbed.to_list() if row["_id"] <= checkpoint.seq]
    found += await tail.to_list()
    return [row for row in found if matches(event_filter, row)]


def _answerable(event_filter: EventFilter) -> bool:
    """Whether the model holds every event the filter selects, with every field it reads."""
    if not paths_of(event_filter) <= DELIVERY_FIELDS:
        return False
    lifecycle = of_kinds = False
    for item in conjuncts(event_filter):
        match item:
            case Condition(path="source", op=Op.EQ, value="LIFECYCLE"):
                lifecycle = True
            case Condition(path="type", op=Op.EQ, value=str() as name):
                of_kinds = of_kinds or name in DELIVERY_TYPES
            case Condition(path="type", op=Op.IN, value=tuple() as names):
                of_kinds = of_kinds or set(names) <= DELIVERY_TYPES
    return lifecycle and of_kinds
