"""A filter as a MongoDB query.

The conditions a filter requires all of are written as one flat document
(`{"teamId": {"$eq": …}, "timestamp": {"$gte": …, "$lt": …}}`), not as `$and`: that is the
shape every server plans index ranges from (the embedded server scans everything once a
logical operator stands at the top). Only what cannot be flat (`or`, `not`, a second bound of
the same kind on one field) goes under `$and`.
"""

from __future__ import annotations

from typing import Any

from app.filters.model import AllOf, AnyOf, Condition, EventFilter, Not, all_of, conjuncts
from app.filters.operators import OPERATORS

__all__ = ["MATCH_NOTHING", "split_conjunction", "to_mongo"]

# `$or: []` is refused by MongoDB; an empty disjunction is this instead.
MATCH_NOTHING: dict[str, Any] = {"_id": {"$exists": False}}


def to_mongo(event_filter: EventFilter) -> dict[str, Any]:
    flat, rest = split_conjunction(event_filter)
    if rest is None:
        return flat
    return flat | {"$and": [_tree(rest)]}


def _tree(event_filter: EventFilter) -> dict[str, Any]:
    """The filter as MongoDB's logical operators, node for node."""
    match event_filter:
        case Condition():
            return {event_filter.path: _operator(event_filter)}
        case AllOf(filters=()):
            return {}
        case AllOf(filters=filters):
            return {"$and": [_tree(item) for item in filters]}
        case AnyOf(filters=()):
            return MATCH_NOTHING
        case AnyOf(filters=filters):
            return {"$or": [_tree(item) for item in filters]}
        case Not(filter=inner):
            return {"$nor": [_tree(inner)]}


def split_conjunction(event_filter: EventFilter) -> tuple[dict[str, Any], EventFilter | None]:
    """The filter as a flat MongoDB condition and the rest (None when nothing is left).

    Both must hold: the flat part is what an index can serve, the rest is what only a
    logical operator (or the live predicate, on fetched documents) can express.
    """
    flat: dict[str, dict[str, Any]] = {}
    rest: list[EventFilter] = []
    for item in conjuncts(event_filter):
        if not isinstance(item, Condition):
            rest.append(item)
            continue
        operator = _operator(item)
        existing = flat.setdefault(item.path, {})
        if existing.keys() & operator.keys():
            rest.append(item)
        else:
            existing.update(operator)
    # A lone equality as the plain value: the same meaning (operands are scalars), and the
    # embedded server plans index ranges only from that spelling.
    plain = {path: ops["$eq"] if ops.keys() == {"$eq"} else ops for path, ops in flat.items()}
    return plain, (all_of(rest) if rest else None)


def _operator(condition: Condition) -> dict[str, Any]:
    return OPERATORS[condition.op].mongo(condition.value)
