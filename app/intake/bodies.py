"""The JSON bodies delivery tools send, as pydantic models: the rules of their named fields.

`app.intake` validates every body with these (for REST and GraphQL alike) and `/openapi.json`
publishes their JSON Schema, so what is documented is what is checked. A rule is written once,
as a pattern or type pydantic both applies and describes; messages are the service's own
(`field_problems`). Values beside the named fields are any JSON the event limits take
(`app.intake.json_checks`), described by `JSON_VALUE_REF`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic_core import ErrorDetails, PydanticCustomError

from app.catalog.lifecycle import LIFECYCLE_ACTIONS
from app.errors import FieldError
from app.timestamps import TIMESTAMP_PATTERN, parse_event_time

__all__ = [
    "JSON_VALUE_REF",
    "SCHEMA_REF",
    "CDEventBody",
    "CloudEventBody",
    "EventTime",
    "FlexDeployMessage",
    "LifecycleBody",
    "field_problems",
]

# Where the published document keeps each schema; `{model}` is the schema's name.
SCHEMA_REF = "#/components/schemas/{model}"
JSON_VALUE_REF = SCHEMA_REF.format(model="JsonValue")
# Holds something besides whitespace (Python's `\s`, as `str.strip` counts it).
NOT_BLANK = r"\S"
_NOT_BLANK = re.compile(NOT_BLANK)


def _not_blank(value: str) -> str:
    if _NOT_BLANK.search(value) is None:
        raise PydanticCustomError("blank", "must not be empty")
    return value


def _event_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise PydanticCustomError("timestamp_type", "must be a timestamp string")
    try:
        return parse_event_time(value)
    except ValueError as error:
        raise PydanticCustomError("timestamp", "{reason}", {"reason": str(error)}) from None


NamedText = Annotated[
    str, AfterValidator(_not_blank), Field(json_schema_extra={"pattern": NOT_BLANK})
]
EventTime = Annotated[
    datetime,
    PlainValidator(_event_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": TIMESTAMP_PATTERN,
            "description": "ISO-8601 (`2023-10-18T05:45:44-05:00`, or a date; no zone is UTC) "
            "or FlexDeploy's `2023-10-18 05:45:44 -0500`, years 2 to 9998.",
        }
    ),
]
JsonObject = Annotated[
    dict[str, Any],
    WithJsonSchema({"type": "object", "additionalProperties": {"$ref": JSON_VALUE_REF}}),
]
_RECEIVE_TIME = "When it happened; null or absent is the time it was received."
_CHECKED = ConfigDict(
    extra="allow",
    json_schema_extra={"additionalProperties": {"$ref": JSON_VALUE_REF}},
)


class LifecycleBody(BaseModel):
    """A CTO.ai lifecycle event, as `POST /events` takes it; other keys are the event's data.

    A documented `event_name` (any case, spaces around) takes only its documented actions.
    """

    model_config = ConfigDict(**_CHECKED, title="CtoEventBody")

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
    timestamp: EventTime | None = Field(default=None, description=_RECEIVE_TIME)


class FlexDeployMessage(BaseModel):
    """A FlexDeploy event message, as FlexDeploy sends it to any webhook."""

    model_config = ConfigDict(**_CHECKED, title="FlexDeployMessage")

    eventType: NamedText = Field(description="A documented type (any case), or any other.")
    actor: str | None = None
    object: str | None = None
    timestamp: EventTime | None = Field(default=None, description=_RECEIVE_TIME)
    payload: JsonObject | None = Field(
        default=None, description="A documented type's payload is checked against its fields."
    )


class CDEventBody(BaseModel):
    """A CDEvent: its `context` and `subject` are checked against its type's schema of CDEvents
    0.5.1 (every problem named by its path); `dev.cdeventsx.*` types keep any content."""

    model_config = ConfigDict(**_CHECKED, title="CDEvent")

    context: JsonObject = Field(
        description="`specversion`, `id`, `source`, `type` (`dev.cdevents.<subject>."
        "<predicate>.<version>`), `timestamp`; optional `schemaUri`, `chainId`, `links`."
    )
    subject: JsonObject = Field(description="`id`, optional `source`, and the type's `content`.")
    customData: Any = None
    customDataContentType: str | None = None


class CloudEventBody(BaseModel):
    """A CloudEvent in the JSON format carrying a CDEvent (structured mode; a batch is an
    array of these). Its `source` and `id` are its idempotency key."""

    model_config = ConfigDict(**_CHECKED, title="CloudEvent")

    specversion: Literal["1.0"]
    id: NamedText
    source: NamedText = Field(description="A URI-reference.")
    type: NamedText = Field(description="The CDEvent's `context.type`.")
    subject: str | None = None
    time: str | None = Field(default=None, description="RFC 3339.")
    datacontenttype: str | None = Field(default=None, description="A JSON media type.")
    dataschema: str | None = None
    data: CDEventBody


def field_problems(errors: Iterable[ErrorDetails]) -> list[FieldError]:
    """Pydantic's errors as the service words them, each at its field."""
    return [FieldError(tuple(error["loc"]), _message(error)) for error in errors]


def _message(error: ErrorDetails) -> str:
    kind, given = error["type"], error.get("input")
    if kind == "missing" or (kind == "string_type" and given is None):
        return "is required"
    if kind == "string_type":
        return f"must be a string, got {type(given).__name__}"
    if kind == "dict_type":
        return "must be an object or null"
    # Pydantic says "Input should be a valid integer"; the path already names the input.
    return error["msg"].removeprefix("Input ").replace("should be", "must be", 1)
