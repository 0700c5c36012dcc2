"""The event types of the schema: the `Event` interface and the union members, one per kind
in the catalog, generated from it.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Union, cast

import strawberry
from pydantic import BaseModel
from strawberry.scalars import JSON

from app.catalog import EVENT_KINDS, EventKind, kind_of
from app.cloudevents.outbound import cloudevent_of
from app.events import EventSource, StoredEvent
from app.graphql.payloads import payload_field_name, payload_type
from app.named_fields import NAMED_FIELDS

__all__ = [
    "AnyEvent",
    "CDEvent",
    "Event",
    "FlexDeployEvent",
    "LifecycleEvent",
    "event_node",
]

strawberry.enum(EventSource, description="Which family of delivery tool sent the event.")


@strawberry.interface(description="What every stored event has, whatever its kind.")
class Event:
    stored: strawberry.Private[StoredEvent]
    id: strawberry.ID
    source: EventSource
    type: str = strawberry.field(
        description="The lifecycle `event_name`, the FlexDeploy `eventType` or the CDEvents "
        "`context.type`; documented kinds in their canonical spelling."
    )
    action: str | None = strawberry.field(
        description="The lifecycle `event_action`; for a FlexDeploy execution (a pipeline "
        "stage's), how it ended (`succeeded`, `failed`, or its status lowercased)."
    )
    team_id: str | None
    timestamp: datetime = strawberry.field(
        description="When it happened (the receive time when the sender gave none)."
    )
    received_at: datetime
    repo: str | None = strawberry.field(
        description="The repository: a lifecycle event's `repo`, a CDEvent change's (or, for a "
        "deployment or an incident, its artifact's change's); null where the kind has none."
    )
    branch: str | None = strawberry.field(
        description="A lifecycle event's `branch`; null where the kind has none."
    )
    commit: str | None = strawberry.field(
        description="A lifecycle event's `commit`; a CDEvent change's (its subject id), or the "
        "one a CDEvent artifact was built from; null where the kind has none."
    )
    actor: str | None = strawberry.field(
        description="Who a FlexDeploy message says acted; null where the kind has none."
    )
    object: str | None = strawberry.field(
        description="What the event is about: a FlexDeploy message's `object`, a CDEvent's "
        "`subject.id`; null where the kind has none."
    )
    environment: str | None = strawberry.field(
        description="Where it happened: a lifecycle event's `environment`, a FlexDeploy "
        "payload's `environment.environmentCode`, a CDEvent's `environment.id`; null where "
        "none is said."
    )
    cursor: str = strawberry.field(description="Opaque position, for `after` arguments.")
    raw: JSON = strawberry.field(description="The event exactly as it was sent.")

    @strawberry.field(
        description="The event as a CloudEvent in the JSON format: a CDEvent as the CloudEvent "
        "it came in, any other as the mapping of docs/rest.md gives it."
    )
    def cloud_event(self) -> JSON:
        return cast(JSON, cloudevent_of(self.stored))


@strawberry.type
class LifecycleEventFields(Event):
    """Fields of every CTO.ai lifecycle event (a base: not itself in the schema)."""

    data: JSON = strawberry.field(description="Every field of the body beyond the named ones.")


@strawberry.type
class FlexDeployEventFields(Event):
    """Fields of every FlexDeploy event message (a base: not itself in the schema)."""

    payload: JSON | None = strawberry.field(description="The payload exactly as sent.")


@strawberry.type
class CDEventFields(Event):
    """Fields of every CDEvent (a base: not itself in the schema)."""

    subject_id: str = strawberry.field(description="The CDEvent's `subject.id`.")
    content: JSON = strawberry.field(description="The subject's `content` exactly as sent.")
    custom_data: JSON | None = strawberry.field(description="`customData` exactly as sent.")


_BASES: dict[EventSource, type[Event]] = {
    EventSource.LIFECYCLE: LifecycleEventFields,
    EventSource.FLEXDEPLOY: FlexDeployEventFields,
    EventSource.CDEVENTS: CDEventFields,
}


def _typed_model(kind: EventKind) -> type[BaseModel] | None:
    """The model a member's typed field follows; None where there is nothing to type (GraphQL
    has no empty object types: `build.queued` has no content fields)."""
    model = kind.payload_model
    return model if model is not None and model.model_fields else None


def _member(kind: EventKind) -> Any:
    base = _BASES[kind.source]
    namespace: dict[str, Any] = {"__annotations__": {}}
    if _typed_model(kind) is not None:
        assert kind.payload_model is not None
        name = payload_field_name(kind.payload_model)
        namespace["__annotations__"][name] = payload_type(kind.payload_model) | None
        what = "payload" if kind.source is EventSource.FLEXDEPLOY else "subject's content"
        namespace[name] = strawberry.field(default=None, description=f"The {what}, typed.")
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
CDEvent: Any = _union(
    "CDEvent", EventSource.CDEVENTS, "A CDEvent, one member per subject and predicate."
)


# Every member shows every named field (the interface has them): null where its kind has none.
_NAMED_ATTRIBUTES = tuple(named.attribute for named in NAMED_FIELDS)


def event_node(event: StoredEvent, cursor: str) -> Any:
    """The union member object for a stored event."""
    kind = kind_of(event.source, event.type)
    values: dict[str, Any] = {
        attribute: getattr(event, attribute) for attribute in _NAMED_ATTRIBUTES
    }
    values |= {
        "id": strawberry.ID(event.id),
        "cursor": cursor,
        "raw": event.raw,
        "stored": event,
    }
    values |= _FAMILY_VALUES[event.source](event)
    model = _typed_model(kind)
    typed = _typed_part(event)
    if model is not None and typed is not None:
        values[payload_field_name(model)] = model.model_validate(typed)
    return _MEMBERS[kind.graphql_name](**values)


def _lifecycle_values(event: StoredEvent) -> dict[str, Any]:
    return {"data": event.data or {}}


def _flexdeploy_values(event: StoredEvent) -> dict[str, Any]:
    return {"payload": event.payload}


def _cdevent_values(event: StoredEvent) -> dict[str, Any]:
    subject = event.raw["subject"]
    return {
        "subject_id": subject["id"],
        "content": subject.get("content", {}),
        "custom_data": event.raw.get("customData"),
    }


_FAMILY_VALUES: dict[EventSource, Callable[[StoredEvent], dict[str, Any]]] = {
    EventSource.LIFECYCLE: _lifecycle_values,
    EventSource.FLEXDEPLOY: _flexdeploy_values,
    EventSource.CDEVENTS: _cdevent_values,
}


def _typed_part(event: StoredEvent) -> Any:
    """What the member's typed field reads: a FlexDeploy payload, a CDEvent's content."""
    if event.source is EventSource.CDEVENTS:
        return event.raw["subject"].get("content")
    return event.payload
