"""The CDEvents 0.5.1 catalog: its 45 event types and the checking of a CDEvent.

The schemas in `schemas/` are the spec's own, copied verbatim (Apache-2.0, see the
LICENSE there); every type's model, name and check comes from them, so a new spec release is
a new copy of the files. Custom events (`dev.cdeventsx.*`) are checked against a schema made
here from the standard context, as the spec's custom events README describes them.

Tools on older SDKs send the types of earlier releases (`schemas/0.3.0/`, `schemas/0.4.1/`,
from the spec's tags): each release versions each type on its own, so no type string is in
two of them. An earlier type is checked against its own release's schema, stored as sent, and
reads as 0.5.1's type of the same subject and predicate (`cdevent_type_of`).
"""

from __future__ import annotations

import builtins
import copy
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import Any

# jsonschema ships no type information (types-jsonschema is not a dependency).
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from pydantic import BaseModel
from referencing import Registry, Resource

from app.errors import FieldError
from app.families.cdevents.content import (
    FORMATS,
    content_model,
    description_of,
    field_errors,
    graphql_name_of,
)

__all__ = [
    "CDEVENT_TYPES",
    "CUSTOM_PREFIX",
    "EARLIER_TYPES",
    "SPEC_VERSION",
    "CDEventType",
    "cdevent_type_of",
    "check_cdevent",
    "is_custom_type",
    "type_strings",
]

SPEC_VERSION = "0.5.1"
EARLIER_RELEASES = ("0.3.0", "0.4.1")
STANDARD_PREFIX = "dev.cdevents."
CUSTOM_PREFIX = "dev.cdeventsx."
# The SDKs' form (cdevents/sdk-go), versions as the spec's `M.m.p` with an optional suffix.
_VERSION = r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)(?:-[0-9A-Za-z.-]+)?"
# `(?![\s\S])`, "nothing follows", rather than `$`, which in Python (jsonschema applies
# patterns with `re.search`) also matches before a final newline; ECMA-262 reads it alike.
CUSTOM_TYPE_PATTERN = rf"^dev\.cdeventsx\.[a-z][a-z0-9]*-[a-z]+\.[a-z]+\.{_VERSION}(?![\s\S])"
_CUSTOM_FORM = "dev.cdeventsx.<tool>-<subject>.<predicate>.<version>"
_STANDARD_FORM = "dev.cdevents.<subject>.<predicate>.<version>"

_CUSTOM_EXAMPLE = "dev.cdeventsx.mytool-resource.created.0.1.0"
_PATTERN_MESSAGES = MappingProxyType(
    {CUSTOM_TYPE_PATTERN: f"must be {_CUSTOM_FORM}, e.g. {_CUSTOM_EXAMPLE}"}
)
_SCHEMAS: Traversable = files("app.families.cdevents") / "schemas"


@dataclass(frozen=True)
class CDEventType:
    """One event type of CDEvents 0.5.1: `subject` and `predicate` as in the type string."""

    subject: str
    predicate: str
    version: str
    type: str
    graphql_name: str
    # `builtins.type`: the field named `type` above shadows it here.
    content_model: builtins.type[BaseModel]
    description: str


def _json_files(folder: Traversable) -> Iterator[dict[str, Any]]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            loaded: dict[str, Any] = json.loads(entry.read_text(encoding="utf-8"))
            yield loaded


def _by_type(folder: Traversable) -> dict[str, dict[str, Any]]:
    return {
        schema["properties"]["context"]["properties"]["type"]["enum"][0]: schema
        for schema in _json_files(folder)
    }


_STANDARD_SCHEMAS: Mapping[str, dict[str, Any]] = MappingProxyType(_by_type(_SCHEMAS))
_EARLIER_SCHEMAS: Mapping[str, dict[str, Any]] = MappingProxyType(
    {
        t: schema
        for release in EARLIER_RELEASES
        for t, schema in _by_type(_SCHEMAS / release).items()
    }
)
if set(_EARLIER_SCHEMAS) & set(_STANDARD_SCHEMAS):
    raise RuntimeError("a type string of an earlier CDEvents release is in 0.5.1 too")


def _catalog_entry(event_type: str, schema: Mapping[str, Any]) -> CDEventType:
    subject, predicate, version = event_type.removeprefix(STANDARD_PREFIX).split(".", 2)
    content = schema["properties"]["subject"]["properties"]["content"]
    return CDEventType(
        subject=subject,
        predicate=predicate,
        version=version,
        type=event_type,
        graphql_name=graphql_name_of(subject, predicate),
        content_model=content_model(subject, predicate, version, content),
        description=description_of(subject, predicate, version),
    )


CDEVENT_TYPES: Mapping[str, CDEventType] = MappingProxyType(
    {event_type: _catalog_entry(event_type, s) for event_type, s in _STANDARD_SCHEMAS.items()}
)
if len({t.graphql_name for t in CDEVENT_TYPES.values()}) != len(CDEVENT_TYPES):
    raise RuntimeError("two CDEvents types map to one GraphQL type name")


def _reads_as(event_type: str) -> CDEventType:
    subject, predicate, _ = event_type.removeprefix(STANDARD_PREFIX).split(".", 2)
    found = [t for t in CDEVENT_TYPES.values() if (t.subject, t.predicate) == (subject, predicate)]
    if len(found) != 1:
        raise RuntimeError(f"{event_type} reads as no single CDEvents {SPEC_VERSION} type")
    return found[0]


EARLIER_TYPES: Mapping[str, CDEventType] = MappingProxyType(
    {event_type: _reads_as(event_type) for event_type in _EARLIER_SCHEMAS}
)
"""Each type string of an earlier release, with the 0.5.1 type it reads as."""


def type_strings(subject: str, predicate: str | None = None) -> tuple[str, ...]:
    """Every type string, of 0.5.1 and of the earlier releases, of this subject (and
    predicate)."""
    return tuple(
        name
        for name, t in {**CDEVENT_TYPES, **EARLIER_TYPES}.items()
        if t.subject == subject and predicate in (None, t.predicate)
    )


def cdevent_type_of(event_type: str) -> CDEventType | None:
    """The catalog entry of this type string (for an earlier release's, the 0.5.1 type of its
    subject and predicate), or None."""
    return CDEVENT_TYPES.get(event_type) or EARLIER_TYPES.get(event_type)


def is_custom_type(event_type: str) -> bool:
    """Whether `event_type` is a well-formed custom type, `dev.cdeventsx.<tool>-<subject>.
    <predicate>.<version>` (the tool's name keeps tools' custom types apart)."""
    return re.match(CUSTOM_TYPE_PATTERN, event_type) is not None


@cache
def _registry() -> Registry[Any]:
    """The links schemas of every release, by their `$id` (which names the release): its
    schemas refer to them as `links/...`."""
    folders = [_SCHEMAS / "links", *(_SCHEMAS / release / "links" for release in EARLIER_RELEASES)]
    links = [
        (s["$id"], Resource.from_contents(s))
        for folder in folders
        if folder.is_dir()
        for s in _json_files(folder)
    ]
    return Registry().with_resources(links)


def _compiled(schema: Mapping[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, registry=_registry(), format_checker=FORMATS)


@cache
def _validator(event_type: str) -> Draft202012Validator:
    return _compiled(_STANDARD_SCHEMAS.get(event_type) or _EARLIER_SCHEMAS[event_type])


@cache
def _custom_validator() -> Draft202012Validator:
    """A custom event: the standard context with a `dev.cdeventsx` type, and a subject whose
    content is any object (its shape is the tool's, kept as sent)."""
    schema = copy.deepcopy(_STANDARD_SCHEMAS[f"{STANDARD_PREFIX}service.deployed.0.3.0"])
    schema["$id"] = f"https://cdevents.dev/{SPEC_VERSION}/schema/custom"
    schema["properties"]["context"]["properties"]["type"] = {
        "type": "string",
        "pattern": CUSTOM_TYPE_PATTERN,
    }
    subject = schema["properties"]["subject"]
    subject["properties"]["type"] = {"type": "string", "minLength": 1}
    subject["properties"]["content"] = {"type": "object"}
    return _compiled(schema)


def check_cdevent(event: Any) -> list[FieldError]:
    """Every problem of `event` as a CDEvent of this catalog or a custom one, each at its
    path inside the event; empty when it is valid.

    `context.specversion` need only be a non-empty string, as the schemas and the spec's
    constraints say: the spec's prose asks producers for `0.1.1` (a stale number: its own
    examples say `0.5.1`), and the type string, which carries its own version, is what
    names the schema an event follows.
    """
    if not isinstance(event, dict):
        return [FieldError((), "must be a JSON object: a CDEvent with context and subject")]
    context = event.get("context")
    event_type = context.get("type") if isinstance(context, dict) else None
    if isinstance(event_type, str) and (
        event_type in _STANDARD_SCHEMAS or event_type in _EARLIER_SCHEMAS
    ):
        return _errors(_validator(event_type), event)
    if isinstance(event_type, str) and event_type.startswith(CUSTOM_PREFIX):
        return _errors(_custom_validator(), event)
    # No type this service takes: the rest is checked as far as every CDEvent goes alike.
    errors = [e for e in _errors(_custom_validator(), event) if e.path != ("context", "type")]
    if isinstance(context, dict):
        errors.append(FieldError(("context", "type"), _type_problem(context, event_type)))
    return errors


def _type_problem(context: Mapping[str, Any], event_type: Any) -> str:
    releases = ", ".join([SPEC_VERSION, *reversed(EARLIER_RELEASES)])
    accepted = f"a CDEvents type ({_STANDARD_FORM}) of {releases} or a custom one ({_CUSTOM_FORM})"
    if "type" not in context:
        return f"required: {accepted}"
    if not isinstance(event_type, str):
        return f"must be a string: {accepted}"
    if not event_type.startswith(STANDARD_PREFIX):
        return f"must be {accepted}"
    subject, _, rest = event_type.removeprefix(STANDARD_PREFIX).partition(".")
    predicate = rest.partition(".")[0]
    known = {**CDEVENT_TYPES, **EARLIER_TYPES}
    same = [name for name, t in known.items() if (t.subject, t.predicate) == (subject, predicate)]
    if not same:
        same = [name for name, t in known.items() if t.subject == subject]
    takes = (
        ", ".join(same)
        if same
        else "types of the subjects "
        + ", ".join(sorted({t.subject for t in CDEVENT_TYPES.values()}))
    )
    return (
        f"{event_type} is a type of no CDEvents release of {releases}; this service takes {takes}"
    )


def _errors(validator: Draft202012Validator, event: Mapping[str, Any]) -> list[FieldError]:
    found = [
        e for error in validator.iter_errors(event) for e in field_errors(error, _PATTERN_MESSAGES)
    ]
    return list(dict.fromkeys(found))  # a `required` error names all missing properties
