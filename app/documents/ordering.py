"""MongoDB's order of values: which values compare with which, and how types sort.

Query operators compare only values of one type class (`$gt: 5` never matches a string), and
sorting orders classes null < numbers < strings < objects < arrays < ObjectId < booleans <
dates. The live filter predicate and keyset pagination both follow these rules, from here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from enum import IntEnum
from typing import Any

from bson import ObjectId

__all__ = ["TypeClass", "leaf_values", "reach", "same_class", "sort_rank", "type_class"]


class TypeClass(IntEnum):
    """BSON type classes, valued in MongoDB's sort order."""

    NULL = 1
    NUMBER = 2
    STRING = 3
    OBJECT = 4
    ARRAY = 5
    OBJECT_ID = 7
    BOOLEAN = 8
    DATE = 9

    @property
    def type_alias(self) -> str:
        """The name `$type` knows this class by."""
        return _TYPE_ALIASES[self]


_TYPE_ALIASES = {
    TypeClass.NULL: "null",
    TypeClass.NUMBER: "number",
    TypeClass.STRING: "string",
    TypeClass.OBJECT: "object",
    TypeClass.ARRAY: "array",
    TypeClass.OBJECT_ID: "objectId",
    TypeClass.BOOLEAN: "bool",
    TypeClass.DATE: "date",
}


def type_class(value: Any) -> TypeClass:
    # bool before int: in Python a bool is an int, in BSON it is not a number.
    if value is None:
        return TypeClass.NULL
    if isinstance(value, bool):
        return TypeClass.BOOLEAN
    if isinstance(value, int | float):
        return TypeClass.NUMBER
    if isinstance(value, str):
        return TypeClass.STRING
    if isinstance(value, dict):
        return TypeClass.OBJECT
    if isinstance(value, list):
        return TypeClass.ARRAY
    if isinstance(value, datetime):
        return TypeClass.DATE
    if isinstance(value, ObjectId):
        return TypeClass.OBJECT_ID
    raise TypeError(f"no BSON type class for {type(value).__name__}")


def same_class(left: Any, right: Any) -> bool:
    return type_class(left) is type_class(right)


def sort_rank(value: Any) -> tuple[TypeClass, Any]:
    """A key ordering values as MongoDB sorts them (objects and arrays: by class only)."""
    own = type_class(value)
    orderable = own not in (TypeClass.NULL, TypeClass.OBJECT, TypeClass.ARRAY)
    return (own, value if orderable else 0)


def reach(value: Any, path: list[str]) -> Iterator[Any]:
    """Every value a dotted path leads to, as MongoDB walks it.

    The path goes into objects and, at an array, into each element that is an object.
    """
    if not path:
        yield value
        return
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        if head in value:
            yield from reach(value[head], rest)
    elif isinstance(value, list):
        for element in value:
            if isinstance(element, dict) and head in element:
                yield from reach(element[head], rest)


def leaf_values(value: Any) -> list[Any]:
    """What a reached value stands for in comparisons: an array stands for its elements."""
    return value if isinstance(value, list) else [value]
