"""PagerDuty's v3 webhooks as a family of the store: incidents opened and ended."""

from __future__ import annotations

from types import MappingProxyType

from strawberry.scalars import JSON

from app.families.family import (
    CloudEventsOut,
    DeliveryPart,
    EventKind,
    Family,
    GraphQLShape,
    MemberField,
    kind_and_action,
    typed_kinds,
)
from app.families.pagerduty.intake import SOURCE, pagerduty_event
from app.families.pagerduty.payloads import PAGERDUTY_PAYLOADS
from app.families.pagerduty.webhook import WEBHOOK
from app.families.roles import INCIDENT_OPENED, RESTORED, Role

__all__ = ["FAMILY"]


def _kinds() -> tuple[EventKind, ...]:
    return typed_kinds(
        SOURCE,
        PAGERDUTY_PAYLOADS,
        name=lambda kind: "PagerDuty" + kind.title().replace(".", "") + "Event",
        description=lambda kind: f"A PagerDuty `{kind}` webhook.",
        other=(
            "OtherPagerDutyEvent",
            "A PagerDuty webhook of a kind not typed here; its body is kept as sent.",
        ),
    )


# An incident is open from its trigger to its resolution; one reopened is open again, until
# it is resolved again. Acknowledging it changes nothing the metrics measure.
_ROLES: MappingProxyType[str, Role] = MappingProxyType(
    {
        "incident.triggered": INCIDENT_OPENED,
        "incident.reopened": INCIDENT_OPENED,
        "incident.resolved": RESTORED[0],
    }
)


FAMILY = Family(
    source=SOURCE,
    title="PagerDuty",
    kinds=_kinds(),
    parse=pagerduty_event,
    graphql=GraphQLShape(
        union="PagerDutyEvent",
        union_description="A PagerDuty v3 webhook, one member per incident event typed.",
        field="pagerdutyEvents",
        query_description="Stored PagerDuty webhooks.",
        subscription_description="Every new PagerDuty webhook that matches.",
        named={
            "type": "a PagerDuty webhook's `event.event_type`",
            "action": "a PagerDuty incident's `status` after the event",
            "actor": "a PagerDuty event's agent (`event.agent.summary`)",
            "object": "the PagerDuty incident's id (for an event about another object, its id)",
        },
        fields=(
            MemberField(
                "payload", JSON, "The webhook's body exactly as sent.", lambda e: e.payload
            ),
        ),
        typed_part=lambda event: event.payload,
        typed_what="payload",
        summary=lambda event: event.type,
    ),
    cloudevents=CloudEventsOut(type_prefix="com.pagerduty", subject=lambda event: event.object),
    delivery=DeliveryPart(
        plays=lambda event: _ROLES.get(kind_and_action(event)[0]),
        types={INCIDENT_OPENED[0]: frozenset(_ROLES)},
        subject_names_incident=True,
    ),
    webhooks=(WEBHOOK,),
)
