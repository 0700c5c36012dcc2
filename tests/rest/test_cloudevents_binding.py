"""The CloudEvents 1.0 HTTP binding as pure functions: requests in, stored events out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

# jsonschema ships no type information (nor does the project install its stubs).
from jsonschema import Draft7Validator, FormatChecker  # type: ignore[import-untyped]
from starlette.datastructures import Headers

from app.errors import FieldPath, InvalidInput
from app.events import StoredEvent
from app.rest.cloudevents import (
    BATCH,
    STRUCTURED,
    cloudevent_of,
    cloudevents_batch,
    cloudevents_from_http,
)

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "data" / "cloudevents-1.0.schema.json").read_text()
)
VALIDATOR = Draft7Validator(SCHEMA, format_checker=FormatChecker())

# The CDEvents binding's own example (cloudevents-binding.md), in binary mode.
CDEVENT = {
    "context": {
        "specversion": "0.5.1",
        "id": "A234-1234-1234",
        "source": "/staging/tekton/",
        "type": "dev.cdevents.taskrun.started.0.1.1",
        "timestamp": "2018-04-05T17:31:00Z",
    },
    "subject": {
        "id": "/namespace/taskrun-123",
        "content": {"task": "my-task", "uri": "/apis/tekton.dev/v1beta1/taskruns/my-taskrun-123"},
    },
}
CDEVENT_HEADERS = {
    "ce-specversion": "1.0",
    "ce-type": "dev.cdevents.taskrun.started.0.1.1",
    "ce-time": "2018-04-05T17:31:00Z",
    "ce-id": "A234-1234-1234",
    "ce-source": "/staging/tekton/",
    "ce-subject": "/namespace/taskrun-123",
    "Content-Type": "application/json; charset=utf-8",
}
MINIMAL = {"specversion": "1.0", "id": "e-1", "source": "/tests", "type": "com.example.t"}


def errors_of(headers: Any, body: bytes) -> dict[FieldPath, str]:
    with pytest.raises(InvalidInput) as caught:
        cloudevents_from_http(headers, body)
    return {error.path: error.message for error in caught.value.errors}


def structured(event: Any, media: str = STRUCTURED) -> tuple[list[dict[str, Any]], bool]:
    return cloudevents_from_http({"content-type": media}, json.dumps(event).encode())


# Reading requests


def test_binary_mode_reads_headers_of_any_case_and_keeps_the_content_type_as_sent() -> None:
    headers = {name.upper(): value for name, value in CDEVENT_HEADERS.items()}
    events, batched = cloudevents_from_http(headers, json.dumps(CDEVENT).encode())
    assert not batched
    assert events == [
        {
            **{name.removeprefix("ce-"): v for name, v in CDEVENT_HEADERS.items() if "ce-" in name},
            "datacontenttype": "application/json; charset=utf-8",
            "data": CDEVENT,
        }
    ]


def test_binary_header_values_are_unquoted_then_percent_decoded() -> None:
    headers = {
        **{f"ce-{name}": value for name, value in MINIMAL.items()},
        "ce-id": "Euro%20%E2%82%AC%20%f0%9f%98%80",
        "ce-comment": '"say \\"hi\\""',
    }
    [event], _ = cloudevents_from_http(headers, b"")
    assert event["id"] == "Euro € 😀"
    assert event["comment"] == 'say "hi"'
    assert "data" not in event, "an empty body is an event without data"
    assert "time" not in event, "no attribute is invented"


def test_structured_mode_accepts_parameters_and_any_case_of_the_media_type() -> None:
    sent = {**MINIMAL, "subject": None, "comexampleothervalue": 5, "data": {"a": [1, None]}}
    events, batched = structured(sent, "Application/CloudEvents+JSON; charset=UTF-8")
    assert not batched
    # A null attribute is an unset one (JSON format 2.2).
    assert events == [{**MINIMAL, "comexampleothervalue": 5, "data": {"a": [1, None]}}]


@pytest.mark.parametrize("data", ["", None, 0, False, []])
def test_structured_data_comes_back_as_the_json_value_sent(data: Any) -> None:
    [event], _ = structured({**MINIMAL, "data": data})
    assert event == {**MINIMAL, "data": data}


def test_batched_mode_reads_every_event_and_an_empty_batch_is_none() -> None:
    second = {**MINIMAL, "id": "e-2", "datacontenttype": "application/vnd.x+json", "data": 1}
    assert structured([MINIMAL, second], f"{BATCH}; charset=utf-8") == ([MINIMAL, second], True)
    assert cloudevents_from_http({"Content-Type": BATCH}, b"[]") == ([], True)


# Refusals: each names where the problem is


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"ce-specversion": None}, ("ce-specversion",), "is required"),
        ({"ce-specversion": "0.3"}, ("ce-specversion",), 'must be "1.0"'),
        ({"ce-id": ""}, ("ce-id",), "must not be empty"),
        ({"ce-source": None}, ("ce-source",), "is required"),
        ({"ce-source": "a%20b c"}, ("ce-source",), "URI-reference"),
        ({"ce-type": None}, ("ce-type",), "is required"),
        ({"ce-time": "2018-02-30T17:31:00Z"}, ("ce-time",), "RFC 3339"),
        ({"ce-time": "yesterday"}, ("ce-time",), "RFC 3339"),
        ({"ce-subject": ""}, ("ce-subject",), "must not be empty"),
        ({"ce-dataschema": "/relative"}, ("ce-dataschema",), "absolute URI"),
        ({"ce-id": "%C0%A0"}, ("ce-id",), "UTF-8"),
        ({"ce-id": "a%0Ab"}, ("ce-id",), "control characters"),
        ({"ce-Bad_Name": "x"}, ("ce-bad_name",), "lower-case letters a-z and digits"),
        ({"ce-data": "x"}, ("ce-data",), "reserved"),
        ({"ce-datacontenttype": "application/json"}, ("ce-datacontenttype",), "Content-Type"),
        ({"Content-Type": "application/xml"}, ("content-type",), "must declare JSON"),
        ({"Content-Type": None}, ("content-type",), "is required with a body"),
    ],
)
def test_binary_refusals_name_the_header(
    change: dict[str, str | None], path: FieldPath, message: str
) -> None:
    headers = {
        name: value for name, value in (CDEVENT_HEADERS | change).items() if value is not None
    }
    errors = errors_of(headers, json.dumps(CDEVENT).encode())
    assert list(errors) == [path]
    assert message in errors[path]


def test_binary_without_any_ce_header_names_each_missing_one() -> None:
    errors = errors_of({"content-type": "application/json"}, b"{}")
    assert set(errors) == {("ce-specversion",), ("ce-id",), ("ce-source",), ("ce-type",)}


def test_a_binary_attribute_sent_twice_is_refused() -> None:
    raw = [(name.lower().encode(), value.encode()) for name, value in CDEVENT_HEADERS.items()]
    headers = Headers(raw=[*raw, (b"ce-id", b"another")])
    assert errors_of(headers, b"{}") == {("ce-id",): "appears more than once"}


def test_malformed_binary_data_is_located_by_line_and_column() -> None:
    errors = errors_of(CDEVENT_HEADERS, b'{\n  "context": }')
    assert list(errors) == [()]
    assert errors[()].startswith("line 2, column 14:")


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"specversion": None}, ("specversion",), "is required"),
        ({"specversion": 1.0}, ("specversion",), "must be a string"),
        ({"id": ""}, ("id",), "must not be empty"),
        ({"id": 7}, ("id",), "must be a string"),
        ({"source": ""}, ("source",), "URI-reference"),
        ({"type": None}, ("type",), "is required"),
        ({"time": "2018-04-05 17:31:00"}, ("time",), "RFC 3339"),
        ({"datacontenttype": "text/plain"}, ("datacontenttype",), "must declare JSON"),
        ({"data_base64": "eyJhIjogMX0="}, ("data_base64",), "CDEvents are JSON"),
        ({"Source2": "x"}, ("Source2",), "lower-case letters a-z and digits"),
        ({"comexample": {"a": 1}}, ("comexample",), "a string, an integer or a boolean"),
        ({"comexample": 1.5}, ("comexample",), "a string, an integer or a boolean"),
        ({"comexample": 2**31}, ("comexample",), "32 bits"),
    ],
)
def test_structured_refusals_name_the_member(
    change: dict[str, Any], path: FieldPath, message: str
) -> None:
    event = {key: value for key, value in (MINIMAL | change).items() if value is not None}
    errors = errors_of({"content-type": STRUCTURED}, json.dumps(event).encode())
    assert list(errors) == [path]
    assert message in errors[path]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"specversion": "1.0",,}', "line 1, column 23:"),
        (b"", "line 1, column 1:"),
        (b'{"id": "a", "id": "b"}', "appears more than once"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_malformed_structured_json_is_refused_as_a_whole(body: bytes, message: str) -> None:
    errors = errors_of({"content-type": STRUCTURED}, body)
    assert list(errors) == [()]
    assert message in errors[()]


def test_a_structured_body_must_be_one_object() -> None:
    assert list(errors_of({"content-type": STRUCTURED}, b"[]")) == [()]


def test_other_cloudevents_formats_are_refused_by_content_type() -> None:
    errors = errors_of({"content-type": "application/cloudevents+avro"}, b"")
    assert list(errors) == [("content-type",)]


def test_a_batch_reports_every_bad_event_by_its_index() -> None:
    batch = [MINIMAL, {**MINIMAL, "id": ""}, "not an event", {"specversion": "1.0", "id": "x"}]
    errors = errors_of({"content-type": BATCH}, json.dumps(batch).encode())
    assert set(errors) == {(1, "id"), (2,), (3, "source"), (3, "type")}


@pytest.mark.parametrize(("body", "message"), [(b"{}", "JSON array"), (b"[{]", "line 1")])
def test_a_batch_that_is_no_array_is_refused_as_a_whole(body: bytes, message: str) -> None:
    errors = errors_of({"content-type": BATCH}, body)
    assert list(errors) == [()]
    assert message in errors[()]


# Stored events out

NOW = datetime(2024, 3, 1, 12, 30, 5, 123000, tzinfo=UTC)


def stored(**fields: Any) -> StoredEvent:
    base: dict[str, Any] = {"id": "65e1c0ffee", "seq": 7, "received_at": NOW, "timestamp": NOW}
    return StoredEvent.model_construct(**(base | fields))


LIFECYCLE_RAW = {"event_name": "deployment", "event_action": "succeeded", "repo": "acme/api"}
FLEXDEPLOY_RAW = {"eventType": "Pipeline Stage Completed", "object": "Stage - 4", "payload": {}}


def lifecycle() -> StoredEvent:
    return stored(
        source="LIFECYCLE",
        type="deployment",
        action="succeeded",
        team_id="team a/b",
        repo="acme/api",
        raw=LIFECYCLE_RAW,
    )


def flexdeploy() -> StoredEvent:
    return stored(
        source="FLEXDEPLOY",
        type="Pipeline Stage Completed",
        object="Stage - 4",
        raw=FLEXDEPLOY_RAW,
    )


def cdevent(attributes: dict[str, Any] | None) -> StoredEvent:
    return stored(
        source="CDEVENTS",
        type="dev.cdevents.taskrun.started.0.1.1",
        team_id="team-a",
        data=attributes,
        raw=CDEVENT,
    )


def received_cdevent() -> StoredEvent:
    """A CDEvent as the ingest path keeps it: attributes as received, the CDEvent as raw."""
    [event], _ = cloudevents_from_http(
        {**CDEVENT_HEADERS, "ce-comexampleextension1": "value"}, json.dumps(CDEVENT).encode()
    )
    return cdevent({key: value for key, value in event.items() if key != "data"})


def test_a_lifecycle_event_maps_to_the_cto_ai_family() -> None:
    assert cloudevent_of(lifecycle()) == {
        "specversion": "1.0",
        "id": "65e1c0ffee",
        "source": "/eventstore/teams/team%20a%2Fb/lifecycle",
        "type": "ai.cto.lifecycle.deployment.succeeded",
        "time": "2024-03-01T12:30:05.123Z",
        "datacontenttype": "application/json",
        "subject": "acme/api",
        "eventstoreid": "65e1c0ffee",
        "data": LIFECYCLE_RAW,
    }


def test_a_flexdeploy_event_maps_to_the_flexagon_family() -> None:
    event = cloudevent_of(flexdeploy())
    assert event["type"] == "com.flexagon.flexdeploy.pipeline-stage-completed"
    assert event["source"] == "/eventstore/teams/-/flexdeploy"
    assert (event["subject"], event["data"]) == ("Stage - 4", FLEXDEPLOY_RAW)


def test_a_time_without_zone_from_the_store_is_utc() -> None:
    naive = lifecycle().model_copy(update={"timestamp": datetime(2024, 3, 1, 12, 30, 5)})
    assert cloudevent_of(naive)["time"] == "2024-03-01T12:30:05.000Z"


def test_a_cdevent_comes_back_with_the_attributes_it_was_received_with() -> None:
    event = cloudevent_of(received_cdevent())
    assert event == {
        **{name.removeprefix("ce-"): v for name, v in CDEVENT_HEADERS.items() if "ce-" in name},
        "datacontenttype": "application/json; charset=utf-8",
        "comexampleextension1": "value",
        "eventstoreid": "65e1c0ffee",
        "data": CDEVENT,
    }


def test_a_cdevent_without_kept_attributes_gets_the_cdevents_binding_ones() -> None:
    event = cloudevent_of(cdevent(None))
    assert event == {
        "specversion": "1.0",
        "id": "A234-1234-1234",
        "source": "/staging/tekton/",
        "type": "dev.cdevents.taskrun.started.0.1.1",
        "time": "2018-04-05T17:31:00Z",
        "subject": "/namespace/taskrun-123",
        "datacontenttype": "application/json",
        "eventstoreid": "65e1c0ffee",
        "data": CDEVENT,
    }


def test_kept_attributes_missing_a_required_one_are_completed_from_the_cdevent() -> None:
    event = cloudevent_of(cdevent({"specversion": "1.0", "type": "t", "comexample": 1}))
    assert event["id"] == "A234-1234-1234"
    assert event["source"] == "/staging/tekton/"
    assert (event["type"], event["comexample"]) == ("t", 1)


@pytest.mark.parametrize(
    "event",
    [lifecycle(), flexdeploy(), received_cdevent(), cdevent(None)],
    ids=["lifecycle", "flexdeploy", "cdevent-as-received", "cdevent-derived"],
)
def test_every_family_is_a_valid_cloudevent_that_reads_back_the_same(event: StoredEvent) -> None:
    out = cloudevent_of(event)
    VALIDATOR.validate(out)
    assert structured(out) == ([out], False)


def test_the_schema_checks_formats_too() -> None:
    """`date-time` is checked (rfc3339-validator is installed): the check above has teeth."""
    assert not VALIDATOR.is_valid({**MINIMAL, "time": "yesterday"})
    assert not VALIDATOR.is_valid({**MINIMAL, "id": ""})


def test_a_batch_body_holds_each_event_and_reads_back() -> None:
    events = [lifecycle(), flexdeploy(), received_cdevent()]
    body = cloudevents_batch(events)
    expected = [cloudevent_of(event) for event in events]
    assert json.loads(body) == expected
    assert cloudevents_from_http({"content-type": BATCH}, body) == (expected, True)
    assert cloudevents_batch([]) == b"[]"
