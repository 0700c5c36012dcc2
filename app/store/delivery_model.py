"""Read model of delivery events: the events the DORA metrics read, of every family, and only
the fields they read, so a metric costs what the deployments, commits and incidents in its
range cost rather than what the whole event log costs.

It keeps every event whose `type` may play a part (`DELIVERY_TYPES`), whatever its source: a
filter on those types then finds in the model every event it finds in the log, and the
readers decide each event's part with `delivery_role`, as they do for events of the log.

One document per event, keyed by its sequence number: absorbing a batch twice stores it once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pymongo import ASCENDING, DESCENDING, IndexModel, InsertOne
from pymongo.asynchronous.collection import AsyncCollection

from app.families.delivery import DELIVERY_PATHS, DELIVERY_TYPES
from app.store.write_turns import WriteTurns

__all__ = ["DELIVERY_FIELDS", "DeliveryModel", "is_delivery_event"]

Document = dict[str, Any]

# What the model keeps of each event (the named fields, and the paths of a body a family's
# part reads); a filter on anything else is answered from events.
DELIVERY_FIELDS = frozenset(
    {
        "source",
        "type",
        "action",
        "teamId",
        "repo",
        "branch",
        "commit",
        "object",
        "environment",
        "timestamp",
    }
    | DELIVERY_PATHS
)

# The top-level fields holding them: an event is read with only its kept paths
# (`projection.PROJECTED`), so a body's field holds only those.
_KEPT = frozenset(path.split(".", 1)[0] for path in DELIVERY_FIELDS)


def is_delivery_event(event: Mapping[str, Any]) -> bool:
    """Whether the model keeps this event: its type may play a part in the metrics."""
    return event.get("type") in DELIVERY_TYPES


class DeliveryModel:
    collection_prefix: ClassVar[str] = "read_deliveries_"

    def __init__(self, collection: AsyncCollection[Document], turns: WriteTurns) -> None:
        self._collection = collection
        self._turns = turns

    @property
    def collection(self) -> AsyncCollection[Document]:
        return self._collection

    async def prepare(self) -> None:
        await self._collection.create_indexes(
            [
                IndexModel(
                    [("type", ASCENDING), ("teamId", ASCENDING), ("timestamp", DESCENDING)],
                    name="type_team_timestamp",
                ),
                IndexModel([("type", ASCENDING), ("timestamp", DESCENDING)], name="type_timestamp"),
                IndexModel([("commit", ASCENDING)], name="commit"),
            ]
        )

    async def absorb(self, events: Sequence[Mapping[str, Any]], *, upto: int) -> None:
        rows = [
            InsertOne({"_id": event["seq"]} | {f: event[f] for f in _KEPT if f in event})
            for event in events
            if is_delivery_event(event)
        ]
        await self._turns.write_models(self._collection, rows)
