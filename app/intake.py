"""Turning what a client sent into a `NewEvent`, or into errors naming every bad field.

Both edges (GraphQL and REST) call these with the event in its tool's own shape, so the
rules live here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.bodies import FlexDeployMessage, LifecycleBody, field_problems
from app.catalog import canonical_flexdeploy_type, canonical_lifecycle_name
from app.catalog.flexdeploy import FLEXDEPLOY_PAYLOADS
from app.catalog.lifecycle import LIFECYCLE_ACTIONS
from app.config import Settings
from app.errors import FieldError, InvalidInput
from app.events import EventSource, NewEvent
from app.json_checks import check_json_size, check_json_value

__all__ = ["LIFECYCLE_FIELDS", "IntakeLimits", "flexdeploy_event", "lifecycle_event"]

# The named fields of a CTO.ai body; any other key is the event's `data`.
LIFECYCLE_FIELDS = tuple(LifecycleBody.model_fields)
_Body = TypeVar("_Body", bound=BaseModel)


@dataclass(frozen=True)
class IntakeLimits:
    max_bytes: int
    max_depth: int

    @classmethod
    def from_settings(cls, settings: Settings) -> IntakeLimits:
        return cls(max_bytes=settings.max_event_bytes, max_depth=settings.max_event_depth)


def lifecycle_event(body: Any, received_at: datetime, limits: IntakeLimits) -> NewEvent:
    """A CTO.ai lifecycle event from its JSON body (`event_name`, `event_action`, …)."""
    fields = _Fields(body)
    checked = fields.model(LifecycleBody)
    fields.check_limits(limits)
    # Read from the body as sent, so that this rule is checked even when other fields fail.
    name, action = fields.body.get("event_name"), fields.body.get("event_action")
    canonical = canonical_lifecycle_name(name) if isinstance(name, str) else None
    if canonical is not None and (action is None or isinstance(action, str)):
        action = _known_action(fields, canonical, action)
    fields.raise_if_invalid()
    assert checked is not None, "a body that failed its model has errors"
    data = {key: value for key, value in fields.body.items() if key not in LIFECYCLE_FIELDS}
    return NewEvent(
        source=EventSource.LIFECYCLE,
        type=canonical or checked.event_name,
        action=action,
        team_id=checked.team_id,
        repo=checked.repo,
        branch=checked.branch,
        commit=checked.commit,
        timestamp=checked.timestamp or received_at,
        data=data,
        raw=fields.body,
    )


def flexdeploy_event(message: Any, received_at: datetime, limits: IntakeLimits) -> NewEvent:
    """A FlexDeploy event message (`eventType`, `actor`, `object`, `timestamp`, `payload`)."""
    fields = _Fields(message)
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


def _known_action(fields: _Fields, name: str, action: str | None) -> str | None:
    allowed = LIFECYCLE_ACTIONS[name]
    folded = action.strip().lower() if action is not None else None
    if folded in allowed:
        return folded
    got = "missing" if action is None else f"got {action!r}"
    fields.fail(("event_action",), f"{name} events take one of {', '.join(allowed)} ({got})")
    return None


def _check_payload(fields: _Fields, model: type[Any], payload: Any) -> None:
    try:
        model.model_validate(payload)
    except ValidationError as error:
        fields.errors += [
            FieldError(("payload", *problem.path), problem.message)
            for problem in field_problems(error.errors())
        ]


class _Fields:
    """Reads one JSON object, collecting every problem before giving up."""

    def __init__(self, body: Any) -> None:
        self.errors: list[FieldError] = []
        if isinstance(body, Mapping):
            self.body: dict[str, Any] = dict(body)
        else:
            self.body = {}
            self.fail((), "the event must be a JSON object")

    def fail(self, path: tuple[str | int, ...], message: str) -> None:
        self.errors.append(FieldError(path, message))

    def model(self, shape: type[_Body]) -> _Body | None:
        """The body read as `shape`, or None with each bad field's problem noted."""
        if self.errors:
            return None
        try:
            return shape.model_validate(self.body)
        except ValidationError as error:
            self.errors += field_problems(error.errors())
            return None

    def check_limits(self, limits: IntakeLimits) -> None:
        deep = check_json_value(self.body, (), max_depth=limits.max_depth)
        self.errors.extend(deep)
        if not deep:
            self.errors.extend(check_json_size(self.body, max_bytes=limits.max_bytes))

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)
