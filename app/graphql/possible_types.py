"""`possibleTypes` for Apollo's cache: which concrete types each union and interface has.

Apollo Client matches a fragment on an abstract type (`... on Event`) only when it knows the
object's type is one of its members; without this map it drops those fields without a word.
Read from the schema itself, so a new event kind in the catalog appears here by itself.
"""

from __future__ import annotations

from graphql import GraphQLInterfaceType, GraphQLSchema, GraphQLUnionType
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.graphql.schema import schema

__all__ = ["possible_types", "possible_types_document"]


def possible_types(graphql_schema: GraphQLSchema) -> dict[str, list[str]]:
    """Each union's and interface's concrete member types, sorted, as Apollo wants them."""
    return {
        name: sorted(member.name for member in graphql_schema.get_possible_types(kind))
        for name, kind in sorted(graphql_schema.type_map.items())
        if isinstance(kind, GraphQLUnionType | GraphQLInterfaceType) and not name.startswith("__")
    }


_POSSIBLE_TYPES = possible_types(schema._schema)


async def possible_types_document(request: Request) -> JSONResponse:
    return JSONResponse(_POSSIBLE_TYPES)
