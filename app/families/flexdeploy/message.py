"""The body of a FlexDeploy event message, as FlexDeploy sends it to any webhook."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.intake.bodies import CHECKED, RECEIVE_TIME, EventTime, JsonObject, NamedText

__all__ = ["FlexDeployMessage"]


class FlexDeployMessage(BaseModel):
    """A FlexDeploy event message, as FlexDeploy sends it to any webhook."""

    model_config = ConfigDict(**CHECKED, title="FlexDeployMessage")

    eventType: NamedText = Field(description="A documented type (any case), or any other.")
    actor: str | None = None
    object: str | None = None
    timestamp: EventTime | None = Field(default=None, description=RECEIVE_TIME)
    payload: JsonObject | None = Field(
        default=None, description="A documented type's payload is checked against its fields."
    )
