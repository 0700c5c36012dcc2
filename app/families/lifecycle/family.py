"""CTO.ai's lifecycle events (`event_name`, `event_action`) as a family of the store."""

from __future__ import annotations

from strawberry.scalars import JSON

from app.families.family import (
    CloudEventsOut,
    DeliveryFields,
    DeliveryPart,
    EventKind,
    Family,
    GraphQLShape,
    InputIngest,
    MemberField,
    kind_and_action,
)
from app.families.lifecycle.actions import LIFECYCLE_ACTIONS
from app.families.lifecycle.graphql_input import LifecycleEventInput
from app.families.lifecycle.intake import SOURCE, lifecycle_event
from app.families.roles import ROLE_NAMES, Role

__all__ = ["FAMILY"]


def _kinds() -> tuple[EventKind, ...]:
    documented = (
        EventKind(
            source=SOURCE,
            type=name,
            graphql_name="".join(part.capitalize() for part in name.split("_")) + "Event",
            description=f"CTO.ai lifecycle event `{name}`.",
            actions=actions,
        )
        for name, actions in LIFECYCLE_ACTIONS.items()
    )
    custom = EventKind(
        source=SOURCE,
        type=None,
        graphql_name="CustomLifecycleEvent",
        description="A CTO.ai custom event: any other `event_name`, with any action.",
    )
    return (*documented, custom)


def _plays(event: DeliveryFields) -> Role | None:
    # The metrics' roles are lifecycle events: each such name plays itself.
    name, action = kind_and_action(event)
    return (name, action or "") if name in ROLE_NAMES else None


FAMILY = Family(
    source=SOURCE,
    title="Lifecycle",
    kinds=_kinds(),
    parse=lifecycle_event,
    graphql=GraphQLShape(
        union="LifecycleEvent",
        union_description="A CTO.ai lifecycle event, one member per name.",
        field="lifecycleEvents",
        query_description="Stored CTO.ai lifecycle events.",
        subscription_description="Every new CTO.ai lifecycle event that matches.",
        named={
            "type": "a CTO.ai event's `event_name`",
            "action": "a CTO.ai event's `event_action`",
            "repo": "a CTO.ai event's `repo`",
            "branch": "a CTO.ai event's `branch`",
            "commit": "a CTO.ai event's `commit`",
            "environment": "a CTO.ai event's `environment`",
        },
        fields=(
            MemberField(
                "data",
                JSON,
                "Every field of the body beyond the named ones.",
                lambda event: event.data or {},
            ),
        ),
    ),
    cloudevents=CloudEventsOut(type_prefix="ai.cto.lifecycle", subject=lambda event: event.repo),
    delivery=DeliveryPart(plays=_plays, types={name: frozenset({name}) for name in ROLE_NAMES}),
    team_in_body=True,
    graphql_ingest=InputIngest(
        mutation="ingestLifecycleEvent",
        description="Store one CTO.ai lifecycle event.",
        input=LifecycleEventInput,
        batch_argument="lifecycle",
    ),
)
