"""The event types of the schema: the `Event` interface, each family's union and its members
(one per kind the family declares), generated from the registry of families.
"""

from __future__ import annotations

import contextlib
import types
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Union, cast

import strawberry
from pydantic import BaseModel, ValidationError
from strawberry.scalars import JSON

from app.cloudevents.outbound import cloudevent_of
from app.events import StoredEvent
from app.families import FAMILIES, SOURCES, EventKind, Family, family_of, kind_of
from app.graphql.payloads import payload_field_name, payload_type
from app.named_fields import NAMED_FIELDS

__all__ = [
    "FAMILY_UNIONS",
    "AnyEvent",
    "Event",
    "EventSource",
    "EventSourceInfo",
    "event_node",
    "event_sources",
]

# One value per family of the registry.
_SOURCES: Any = Enum("EventSource", {source: source for source in SOURCES})  # type: ignore[misc]
EventSource: Any = strawberry.enum(
    _SOURCES, description="Which family of delivery tool sent the event."
)


@strawberry.type(description="A family of events this service stores.")
class EventSourceInfo:
    source: EventSource
    title: str = strawberry.field(description="What people call it, as a page labels it.")


def event_sources() -> list[EventSourceInfo]:
    return [EventSourceInfo(source=EventSource(f.source), title=f.title) for f in FAMILIES]


def _said(lead: str, attribute: str, then: str = "null where none is said") -> str:
    """`lead`, where each family's events take the field from, and `then`."""
    named = (family.graphql.named.get(attribute) for family in FAMILIES)
    return f"{lead}: {'; '.join([*(source for source in named if source), then])}."


@strawberry.interface(description="What every stored event has, whatever its kind.")
class Event:
    stored: strawberry.Private[StoredEvent]
    id: strawberry.ID
    source: EventSource
    type: str = strawberry.field(
        description=_said(
            "What kind of event it is", "type", "documented kinds in their canonical spelling"
        )
    )
    action: str | None = strawberry.field(description=_said("What happened", "action"))
    team_id: str | None
    timestamp: datetime = strawberry.field(
        description="When it happened (the receive time when the sender gave none)."
    )
    received_at: datetime
    repo: str | None = strawberry.field(description=_said("The repository", "repo"))
    branch: str | None = strawberry.field(description=_said("The branch", "branch"))
    commit: str | None = strawberry.field(description=_said("The commit", "commit"))
    actor: str | None = strawberry.field(description=_said("Who acted", "actor"))
    object: str | None = strawberry.field(description=_said("What the event is about", "object"))
    environment: str | None = strawberry.field(
        description=_said("Where it happened", "environment")
    )
    cursor: str = strawberry.field(description="Opaque position, for `after` arguments.")
    raw: JSON = strawberry.field(description="The event exactly as it was sent.")

    @strawberry.field(
        description="What happened, in a few words, as the event's family reads it: for lists "
        "and monitors (the whole story is in the other fields)."
    )
    def summary(self) -> str:
        return family_of(self.stored.source).graphql.summary(self.stored)

    @strawberry.field(
        description="The state the event reports, in a few words, where its family reads one "
        "from it (a pipeline stage's execution status and environment); null otherwise."
    )
    def status(self) -> str | None:
        return family_of(self.stored.source).graphql.status(self.stored)

    @strawberry.field(
        description="The event as a CloudEvent in the JSON format: one that came as a "
        "CloudEvent as it came, any other as the mapping of docs/rest.md gives it."
    )
    def cloud_event(self) -> JSON:
        return cast(JSON, cloudevent_of(self.stored))


def _base(family: Family) -> type[Event]:
    """The fields every member of `family` has (a base: not itself in the schema)."""
    namespace: dict[str, Any] = {"__annotations__": {}}
    for field in family.graphql.fields:
        namespace["__annotations__"][field.name] = field.annotation
        namespace[field.name] = strawberry.field(description=field.description)
    cls = types.new_class(
        f"{family.graphql.union}Fields", (Event,), {}, lambda ns: ns.update(namespace)
    )
    return cast(type[Event], strawberry.type(cls))


def _typed_model(kind: EventKind) -> type[BaseModel] | None:
    """The model a member's typed field follows; None where there is nothing to type (GraphQL
    has no empty object types: `build.queued` has no content fields)."""
    model = kind.payload_model
    return model if model is not None and model.model_fields else None


def _member(family: Family, base: type[Event], kind: EventKind) -> Any:
    namespace: dict[str, Any] = {"__annotations__": {}}
    model = _typed_model(kind)
    if model is not None:
        name = payload_field_name(model)
        namespace["__annotations__"][name] = payload_type(model) | None
        namespace[name] = strawberry.field(
            default=None, description=f"The {family.graphql.typed_what}, typed."
        )
    cls = types.new_class(kind.graphql_name, (base,), {}, lambda ns: ns.update(namespace))
    return strawberry.type(cls, description=kind.description)


def _union(name: str, members: tuple[Any, ...], description: str) -> Any:
    return Annotated[Union[members], strawberry.union(name, description=description)]  # noqa: UP007


_MEMBERS: dict[str, Any] = {}
FAMILY_UNIONS: dict[str, Any] = {}
"""Each family's union, by its source."""
for _family in FAMILIES:
    _base_type = _base(_family)
    _members = tuple(_member(_family, _base_type, kind) for kind in _family.kinds)
    _MEMBERS |= {
        kind.graphql_name: member for kind, member in zip(_family.kinds, _members, strict=True)
    }
    FAMILY_UNIONS[_family.source] = _union(
        _family.graphql.union, _members, _family.graphql.union_description
    )

AnyEvent: Any = _union("AnyEvent", tuple(_MEMBERS.values()), "Any stored event.")

# Every member shows every named field (the interface has them): null where its kind has none.
_NAMED_ATTRIBUTES = tuple(named.attribute for named in NAMED_FIELDS)
_FAMILIES = {family.source: family for family in FAMILIES}


def event_node(event: StoredEvent, cursor: str) -> Any:
    """The union member object for a stored event."""
    kind = kind_of(event.source, event.type)
    family = _FAMILIES[event.source]
    values: dict[str, Any] = {
        attribute: getattr(event, attribute) for attribute in _NAMED_ATTRIBUTES
    }
    values |= {
        "id": strawberry.ID(event.id),
        "source": EventSource(event.source),
        "cursor": cursor,
        "raw": event.raw,
        "stored": event,
    }
    values |= {field.name: field.value(event) for field in family.graphql.fields}
    model = _typed_model(kind)
    typed = family.graphql.typed_part(event)
    if model is not None and typed is not None:
        # An event of an earlier release of its spec may not fit the kind's model (its content
        # changed between releases): the typed field is then null; the content is kept as sent.
        with contextlib.suppress(ValidationError):
            values[payload_field_name(model)] = model.model_validate(typed)
    return _MEMBERS[kind.graphql_name](**values)
