"""Turning what a client sent into a `NewEvent`, or into errors naming every bad field: one
module per event family, each called by every transport with the event in its own shape."""

from app.intake.cdevents import cdevent_event, cdevent_key, cloudevent_event, cloudevent_key
from app.intake.common import IntakeLimits
from app.intake.flexdeploy import flexdeploy_event
from app.intake.lifecycle import LIFECYCLE_FIELDS, lifecycle_event

__all__ = [
    "LIFECYCLE_FIELDS",
    "IntakeLimits",
    "cdevent_event",
    "cdevent_key",
    "cloudevent_event",
    "cloudevent_key",
    "flexdeploy_event",
    "lifecycle_event",
]
