"""The event catalog: every kind of event the service knows, in one place.

Adding an event kind means adding it to `lifecycle.py` or `flexdeploy.py` (CDEvents types come
from the spec's schemas in `cdevents_schemas/`); the GraphQL union members, validation and
documentation are generated from `EVENT_KINDS`.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from pydantic import BaseModel

from app.catalog.cdevents import CDEVENT_TYPES
from app.catalog.flexdeploy import FLEXDEPLOY_PAYLOADS, canonical_flexdeploy_type
from app.catalog.lifecycle import LIFECYCLE_ACTIONS, canonical_lifecycle_name
from app.events import EventSource

__all__ = [
    "EVENT_KINDS",
    "EventKind",
    "canonical_flexdeploy_type",
    "canonical_lifecycle_name",
    "kind_of",
]


@dataclass(frozen=True)
class EventKind:
    """One member of the GraphQL unions.

    `type` is None for the catch-all kind of a family: custom lifecycle events, FlexDeploy
    event types not documented yet, and custom CDEvents (`dev.cdeventsx.*`). `payload_model`
    types a FlexDeploy payload or a CDEvent's `subject.content`.
    """

    source: EventSource
    type: str | None
    graphql_name: str
    description: str
    actions: tuple[str, ...] | None = None
    # `builtins.type`: the field named `type` above shadows it here.
    payload_model: builtins.type[BaseModel] | None = None


def _lifecycle_kinds() -> list[EventKind]:
    kinds = [
        EventKind(
            source=EventSource.LIFECYCLE,
            type=name,
            graphql_name="".join(part.capitalize() for part in name.split("_")) + "Event",
            description=f"CTO.ai lifecycle event `{name}`.",
            actions=actions,
        )
        for name, actions in LIFECYCLE_ACTIONS.items()
    ]
    kinds.append(
        EventKind(
            source=EventSource.LIFECYCLE,
            type=None,
            graphql_name="CustomLifecycleEvent",
            description="A CTO.ai custom event: any other `event_name`, with any action.",
        )
    )
    return kinds


def _flexdeploy_kinds() -> list[EventKind]:
    kinds = [
        EventKind(
            source=EventSource.FLEXDEPLOY,
            type=name,
            graphql_name=name.title().replace(" ", "") + "Event",
            description=f"FlexDeploy event message `{name}`.",
            payload_model=model,
        )
        for name, model in FLEXDEPLOY_PAYLOADS.items()
    ]
    kinds.append(
        EventKind(
            source=EventSource.FLEXDEPLOY,
            type=None,
            graphql_name="OtherFlexDeployEvent",
            description="A FlexDeploy event message of a type not documented yet.",
        )
    )
    return kinds


def _cdevents_kinds() -> list[EventKind]:
    kinds = [
        EventKind(
            source=EventSource.CDEVENTS,
            type=event_type.type,
            graphql_name=event_type.graphql_name,
            description=event_type.description,
            payload_model=event_type.content_model,
        )
        for event_type in CDEVENT_TYPES.values()
    ]
    kinds.append(
        EventKind(
            source=EventSource.CDEVENTS,
            type=None,
            graphql_name="CustomCDEvent",
            description="A custom CDEvent (`dev.cdeventsx.<tool>-<subject>.<predicate>."
            "<version>`): its content is kept as sent.",
        )
    )
    return kinds


EVENT_KINDS: tuple[EventKind, ...] = (
    *_lifecycle_kinds(),
    *_flexdeploy_kinds(),
    *_cdevents_kinds(),
)

_BY_TYPE = {(kind.source, kind.type): kind for kind in EVENT_KINDS}
if len({kind.graphql_name for kind in EVENT_KINDS}) != len(EVENT_KINDS):
    raise RuntimeError("two event kinds map to one GraphQL type name")


def kind_of(source: EventSource, event_type: str) -> EventKind:
    """The kind of a stored event (its `type` is already canonical)."""
    return _BY_TYPE.get((source, event_type)) or _BY_TYPE[(source, None)]
