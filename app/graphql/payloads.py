"""GraphQL object types for the typed part of an event (a payload, a subject's content),
generated from its kind's pydantic model.

A typed payload resolves straight from the validated pydantic model, attribute by attribute.
"""

from __future__ import annotations

import types
from functools import cache
from typing import Any, Union, get_args, get_origin

import strawberry
from pydantic import BaseModel
from strawberry.scalars import JSON

from app.graphql.scalars import Long

__all__ = ["payload_field_name", "payload_type"]


def payload_field_name(model: type[BaseModel]) -> str:
    """The member field holding this payload, named for its type so it means one thing."""
    return model.__name__[0].lower() + model.__name__[1:]


@cache
def payload_type(model: type[BaseModel]) -> Any:
    """The strawberry type mirroring `model` (every field nullable)."""
    annotations = {
        name: _graphql_annotation(info.annotation) | None
        for name, info in model.model_fields.items()
    }
    namespace: dict[str, Any] = {"__annotations__": annotations}
    namespace.update(dict.fromkeys(annotations))
    cls = types.new_class(model.__name__, (), {}, lambda ns: ns.update(namespace))
    return strawberry.type(cls, description=(model.__doc__ or "").strip() or None)


def _graphql_annotation(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        (inner,) = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _graphql_annotation(inner)
    if origin is list:
        (item,) = get_args(annotation)
        # Lenient about null items: a tool's versions differ.
        return list[_graphql_annotation(item) | None]  # type: ignore[misc]
    if annotation is Any:
        return JSON
    if annotation is int:
        return Long
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return payload_type(annotation)
    if annotation in (str, bool, float):
        return annotation
    raise TypeError(f"no GraphQL type for payload annotation {annotation!r}")
