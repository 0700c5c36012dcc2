"""CloudEvents 1.0 over HTTP: the events a request carries, and stored events as CloudEvents.

A request is read in the mode its Content-Type names, as the HTTP binding says: structured
(`application/cloudevents+json`), batched (`application/cloudevents-batch+json`, a JSON array
of structured events, possibly empty), and otherwise binary (`ce-*` headers, the body is the
data, Content-Type is `datacontenttype`). Every event comes out in the JSON format's shape.

The CloudEvents SDK (`cloudevents.http.from_http`) converts, but checks little: it invents a
missing `time`, accepts specversion 0.3, lower-cases member names, leaves header values
percent-encoded, and picks binary mode whenever the four required `ce-` headers are there,
whatever the Content-Type. So the rules a sender can break are checked here first, each error
naming the header (`ce-id`), member (`id`) or batch item (`0.id`) at fault, and the SDK is only
handed what passed, in the one mode chosen here. Data must be JSON: CDEvents are JSON.

The way out (`cloudevent_of`, `cloudevents_batch`) lives in `app.cloudevents.outbound`, with the
mapping of each family of stored events to CloudEvents attributes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from cloudevents import exceptions as cloud_exceptions
from cloudevents.http import from_http
from cloudevents.sdk import exceptions as sdk_exceptions

from app.cloudevents.outbound import cloudevent_of, cloudevents_batch
from app.errors import FieldError, FieldPath, InvalidInput, MalformedJson
from app.text_formats import is_absolute_uri, is_rfc3339, is_uri_reference
from app.web.json_input import JsonRefused, decode
from app.web.media_types import media_type

__all__ = ["BATCH", "STRUCTURED", "cloudevent_of", "cloudevents_batch", "cloudevents_from_http"]

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"

Locate = Callable[[str], FieldPath]

_REQUIRED = ("specversion", "id", "source", "type")
_DATA_MEMBERS = frozenset({"data", "data_base64"})
_NAME = re.compile(r"[a-z0-9]+")
# The spec's String type excludes control characters (and HTTP headers cannot carry them).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# RFC 3986's characters: unreserved, reserved and `%`; anything else must be percent-encoded.
_INT32 = range(-(2**31), 2**31)
# What the SDK raises, beyond its own GenericException family, on input it cannot convert.
_SDK_ERRORS = (
    cloud_exceptions.GenericException,
    sdk_exceptions.UnsupportedEventConverter,
    sdk_exceptions.UnsupportedEvent,
    ValueError,
)


def cloudevents_from_http(
    headers: Mapping[str, str], body: bytes
) -> tuple[list[dict[str, Any]], bool]:
    """The CloudEvents a request carries, each in the JSON format's shape (attributes at the
    top, `data` the decoded JSON value), and whether the request was batched.

    Raises InvalidInput naming every problem found; a batch is refused as a whole.
    """
    # `items()`, not a dict: a multi-valued header (two `ce-id`) must be seen to be refused.
    pairs = [(name.lower(), value) for name, value in headers.items()]
    content_type = next((value for name, value in pairs if name == "content-type"), None)
    media = media_type(content_type)
    if media.startswith("application/cloudevents-batch"):
        _expect_format(media, BATCH)
        return _batch(body), True
    if media.startswith("application/cloudevents"):
        _expect_format(media, STRUCTURED)
        return [_structured(_json(body, ()), ())], False
    return [_binary(pairs, content_type, body)], False


def _batch(body: bytes) -> list[dict[str, Any]]:
    items = _json(body, ())
    if not isinstance(items, list):
        raise InvalidInput([FieldError((), "a batch must be a JSON array of CloudEvents")])
    events: list[dict[str, Any]] = []
    failures: list[InvalidInput] = []
    for index, item in enumerate(items):
        try:
            events.append(_structured(item, (index,)))
        except InvalidInput as invalid:
            failures.append(invalid)
    if failures:
        raise InvalidInput.merge(failures)
    return events


def _structured(item: Any, prefix: FieldPath) -> dict[str, Any]:
    """One event of the JSON format, already decoded; `prefix` locates it in the body."""
    if not isinstance(item, dict):
        raise InvalidInput([FieldError(prefix, "must be a JSON object: one CloudEvent")])
    # A null member is an unset attribute (JSON format 2.2); a null `data` is data, though.
    attributes = {k: v for k, v in item.items() if k not in _DATA_MEMBERS and v is not None}
    errors = _attribute_errors(attributes, lambda name: (*prefix, name))
    if item.get("data_base64") is not None:
        message = "binary data is not accepted: CDEvents are JSON, sent as `data`"
        errors.append(FieldError((*prefix, "data_base64"), message))
    if errors:
        raise InvalidInput(errors)
    sent = attributes | ({"data": item["data"]} if "data" in item else {})
    return _convert({"content-type": STRUCTURED}, json.dumps(sent).encode(), attributes, prefix)


def _binary(pairs: list[tuple[str, str]], content_type: str | None, body: bytes) -> dict[str, Any]:
    """One event of the binary mode: attributes in `ce-` headers, the data in the body."""
    errors: list[FieldError] = []
    attributes: dict[str, Any] = {}
    seen: set[str] = set()
    for header, raw in pairs:
        if not header.startswith("ce-"):
            continue
        if header in seen:
            errors.append(FieldError((header,), "appears more than once"))
        elif header == "ce-datacontenttype":
            message = "must not be sent in binary mode: Content-Type carries the data's type"
            errors.append(FieldError((header,), message))
        elif (value := _header_value(raw)) is None:
            errors.append(FieldError((header,), "is not valid percent-encoded UTF-8"))
        else:
            attributes[header.removeprefix("ce-")] = value
        seen.add(header)
    if content_type is not None:
        attributes["datacontenttype"] = content_type
    elif body:
        message = "is required with a body: the data must be declared JSON (application/json)"
        errors.append(FieldError(("content-type",), message))
    # A header already refused for its encoding is not also reported missing.
    refused = {error.path for error in errors}
    errors.extend(e for e in _attribute_errors(attributes, _header_of) if e.path not in refused)
    if errors:
        raise InvalidInput(errors)
    sdk_headers = {_header(name): value for name, value in attributes.items()}
    return _convert(sdk_headers, body, attributes, ())


def _header(name: str) -> str:
    return "content-type" if name == "datacontenttype" else f"ce-{name}"


def _header_of(name: str) -> FieldPath:
    return (_header(name),)


def _convert(
    headers: dict[str, str], body: bytes, given: Mapping[str, Any], where: FieldPath
) -> dict[str, Any]:
    """The SDK's reading of a checked event, keeping only the attributes that were sent."""
    data = _Data()
    try:
        event = from_http(headers, body, data_unmarshaller=data)
    except _SDK_ERRORS as error:
        # Checked beforehand, so only data the SDK could not decode should land here.
        if isinstance(data.error, json.JSONDecodeError):
            raise MalformedJson([_json_error(data.error, where)]) from None
        raise InvalidInput([FieldError(where, f"not a CloudEvent: {error}")]) from None
    # The SDK invents `time` (and `id`) when absent: what was not sent is not passed on.
    converted = {name: event[name] for name in event if name in given}
    if data.present:
        converted["data"] = data.value
    return converted


class _Data:
    """The SDK's data unmarshaller: the service's JSON reader, remembering what it read.

    The SDK wraps any failure in its own exception and maps an empty string to no data, even
    when that string was the JSON value `""`; this keeps the value and the error as they were.
    """

    def __init__(self) -> None:
        self.present = False
        self.value: Any = None
        self.error: Exception | None = None

    def __call__(self, text: str | bytes) -> Any:
        if not text:
            return None  # an empty binary-mode body: an event without data
        try:
            self.value = decode(text)
        except json.JSONDecodeError as error:
            self.error = error
            raise
        self.present = True
        return self.value


def _attribute_errors(attributes: Mapping[str, Any], locate: Locate) -> list[FieldError]:
    missing = [name for name in _REQUIRED if name not in attributes]
    errors = [FieldError(locate(name), "is required") for name in missing]
    for name, value in attributes.items():
        if problem := _name_problem(name) or _value_problem(name, value):
            errors.append(FieldError(locate(name), problem))
    return errors


def _name_problem(name: str) -> str | None:
    if name == "data":
        return "`data` is reserved and cannot name an attribute"
    if _NAME.fullmatch(name) is None:
        return "is not a CloudEvents attribute name: only lower-case letters a-z and digits"
    return None


_STRING_RULES: dict[str, tuple[Callable[[str], bool], str]] = {
    "specversion": (lambda v: v == "1.0", 'must be "1.0": this service reads CloudEvents 1.0'),
    "id": (bool, "must not be empty"),
    "type": (bool, "must not be empty"),
    "subject": (bool, "must not be empty"),
    "source": (
        lambda v: v != "" and is_uri_reference(v),
        "must be a non-empty URI-reference (RFC 3986): percent-encode other characters",
    ),
    "dataschema": (is_absolute_uri, "must be an absolute URI"),
    "time": (is_rfc3339, "must be an RFC 3339 timestamp (2018-04-05T17:31:00Z)"),
    "datacontenttype": (
        lambda v: _is_json_media(v),
        "must declare JSON data (application/json or a +json type): CDEvents are JSON",
    ),
}


def _value_problem(name: str, value: Any) -> str | None:
    """What is wrong with an attribute's value by the spec's type system, if anything."""
    rule = _STRING_RULES.get(name)
    if isinstance(value, str):
        if _CONTROL.search(value):
            return "must not contain control characters"
        return None if rule is None or rule[0](value) else rule[1]
    if rule is not None:
        return "must be a string"
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if value in _INT32 else "an integer attribute must fit in 32 bits"
    return "an extension attribute must be a string, an integer or a boolean"


def _is_json_media(content_type: str) -> bool:
    kind, _, subtype = media_type(content_type).partition("/")
    return bool(kind) and (subtype == "json" or subtype.endswith("+json"))


def _expect_format(media: str, expected: str) -> None:
    if media != expected:
        message = f"{media} is not a CloudEvents format read here: send {STRUCTURED} or {BATCH}"
        raise InvalidInput([FieldError(("content-type",), message)])


def _header_value(raw: str) -> str | None:
    """A `ce-` header's value: unquoted if double-quoted, then percent-decoded once (HTTP
    binding 3.1.3.2); None when the bytes are not UTF-8 (`%C0%A0` included)."""
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = re.sub(r"\\(.)", r"\1", text[1:-1])
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        return None


def _json(body: bytes, where: FieldPath) -> Any:
    try:
        return decode(body)
    except json.JSONDecodeError as error:
        raise MalformedJson([_json_error(error, where)]) from None


def _json_error(error: json.JSONDecodeError, where: FieldPath) -> FieldError:
    if isinstance(error, JsonRefused):
        return FieldError(where, error.reason)
    return FieldError(where, f"line {error.lineno}, column {error.colno}: {error.msg}")
