"""The schema, built in one place."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from app.graphql.errors import ErrorShaping
from app.graphql.mutation import Mutation
from app.graphql.query import Query
from app.graphql.scalars import SCALARS

__all__ = ["schema"]

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[ErrorShaping],
    config=StrawberryConfig(scalar_map=SCALARS),
)
