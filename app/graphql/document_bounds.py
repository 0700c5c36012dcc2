"""How large a GraphQL document is as it would execute, measured before validation runs.

A document's text can be small while what it asks for is not: twenty levels of fragments, each
spreading the one below twice, is under 1 KB and a million fields. Validation rules that walk
the document with fragments expanded (Strawberry's depth and alias limiters did, without
memoising) then hold the event loop for seconds. Here every fragment is measured once, so the
measure costs what the text costs, and a document over a bound is refused before any other
rule looks at it. Introspection fields count like any other: a 25-level `ofType` chain is as
deep as any query (GraphiQL's own introspection query is 15 levels, within the default).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

from app.graphql.document_work import document_work

__all__ = ["DocumentBounds", "PageSizes", "Shape", "measure"]

# Scripts send the same mutation again and again: its measure is kept, by its text, as its
# parse and its validation are (~50 µs a request for a batch ingest's document otherwise).
_REMEMBERED = 256

_DEFAULTED = ""
"""In `Shape.limits`: pages that leave `limit` out."""


@dataclass(frozen=True)
class Shape:
    """What a selection set asks for once its fragments are expanded."""

    depth: int = 0
    """Levels of fields below it, itself included (a leaf field is 1)."""
    fields: int = 0
    """Fields that would be resolved, each spread counted as often as it is spread."""
    aliases: int = 0
    directives: int = 0
    """Directives on the fields and fragments that would be resolved (graphql-core spends
    ~0.2 ms on each of a flood of `@skip`s before refusing them)."""
    merges: int = 0
    """Fields graphql-core compares to check that fields of one response name can merge: it
    compares them pair by pair, each pair with the fields below both, so a name selected k
    times in one selection set costs (k - 1) / 2 times the fields under it (382 ms for 99
    times `events { nodes { id } }`, with 14,553 merges)."""
    pages: int = 0
    """The events pages with a literal `limit` ask for, in all."""
    limits: tuple[tuple[str, int], ...] = ()
    """Pages whose `limit` is a variable (by its name) or left out (`_DEFAULTED`): how many.
    Their events depend on the request's variables, so they are counted per request."""

    def events(self, variables: Mapping[str, Any], pages: PageSizes) -> int:
        """The events this asks for, with `variables` as the request sends them."""
        total = self.pages
        for name, times in self.limits:
            value = variables.get(name) if name != _DEFAULTED else None
            limit = value if isinstance(value, int) and not isinstance(value, bool) else None
            total += times * pages.counted(limit)
        return total


@dataclass(frozen=True)
class PageSizes:
    """What a page's `limit` may be: its default, and its largest."""

    default: int
    largest: int
    fields: frozenset[str]
    """The fields that page events, each taking a `limit`."""

    def counted(self, limit: int | None) -> int:
        """A page's events as the bounds count them. Past the largest, a page is counted as
        the largest: it will be refused by itself, naming its `limit`."""
        return self.default if limit is None else max(0, min(limit, self.largest))


class _Tally:
    """A `Shape` as it is counted up: added to in place, which is most of what measuring
    does (a frozen `Shape` per field made a 22 KB document's measure 7 ms)."""

    __slots__ = ("aliases", "depth", "directives", "fields", "limits", "merges", "pages")

    def __init__(self) -> None:
        self.depth = self.fields = self.aliases = self.directives = self.merges = self.pages = 0
        self.limits: dict[str, int] = {}

    def take(self, other: _Tally) -> None:
        self.depth = max(self.depth, other.depth)
        self.fields += other.fields
        self.aliases += other.aliases
        self.directives += other.directives
        self.merges += other.merges
        self.pages += other.pages
        for name, times in other.limits.items():
            self.limits[name] = self.limits.get(name, 0) + times

    def shape(self) -> Shape:
        return Shape(
            self.depth,
            self.fields,
            self.aliases,
            self.directives,
            self.merges,
            self.pages,
            tuple(sorted(self.limits.items())),
        )


_NO_SELECTIONS = _Tally()


class _Selections:
    """A selection set's tally, and each response name selected directly, fragments
    flattened: how many times, and the fields under it in all (each time, the field and
    those below it). Never changed once made: a fragment's is taken wherever it is spread."""

    __slots__ = ("names", "tally")

    def __init__(self, tally: _Tally, names: dict[str, tuple[int, int]]) -> None:
        self.tally = tally
        self.names = names


_NOTHING = _Selections(_NO_SELECTIONS, {})


class _Measure:
    """One document's fragments, each measured once (a cycle counts as empty: validation
    refuses it anyway, by graphql-core's own rule)."""

    def __init__(self, document: DocumentNode, pages: PageSizes) -> None:
        self._pages = pages
        self._fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self._measured: dict[str, _Selections] = {}
        self._open: set[str] = set()

    def shape(self, node: SelectionSetNode) -> Shape:
        return self._tally(node).shape()

    def _tally(self, node: SelectionSetNode) -> _Tally:
        # A field's selection set is nobody else's: its tally is made here and may change.
        selections = self._selections(node)
        selections.tally.merges += sum(
            (times - 1) * fields // 2 for times, fields in selections.names.values()
        )
        return selections.tally

    def _selections(self, node: SelectionSetNode | None) -> _Selections:
        if node is None:
            return _NOTHING
        total = _Tally()
        names: dict[str, tuple[int, int]] = {}
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                below = (
                    _NO_SELECTIONS
                    if selection.selection_set is None
                    else self._tally(selection.selection_set)
                )
                total.take(below)
                total.depth = max(total.depth, below.depth + 1)
                total.fields += 1
                total.aliases += selection.alias is not None
                total.directives += len(selection.directives or ())
                _count_page(total, selection, self._pages)
                _add(names, (selection.alias or selection.name).value, 1, below.fields + 1)
                continue
            if isinstance(selection, FragmentSpreadNode):
                inner = self._fragment(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                inner = self._selections(selection.selection_set)
            else:
                continue
            total.take(inner.tally)
            total.directives += len(selection.directives or ())
            for name, (times, fields) in inner.names.items():
                _add(names, name, times, fields)
        return _Selections(total, names)

    def _fragment(self, name: str) -> _Selections:
        if name in self._measured:
            return self._measured[name]
        definition = self._fragments.get(name)
        if definition is None or name in self._open:
            return _NOTHING  # unknown or cyclic: graphql-core's rules say which
        self._open.add(name)
        measured = self._selections(definition.selection_set)
        self._open.discard(name)
        self._measured[name] = measured
        return measured


def _count_page(tally: _Tally, node: FieldNode, pages: PageSizes) -> None:
    """What a page of events asks for (`limit`, or the default when left out or null)."""
    if node.name.value not in pages.fields:
        return
    limit = next((arg.value for arg in node.arguments or () if arg.name.value == "limit"), None)
    if isinstance(limit, IntValueNode):
        tally.pages += pages.counted(int(limit.value))
        return
    if isinstance(limit, VariableNode):
        name = limit.name.value
    elif limit is None or isinstance(limit, NullValueNode):
        name = _DEFAULTED
    else:
        return  # not an integer: validation refuses it
    tally.limits[name] = tally.limits.get(name, 0) + 1


def _add(names: dict[str, tuple[int, int]], name: str, times: int, fields: int) -> None:
    before_times, before_fields = names.get(name, (0, 0))
    names[name] = (before_times + times, before_fields + fields)


def measure(document: DocumentNode, pages: PageSizes) -> dict[str, Shape]:
    """Each operation's shape, by name (`""` for an anonymous one)."""
    measured = _Measure(document, pages)
    return {
        (definition.name.value if definition.name else ""): measured.shape(definition.selection_set)
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    }


@dataclass(frozen=True)
class DocumentBounds:
    """The most a document may ask for, each bound with the setting that sets it."""

    max_depth: int
    max_aliases: int
    max_directives: int
    max_fields: int
    max_merges: int
    max_events: int
    pages: PageSizes
    _measured: OrderedDict[str, dict[str, Shape]] = field(
        default_factory=OrderedDict, compare=False, repr=False
    )

    async def refusal(
        self, document: DocumentNode, variables: Mapping[str, Any], query: str | None = None
    ) -> GraphQLError | None:
        """Why `document` is refused, naming the bound, its setting and its value; None when
        it is within every bound. `query`, the document's text, keeps its measure for later
        and, when it is large, has it measured off the loop."""
        for name, shape in (await self._measure(document, query)).items():
            operation = f"'{name}'" if name else "The operation"
            # Depth as Strawberry's limiter counted it: a top-level field is at depth 0.
            for value, bound, exceeds in (
                (shape.depth - 1, self.max_depth, _DEPTH),
                (shape.aliases, self.max_aliases, _ALIASES),
                (shape.directives, self.max_directives, _DIRECTIVES),
                (shape.fields, self.max_fields, _FIELDS),
                (shape.merges, self.max_merges, _MERGES),
                (shape.events(variables, self.pages), self.max_events, _EVENTS),
            ):
                if value > bound:
                    return GraphQLError(f"{operation} {exceeds.format(value, bound)}")
        return None

    async def _measure(self, document: DocumentNode, query: str | None) -> dict[str, Shape]:
        if query is None:
            return measure(document, self.pages)
        if query in self._measured:
            self._measured.move_to_end(query)
            return self._measured[query]
        shapes = await document_work(query, measure, document, self.pages)
        self._measured[query] = shapes
        if len(self._measured) > _REMEMBERED:
            self._measured.popitem(last=False)
        return shapes


_DEPTH = "exceeds maximum operation depth of {1} (EVENTSTORE_MAX_QUERY_DEPTH): it is {0}"
_ALIASES = (
    "has {0:,} aliases with its fragments expanded, over the limit of {1:,} "
    "(EVENTSTORE_MAX_QUERY_ALIASES)"
)
_DIRECTIVES = (
    "has {0:,} directives with its fragments expanded, over the limit of {1:,} "
    "(EVENTSTORE_MAX_QUERY_DIRECTIVES)"
)
_EVENTS = (
    "asks for {0:,} events in all its pages (each `limit`, its default when left out), over "
    "the limit of {1:,} (EVENTSTORE_MAX_QUERY_EVENTS)"
)
_FIELDS = (
    "selects {0:,} fields with its fragments expanded, over the limit of {1:,} "
    "(EVENTSTORE_MAX_QUERY_FIELDS)"
)
_MERGES = (
    "repeats fields so that checking they merge takes {0:,} comparisons, over the limit of "
    "{1:,} (EVENTSTORE_MAX_FIELD_MERGES)"
)
