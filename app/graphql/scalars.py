"""Custom scalars of the schema."""

from __future__ import annotations

from typing import Any, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

__all__ = ["SCALARS", "Long"]

Long = NewType("Long", int)

_INT64 = range(-(2**63), 2**63)


def _parse_long(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in _INT64:
        raise ValueError(f"Long must be a 64-bit integer, got {value!r}")
    return value


SCALARS: dict[object, ScalarDefinition] = {
    Long: strawberry.scalar(
        name="Long",
        description="A 64-bit integer (FlexDeploy ids and epoch milliseconds outgrow Int).",
        serialize=int,
        parse_value=_parse_long,
    )
}
