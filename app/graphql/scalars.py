"""Custom scalars of the schema."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NewType

import strawberry
from graphql import IntValueNode, ListValueNode, ObjectValueNode, StringValueNode, ValueNode
from graphql.utilities import value_from_ast_untyped
from strawberry.scalars import JSON

from app.timestamps import format_utc, parse_time_bound
from app.upstream.strawberry import ScalarDefinition
from app.web.json_input import integer_literal

__all__ = ["SCALARS", "Long"]

Long = NewType("Long", int)

_INT64 = range(-(2**63), 2**63)


_DECIMAL = re.compile(r"-?[0-9]+")
# The integers a JavaScript number holds exactly (Number.MAX_SAFE_INTEGER).
_SAFE_IN_JAVASCRIPT = range(-(2**53 - 1), 2**53)


def _parse_long(value: Any) -> int:
    # A decimal string, as a Long is sent back past 2^53.
    number = (
        integer_literal(value) if isinstance(value, str) and _DECIMAL.fullmatch(value) else value
    )
    if isinstance(number, bool) or not isinstance(number, int) or number not in _INT64:
        raise ValueError(f"Long must be a 64-bit integer, got {value!r}"[:200])
    return number


def _serialize_long(value: int) -> int | str:
    # JSON.parse would round 9007199254740993 to ...992: past 2^53 the digits go as a string.
    return value if value in _SAFE_IN_JAVASCRIPT else str(value)


def _parse_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"DateTime must be a string, got {value!r}")
    return parse_time_bound(value)


def _time_literal(node: ValueNode, variables: dict[str, Any] | None = None) -> datetime:
    if not isinstance(node, StringValueNode):
        raise ValueError("DateTime must be a string")
    return parse_time_bound(node.value)


def _json_literal(node: ValueNode, variables: dict[str, Any] | None = None) -> Any:
    """A JSON value written in the query itself. Integers are read as the JSON reader reads
    them: graphql-core turns one too long for Python's int into a float (infinity), which the
    field check would call "not finite" rather than "past 64 bits"."""
    if isinstance(node, IntValueNode):
        return integer_literal(node.value)
    if isinstance(node, ListValueNode):
        return [_json_literal(item, variables) for item in node.values]
    if isinstance(node, ObjectValueNode):
        return {field.name.value: _json_literal(field.value, variables) for field in node.fields}
    return value_from_ast_untyped(node, variables)


_ECMA_404 = (
    "https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf"
)

SCALARS: dict[object, ScalarDefinition] = {
    Long: strawberry.scalar(
        name="Long",
        description="A 64-bit integer (FlexDeploy ids and epoch milliseconds outgrow Int): a "
        "JSON number while JavaScript holds it exactly (|n| < 2^53), else its decimal string.",
        serialize=_serialize_long,
        parse_value=_parse_long,
    ),
    datetime: strawberry.scalar(
        name="DateTime",
        description="A time: RFC 3339 in UTC with milliseconds out (2023-10-18T10:45:44.000Z); "
        "in, any form ingest accepts (ISO-8601, FlexDeploy's 2023-10-18 05:45:44 -0500).",
        serialize=format_utc,
        parse_value=_parse_time,
        parse_literal=_time_literal,
    ),
    # Strawberry's own JSON scalar, with integer literals read as above.
    JSON: strawberry.scalar(
        name="JSON",
        description="The `JSON` scalar type represents JSON values as specified by "
        f"[ECMA-404]({_ECMA_404}).",
        specified_by_url=_ECMA_404,
        serialize=lambda value: value,
        parse_value=lambda value: value,
        parse_literal=_json_literal,
    ),
}
