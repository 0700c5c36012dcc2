"""The indexes of the `events` collection, created at start-up (a no-op when present)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

__all__ = ["EVENT_INDEXES", "PAGE_SHAPES", "ensure_indexes"]

EVENT_INDEXES = [
    IndexModel([("seq", ASCENDING)], name="seq", unique=True),
    # The default order (newest first), ties broken by sequence number.
    IndexModel([("timestamp", DESCENDING), ("seq", DESCENDING)], name="timestamp_seq"),
    IndexModel(
        [("teamId", ASCENDING), ("timestamp", DESCENDING), ("seq", DESCENDING)],
        name="team_timestamp_seq",
    ),
    IndexModel(
        [
            ("source", ASCENDING),
            ("type", ASCENDING),
            ("timestamp", DESCENDING),
            ("seq", DESCENDING),
        ],
        name="source_type_timestamp_seq",
    ),
    IndexModel(
        [("type", ASCENDING), ("timestamp", DESCENDING), ("seq", DESCENDING)],
        name="type_timestamp_seq",
    ),
    # What an event is about, per team: a CDEvents deployment finds its artifact's packaging.
    IndexModel(
        [("object", ASCENDING), ("teamId", ASCENDING)],
        name="object_team",
        partialFilterExpression={"object": {"$exists": True}},
    ),
    IndexModel(
        [("idempotencyKey", ASCENDING)],
        name="idempotency_key",
        unique=True,
        partialFilterExpression={"idempotencyKey": {"$exists": True}},
    ),
]


# The equalities that lead an index ending in `timestamp`, most selective first: a page's
# window query is one of these plus its time range.
PAGE_SHAPES = (("teamId",), ("source", "type"), ("type",))


async def ensure_indexes(events: AsyncCollection[dict[str, Any]]) -> None:
    await events.create_indexes(EVENT_INDEXES)
