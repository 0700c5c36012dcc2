"""Turning what a client sent into a `NewEvent`, or into errors naming every bad field.

Both edges (GraphQL and REST) call these with the event in its tool's own shape, so the
rules live here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from app.catalog import canonical_flexdeploy_type, canonical_lifecycle_name
from app.catalog.flexdeploy import FLEXDEPLOY_PAYLOADS
from app.catalog.lifecycle import LIFECYCLE_ACTIONS
from app.errors import FieldError, InvalidInput
from app.events import EventSource, NewEvent
from app.json_checks import check_json_size, check_json_value
from app.timestamps import parse_event_time

__all__ = ["LIFECYCLE_FIELDS", "IntakeLimits", "flexdeploy_event", "lifecycle_event"]

# The named fields of a CTO.ai body; any other key is the event's `data`.
LIFECYCLE_FIELDS = (
    "event_name",
    "event_action",
    "team_id",
    "commit",
    "branch",
    "repo",
    "timestamp",
)


@dataclass(frozen=True)
class IntakeLimits:
    max_bytes: int
    max_depth: int


def lifecycle_event(body: Any, received_at: datetime, limits: IntakeLimits) -> NewEvent:
    """A CTO.ai lifecycle event from its JSON body (`event_name`, `event_action`, …)."""
    fields = _Fields(body)
    name = fields.text("event_name", required=True)
    action = fields.text("event_action")
    strings = {key: fields.text(key) for key in ("team_id", "commit", "branch", "repo")}
    timestamp = fields.timestamp("timestamp", received_at)
    fields.check_limits(limits)
    canonical = canonical_lifecycle_name(name) if name else None
    if canonical is not None:
        action = _known_action(fields, canonical, action)
    fields.raise_if_invalid()
    data = {key: value for key, value in fields.body.items() if key not in LIFECYCLE_FIELDS}
    return NewEvent(
        source=EventSource.LIFECYCLE,
        type=canonical or str(name),
        action=action,
        team_id=strings["team_id"],
        repo=strings["repo"],
        branch=strings["branch"],
        commit=strings["commit"],
        timestamp=timestamp,
        data=data,
        raw=fields.body,
    )


def flexdeploy_event(message: Any, received_at: datetime, limits: IntakeLimits) -> NewEvent:
    """A FlexDeploy event message (`eventType`, `actor`, `object`, `timestamp`, `payload`)."""
    fields = _Fields(message)
    event_type = fields.text("eventType", required=True)
    actor = fields.text("actor")
    target = fields.text("object")
    timestamp = fields.timestamp("timestamp", received_at)
    payload = fields.body.get("payload")
    fields.check_limits(limits)
    canonical = canonical_flexdeploy_type(event_type) if event_type else None
    if payload is not None and not isinstance(payload, Mapping):
        fields.fail(("payload",), "must be an object or null")
    elif canonical is not None and payload is not None:
        _check_payload(fields, FLEXDEPLOY_PAYLOADS[canonical], payload)
    fields.raise_if_invalid()
    return NewEvent(
        source=EventSource.FLEXDEPLOY,
        type=canonical or str(event_type),
        actor=actor,
        object=target,
        timestamp=timestamp,
        payload=payload,
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
        for problem in error.errors():
            fields.fail(("payload", *problem["loc"]), _pydantic_message(problem["msg"]))


class _Fields:
    """Reads fields of one JSON object, collecting every problem before giving up."""

    def __init__(self, body: Any) -> None:
        self.errors: list[FieldError] = []
        if isinstance(body, Mapping):
            self.body: dict[str, Any] = dict(body)
        else:
            self.body = {}
            self.fail((), "the event must be a JSON object")

    def fail(self, path: tuple[str | int, ...], message: str) -> None:
        self.errors.append(FieldError(path, message))

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.body.get(key)
        if value is None:
            if required:
                self.fail((key,), "is required")
            return None
        if not isinstance(value, str):
            self.fail((key,), f"must be a string, got {type(value).__name__}")
            return None
        if required and not value.strip():
            self.fail((key,), "must not be empty")
            return None
        return value

    def timestamp(self, key: str, default: datetime) -> datetime:
        value = self.body.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            self.fail((key,), "must be a timestamp string")
            return default
        try:
            return parse_event_time(value)
        except ValueError as error:
            self.fail((key,), str(error))
            return default

    def check_limits(self, limits: IntakeLimits) -> None:
        deep = check_json_value(self.body, (), max_depth=limits.max_depth)
        self.errors.extend(deep)
        if not deep:
            self.errors.extend(check_json_size(self.body, max_bytes=limits.max_bytes))

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


def _pydantic_message(message: str) -> str:
    # Pydantic says "Input should be a valid integer"; the path already names the input.
    return message.removeprefix("Input ").replace("should be", "must be", 1)
