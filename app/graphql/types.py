"""The event types of the schema: the `Event` interface and the union members, one per kind
in the catalog, generated from it.
"""

from __future__ import annotations

import types
from datetime import datetime
from typing import Annotated, Any, Union

import strawberry
from strawberry.scalars import JSON

from app.catalog import EVENT_KINDS, EventKind, kind_of
from app.events import EventSource, StoredEvent
from app.graphql.payloads import payload_field_name, payload_type
from app.named_fields import NAMED_FIELDS

__all__ = [
    "AnyEvent",
    "Event",
    "FlexDeployEvent",
    "LifecycleEvent",
    "event_node",
]

strawberry.enum(EventSource, description="Which family of delivery tool sent the event.")


@strawberry.interface(description="What every stored event has, whatever its kind.")
class Event:
    id: strawberry.ID
    source: EventSource
    type: str = strawberry.field(
        description="The lifecycle `event_name` or the FlexDeploy `eventType`; documented "
        "kinds in their canonical spelling."
    )
    action: str | None = strawberry.field(description="The lifecycle `event_action`.")
    team_id: str | None
    timestamp: datetime = strawberry.field(
        description="When it happened (the receive time when the sender gave none)."
    )
    received_at: datetime
    cursor: str = strawberry.field(description="Opaque position, for `after` arguments.")
    raw: JSON = strawberry.field(description="The event exactly as it was sent.")


@strawberry.type
class LifecycleEventFields(Event):
    """Fields of every CTO.ai lifecycle event (a base: not itself in the schema)."""

    repo: str | None
    branch: str | None
    commit: str | None
    data: JSON = strawberry.field(description="Every field of the body beyond the named ones.")


@strawberry.type
class FlexDeployEventFields(Event):
    """Fields of every FlexDeploy event message (a base: not itself in the schema)."""

    actor: str | None
    object: str | None
    payload: JSON | None = strawberry.field(description="The payload exactly as sent.")


def _member(kind: EventKind) -> Any:
    base = LifecycleEventFields if kind.source is EventSource.LIFECYCLE else FlexDeployEventFields
    namespace: dict[str, Any] = {"__annotations__": {}}
    if kind.payload_model is not None:
        name = payload_field_name(kind.payload_model)
        namespace["__annotations__"][name] = payload_type(kind.payload_model) | None
        namespace[name] = strawberry.field(default=None, description="The typed payload.")
    cls = types.new_class(kind.graphql_name, (base,), {}, lambda ns: ns.update(namespace))
    return strawberry.type(cls, description=kind.description)


_MEMBERS: dict[str, Any] = {kind.graphql_name: _member(kind) for kind in EVENT_KINDS}


def _union(name: str, source: EventSource | None, description: str) -> Any:
    members = tuple(
        _MEMBERS[kind.graphql_name]
        for kind in EVENT_KINDS
        if source is None or kind.source is source
    )
    return Annotated[Union[members], strawberry.union(name, description=description)]  # noqa: UP007


AnyEvent: Any = _union("AnyEvent", None, "Any stored event.")
LifecycleEvent: Any = _union(
    "LifecycleEvent", EventSource.LIFECYCLE, "A CTO.ai lifecycle event, one member per name."
)
FlexDeployEvent: Any = _union(
    "FlexDeployEvent", EventSource.FLEXDEPLOY, "A FlexDeploy event message, one member per type."
)


def _named_attributes(member: Any) -> tuple[str, ...]:
    """The named fields a member shows, by attribute."""
    shown = {field.python_name for field in member.__strawberry_definition__.fields}
    return tuple(named.attribute for named in NAMED_FIELDS if named.attribute in shown)


_NAMED_ATTRIBUTES = {name: _named_attributes(member) for name, member in _MEMBERS.items()}


def event_node(event: StoredEvent, cursor: str) -> Any:
    """The union member object for a stored event."""
    kind = kind_of(event.source, event.type)
    values: dict[str, Any] = {
        attribute: getattr(event, attribute) for attribute in _NAMED_ATTRIBUTES[kind.graphql_name]
    }
    values |= {"id": strawberry.ID(event.id), "cursor": cursor, "raw": event.raw}
    if event.source is EventSource.LIFECYCLE:
        values["data"] = event.data or {}
    else:
        values["payload"] = event.payload
        if kind.payload_model is not None and event.payload is not None:
            values[payload_field_name(kind.payload_model)] = kind.payload_model.model_validate(
                event.payload
            )
    return _MEMBERS[kind.graphql_name](**values)
