"""A filter as an in-memory test of a stored document, with MongoDB's matching rules.

The rules, as MongoDB applies them to a dotted path: the path walks into objects and, at an
array, into each of its elements that is an object; at the end, an array stands for each of
its elements. A condition holds when any value so reached satisfies it, comparing only values
of one type class; `ne`/`nin` are the negations of `eq`/`in`; `exists` asks whether the path
reaches anything, null included.
"""

from __future__ import annotations

from app.documents.layout import Document
from app.documents.ordering import reach
from app.filters.model import AllOf, AnyOf, Condition, EventFilter, Not
from app.filters.operators import OPERATORS

__all__ = ["matches"]


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
    reached = list(reach(document, condition.path.split(".")))
    return OPERATORS[condition.op].holds(reached, condition.value)
