"""FlexDeploy event messages (`eventType`, `actor`, `object`, `timestamp`, `payload`) into a
`NewEvent`, with the payload of a documented type checked against its model."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from app.errors import FieldError
from app.events import NewEvent
from app.families.flexdeploy.message import FlexDeployMessage
from app.families.flexdeploy.payloads import FLEXDEPLOY_PAYLOADS, canonical_flexdeploy_type
from app.intake import BodyFields, IntakeLimits
from app.intake.bodies import field_problems

__all__ = ["SOURCE", "flexdeploy_event"]

SOURCE = "FLEXDEPLOY"


def flexdeploy_event(message: Any, received_at: datetime, limits: IntakeLimits) -> NewEvent:
    """A FlexDeploy event message (`eventType`, `actor`, `object`, `timestamp`, `payload`)."""
    fields = BodyFields(message)
    checked = fields.model(FlexDeployMessage)
    fields.check_limits(limits)
    # Read from the body as sent, so that payloads are checked even when other fields fail.
    event_type, payload = fields.body.get("eventType"), fields.body.get("payload")
    canonical = canonical_flexdeploy_type(event_type) if isinstance(event_type, str) else None
    if canonical is not None and isinstance(payload, Mapping):
        _check_payload(fields, FLEXDEPLOY_PAYLOADS[canonical], payload)
    fields.raise_if_invalid()
    assert checked is not None, "a body that failed its model has errors"
    return NewEvent(
        source=SOURCE,
        type=canonical or checked.eventType,
        action=_outcome(checked.payload),
        actor=checked.actor,
        object=checked.object,
        environment=_environment(checked.payload),
        timestamp=checked.timestamp or received_at,
        payload=checked.payload,
        raw=fields.body,
    )


# A stage execution's status as the delivery roles' actions say it; any other is kept, lowercased.
_OUTCOMES = {"SUCCESSFUL": "succeeded", "SUCCESS": "succeeded", "COMPLETED": "succeeded"}


def _outcome(payload: Any) -> str | None:
    """How a stage (or any execution the payload reports) ended: `succeeded`, `failed`, …"""
    execution = payload.get("pipelineStageExecution") if isinstance(payload, Mapping) else None
    status = execution.get("executionStatus") if isinstance(execution, Mapping) else None
    if not isinstance(status, str) or not status:
        return None
    return _OUTCOMES.get(status.upper(), status.lower())


def _environment(payload: Any) -> str | None:
    """The environment's code (`PRODUCTION`, `DEV`, …), as FlexDeploy's payloads name it."""
    environment = payload.get("environment") if isinstance(payload, Mapping) else None
    code = environment.get("environmentCode") if isinstance(environment, Mapping) else None
    return code if isinstance(code, str) and code else None


def _check_payload(fields: BodyFields, model: type[Any], payload: Any) -> None:
    try:
        model.model_validate(payload)
    except ValidationError as error:
        fields.errors += [
            FieldError(("payload", *problem.path), problem.message)
            for problem in field_problems(error.errors())
        ]
