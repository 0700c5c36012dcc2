"""The CDEvents 0.5.1 catalog: one entry per schema, examples that pass, problems named where
they are."""

from __future__ import annotations

import copy
import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from pydantic import BaseModel

from app.errors import FieldError
from app.families.cdevents.types import (
    CDEVENT_TYPES,
    CUSTOM_PREFIX,
    SPEC_VERSION,
    cdevent_type_of,
    check_cdevent,
    is_custom_type,
)
from app.graphql.payloads import payload_type

EXAMPLES = Path(__file__).parent / "data" / "cdevents"
SCHEMAS = files("app.families.cdevents") / "schemas"
DEPLOYED = "dev.cdevents.service.deployed.0.3.0"


def schemas() -> list[dict[str, Any]]:
    return [
        json.loads(entry.read_text(encoding="utf-8"))
        for entry in SCHEMAS.iterdir()
        if entry.name.endswith(".json")
    ]


def example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return loaded


def errors_at(event: Any, *path: str | int) -> list[str]:
    return [error.message for error in check_cdevent(event) if error.path == path]


def test_the_catalog_has_one_type_per_schema_file() -> None:
    by_schema = {s["properties"]["context"]["properties"]["type"]["enum"][0] for s in schemas()}

    assert len(by_schema) == 45
    assert set(CDEVENT_TYPES) == by_schema
    assert SPEC_VERSION == "0.5.1"
    assert CUSTOM_PREFIX == "dev.cdeventsx."
    for event_type, entry in CDEVENT_TYPES.items():
        assert event_type == f"dev.cdevents.{entry.subject}.{entry.predicate}.{entry.version}"
        assert entry.type == event_type
        assert cdevent_type_of(event_type) is entry


def test_lookups_take_exact_type_strings_only() -> None:
    assert cdevent_type_of("dev.cdevents.service.deployed.0.2.5") is None
    # An earlier release's type reads as 0.5.1's of its subject and predicate.
    assert cdevent_type_of("dev.cdevents.service.deployed.0.2.0") is CDEVENT_TYPES[DEPLOYED]
    assert cdevent_type_of("dev.cdevents.service.deployed.0.1.1") is CDEVENT_TYPES[DEPLOYED]
    assert cdevent_type_of(DEPLOYED.upper()) is None
    assert cdevent_type_of(DEPLOYED + " ") is None


def test_graphql_names_are_unique_and_spelled_as_the_spec_names_subjects() -> None:
    names = {entry.graphql_name for entry in CDEVENT_TYPES.values()}

    assert len(names) == 45
    assert all(re.fullmatch(r"[A-Z][A-Za-z]*CDEvent", name) for name in names)
    assert {
        "ServiceDeployedCDEvent",
        "PipelineRunFinishedCDEvent",
        "TaskRunStartedCDEvent",
        "TestCaseRunFinishedCDEvent",
        "TestSuiteRunQueuedCDEvent",
        "TestOutputPublishedCDEvent",
    } <= names


def test_descriptions_are_one_line_naming_the_type() -> None:
    entry = CDEVENT_TYPES[DEPLOYED]

    assert entry.description == (
        "CDEvents `service.deployed` (0.3.0): "
        "a new instance of a service was deployed to an environment."
    )
    for entry in CDEVENT_TYPES.values():
        assert entry.description.startswith(f"CDEvents `{entry.subject}.{entry.predicate}` (")
        assert "\n" not in entry.description


def test_the_app_copies_are_valid_schemas_with_one_context() -> None:
    """Custom events are checked with the standard context: every type has that one (the
    testing events' schemas alone leave `source`'s format out)."""
    contexts = []
    for schema in schemas():
        Draft202012Validator.check_schema(schema)
        context = copy.deepcopy(schema["properties"]["context"])
        del context["properties"]["type"]
        context["properties"]["source"].pop("format", None)
        contexts.append(context)
    for entry in (SCHEMAS / "links").iterdir():
        Draft202012Validator.check_schema(json.loads(entry.read_text(encoding="utf-8")))

    assert all(context == contexts[0] for context in contexts)
    assert "Apache License" in (SCHEMAS / "LICENSE").read_text()


def test_every_type_has_an_example_that_passes() -> None:
    for entry in CDEVENT_TYPES.values():
        event = example(f"{entry.subject}.{entry.predicate}")

        assert event["context"]["type"] == entry.type
        assert check_cdevent(event) == [], entry.type
    ids = [example(path.stem)["context"]["id"] for path in EXAMPLES.glob("*.json")]
    assert len(ids) == len(set(ids)) == 46


def test_content_models_keep_every_field_of_the_examples() -> None:
    for entry in CDEVENT_TYPES.values():
        content = example(f"{entry.subject}.{entry.predicate}")["subject"]["content"]
        parsed = entry.content_model.model_validate(content)

        assert set(content) == set(entry.content_model.model_fields), entry.type
        assert parsed.model_dump(mode="json") == content


def test_content_models_are_lenient_and_frozen() -> None:
    model = CDEVENT_TYPES[DEPLOYED].content_model
    parsed = model.model_validate({"somethingNew": 1})

    assert parsed.model_dump() == {"environment": None, "artifactId": None, "somethingNew": 1}
    with pytest.raises(ValueError, match="frozen"):
        parsed.artifactId = "pkg:oci/other"  # type: ignore[attr-defined]
    assert CDEVENT_TYPES["dev.cdevents.build.queued.0.3.0"].content_model.model_fields == {}


def test_content_models_have_unique_graphql_types() -> None:
    names: list[str] = []

    def collect(model: type[BaseModel]) -> None:
        names.append(model.__name__)
        for info in model.model_fields.values():
            nested = [a for a in getattr(info.annotation, "__args__", ()) if _is_model(a)]
            for inner in nested:
                collect(inner)

    for entry in CDEVENT_TYPES.values():
        collect(entry.content_model)
        assert payload_type(entry.content_model).__name__ == entry.content_model.__name__
    assert len(names) == len(set(names))
    assert "ServiceDeployedContentEnvironment" in names
    assert "TestCaseRunFinishedContentTestSuiteRun" in names
    assert all(re.fullmatch(r"[A-Z][A-Za-z]*", name) for name in names)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def test_content_types_follow_the_schemas() -> None:
    ticket = CDEVENT_TYPES["dev.cdevents.ticket.created.0.2.0"].content_model.model_fields

    assert ticket["labels"].annotation == list[str] | None
    # A known value or any other string: still a string.
    assert ticket["priority"].annotation == str | None


def test_a_missing_required_property_is_named_in_the_path() -> None:
    event = example("service.deployed")
    del event["subject"]["content"]["artifactId"]
    del event["subject"]["content"]["environment"]["id"]
    del event["context"]["timestamp"]

    assert check_cdevent(event) == [
        FieldError(("context", "timestamp"), "required: a string"),
        FieldError(("subject", "content", "environment", "id"), "required: a string"),
        FieldError(("subject", "content", "artifactId"), "required: a string"),
    ]


def test_a_wrong_type_says_what_is_expected() -> None:
    event = example("service.deployed")
    event["subject"]["content"]["artifactId"] = 42
    event["subject"]["content"]["environment"] = "production"

    assert errors_at(event, "subject", "content", "artifactId") == ["must be a string"]
    assert errors_at(event, "subject", "content", "environment") == ["must be an object"]


def test_an_unknown_property_is_named_with_what_is_allowed() -> None:
    event = example("service.deployed")
    event["subject"]["content"]["artefactId"] = "pkg:oci/myapp"
    event["context"]["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    assert errors_at(event, "subject", "content", "artefactId") == [
        "unknown property; allowed: environment, artifactId"
    ]
    assert errors_at(event, "context", "traceparent")[0].startswith("unknown property; allowed:")
    queued = example("build.queued")
    queued["subject"]["content"]["artifactId"] = "pkg:oci/myapp"
    assert errors_at(queued, "subject", "content", "artifactId") == [
        "unknown property; this object takes none"
    ]


def test_values_outside_an_enumeration_list_the_allowed_ones() -> None:
    event = example("pipelinerun.finished")
    event["subject"]["content"]["outcome"] = "passed"

    assert errors_at(event, "subject", "content", "outcome") == [
        'must be one of: "success", "failure", "cancel", "error"'
    ]


@pytest.mark.parametrize(
    "timestamp",
    [
        "2026-11-31T10:00:00Z",  # no such day
        "2026-11-01 10:00:00",  # no T, no zone
        "2026-11-01",
        "2026-11-01T25:00:00Z",
        "9999-12-31T23:59:59Z",  # RFC 3339, but no stored time can be in 9999
        "yesterday",
    ],
)
def test_timestamps_must_be_rfc_3339(timestamp: str) -> None:
    event = example("service.deployed")
    event["context"]["timestamp"] = timestamp

    (message,) = errors_at(event, "context", "timestamp")
    assert message.startswith("must be an RFC 3339 date-time")


@pytest.mark.parametrize(
    "timestamp",
    ["2026-11-01T10:00:00Z", "2026-11-01t10:00:00.123456+05:30", "2016-12-31T23:59:60Z"],
)
def test_rfc_3339_timestamps_pass(timestamp: str) -> None:
    event = example("service.deployed")
    event["context"]["timestamp"] = timestamp

    assert check_cdevent(event) == []


def test_uris_are_checked() -> None:
    event = example("environment.created")
    event["subject"]["content"]["uri"] = "/clusters/prod"  # a reference, not an absolute URI
    event["context"]["source"] = "/argocd/prod cluster"
    event["context"]["schemaUri"] = "https://example.com/schemas/env%zz"

    assert errors_at(event, "subject", "content", "uri") == [
        "must be an absolute URI (RFC 3986), e.g. https://ci.example.com/runs/42"
    ]
    assert errors_at(event, "context", "source")[0].startswith("must be a URI reference")
    assert errors_at(event, "context", "schemaUri")[0].startswith("must be an absolute URI")


def test_links_resolve_from_the_links_schemas() -> None:
    event = example("taskrun.started")
    event["context"]["links"] = [{"linkType": "END", "from": {"contextId": "271069a8"}}]

    assert check_cdevent(event) == []
    event["context"]["links"] = [{"linkType": "END", "from": {}}]
    assert check_cdevent(event) == [
        FieldError(("context", "links", 0, "from", "contextId"), "required: a string")
    ]


def test_specversion_need_only_be_a_non_empty_string() -> None:
    event = example("service.deployed")
    event["context"]["specversion"] = "0.5.0"
    assert check_cdevent(event) == []

    event["context"]["specversion"] = ""
    assert errors_at(event, "context", "specversion") == ["must not be empty"]


def test_a_version_of_no_release_names_the_versions_taken() -> None:
    event = example("service.deployed")
    event["context"]["type"] = "dev.cdevents.service.deployed.0.2.5"

    assert check_cdevent(event) == [
        FieldError(
            ("context", "type"),
            "dev.cdevents.service.deployed.0.2.5 is a type of no CDEvents release of 0.5.1, "
            "0.4.1, 0.3.0; this service takes dev.cdevents.service.deployed.0.3.0, "
            "dev.cdevents.service.deployed.0.1.1, dev.cdevents.service.deployed.0.2.0",
        )
    ]


def test_an_earlier_releases_type_is_checked_against_its_own_schema() -> None:
    # 0.5.1's shape under 0.4.1's type: that release's context says `version`, not
    # `specversion`, and its subject names its `type`.
    event = example("service.deployed")
    event["context"]["type"] = "dev.cdevents.service.deployed.0.2.0"

    assert {error.path for error in check_cdevent(event)} == {
        ("context", "specversion"),
        ("context", "version"),
        ("subject", "type"),
    }


def test_an_unknown_cdevents_type_names_what_is_taken() -> None:
    event = example("service.deployed")
    event["context"]["type"] = "dev.cdevents.service.exploded.0.1.0"
    (message,) = errors_at(event, "context", "type")
    assert "dev.cdevents.service.deployed.0.3.0" in message
    assert "dev.cdevents.service.upgraded.0.3.0" in message

    event["context"]["type"] = "dev.cdevents.spaceship.launched.0.1.0"
    (message,) = errors_at(event, "context", "type")
    assert message.startswith(
        "dev.cdevents.spaceship.launched.0.1.0 is a type of no CDEvents release of 0.5.1"
    )
    assert "pipelinerun" in message


def test_an_unusable_type_still_reports_the_rest_of_the_event() -> None:
    event = example("service.deployed")
    event["context"]["type"] = "com.example.deployed"
    del event["context"]["id"]

    assert check_cdevent(event) == [
        FieldError(("context", "id"), "required: a string"),
        FieldError(
            ("context", "type"),
            "must be a CDEvents type (dev.cdevents.<subject>.<predicate>.<version>) of 0.5.1, "
            "0.4.1, 0.3.0 or a custom one (dev.cdeventsx.<tool>-<subject>.<predicate>.<version>)",
        ),
    ]
    del event["context"]["type"]
    assert errors_at(event, "context", "type")[0].startswith("required: a CDEvents type")
    event["context"]["type"] = 7
    assert errors_at(event, "context", "type")[0].startswith("must be a string")


def test_a_custom_event_keeps_its_own_content() -> None:
    event = example("custom")

    assert is_custom_type(event["context"]["type"])
    assert cdevent_type_of(event["context"]["type"]) is None
    assert check_cdevent(event) == []
    event["subject"]["content"] = {"anything": [1, {"at": "all"}]}
    assert check_cdevent(event) == []


def test_a_custom_event_has_the_standard_context_and_a_subject() -> None:
    event = example("custom")
    event["subject"]["content"] = "db-main"
    del event["subject"]["id"]
    event["context"]["timestamp"] = "2026-11-01"
    event["context"]["schemaUri"] = "schemas/mine"

    assert {error.path for error in check_cdevent(event)} == {
        ("subject", "content"),
        ("subject", "id"),
        ("context", "timestamp"),
        ("context", "schemaUri"),
    }


@pytest.mark.parametrize(
    "event_type",
    [
        "dev.cdeventsx.resource.created.0.1.0",  # no tool
        "dev.cdeventsx.mytool-resource.created",  # no version
        "dev.cdeventsx.mytool-resource.created.1.0",
        "dev.cdeventsx.MyTool-resource.created.0.1.0",
        "dev.cdeventsx.mytool-resource.created.0.1.0\n",
    ],
)
def test_a_malformed_custom_type_names_the_form(event_type: str) -> None:
    event = example("custom")
    event["context"]["type"] = event_type

    assert not is_custom_type(event_type)
    assert errors_at(event, "context", "type") == [
        "must be dev.cdeventsx.<tool>-<subject>.<predicate>.<version>, "
        "e.g. dev.cdeventsx.mytool-resource.created.0.1.0"
    ]


def test_custom_types_follow_the_sdks_form() -> None:
    assert is_custom_type("dev.cdeventsx.harbor-quota.exceeded.0.1.0")
    assert is_custom_type("dev.cdeventsx.k8s-pod.evicted.1.0.0-rc.1")
    assert not is_custom_type(DEPLOYED)


@pytest.mark.parametrize("event", [[], "a CDEvent", None, 42, [{"context": {}}]])
def test_anything_but_an_object_is_one_error_at_the_root(event: Any) -> None:
    assert check_cdevent(event) == [
        FieldError((), "must be a JSON object: a CDEvent with context and subject")
    ]


def test_custom_data_is_an_object_or_a_string() -> None:
    event = example("service.deployed")
    event["customData"] = "eyJyZXF1ZXN0SWQiOiAiNGI5ZCJ9"
    assert check_cdevent(event) == []

    event["customData"] = 12
    assert errors_at(event, "customData") == ["must be a string or an object"]
