"""Building filters and sorts from client input: every value checked, every size bounded.

Both edges (GraphQL, and REST's query strings) build through here, so the bounds and the
meaning of each operator are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.errors import FieldError, FieldPath, InvalidInput
from app.filters.model import Condition, Op, Scalar, SortKey
from app.filters.operators import OPERATORS
from app.filters.paths import stored_path

__all__ = ["FilterBudget", "build_condition", "build_sort"]

MAX_CONDITIONS = 100
MAX_NESTING = 6
MAX_SORT_KEYS = 5


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
    return OPERATORS[op].operand(value, (*where, op.value))
