"""The schema, built in one place."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from app.graphql.errors import ErrorShaping
from app.graphql.mutation import Mutation
from app.graphql.query import Query
from app.graphql.scalars import SCALARS
from app.graphql.subscription import Subscription

__all__ = ["schema"]


class EventStoreSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log nothing here: `ErrorShaping` logs unexpected errors, with their error id.

        Strawberry's default logs every error with a stack trace, bad input included.
        """


schema = EventStoreSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[ErrorShaping],
    config=StrawberryConfig(scalar_map=SCALARS),
)
