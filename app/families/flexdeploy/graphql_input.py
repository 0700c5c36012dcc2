"""The GraphQL input of a FlexDeploy event message: the message itself, field for field."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from app.errors import FieldPath
from app.intake.bodies import TIMESTAMP_HELP
from app.upstream.strawberry import build_input_by_renaming

__all__ = ["FlexDeployEventInput"]


@strawberry.input(description="A FlexDeploy event message, as FlexDeploy sends it.")
class FlexDeployEventInput:
    event_type: str
    actor: str | None = strawberry.UNSET
    object: str | None = strawberry.UNSET
    timestamp: str | None = strawberry.field(default=strawberry.UNSET, description=TIMESTAMP_HELP)
    payload: JSON | None = strawberry.UNSET

    def to_body(self) -> dict[str, Any]:
        """The FlexDeploy message this input stands for."""
        body: dict[str, Any] = {"eventType": self.event_type}
        for key in ("actor", "object", "timestamp", "payload"):
            value = getattr(self, key)
            if value is not strawberry.UNSET:
                body[key] = value
        return body

    @staticmethod
    def field_path(body_path: FieldPath) -> FieldPath:
        return body_path


# Built by renaming keys: Strawberry's generic conversion is slow for batches.
build_input_by_renaming(FlexDeployEventInput)
