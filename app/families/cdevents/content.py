"""What the CDEvents catalog adds to the spec's schemas: each type's readable names and
description, the lenient pydantic model of its `subject.content`, and how a schema's
complaints about an event read (formats checked, messages a client can act on).

The content models are lenient: a consumer reads what a producer sent even when it sends
more, so every field is optional and unknown fields are kept. Checking that required fields
are there is the schema's job (`check_cdevent`).
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

# jsonschema ships no type information (types-jsonschema is not a dependency).
from jsonschema import FormatChecker  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, create_model

from app.errors import FieldError
from app.text_formats import is_absolute_uri, is_rfc3339, is_uri_reference
from app.timestamps import parse_event_time

__all__ = [
    "FORMATS",
    "CDEventContent",
    "content_model",
    "description_of",
    "field_errors",
    "graphql_name_of",
]


class CDEventContent(BaseModel):
    """Base of every generated content model: lenient, keeps what it does not know."""

    model_config = ConfigDict(extra="allow", frozen=True)


# How the spec writes the subjects whose type strings are all lower case.
_SUBJECT_NAMES = MappingProxyType(
    {
        "pipelinerun": "PipelineRun",
        "taskrun": "TaskRun",
        "testcaserun": "TestCaseRun",
        "testsuiterun": "TestSuiteRun",
        "testoutput": "TestOutput",
    }
)

# The spec's description of each event, cut to what happened (the spec's files on the
# continuous delivery stages say "This event represents ..." for each type).
_DESCRIPTIONS = MappingProxyType(
    {
        "pipelinerun.queued": "a pipelineRun was queued, waiting for resources to run",
        "pipelinerun.started": "a pipelineRun started and is running",
        "pipelinerun.finished": "a pipelineRun finished, successfully or not",
        "taskrun.started": "a taskRun started and is running",
        "taskrun.finished": "a taskRun finished, successfully or not",
        "environment.created": "an environment that services can be deployed to was created",
        "environment.modified": "an environment was modified",
        "environment.deleted": "an environment was deleted",
        "service.deployed": "a new instance of a service was deployed to an environment",
        "service.upgraded": "an instance of a service was upgraded to a new version",
        "service.rolledback": "an instance of a service was rolled back to a previous version",
        "service.removed": "a deployed service instance was removed from its environment",
        "service.published": "an instance of a service has a URL users can reach it at",
        "build.queued": "a build, which usually produces a binary from source code, was queued",
        "build.started": "a build, which usually produces a binary from source code, started",
        "build.finished": "a build finished",
        "artifact.packaged": "an artifact was packaged for distribution, with a fixed version",
        "artifact.signed": "an artifact was signed; the event carries the signature",
        "artifact.published": "an artifact was published for others to use",
        "artifact.downloaded": "an artifact was downloaded from its registry",
        "artifact.deleted": "an artifact was deleted from its registry",
        "incident.detected": "an incident was detected by a system or a person",
        "incident.reported": "an incident was reported through a ticketing system",
        "incident.resolved": "an incident was resolved: its problem was solved or recalled",
        "ticket.created": "a ticket was created in a ticketing system",
        "ticket.updated": "a ticket was updated in a ticketing system",
        "ticket.closed": "a ticket was closed or resolved in a ticketing system",
        "repository.created": "a source code repository was created",
        "repository.modified": "a source code repository changed attributes such as its owner",
        "repository.deleted": "a source code repository was deleted",
        "branch.created": "a branch was created in a repository",
        "branch.deleted": "a branch was deleted from a repository",
        "change.created": "a source code change (pull or merge request) was submitted",
        "change.reviewed": "a person or a system reviewed a source code change",
        "change.merged": "a change was merged into the branch it was submitted to",
        "change.abandoned": "a change was abandoned after being inactive",
        "change.updated": "a change was updated, e.g. a commit was added to it",
        "testcaserun.queued": "a testCaseRun was queued, waiting for its preconditions",
        "testcaserun.started": "a testCaseRun started",
        "testcaserun.finished": "a testCaseRun finished, with its outcome",
        "testcaserun.skipped": "a testCaseRun was skipped before it was queued or started",
        "testsuiterun.queued": "a testSuiteRun was queued, waiting for its preconditions",
        "testsuiterun.started": "a testSuiteRun started",
        "testsuiterun.finished": "a testSuiteRun finished, with its outcome",
        "testoutput.published": "an output of a test run (report, log, video...) was published",
    }
)

_SIMPLE_TYPES: Mapping[str, type] = MappingProxyType(
    {"string": str, "integer": int, "number": float, "boolean": bool}
)
# A field must be a GraphQL name as it is (strawberry keeps a camelCase name as it is), a
# Python identifier pydantic takes as a field, and no attribute of BaseModel it would shadow.
_GRAPHQL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def graphql_name_of(subject: str, predicate: str) -> str:
    """`pipelinerun`, `finished` → `PipelineRunFinishedCDEvent`: the spec's spelling."""
    return f"{_pascal(subject)}{predicate.capitalize()}CDEvent"


def description_of(subject: str, predicate: str, version: str) -> str:
    """One line for the GraphQL schema, in the spec's words."""
    return (
        f"CDEvents `{subject}.{predicate}` ({version}): {_DESCRIPTIONS[subject + '.' + predicate]}."
    )


def content_model(
    subject: str, predicate: str, version: str, schema: Mapping[str, Any]
) -> type[CDEventContent]:
    """The lenient model of `subject.content` described by `schema`, named for its type
    (`ServiceDeployedContent`) so that the GraphQL types generated from it are unique."""
    name = f"{_pascal(subject)}{predicate.capitalize()}Content"
    return _object_model(name, f"CDEvents `{subject}.{predicate}` ({version})", "content", schema)


def _pascal(subject: str) -> str:
    return _SUBJECT_NAMES.get(subject, subject.capitalize())


def _object_model(
    name: str, event: str, path: str, schema: Mapping[str, Any]
) -> type[CDEventContent]:
    """`name`, a model of the object at `path` (`content.environment`) of `event`."""
    fields: dict[str, Any] = {}
    for prop, sub in schema.get("properties", {}).items():
        if not _GRAPHQL_NAME.fullmatch(prop) or keyword.iskeyword(prop) or hasattr(BaseModel, prop):
            raise ValueError(f"{name}: property {prop!r} cannot be a GraphQL and pydantic field")
        value = _value_type(name + prop[0].upper() + prop[1:], event, f"{path}.{prop}", sub)
        fields[prop] = (value if value is Any else value | None, None)
    model: type[CDEventContent] = create_model(
        name, __base__=CDEventContent, __doc__=f"`{path}` of a {event} event.", **fields
    )
    return model


def _value_type(name: str, event: str, path: str, schema: Mapping[str, Any]) -> Any:
    """The type of one value; `Any` (JSON in GraphQL) where the schema allows several
    shapes or does not say."""
    json_type = _json_type(schema)
    if json_type is not None and json_type in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[json_type]
    if json_type == "object" and schema.get("properties"):
        return _object_model(name, event, path, schema)
    if json_type == "array" and isinstance(schema.get("items"), Mapping):
        item = _value_type(name + "Item", event, path + "[]", schema["items"])
        return list[item]  # type: ignore[valid-type]
    return Any


def _json_type(schema: Mapping[str, Any]) -> str | None:
    """The one JSON type `schema` allows: its `type`, or the type all its `anyOf`/`oneOf`
    branches share (ticket priorities are a known value or any string: still a string)."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return declared
    branches = schema.get("anyOf") or schema.get("oneOf")
    if declared is None and isinstance(branches, list) and branches:
        types = {_json_type(branch) for branch in branches}
        if len(types) == 1:
            (only,) = types
            return only if only in _SIMPLE_TYPES else None
    return None


# Formats are checked here rather than by jsonschema's optional packages (rfc3339-validator,
# rfc3987), which the service does not depend on: a check must not vanish with a package.
FORMATS = FormatChecker(formats=())


def _is_date_time(value: object) -> bool:
    # RFC 3339, as CDEvents requires; and a time the service can store, which
    # `parse_event_time` also checks is a real day in the years 2 to 9998.
    if not isinstance(value, str):
        return True
    if not is_rfc3339(value):
        return False
    try:
        parse_event_time(value.replace(":60", ":59"))  # a leap second is still a time
    except ValueError:
        return False
    return True


def _is_uri_reference(value: object) -> bool:
    return not isinstance(value, str) or is_uri_reference(value)


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or is_absolute_uri(value)


FORMATS.checks("date-time")(_is_date_time)
FORMATS.checks("uri-reference")(_is_uri_reference)
FORMATS.checks("uri")(_is_uri)


def field_errors(error: ValidationError, patterns: Mapping[str, str]) -> list[FieldError]:
    """`error` as field errors: a missing or unknown property is named in the path."""
    path = tuple(error.absolute_path)
    instance, schema = error.instance, error.schema
    if error.validator == "required" and isinstance(instance, dict):
        properties = schema.get("properties", {})
        missing = [name for name in error.validator_value if name not in instance]
        return [
            FieldError((*path, name), "required" + _kind(properties.get(name, {}), ": "))
            for name in missing
        ]
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(schema.get("properties", {}))
        known = "allowed: " + ", ".join(allowed) if allowed else "this object takes none"
        return [
            FieldError((*path, name), f"unknown property; {known}")
            for name in instance
            if name not in allowed
        ]
    if error.validator in ("anyOf", "oneOf") and error.context:
        kinds = {_kind(sub.schema) for sub in error.context if sub.validator == "type"}
        if len(kinds) == len(error.context) and "" not in kinds:
            return [FieldError(path, "must be " + " or ".join(sorted(kinds)))]
        # The branch the value comes closest to (fewest problems) is the one it meant: a
        # link of type END is reported against the END link's schema.
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        closest = min(branches.values(), key=len)
        return [found for sub in closest for found in field_errors(sub, patterns)]
    return [FieldError(path, _message(error, patterns))]


_TYPE_WORDS = MappingProxyType(
    {
        "string": "a string",
        "object": "an object",
        "array": "an array",
        "integer": "an integer",
        "number": "a number",
        "boolean": "true or false",
        "null": "null",
    }
)
_FORMAT_MESSAGES = MappingProxyType(
    {
        "date-time": "must be an RFC 3339 date-time in the years 2 to 9998, "
        "e.g. 2026-11-01T10:00:00Z",
        "uri": "must be an absolute URI (RFC 3986), e.g. https://ci.example.com/runs/42",
        "uri-reference": "must be a URI reference (RFC 3986), e.g. /tekton/my-cluster",
    }
)


def _kind(schema: Mapping[str, Any], prefix: str = "") -> str:
    """`a string`, from a schema's `type` ("" when it names none)."""
    word = _TYPE_WORDS.get(schema.get("type", ""), "")
    return prefix + word if word else ""


def _message(error: ValidationError, patterns: Mapping[str, str]) -> str:
    value = error.validator_value
    if error.validator == "type":
        return "must be " + _kind(error.schema)
    if error.validator == "enum":
        return "must be one of: " + ", ".join(json.dumps(v) for v in value)
    if error.validator == "minLength":
        return "must not be empty" if value == 1 else f"must have at least {value} characters"
    if error.validator == "format":
        return _FORMAT_MESSAGES.get(value, f"must be a {value}")
    if error.validator == "pattern":
        return patterns.get(value, f"must match the pattern {value}")
    return str(error.message)
