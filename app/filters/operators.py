"""Every filter operator, whole, in one table: the name clients use, how its operand is
checked, what MongoDB is asked and what the live predicate tests. A MongoDB query and a live
subscription mean the same because both read their operator's line here; a new operator is one
line (and its member of `Op`).

The live tests follow MongoDB's rules for the values a path reaches (`predicate.py` walks the
path): a condition holds when any reached value satisfies it, comparing only values of one type
class; `ne`/`nin` are the negations of `eq`/`in`; `exists` asks whether the path reaches
anything, null included.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.documents.ordering import leaf_values, same_class
from app.errors import FieldError, FieldPath, InvalidInput
from app.filters.model import Op, Scalar
from app.intake.json_checks import is_unicode_text
from app.timestamps import OutOfRange, to_storage_precision

__all__ = ["MAX_LIST", "MAX_TEXT", "OPERATORS", "ORDERING", "Operator"]

MAX_LIST = 100
MAX_TEXT = 1024
"""The longest text a filter compares with; ingest refuses longer named fields, which no filter
could then find."""

_INT64 = range(-(2**63), 2**63)

Operand = Scalar | tuple[Scalar, ...]


@dataclass(frozen=True)
class Operator:
    input_name: str
    """The field of GraphQL's operator inputs (`in_` is GraphQL's `in`)."""
    operand: Callable[[Any, FieldPath], Operand]
    """The client's value, checked (errors located at the given path), as conditions hold it."""
    mongo: Callable[[Operand], dict[str, Any]]
    """The operator document MongoDB is asked for, at the condition's path."""
    holds: Callable[[list[Any], Operand], bool]
    """Whether it holds of what the path reached in a document (`predicate.py`)."""


def _scalar(value: Any, at: FieldPath) -> Scalar:
    if isinstance(value, str):
        if not is_unicode_text(value):
            raise InvalidInput([FieldError(at, "is not valid Unicode text")])
        if len(value) > MAX_TEXT:
            raise InvalidInput([FieldError(at, f"must be at most {MAX_TEXT} characters")])
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value not in _INT64:
            raise InvalidInput([FieldError(at, "integer does not fit in 64 bits")])
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput([FieldError(at, "must be a finite number")])
        return value
    if isinstance(value, datetime):
        # Cut as stored, so the store and the live stream compare the same instants.
        try:
            return to_storage_precision(value)
        except OutOfRange as error:
            raise InvalidInput([FieldError(at, str(error))]) from None
    if value is None:
        raise InvalidInput([FieldError(at, "must not be null; use exists to ask for presence")])
    raise InvalidInput(
        [FieldError(at, "must be a string, a number or a boolean, not an object or a list")]
    )


def _ordered(value: Any, at: FieldPath) -> Scalar:
    operand = _scalar(value, at)
    if isinstance(operand, bool):
        raise InvalidInput([FieldError(at, "must be a number, a string or a date-time")])
    return operand


def _text(value: Any, at: FieldPath) -> str:
    text = _scalar(value, at)
    if not isinstance(text, str):
        raise InvalidInput([FieldError(at, "must be a string")])
    if "\x00" in text:
        raise InvalidInput([FieldError(at, "must not contain NUL characters")])
    return text


def _listed(value: Any, at: FieldPath) -> tuple[Scalar, ...]:
    if not isinstance(value, list | tuple):
        raise InvalidInput([FieldError(at, "must be a list")])
    if len(value) > MAX_LIST:
        raise InvalidInput([FieldError(at, f"lists at most {MAX_LIST} values")])
    return tuple(_scalar(item, (*at, index)) for index, item in enumerate(value))


def _flag(value: Any, at: FieldPath) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput([FieldError(at, "must be true or false")])
    return value


def _candidates(reached: list[Any]) -> list[Any]:
    return [item for found in reached for item in leaf_values(found)]


def _equal(left: Any, right: Any) -> bool:
    return same_class(left, right) and bool(left == right)


def _any_equal(reached: list[Any], value: Operand) -> bool:
    return any(_equal(item, value) for item in _candidates(reached))


def _any_listed(reached: list[Any], value: Operand) -> bool:
    assert isinstance(value, tuple)
    return any(_equal(item, option) for item in _candidates(reached) for option in value)


def _comparing(compare: Callable[[Any, Any], bool]) -> Callable[[list[Any], Operand], bool]:
    def holds(reached: list[Any], value: Operand) -> bool:
        return any(
            same_class(item, value) and compare(item, value) for item in _candidates(reached)
        )

    return holds


def _as(name: str) -> Callable[[Operand], dict[str, Any]]:
    def mongo(value: Operand) -> dict[str, Any]:
        return {name: list(value) if isinstance(value, tuple) else value}

    return mongo


OPERATORS: dict[Op, Operator] = {
    Op.EQ: Operator("eq", _scalar, _as("$eq"), _any_equal),
    Op.NE: Operator("ne", _scalar, _as("$ne"), lambda r, v: not _any_equal(r, v)),
    Op.IN: Operator("in_", _listed, _as("$in"), _any_listed),
    Op.NIN: Operator("nin", _listed, _as("$nin"), lambda r, v: not _any_listed(r, v)),
    Op.GT: Operator("gt", _ordered, _as("$gt"), _comparing(operator.gt)),
    Op.GTE: Operator("gte", _ordered, _as("$gte"), _comparing(operator.ge)),
    Op.LT: Operator("lt", _ordered, _as("$lt"), _comparing(operator.lt)),
    Op.LTE: Operator("lte", _ordered, _as("$lte"), _comparing(operator.le)),
    Op.EXISTS: Operator("exists", _flag, _as("$exists"), lambda r, v: bool(r) is v),
    # Escaped: client text never becomes regex syntax.
    Op.CONTAINS: Operator(
        "contains",
        _text,
        lambda v: {"$regex": re.escape(str(v))},
        lambda r, v: any(isinstance(i, str) and str(v) in i for i in _candidates(r)),
    ),
    Op.STARTS_WITH: Operator(
        "starts_with",
        _text,
        lambda v: {"$regex": "^" + re.escape(str(v))},
        lambda r, v: any(isinstance(i, str) and i.startswith(str(v)) for i in _candidates(r)),
    ),
}
if _missing := set(Op) - OPERATORS.keys():
    raise RuntimeError(f"operators without their line: {sorted(_missing)}")

ORDERING = (Op.GT, Op.GTE, Op.LT, Op.LTE)
"""The operators that bound a range (a time window, an index range)."""
