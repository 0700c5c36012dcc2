"""Building filters and sorts from client input: every value checked, every size bounded.

Both edges (GraphQL, and REST's query strings) build through here, so the bounds and the
meaning of each operator are the same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.errors import FieldError, FieldPath, InvalidInput
from app.filters.model import Condition, Op, Scalar, SortKey
from app.filters.paths import stored_path
from app.intake.json_checks import is_unicode_text
from app.timestamps import OutOfRange, to_storage_precision

__all__ = ["MAX_TEXT", "FilterBudget", "build_condition", "build_sort"]

MAX_CONDITIONS = 100
MAX_NESTING = 6
MAX_LIST = 100
MAX_TEXT = 1024
"""The longest text a filter compares with; ingest refuses longer named fields, which no filter
could then find."""
MAX_SORT_KEYS = 5

_INT64 = range(-(2**63), 2**63)
_ORDERING = (Op.GT, Op.GTE, Op.LT, Op.LTE)


@dataclass
class FilterBudget:
    """Counts what one filter uses, failing clearly past the bounds."""

    conditions: int = 0

    def enter(self, depth: int, where: FieldPath) -> None:
        if depth > MAX_NESTING:
            raise InvalidInput(
                [FieldError(where, f"filters nest at most {MAX_NESTING} levels of and/or/not")]
            )

    def spend(self, where: FieldPath) -> None:
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise InvalidInput(
                [FieldError(where, f"a filter holds at most {MAX_CONDITIONS} conditions")]
            )


def build_condition(
    path: str, op: Op, value: Any, where: FieldPath, budget: FilterBudget
) -> Condition:
    """A condition on the client path `path`; `where` locates errors in the client's input."""
    budget.spend(where)
    stored = stored_path(path, (*where, "path"))
    return Condition(stored, op, _operand(op, value, where))


def build_sort(fields: Sequence[tuple[str, bool]], where: FieldPath) -> tuple[SortKey, ...]:
    """Sort keys from (client path, descending) pairs, in order of precedence."""
    if len(fields) > MAX_SORT_KEYS:
        raise InvalidInput([FieldError(where, f"sort by at most {MAX_SORT_KEYS} fields")])
    keys = tuple(
        SortKey(stored_path(path, (*where, index, "field")), descending)
        for index, (path, descending) in enumerate(fields)
    )
    if len({key.path for key in keys}) != len(keys):
        raise InvalidInput([FieldError(where, "names a field twice")])
    return keys


def _operand(op: Op, value: Any, where: FieldPath) -> Scalar | tuple[Scalar, ...]:
    at = (*where, op.value)
    if op is Op.EXISTS:
        if not isinstance(value, bool):
            raise InvalidInput([FieldError(at, "must be true or false")])
        return value
    if op in (Op.CONTAINS, Op.STARTS_WITH):
        text = _scalar(value, at)
        if not isinstance(text, str):
            raise InvalidInput([FieldError(at, "must be a string")])
        if "\x00" in text:
            raise InvalidInput([FieldError(at, "must not contain NUL characters")])
        return text
    if op in (Op.IN, Op.NIN):
        if not isinstance(value, list | tuple):
            raise InvalidInput([FieldError(at, "must be a list")])
        if len(value) > MAX_LIST:
            raise InvalidInput([FieldError(at, f"lists at most {MAX_LIST} values")])
        return tuple(_scalar(item, (*at, index)) for index, item in enumerate(value))
    operand = _scalar(value, at)
    if op in _ORDERING and isinstance(operand, bool):
        raise InvalidInput([FieldError(at, "must be a number, a string or a date-time")])
    return operand


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
