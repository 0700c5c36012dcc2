"""The pieces every REST edge describes its operations with in `/openapi.json`: references to
the published schemas, bodies, headers, and the answers many operations share."""

from __future__ import annotations

from typing import Any

from app.intake.bodies import MAX_KEY_LENGTH, SCHEMA_REF
from app.rest.ingest_request import IDEMPOTENCY_HEADER

__all__ = [
    "UNAVAILABLE_FOR_WRITES",
    "body",
    "body_errors",
    "header",
    "idempotency_key",
    "json_answer",
    "one_of_json",
    "operation",
    "ref",
    "token_errors",
]

UNAVAILABLE_FOR_WRITES = (
    "MongoDB did not answer in time (the write may have happened: retry with the same key), or "
    "the service is storing all the events it takes at once (nothing stored; see Retry-After)."
)
# `scoped_key`'s rule for keys (not blank, no control characters), over what an HTTP header
# can carry: printable ASCII and Latin-1 letters, with something besides spaces.
_KEY_PATTERN = r"^[ -~\x80-\xff]*[!-~\xa1-\xff][ -~\x80-\xff]*$"


def operation(summary: str, responses: dict[str, Any], **more: Any) -> dict[str, Any]:
    """An operation, its answers in status order."""
    return {"summary": summary, **more, "responses": dict(sorted(responses.items()))}


def body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


def body_errors() -> dict[str, Any]:
    return {
        "400": json_answer("ErrorAnswer", "Malformed JSON, with the line and column."),
        "413": json_answer("ErrorAnswer", "The request body is too large."),
        "422": json_answer("ErrorAnswer", "The error, naming each field at fault."),
        "409": json_answer(
            "ErrorAnswer",
            "The idempotency key already names a stored event of another family (a webhook's "
            "delivery, say): nothing was stored; send the event with a key of its own.",
        ),
    }


def token_errors(tokens: bool, forbidden: str | None = None) -> dict[str, Any]:
    if not tokens:
        return {}
    errors = {"401": json_answer("ErrorAnswer", "No token, or one this service does not know.")}
    if forbidden is not None:
        errors["403"] = json_answer("ErrorAnswer", forbidden)
    return errors


def idempotency_key(name: str = IDEMPOTENCY_HEADER) -> dict[str, Any]:
    return header(
        name,
        "Retries with the same key store the event once.",
        {"type": "string", "maxLength": MAX_KEY_LENGTH, "pattern": _KEY_PATTERN},
    )


def header(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": schema,
    }


def json_answer(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref(name)}}}


def one_of_json(names: tuple[str, ...], description: str) -> dict[str, Any]:
    schema = {"oneOf": [ref(name) for name in names]}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def ref(name: str) -> dict[str, str]:
    return {"$ref": SCHEMA_REF.format(model=name)}
