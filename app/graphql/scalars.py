"""Custom scalars of the schema."""

from __future__ import annotations

from typing import Any, NewType

import strawberry
from graphql import IntValueNode, ListValueNode, ObjectValueNode, ValueNode
from graphql.utilities import value_from_ast_untyped
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

from app.json_input import integer_literal

__all__ = ["SCALARS", "Long"]

Long = NewType("Long", int)

_INT64 = range(-(2**63), 2**63)


def _parse_long(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in _INT64:
        raise ValueError(f"Long must be a 64-bit integer, got {value!r}")
    return value


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
        description="A 64-bit integer (FlexDeploy ids and epoch milliseconds outgrow Int).",
        serialize=int,
        parse_value=_parse_long,
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
