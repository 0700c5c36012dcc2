"""The schema, built in one place."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from app.graphql.errors import ErrorShaping, shape_error
from app.graphql.mutation import Mutation
from app.graphql.query import Query
from app.graphql.scalars import SCALARS
from app.graphql.subscription import Subscription

__all__ = ["schema"]


class EventStoreSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Shape errors in place, as `ErrorShaping` does for queries and mutations.

        Strawberry calls this for every result, subscription events included, with the list
        it then sends. Its default would log every error with a stack trace, bad input too;
        shaping logs unexpected errors only, with their error id.
        """
        errors[:] = [shape_error(error) for error in errors]


schema = EventStoreSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[ErrorShaping],
    config=StrawberryConfig(scalar_map=SCALARS),
)
