"""`EventFilter` and `EventSort` as GraphQL inputs, translated into the filter language."""

from __future__ import annotations

import types
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from app.access.caller import Caller
from app.access.teams import scoped
from app.errors import FieldPath
from app.filters import (
    OPERATORS,
    AnyOf,
    Condition,
    FilterBudget,
    Not,
    Op,
    all_of,
    build_condition,
    build_sort,
)
from app.filters import (
    EventFilter as Filter,
)
from app.named_fields import NAMED_FIELDS, FieldKind
from app.store import DEFAULT_SORT, SortKey

__all__ = [
    "DateTimeFilter",
    "EventFilter",
    "EventSort",
    "FieldFilter",
    "SortOrder",
    "StringFilter",
    "selection",
    "sort_keys",
]


@strawberry.input(description="Conditions on a text field, all of which must hold.")
class StringFilter:
    eq: str | None = strawberry.UNSET
    ne: str | None = strawberry.UNSET
    in_: list[str] | None = strawberry.field(name="in", default=strawberry.UNSET)
    nin: list[str] | None = strawberry.UNSET
    contains: str | None = strawberry.field(
        default=strawberry.UNSET, description="Case-sensitive substring."
    )
    starts_with: str | None = strawberry.UNSET
    exists: bool | None = strawberry.UNSET


@strawberry.input(description="Conditions on a date-time field, all of which must hold.")
class DateTimeFilter:
    eq: datetime | None = strawberry.UNSET
    gt: datetime | None = strawberry.UNSET
    gte: datetime | None = strawberry.UNSET
    lt: datetime | None = strawberry.UNSET
    lte: datetime | None = strawberry.UNSET


@strawberry.input(
    description="Conditions on any stored field, by dotted path (`payload.environment."
    "environmentCode`, `data.environment`). A path into an array matches any element."
)
class FieldFilter:
    path: str
    eq: JSON | None = strawberry.UNSET
    ne: JSON | None = strawberry.UNSET
    in_: list[JSON] | None = strawberry.field(name="in", default=strawberry.UNSET)
    nin: list[JSON] | None = strawberry.UNSET
    gt: JSON | None = strawberry.UNSET
    gte: JSON | None = strawberry.UNSET
    lt: JSON | None = strawberry.UNSET
    lte: JSON | None = strawberry.UNSET
    exists: bool | None = strawberry.UNSET
    contains: str | None = strawberry.UNSET


_CONDITIONS: dict[FieldKind, Any] = {
    FieldKind.TEXT: StringFilter | None,
    FieldKind.TIME: DateTimeFilter | None,
}


def _event_filter_type() -> Any:
    """`EventFilter`: a condition per named field (from the table), then paths and logic."""
    annotations: dict[str, Any] = {
        named.attribute: _CONDITIONS[named.kind] for named in NAMED_FIELDS
    }
    annotations |= {
        "field": "list[FieldFilter] | None",
        "and_": "list[EventFilter] | None",
        "or_": "list[EventFilter] | None",
        "not_": "EventFilter | None",
    }
    namespace: dict[str, Any] = {
        "__annotations__": annotations,
        # Strawberry resolves the self-references above in this module's namespace.
        "__module__": __name__,
        "to_filter": _to_filter,
        **dict.fromkeys(annotations, strawberry.UNSET),
        "and_": strawberry.field(name="and", default=strawberry.UNSET),
        "or_": strawberry.field(
            name="or", default=strawberry.UNSET, description="Any of these; `[]` matches nothing."
        ),
        "not_": strawberry.field(name="not", default=strawberry.UNSET),
    }
    cls = types.new_class("EventFilter", (), {}, lambda ns: ns.update(namespace))
    return strawberry.input(
        cls, description="Which events to select; every condition given must hold."
    )


def _to_filter(self: Any, where: FieldPath = ("filter",)) -> Filter:
    """This input in the filter language; errors are located under `where`."""
    # The filter itself is level 0: `depth` counts the `and`/`or`/`not` around a condition.
    return _translate(self, where, FilterBudget(), depth=0)


EventFilter: Any = _event_filter_type()


@strawberry.enum
class SortOrder(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input(
    description="Sort by `timestamp` (the default), `receivedAt`, `type`, or any dotted path."
)
class EventSort:
    field: str
    order: SortOrder = SortOrder.DESC


def selection(caller: Caller, event_filter: EventFilter | None, source: str | None) -> Filter:
    """What a query or subscription selects: the client's filter, one family if asked for,
    and never beyond the caller's team."""
    parts = [] if event_filter is None else [event_filter.to_filter()]
    if source is not None:
        parts.append(Condition("source", Op.EQ, source))
    return scoped(caller, all_of(parts))


def sort_keys(sort: list[EventSort] | None) -> tuple[SortKey, ...]:
    if not sort:
        return DEFAULT_SORT
    return build_sort([(item.field, item.order is SortOrder.DESC) for item in sort], ("sort",))


_OPERATORS = {operator.input_name: op for op, operator in OPERATORS.items()}


def _given(value: Any) -> bool:
    # An explicit null reads as "not given", like a left-out field.
    return value is not strawberry.UNSET and value is not None


def _operators(
    conditions: object, path: str, where: FieldPath, budget: FilterBudget
) -> list[Filter]:
    return [
        build_condition(path, op, getattr(conditions, attribute), where, budget)
        for attribute, op in _OPERATORS.items()
        if _given(getattr(conditions, attribute, None))
    ]


def _translate(item: Any, where: FieldPath, budget: FilterBudget, depth: int) -> Filter:
    budget.enter(depth, where)
    parts: list[Filter] = []
    for named in NAMED_FIELDS:
        conditions = getattr(item, named.attribute)
        if _given(conditions):
            parts += _operators(conditions, named.name, (*where, named.name), budget)
    for index, field_filter in enumerate(item.field or []):
        parts += _operators(field_filter, field_filter.path, (*where, "field", index), budget)
    for index, inner in enumerate(item.and_ or []):
        parts.append(_translate(inner, (*where, "and", index), budget, depth + 1))
    if _given(item.or_):
        parts.append(
            AnyOf(
                tuple(
                    _translate(inner, (*where, "or", index), budget, depth + 1)
                    for index, inner in enumerate(item.or_ or [])
                )
            )
        )
    if _given(item.not_):
        assert item.not_ is not None
        parts.append(Not(_translate(item.not_, (*where, "not"), budget, depth + 1)))
    return all_of(parts)
