"""CDEvents 0.5.1, alone or carried as CloudEvents, as a family of the store."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from strawberry.scalars import JSON

from app.events import StoredEvent
from app.families.cdevents.body import CDEventBody, CloudEventBody
from app.families.cdevents.intake import (
    SOURCE,
    cdevent_event,
    cdevent_key,
    cloudevent_attributes,
    cloudevent_event,
    cloudevent_key,
)
from app.families.cdevents.links import link_cdevents
from app.families.cdevents.types import CDEVENT_TYPES, EARLIER_TYPES, type_strings
from app.families.family import (
    CloudEventsIn,
    CloudEventsOut,
    DeliveryPart,
    EventKind,
    Family,
    GraphQLShape,
    JsonIngest,
    MemberField,
    kind_and_action,
)
from app.families.roles import DEPLOYED, DEPLOYMENT_FAILED, INCIDENT_OPENED, RESTORED, Role

__all__ = ["FAMILY"]


def _kinds() -> tuple[EventKind, ...]:
    standard = (
        EventKind(
            source=SOURCE,
            type=event_type.type,
            graphql_name=event_type.graphql_name,
            description=event_type.description,
            payload_model=event_type.content_model,
            also=tuple(
                sorted(
                    set(type_strings(event_type.subject, event_type.predicate)) - {event_type.type}
                )
            ),
        )
        for event_type in CDEVENT_TYPES.values()
    )
    custom = EventKind(
        source=SOURCE,
        type=None,
        graphql_name="CustomCDEvent",
        description="A custom CDEvent (`dev.cdeventsx.<tool>-<subject>.<predicate>."
        "<version>`): its content is kept as sent.",
    )
    return (*standard, custom)


# By (subject, predicate). A rollback is a deployment that failed: the change it replaced
# failed in production. Every change event plays `change`, which starts its commit's life
# (the earliest counts), with its predicate as the action.
_ROLES: Mapping[tuple[str, str], Role] = MappingProxyType(
    {
        ("service", "deployed"): DEPLOYED,
        ("service", "upgraded"): DEPLOYED,
        ("service", "rolledback"): DEPLOYMENT_FAILED,
        ("incident", "detected"): INCIDENT_OPENED,
        ("incident", "reported"): INCIDENT_OPENED,
        ("incident", "resolved"): RESTORED[0],
    }
    | {
        (kind.subject, kind.predicate): ("change", kind.predicate)
        for kind in CDEVENT_TYPES.values()
        if kind.subject == "change"
    }
)
# The same by the stored `type`, the full type string: each of 0.5.1's and of the earlier
# releases' types it reads as.
_TYPE_ROLES: Mapping[str, Role] = MappingProxyType(
    {
        name: _ROLES[kind.subject, kind.predicate]
        for name, kind in {**CDEVENT_TYPES, **EARLIER_TYPES}.items()
        if (kind.subject, kind.predicate) in _ROLES
    }
)


def _types_playing() -> dict[str, frozenset[str]]:
    names = {role[0] for role in _TYPE_ROLES.values()}
    return {
        name: frozenset(t for t, role in _TYPE_ROLES.items() if role[0] == name) for name in names
    }


# Members of the JSON format that carry the data, never attributes to copy back out.
_DATA_MEMBERS = frozenset({"data", "data_base64"})
_REQUIRED = ("specversion", "id", "source", "type")


def _attributes(event: StoredEvent) -> dict[str, Any]:
    """The CloudEvent attributes a CDEvent arrived with (for one sent without a CloudEvent, the
    CDEvents binding's); the binding's required ones fill any gap, so the output stays a
    CloudEvent."""
    derived = cloudevent_attributes(event.raw)
    kept = {k: v for k, v in (event.data or {}).items() if k not in _DATA_MEMBERS}
    if not kept:
        return derived
    return {name: derived[name] for name in _REQUIRED} | kept


def _subject(event: StoredEvent) -> Any:
    return event.raw["subject"]


def _summary(event: StoredEvent) -> str:
    # `dev.cdevents.service.deployed.0.3.0` reads as `service.deployed`: the rest is the same
    # for every CDEvent of one spec (the whole type is in `type`).
    parts = event.type.split(".")
    return ".".join(parts[2:4]) if len(parts) >= 4 else event.type


FAMILY = Family(
    source=SOURCE,
    title="CDEvents",
    kinds=_kinds(),
    parse=cdevent_event,
    graphql=GraphQLShape(
        union="CDEvent",
        union_description="A CDEvent, one member per subject and predicate.",
        field="cdEvents",
        query_description="Stored CDEvents, whichever way they came in.",
        subscription_description="Every new CDEvent that matches.",
        named={
            "type": "a CDEvent's `context.type`",
            "repo": "a CDEvent change's (or, for a deployment or an incident, its artifact's "
            "change's)",
            "commit": "a CDEvent change's (its subject id), or the one a CDEvent artifact was "
            "built from",
            "object": "a CDEvent's `subject.id`",
            "environment": "a CDEvent's `environment.id`",
        },
        fields=(
            MemberField(
                "subject_id", str, "The CDEvent's `subject.id`.", lambda e: _subject(e)["id"]
            ),
            MemberField(
                "content",
                JSON,
                "The subject's `content` exactly as sent.",
                lambda e: _subject(e).get("content", {}),
            ),
            MemberField(
                "custom_data",
                JSON | None,
                "`customData` exactly as sent.",
                lambda e: e.raw.get("customData"),
            ),
        ),
        typed_part=lambda event: _subject(event).get("content"),
        typed_what="subject's content",
        summary=_summary,
    ),
    cloudevents=CloudEventsOut(attributes=_attributes),
    delivery=DeliveryPart(
        plays=lambda event: _TYPE_ROLES.get(kind_and_action(event)[0]),
        types=_types_playing(),
        subject_names_incident=True,
    ),
    link=link_cdevents,
    graphql_ingest=JsonIngest(
        one="ingestCDEvent",
        one_description="Store one CDEvent (its `context` and `subject`), checked against its "
        "type's CDEvents 0.5.1 schema. Its `context.source` and `context.id` are its "
        "idempotency key, as for the CloudEvent that would carry it: a redelivery stores nothing.",
        many="ingestCDEvents",
        many_description="Store CDEvents all together or, when any is bad, none (each problem "
        "named by its index). Each is kept once by its `context.source` and `context.id`: those "
        "stored before come back with `created: false`.",
        key=cdevent_key,
    ),
    cloudevents_in=CloudEventsIn(
        title="CDEvents",
        parse=cloudevent_event,
        key=cloudevent_key,
        event=CloudEventBody,
        data=CDEventBody,
    ),
)
