"""What the REST endpoints answer, as typed dicts: mypy checks that the code building an
answer fills its shape, and `/openapi.json` publishes the same shapes' JSON Schema.

`TypedDict` comes from typing_extensions: on Python 3.11 pydantic reads only that one.
"""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

from app.intake.bodies import JSON_VALUE_REF

__all__ = [
    "CloudEventsAccepted",
    "CtoEvent",
    "ErrorAnswer",
    "EventPage",
    "FieldProblem",
    "Health",
    "Readiness",
    "WebhookAccepted",
    "WebhookIgnored",
]

Instant = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
Count = Annotated[int, Field(ge=0)]


@with_config(
    ConfigDict(extra="allow", json_schema_extra={"additionalProperties": {"$ref": JSON_VALUE_REF}})
)
class CtoEvent(TypedDict):
    """A stored lifecycle event in CTO.ai's shape: the body's fields, plus its ids and times.

    Only `id` is certain: `$select` may leave out any other field; fields the body left out
    (or null) are not shown; its further fields follow the named ones.
    """

    id: str
    event_name: NotRequired[str]
    event_action: NotRequired[str]
    team_id: NotRequired[str]
    commit: NotRequired[str]
    branch: NotRequired[str]
    repo: NotRequired[str]
    timestamp: NotRequired[Instant]
    received_at: NotRequired[Instant]


class EventPage(TypedDict):
    """A FeathersJS page of events."""

    total: Count
    limit: Count
    skip: Count
    data: list[CtoEvent]


class WebhookAccepted(TypedDict):
    """An event stored (`created`), or found stored from an earlier delivery: a webhook's
    message, a CloudEvent."""

    id: str
    created: bool


class WebhookIgnored(TypedDict):
    """A webhook delivery that carries no event (a ping), answered and not stored."""

    ignored: str


class CloudEventsAccepted(TypedDict):
    """A batch of CloudEvents stored, each with its stored id, in the batch's order."""

    count: Count
    events: list[WebhookAccepted]


class FieldProblem(TypedDict):
    field: str
    message: str


class ErrorAnswer(TypedDict):
    """Any error, in the shape FeathersJS clients handle; `errors` names each field at fault."""

    name: str
    message: str
    code: int
    className: str
    errors: list[FieldProblem]


class Health(TypedDict):
    status: Literal["ok"]


class Readiness(TypedDict):
    """Ready when MongoDB answers; `liveEvents` says whether live events flow."""

    status: Literal["ready", "unavailable"]
    liveEvents: Literal["ok", "unavailable"]
    reason: NotRequired[str]
