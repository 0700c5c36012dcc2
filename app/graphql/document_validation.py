"""graphql-core's validation of a document: once per text and rules, large ones off the loop,
within a time budget.

In place of Strawberry's `ValidationCache`, which validates on the loop, keys its cache by the
parsed document (hashing it whole), and validates even a document an earlier hook has already
refused (`app/graphql/document_bounds.py`): that one's errors are set before this runs, and it
is left alone, as Strawberry's own validation leaves it.

The bounds make validation's cost follow the document's size; the budget is for what they do
not foresee (a rule that grows faster than they count): past it, validation stops and the
document is refused naming the setting.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, ValidationContext
from strawberry.extensions import SchemaExtension

from app.graphql.document_work import document_work
from app.upstream.strawberry import graphql_core_schema, validate_document

__all__ = ["DocumentValidation", "ValidatedDocuments", "validation_budget"]

# Bounded, so distinct documents cannot grow memory.
_REMEMBERED = 256

_Key = tuple[str, tuple[type[ASTValidationRule], ...]]


class ValidatedDocuments:
    """Each document's validation errors, by its text and the rules it was validated with."""

    def __init__(self) -> None:
        self._errors: OrderedDict[_Key, list[GraphQLError]] = OrderedDict()

    async def errors(
        self,
        extension: SchemaExtension,
        query: str,
        document: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> list[GraphQLError]:
        key = (query, rules)
        if key in self._errors:
            self._errors.move_to_end(key)
        else:
            schema = graphql_core_schema(extension.execution_context.schema)
            errors = await document_work(query, _validate, schema, document, rules)
            if any(isinstance(error, _OverBudgetError) for error in errors):
                # Not kept: what ran out may have been the machine's time, not the document's.
                return errors
            self._errors[key] = errors
            if len(self._errors) > _REMEMBERED:
                self._errors.popitem(last=False)
        # A copy: errors are shaped in place on their way out.
        return list(self._errors[key])


class _OverBudget(Exception):
    pass


class _OverBudgetError(GraphQLError):
    """The refusal of a document whose validation ran out of time."""


class _CollectorTime:
    """CPU time the garbage collector has taken, in all. A full collection can take a few
    hundred milliseconds of whichever thread allocates at the wrong moment: the document's
    validation is not charged for it."""

    def __init__(self) -> None:
        self.total = 0.0
        self._started = threading.local()
        gc.callbacks.append(self._phase)

    def _phase(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started.at = time.thread_time()
        elif (started := getattr(self._started, "at", None)) is not None:
            self.total += time.thread_time() - started
            self._started.at = None


_COLLECTOR = _CollectorTime()


# Nodes between two looks at the clock: a look costs about what visiting a node does.
_NODES_PER_LOOK = 64


def validation_budget(milliseconds: int) -> type[ASTValidationRule]:
    """A rule that stops validation once it has computed for `milliseconds` (CPU time of the
    thread validating: time spent waiting for the interpreter is not the document's)."""

    class ValidationBudget(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self._until = _spent() + milliseconds / 1000
            self._visited = 0

        def enter(self, *_: object) -> None:
            self._visited += 1
            if self._visited % _NODES_PER_LOOK == 0 and _spent() > self._until:
                raise _OverBudget(
                    f"Validating the document took over {milliseconds:,} ms of the service's "
                    "time, the limit (EVENTSTORE_MAX_VALIDATION_MS)"
                )

    return ValidationBudget


def _spent() -> float:
    """This thread's CPU time, less what the collector took."""
    return time.thread_time() - _COLLECTOR.total


def _validate(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    try:
        return validate_document(schema, document, rules)
    except _OverBudget as over:
        return [_OverBudgetError(str(over))]


class DocumentValidation(SchemaExtension):
    def __init__(self, validated: ValidatedDocuments) -> None:
        self.validated = validated

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        document, query = context.graphql_document, context.query
        if context.pre_execution_errors is None and document is not None and query is not None:
            context.pre_execution_errors = await self.validated.errors(
                self, query, document, context.validation_rules
            )
        yield
