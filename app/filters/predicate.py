"""A filter as an in-memory test of a stored document, with MongoDB's matching rules.

The rules, as MongoDB applies them to a dotted path: the path walks into objects and, at an
array, into each of its elements that is an object; at the end, an array stands for each of
its elements. A condition holds when any value so reached satisfies it, comparing only values
of one type class; `ne`/`nin` are the negations of `eq`/`in`; `exists` asks whether the path
reaches anything, null included.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from app.documents.layout import stored_document
from app.documents.ordering import leaf_values, reach, same_class
from app.events import StoredEvent
from app.filters.model import AllOf, AnyOf, Condition, EventFilter, Not, Op

__all__ = ["matches", "matches_event"]

Document = dict[str, Any]

_ORDER: dict[Op, Callable[[Any, Any], bool]] = {
    Op.GT: operator.gt,
    Op.GTE: operator.ge,
    Op.LT: operator.lt,
    Op.LTE: operator.le,
}


def matches_event(event_filter: EventFilter, event: StoredEvent) -> bool:
    """Whether the live `event` is one the filter would select from the store."""
    return matches(event_filter, stored_document(event))


def matches(event_filter: EventFilter, document: Document) -> bool:
    match event_filter:
        case Condition():
            return _holds(event_filter, document)
        case AllOf(filters=filters):
            return all(matches(item, document) for item in filters)
        case AnyOf(filters=filters):
            return any(matches(item, document) for item in filters)
        case Not(filter=inner):
            return not matches(inner, document)


def _holds(condition: Condition, document: Document) -> bool:
    op, value = condition.op, condition.value
    reached = list(reach(document, condition.path.split(".")))
    if op is Op.EXISTS:
        return bool(reached) is value
    candidates = [item for found in reached for item in leaf_values(found)]
    if op is Op.EQ:
        return any(_equal(item, value) for item in candidates)
    if op is Op.NE:
        return not any(_equal(item, value) for item in candidates)
    if op in (Op.IN, Op.NIN):
        assert isinstance(value, tuple)
        found_any = any(_equal(item, option) for item in candidates for option in value)
        return found_any if op is Op.IN else not found_any
    if op is Op.CONTAINS:
        return any(isinstance(item, str) and str(value) in item for item in candidates)
    if op is Op.STARTS_WITH:
        return any(isinstance(item, str) and item.startswith(str(value)) for item in candidates)
    compare = _ORDER[op]
    return any(same_class(item, value) and compare(item, value) for item in candidates)


def _equal(left: Any, right: Any) -> bool:
    return same_class(left, right) and bool(left == right)
