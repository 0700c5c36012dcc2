"""Loaded by the schemathesis runs (`SCHEMATHESIS_HOOKS`): how to write a value of the `JSON`
scalar, which the CDEvents mutations take as a required argument.

Half of the values are the CDEvents of `tests/data/cdevents` (so some get stored), half any
JSON object GraphQL can spell as a literal (keys are GraphQL names there).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import graphql
import schemathesis
from hypothesis import strategies as st

EXAMPLES = [
    json.loads(path.read_text())
    for path in sorted((Path(__file__).parent.parent / "data" / "cdevents").glob("*.json"))
]
NAMES = st.from_regex(r"\A[_A-Za-z][_0-9A-Za-z]{0,11}\Z")
SCALARS = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20)
OBJECTS = st.dictionaries(
    NAMES,
    st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAMES, inner, max_size=3),
        max_leaves=8,
    ),
    max_size=4,
)


def value_node(value: Any) -> graphql.ValueNode:
    """`value` as a GraphQL literal."""
    if isinstance(value, dict):
        return graphql.ObjectValueNode(
            fields=tuple(
                graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=value_node(item))
                for key, item in value.items()
            )
        )
    if isinstance(value, list):
        return graphql.ListValueNode(values=tuple(value_node(item) for item in value))
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return graphql.BooleanValueNode(value=value)
    if isinstance(value, int):
        return graphql.IntValueNode(value=str(value))
    return graphql.StringValueNode(value=str(value))


schemathesis.graphql.scalar("JSON", (st.sampled_from(EXAMPLES) | OBJECTS).map(value_node))
