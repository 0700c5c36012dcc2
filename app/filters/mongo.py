"""A filter as a MongoDB query."""

from __future__ import annotations

import re
from typing import Any

from app.filters.model import AllOf, AnyOf, Condition, EventFilter, Not, Op

__all__ = ["MATCH_NOTHING", "to_mongo"]

# `$or: []` is refused by MongoDB; an empty disjunction is this instead.
MATCH_NOTHING: dict[str, Any] = {"_id": {"$exists": False}}


def to_mongo(event_filter: EventFilter) -> dict[str, Any]:
    match event_filter:
        case Condition():
            return {event_filter.path: _operator(event_filter)}
        case AllOf(filters=()):
            return {}
        case AllOf(filters=filters):
            return {"$and": [to_mongo(item) for item in filters]}
        case AnyOf(filters=()):
            return MATCH_NOTHING
        case AnyOf(filters=filters):
            return {"$or": [to_mongo(item) for item in filters]}
        case Not(filter=inner):
            return {"$nor": [to_mongo(inner)]}


def _operator(condition: Condition) -> dict[str, Any]:
    op, value = condition.op, condition.value
    if op is Op.CONTAINS:
        # Escaped: client text never becomes regex syntax.
        return {"$regex": re.escape(str(value))}
    if op is Op.STARTS_WITH:
        return {"$regex": "^" + re.escape(str(value))}
    if op in (Op.IN, Op.NIN):
        assert isinstance(value, tuple)
        return {f"${op.value}": list(value)}
    return {f"${op.value}": value}
