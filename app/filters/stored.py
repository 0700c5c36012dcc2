"""A filter kept in MongoDB and read back: what a webhook's filter is between its creation and
each process that delivers it. The stored form is the filter's own tree (not the GraphQL input
it came from), so it means exactly what it meant when it was checked."""

from __future__ import annotations

from typing import Any

from app.filters.model import AllOf, AnyOf, Condition, EventFilter, Not, Op

__all__ = ["filter_from_stored", "stored_filter"]


def stored_filter(event_filter: EventFilter) -> dict[str, Any]:
    match event_filter:
        case Condition(path=path, op=op, value=value):
            kept = list(value) if isinstance(value, tuple) else value
            return {"path": path, "op": op.value, "value": kept}
        case AllOf(filters=members):
            return {"all": [stored_filter(member) for member in members]}
        case AnyOf(filters=members):
            return {"any": [stored_filter(member) for member in members]}
        case Not(filter=inner):
            return {"not": stored_filter(inner)}


def filter_from_stored(stored: dict[str, Any]) -> EventFilter:
    if "all" in stored:
        return AllOf(tuple(filter_from_stored(member) for member in stored["all"]))
    if "any" in stored:
        return AnyOf(tuple(filter_from_stored(member) for member in stored["any"]))
    if "not" in stored:
        return Not(filter_from_stored(stored["not"]))
    value = stored["value"]
    return Condition(
        stored["path"], Op(stored["op"]), tuple(value) if isinstance(value, list) else value
    )
