"""The body of a CTO.ai lifecycle event, as `POST /events` takes it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.families.lifecycle.actions import LIFECYCLE_ACTIONS
from app.intake.bodies import CHECKED, RECEIVE_TIME, EventTime, NamedText

__all__ = ["LIFECYCLE_FIELDS", "LifecycleBody"]


class LifecycleBody(BaseModel):
    """A CTO.ai lifecycle event, as `POST /events` takes it; other keys are the event's data.

    A documented `event_name` (any case, spaces around) takes only its documented actions.
    """

    model_config = ConfigDict(**CHECKED, title="CtoEventBody")

    event_name: NamedText = Field(
        description=f"One of {', '.join(LIFECYCLE_ACTIONS)} (any case), or any custom name."
    )
    event_action: str | None = Field(
        default=None, description="For a documented name, one of its actions (any case)."
    )
    team_id: str | None = None
    commit: str | None = None
    branch: str | None = None
    repo: str | None = None
    timestamp: EventTime | None = Field(default=None, description=RECEIVE_TIME)


# The named fields of a CTO.ai body; any other key is the event's `data`.
LIFECYCLE_FIELDS = tuple(LifecycleBody.model_fields)
