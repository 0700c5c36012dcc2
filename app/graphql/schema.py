"""The schema, built in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from app.config import Settings
from app.graphql.context import GraphQLContext
from app.graphql.document_bounds import DocumentBounds, PageSizes
from app.graphql.document_cache import DocumentCache, Documents
from app.graphql.document_validation import (
    DocumentValidation,
    ValidatedDocuments,
    validation_budget,
)
from app.graphql.errors import shape_error
from app.graphql.fanout import FanOut
from app.graphql.mutation import Mutation
from app.graphql.query import DEFAULT_LIMIT, PAGE_FIELDS, Query
from app.graphql.scalars import SCALARS
from app.graphql.subscription import Subscription

__all__ = ["EventStoreSchema", "build_schema", "schema"]


class EventStoreSchema(strawberry.Schema):
    def __init__(
        self, *args: Any, documents: Documents, subscriber_buffer: int = 2000, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.documents = documents
        self.fanout = FanOut(subscriber_buffer)

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """Like Strawberry's, but live subscriptions alike share one execution (see fanout)."""

        async def run(context: Any) -> Any:
            return await super(EventStoreSchema, self).stream(
                query, variable_values, context, root_value, operation_name, *args, **kwargs
            )

        operation = None if query is None else await self.documents.operation(query, operation_name)
        key = self.fanout.key(operation, query, variable_values, operation_name, context_value)
        if key is None or not isinstance(context_value, GraphQLContext):
            return await run(context_value)
        # The group's one run serves many sockets: what one of them has not read is counted
        # at its own mailbox, not against the whole group.
        shared = replace(context_value, receipts=None)
        return self.fanout.join(key, lambda: run(shared), context_value)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Shape errors in place: every error gets an `extensions.code`, unexpected ones are
        hidden behind an error id.

        Strawberry calls this for every result of every operation (parse and validation
        errors, a query's, each subscription event's), with the list it then sends. Its
        default would log every error with a stack trace, bad input too; shaping logs
        unexpected errors only, with their error id. (Not an extension's operation hook: a
        subscription holds those open for its socket's life.)
        """
        errors[:] = [shape_error(error) for error in errors]


def build_schema(settings: Settings) -> EventStoreSchema:
    """The schema with the limits of `settings`; extensions are factories, one per request."""
    bounds = DocumentBounds(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_query_aliases,
        max_directives=settings.max_query_directives,
        max_fields=settings.max_query_fields,
        max_merges=settings.max_field_merges,
        max_events=settings.max_query_events,
        pages=PageSizes(DEFAULT_LIMIT, settings.max_page_size, PAGE_FIELDS),
    )
    # Validated documents are kept by their rules too: made once here, added per request.
    rules: tuple[type[ASTValidationRule], ...] = (validation_budget(settings.max_validation_ms),)
    if not settings.introspection:
        rules += (NoSchemaIntrospectionCustomRule,)
    # Documents seen recently are validated once: validation was half of an ingest's CPU time.
    validated = ValidatedDocuments()
    documents = Documents(settings.max_query_tokens)
    extensions: list[Any] = [
        lambda: DocumentCache(documents),
        lambda: _DocumentLimits(bounds, rules),
        lambda: DocumentValidation(validated),
    ]
    return EventStoreSchema(
        documents=documents,
        subscriber_buffer=settings.subscriber_buffer,
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALARS),
    )


class _DocumentLimits(SchemaExtension):
    """The document's bounds and the added rules as validation starts.

    Strawberry's own limiters use the operation hook, which a subscription holds open for the
    life of its socket (a generator and a context manager per subscriber each); these hooks
    end with their step. Listed before the validation cache, whose key includes the rules set
    here.
    """

    def __init__(self, bounds: DocumentBounds, rules: tuple[type[ASTValidationRule], ...]) -> None:
        self.bounds = bounds
        self.rules = rules

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        refusal = None
        if document is not None:
            variables = context.variables or {}
            refusal = await self.bounds.refusal(document, variables, context.query)
        if refusal is None:
            context.validation_rules = context.validation_rules + self.rules
        else:
            # In place of validation, not before it: some of graphql-core's rules grow faster
            # than the document (fields that must merge are compared pairwise), and all of
            # them walk it whole.
            context.pre_execution_errors = [refusal]
        yield


# The schema as published (`schema.graphql`): limits do not change its shape.
schema = build_schema(Settings.model_construct())
