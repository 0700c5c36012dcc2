"""The filter language: what a filter is, independent of GraphQL and of MongoDB.

A filter is a tree of conditions on stored fields (dotted paths into the stored document),
joined by all/any/not. `app.filters.mongo` turns it into a MongoDB query and
`app.filters.predicate` into an in-memory test; both follow MongoDB's matching rules, so a
filter selects the same events from the store and from the live stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = [
    "AllOf",
    "AnyOf",
    "Condition",
    "EventFilter",
    "Not",
    "Op",
    "Scalar",
    "all_of",
    "conjuncts",
    "paths_of",
]

# What a condition compares with. Null, objects and arrays are not among them: use `exists`
# for presence, and a path into an object or array for what it holds.
Scalar = str | int | float | bool | datetime


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    IN = "in"
    NIN = "nin"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    EXISTS = "exists"
    CONTAINS = "contains"
    STARTS_WITH = "startsWith"


@dataclass(frozen=True)
class Condition:
    """`path` (escaped segments joined by dots) compared with `value` by `op`.

    `value` is a Scalar, a tuple of Scalars for IN/NIN, a bool for EXISTS, a str for
    CONTAINS/STARTS_WITH.
    """

    path: str
    op: Op
    value: Scalar | tuple[Scalar, ...]


@dataclass(frozen=True)
class AllOf:
    filters: tuple[EventFilter, ...]


@dataclass(frozen=True)
class AnyOf:
    """Matches when any member does; with no members, matches nothing."""

    filters: tuple[EventFilter, ...]


@dataclass(frozen=True)
class Not:
    filter: EventFilter


EventFilter = Condition | AllOf | AnyOf | Not


def all_of(filters: Sequence[EventFilter]) -> EventFilter:
    """The conjunction, without a wrapper for a single member (none: matches everything)."""
    members = tuple(member for item in filters for member in conjuncts(item))
    return members[0] if len(members) == 1 else AllOf(members)


def conjuncts(event_filter: EventFilter) -> tuple[EventFilter, ...]:
    """The conditions a filter requires all of, however its conjunctions nest."""
    if isinstance(event_filter, AllOf):
        return tuple(member for item in event_filter.filters for member in conjuncts(item))
    return (event_filter,)


def paths_of(event_filter: EventFilter) -> set[str]:
    """Every stored path the filter reads."""
    match event_filter:
        case Condition(path=path):
            return {path}
        case AllOf(filters=filters) | AnyOf(filters=filters):
            return {path for item in filters for path in paths_of(item)}
        case Not(filter=inner):
            return paths_of(inner)


@dataclass(frozen=True)
class SortKey:
    """Sort by a stored field (a dotted path into the document)."""

    path: str
    descending: bool = True
