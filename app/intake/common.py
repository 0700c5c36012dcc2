"""What every family's intake shares: its limits, and reading a JSON object while collecting
every problem before giving up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.config import Settings
from app.errors import FieldError, InvalidInput
from app.intake.bodies import field_problems
from app.intake.json_checks import check_json_size, check_json_value

__all__ = ["BodyFields", "IntakeLimits"]

_Body = TypeVar("_Body", bound=BaseModel)


@dataclass(frozen=True)
class IntakeLimits:
    max_bytes: int
    max_depth: int

    @classmethod
    def from_settings(cls, settings: Settings) -> IntakeLimits:
        return cls(max_bytes=settings.max_event_bytes, max_depth=settings.max_event_depth)


class BodyFields:
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
