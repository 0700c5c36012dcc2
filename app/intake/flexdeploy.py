"""FlexDeploy event messages (`eventType`, `actor`, `object`, `timestamp`, `payload`) into a
`NewEvent`, with the payload of a documented type checked against its model."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from app.bodies import FlexDeployMessage, field_problems
from app.catalog import canonical_flexdeploy_type
from app.catalog.flexdeploy import FLEXDEPLOY_PAYLOADS
from app.errors import FieldError
from app.events import EventSource, NewEvent
from app.intake.common import BodyFields, IntakeLimits

__all__ = ["flexdeploy_event"]


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
        source=EventSource.FLEXDEPLOY,
        type=canonical or checked.eventType,
        actor=checked.actor,
        object=checked.object,
        timestamp=checked.timestamp or received_at,
        payload=checked.payload,
        raw=fields.body,
    )


def _check_payload(fields: BodyFields, model: type[Any], payload: Any) -> None:
    try:
        model.model_validate(payload)
    except ValidationError as error:
        fields.errors += [
            FieldError(("payload", *problem.path), problem.message)
            for problem in field_problems(error.errors())
        ]
