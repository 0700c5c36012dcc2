"""FlexDeploy's event messages (`eventType`, `actor`, `object`, `timestamp`, `payload`) as a
family of the store."""

from __future__ import annotations

from types import MappingProxyType

from strawberry.scalars import JSON

from app.events import StoredEvent
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
from app.families.flexdeploy.graphql_input import FlexDeployEventInput
from app.families.flexdeploy.intake import SOURCE, flexdeploy_event
from app.families.flexdeploy.payloads import FLEXDEPLOY_PAYLOADS
from app.families.flexdeploy.webhook import WEBHOOK
from app.families.roles import DEPLOYED, DEPLOYMENT_FAILED, Role

__all__ = ["FAMILY"]


def _kinds() -> tuple[EventKind, ...]:
    documented = (
        EventKind(
            source=SOURCE,
            type=name,
            graphql_name=name.title().replace(" ", "") + "Event",
            description=f"FlexDeploy event message `{name}`.",
            payload_model=model,
        )
        for name, model in FLEXDEPLOY_PAYLOADS.items()
    )
    other = EventKind(
        source=SOURCE,
        type=None,
        graphql_name="OtherFlexDeployEvent",
        description="A FlexDeploy event message of a type not documented yet.",
    )
    return (*documented, other)


# FlexDeploy's one delivery event: a pipeline stage that completed is a deployment to its
# stage's environment; its `action` is how the stage's execution ended.
_STAGE_COMPLETED = "Pipeline Stage Completed"
_STAGE_ROLES = MappingProxyType({"succeeded": DEPLOYED, "failed": DEPLOYMENT_FAILED})


def _plays(event: DeliveryFields) -> Role | None:
    name, action = kind_and_action(event)
    return _STAGE_ROLES.get(action or "") if name == _STAGE_COMPLETED else None


def _status(event: StoredEvent) -> str | None:
    """A completed pipeline stage's execution status and environment, as its payload says
    them (the environment's code, else its name)."""
    if event.type != _STAGE_COMPLETED or not isinstance(event.payload, dict):
        return None
    execution, environment = (
        part if isinstance(part := event.payload.get(name), dict) else {}
        for name in ("pipelineStageExecution", "environment")
    )
    said = (
        execution.get("executionStatus"),
        environment.get("environmentCode") or environment.get("environmentName"),
    )
    return " · ".join(part for part in said if isinstance(part, str) and part) or None


FAMILY = Family(
    source=SOURCE,
    title="FlexDeploy",
    kinds=_kinds(),
    parse=flexdeploy_event,
    graphql=GraphQLShape(
        union="FlexDeployEvent",
        union_description="A FlexDeploy event message, one member per type.",
        field="flexDeployEvents",
        query_description="Stored FlexDeploy event messages.",
        subscription_description="Every new FlexDeploy event message that matches.",
        named={
            "type": "a FlexDeploy message's `eventType`",
            "action": "for a FlexDeploy execution (a pipeline stage's), how it ended "
            "(`succeeded`, `failed`, or its status lowercased)",
            "actor": "a FlexDeploy message's `actor`",
            "object": "a FlexDeploy message's `object`",
            "environment": "a FlexDeploy payload's `environment.environmentCode`",
        },
        fields=(
            MemberField(
                "payload", JSON | None, "The payload exactly as sent.", lambda e: e.payload
            ),
        ),
        typed_part=lambda event: event.payload,
        typed_what="payload",
        status=_status,
    ),
    cloudevents=CloudEventsOut(
        type_prefix="com.flexagon.flexdeploy", subject=lambda event: event.object
    ),
    delivery=DeliveryPart(plays=_plays, types={DEPLOYED[0]: frozenset({_STAGE_COMPLETED})}),
    graphql_ingest=InputIngest(
        mutation="ingestFlexDeployEvent",
        description="Store one FlexDeploy event message.",
        input=FlexDeployEventInput,
        batch_argument="flexDeploy",
    ),
    webhooks=(WEBHOOK,),
)
