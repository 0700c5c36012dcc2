"""`possibleTypes` for Apollo's cache: which concrete types each union and interface has.

Apollo Client matches a fragment on an abstract type (`... on Event`) only when it knows the
object's type is one of its members; without this map it drops those fields without a word.
Read from the schema itself, by introspection, so a new event kind in the catalog appears here
by itself.
"""

from __future__ import annotations

from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.graphql.schema import schema

__all__ = ["possible_types", "possible_types_document"]

_ABSTRACT_TYPES = "{ __schema { types { name possibleTypes { name } } } }"


async def possible_types(graphql_schema: strawberry.Schema) -> dict[str, list[str]]:
    """Each union's and interface's concrete member types, sorted, as Apollo wants them."""
    result = await graphql_schema.execute(_ABSTRACT_TYPES)
    if result.errors or result.data is None:
        raise RuntimeError(f"the schema does not introspect: {result.errors}")
    kinds: list[dict[str, Any]] = result.data["__schema"]["types"]
    return {
        kind["name"]: sorted(member["name"] for member in kind["possibleTypes"])
        for kind in sorted(kinds, key=lambda kind: str(kind["name"]))
        if kind["possibleTypes"] is not None
    }


_answered: list[dict[str, list[str]]] = []
"""The map, once the first request has asked for it (the schema's extensions run async)."""


async def possible_types_document(request: Request) -> JSONResponse:
    if not _answered:
        _answered.append(await possible_types(schema))
    return JSONResponse(_answered[0])
