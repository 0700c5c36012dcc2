"""Sorting and keyset pagination: the order of a page, and what comes after a position.

A position (`Cursor`; opaque to clients, see `cursors.py`) is the sort values of an event
plus its sequence number, the tie-breaker that makes every order total and stable. Paging
uses no `skip`: the next page is "after these values", which stays right however many events
arrive meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.documents.ordering import TypeClass, leaf_values, reach, sort_rank, type_class
from app.filters.model import SortKey

__all__ = [
    "Cursor",
    "SortKey",
    "after_clause",
    "sort_spec",
    "sort_value",
]


@dataclass(frozen=True)
class Cursor:
    values: tuple[Any, ...]
    seq: int


def sort_spec(sort: tuple[SortKey, ...]) -> list[tuple[str, int]]:
    """The MongoDB sort, made total by the sequence number (in the last key's direction)."""
    spec = [(key.path, -1 if key.descending else 1) for key in sort]
    spec.append(("seq", -1 if _tie_descending(sort) else 1))
    return spec


def after_clause(sort: tuple[SortKey, ...], cursor: Cursor) -> dict[str, Any]:
    """A MongoDB condition selecting what comes after `cursor` in `sort` order.

    Types sort in MongoDB's order (null and missing first), so "after" crosses into the next
    type classes too; `$gt`/`$lt` alone only compare within one class.
    """
    keys = [*((key.path, key.descending) for key in sort), ("seq", _tie_descending(sort))]
    values = (*cursor.values, cursor.seq)
    branches: list[dict[str, Any]] = []
    for index, (path, descending) in enumerate(keys):
        ties = [_equal_to(keys[i][0], values[i]) for i in range(index)]
        for beyond in _beyond(path, descending, values[index]):
            branches.append({"$and": [*ties, beyond]} if ties else beyond)
    return {"$or": branches}


def sort_value(document: dict[str, Any], key: SortKey) -> Any:
    """The value MongoDB sorts `document` by for `key`: for arrays, the least (greatest)."""
    reached = [
        item for found in reach(document, key.path.split(".")) for item in leaf_values(found)
    ]
    if not reached:
        return None
    ranked = sorted(reached, key=sort_rank)
    return ranked[-1] if key.descending else ranked[0]


def _tie_descending(sort: tuple[SortKey, ...]) -> bool:
    return sort[-1].descending if sort else True


def _equal_to(path: str, value: Any) -> dict[str, Any]:
    # `$eq` takes its operand literally, whatever it holds; `$eq: null` also matches a
    # missing field, which sorts as null does.
    return {path: {"$eq": value}}


def _beyond(path: str, descending: bool, value: Any) -> list[dict[str, Any]]:
    """Conditions (any of them) for a key strictly past `value` in its direction."""
    own = type_class(value)
    branches: list[dict[str, Any]] = []
    if own is not TypeClass.NULL:
        branches.append({path: {"$lt" if descending else "$gt": value}})
    classes = [c for c in TypeClass if (c < own if descending else c > own)]
    if TypeClass.NULL in classes:
        branches.append({path: None})
        classes.remove(TypeClass.NULL)
    if classes:
        branches.append({path: {"$type": [c.type_alias for c in classes]}})
    return branches
