"""A document's measure equals what its fragments expanded by hand give.

The bounds measure each fragment once and add its tally wherever it is spread; here the
document is expanded into the tree of fields it would execute, spread by spread, and every
figure is counted on that tree. Hypothesis writes the documents: fragments spreading later
fragments (so the expansion ends), aliases, directives, inline fragments, pages of events
with a literal, variable, null or missing `limit`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    parse,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from app.graphql.document_bounds import PageSizes, measure

PAGES = PageSizes(default=50, largest=1000, fields=frozenset({"events"}))
NAMES = ["a", "b", "events"]


@dataclass
class Expanded:
    """A field as it would execute, its fragments replaced by what they select."""

    response_name: str
    aliased: bool
    name: str
    limit: object
    children: list[Expanded] = field(default_factory=list)

    @property
    def size(self) -> int:
        return 1 + sum(child.size for child in self.children)


def expand(
    node: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> tuple[list[Expanded], int]:
    """The fields `node` selects with every spread expanded, and the directives met on the
    way (on spreads and inline fragments, each time they are expanded)."""
    fields: list[Expanded] = []
    directives = 0
    for selection in node.selections if node else ():
        if isinstance(selection, FieldNode):
            children, inner = expand(selection.selection_set, fragments)
            directives += inner
            limit = next(
                (arg.value for arg in selection.arguments or () if arg.name.value == "limit"),
                None,
            )
            fields.append(
                Expanded(
                    (selection.alias or selection.name).value,
                    selection.alias is not None,
                    selection.name.value,
                    limit,
                    children,
                )
            )
            continue
        directives += len(selection.directives or ())
        if isinstance(selection, FragmentSpreadNode):
            body = fragments[selection.name.value].selection_set
        else:
            assert isinstance(selection, InlineFragmentNode)
            body = selection.selection_set
        more, inner = expand(body, fragments)
        fields += more
        directives += inner
    return fields, directives


def directives_on_fields(
    node: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> int:
    count = 0
    for selection in node.selections if node else ():
        if isinstance(selection, FieldNode):
            count += len(selection.directives or ()) + directives_on_fields(
                selection.selection_set, fragments
            )
        elif isinstance(selection, FragmentSpreadNode):
            count += directives_on_fields(fragments[selection.name.value].selection_set, fragments)
        elif isinstance(selection, InlineFragmentNode):
            count += directives_on_fields(selection.selection_set, fragments)
    return count


def figures(fields: list[Expanded]) -> dict[str, object]:
    """Every figure of the bounds, counted on the expanded tree."""
    all_fields: list[Expanded] = []

    def walk(level: list[Expanded]) -> None:
        for one in level:
            all_fields.append(one)
            walk(one.children)

    walk(fields)

    def depth(level: list[Expanded]) -> int:
        return max((1 + depth(one.children) for one in level), default=0)

    def merges(level: list[Expanded]) -> int:
        by_name: dict[str, list[Expanded]] = {}
        for one in level:
            by_name.setdefault(one.response_name, []).append(one)
        here = sum(
            (len(same) - 1) * sum(one.size for one in same) // 2 for same in by_name.values()
        )
        return here + sum(merges(one.children) for one in level)

    pages, limits = 0, dict[str, int]()
    for one in all_fields:
        if one.name != "events":
            continue
        if isinstance(one.limit, IntValueNode):
            pages += min(int(one.limit.value), PAGES.largest)
        else:
            key = one.limit.name.value if isinstance(one.limit, VariableNode) else ""
            assert one.limit is None or isinstance(one.limit, (VariableNode, NullValueNode))
            limits[key] = limits.get(key, 0) + 1
    return {
        "depth": depth(fields),
        "fields": len(all_fields),
        "aliases": sum(one.aliased for one in all_fields),
        "merges": merges(fields),
        "pages": pages,
        "limits": tuple(sorted(limits.items())),
    }


@st.composite
def selections(draw: st.DrawFn, spreadable: list[str], levels: int) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["field", "field", "spread", "inline"]))
        if kind == "spread" and spreadable:
            directive = " @skip(if: false)" if draw(st.booleans()) else ""
            parts.append(f"...{draw(st.sampled_from(spreadable))}{directive}")
        elif kind == "inline" and levels > 0:
            parts.append(f"... @include(if: true) {{ {draw(selections(spreadable, levels - 1))} }}")
        else:
            name = draw(st.sampled_from(NAMES))
            alias = f"{draw(st.sampled_from(NAMES))}: " if draw(st.booleans()) else ""
            arguments = ""
            if name == "events":
                arguments = draw(
                    st.sampled_from(
                        ["", "(limit: 5)", "(limit: 5000)", "(limit: $n)", "(limit: null)"]
                    )
                )
            directive = " @skip(if: false)" if draw(st.booleans()) else ""
            below = ""
            if levels > 0 and draw(st.booleans()):
                below = f" {{ {draw(selections(spreadable, levels - 1))} }}"
            parts.append(f"{alias}{name}{arguments}{directive}{below}")
    return " ".join(parts)


@st.composite
def documents(draw: st.DrawFn) -> str:
    count = draw(st.integers(0, 5))
    names = [f"F{n}" for n in range(count)]
    # A fragment spreads only those after it: the expansion by hand ends.
    fragments = [
        f"fragment {name} on T {{ {draw(selections(names[n + 1 :], 2))} }}"
        for n, name in enumerate(names)
    ]
    return f"query Q {{ {draw(selections(names, 3))} }} " + " ".join(fragments)


@settings(max_examples=300, deadline=None)
@given(documents())
def test_the_measure_is_the_expanded_documents(text: str) -> None:
    document: DocumentNode = parse(text)
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    expanded, spread_directives = expand(operation.selection_set, fragments)
    expected = figures(expanded)

    shape = measure(document, PAGES)["Q"]

    assert shape.depth == expected["depth"]
    assert shape.fields == expected["fields"]
    assert shape.aliases == expected["aliases"]
    assert shape.merges == expected["merges"]
    assert shape.pages == expected["pages"]
    assert shape.limits == expected["limits"]
    assert shape.directives == spread_directives + directives_on_fields(
        operation.selection_set, fragments
    )
