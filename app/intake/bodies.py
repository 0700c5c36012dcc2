"""The parts every family's body model is made of: the rules of the named fields.

Each family validates its bodies with a pydantic model built of these (for REST and GraphQL
alike) and `/openapi.json` publishes their JSON Schema, so what is documented is what is
checked. A rule is written once,
as a pattern or type pydantic both applies and describes; messages are the service's own
(`field_problems`). Values beside the named fields are any JSON the event limits take
(`app.intake.json_checks`), described by `JSON_VALUE_REF`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic_core import ErrorDetails, PydanticCustomError

from app.errors import FieldError
from app.timestamps import TIMESTAMP_PATTERN, parse_event_time

__all__ = [
    "CHECKED",
    "IDEMPOTENCY_HEADER",
    "JSON_VALUE_REF",
    "MAX_KEY_LENGTH",
    "NOT_BLANK",
    "RECEIVE_TIME",
    "SCHEMA_REF",
    "TIMESTAMP_HELP",
    "EventTime",
    "JsonObject",
    "KeyText",
    "NamedText",
    "field_problems",
    "is_blank",
]

# Where the published document keeps each schema; `{model}` is the schema's name.
SCHEMA_REF = "#/components/schemas/{model}"
JSON_VALUE_REF = SCHEMA_REF.format(model="JsonValue")
# Holds something besides whitespace, as Python's `\s` and ECMA-262's (which JSON Schema's
# patterns follow, and so every client that checks them) both count it: they differ on
# U+001C-U+001F and U+0085 (whitespace to Python only) and U+FEFF (to ECMA-262 only), so the
# class names those too, and a value is blank by the one rule or by neither.
NOT_BLANK = r"[^\s\x1c-\x1f\x85\ufeff]"
_NOT_BLANK = re.compile(NOT_BLANK)


def is_blank(text: str) -> bool:
    """Whether `text` holds nothing besides whitespace, by `NOT_BLANK`'s rule."""
    return _NOT_BLANK.search(text) is None


def _not_blank(value: str) -> str:
    if is_blank(value):
        raise PydanticCustomError("blank", "must not be empty")
    return value


def _event_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise PydanticCustomError("timestamp_type", "must be a timestamp string")
    try:
        return parse_event_time(value)
    except ValueError as error:
        raise PydanticCustomError("timestamp", "{reason}", {"reason": str(error)}) from None


# An idempotency key's rules (`app.access.teams.scoped_key` applies them): not blank, at most
# this long, no control characters (they join a batch's key to its events' indexes).
MAX_KEY_LENGTH = 256
# A key a tool sends in its body (a webhook's event id), as the published schema states it.
KeyText = Annotated[
    str,
    AfterValidator(_not_blank),
    Field(
        max_length=MAX_KEY_LENGTH,
        json_schema_extra={
            "pattern": r"^[^\u0000-\u001f]*[^\s\u0000-\u001f\u0085\ufeff][^\u0000-\u001f]*$"
        },
    ),
]

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
RECEIVE_TIME = "When it happened; null or absent is the time it was received."
# Where an HTTP client names its retry key (`POST /events`, a webhook that takes one).
IDEMPOTENCY_HEADER = "Idempotency-Key"
# The same rule, for an input that takes the timestamp as a string.
TIMESTAMP_HELP = "`2023-10-18 05:45:44 -0500` (FlexDeploy), ISO-8601, or null for now."
CHECKED = ConfigDict(
    extra="allow",
    json_schema_extra={"additionalProperties": {"$ref": JSON_VALUE_REF}},
)


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
