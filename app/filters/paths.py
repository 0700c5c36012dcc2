"""Which stored fields a filter or sort may name, and how a client's path is spelled in store.

Paths are dotted names: a named field (`teamId`, `timestamp`, …) or a path into the client's
own JSON (`payload.…`, `data.…`, `raw.…`). Each segment is escaped the way the store escapes
keys, so `payload.$where` means a key literally called `$where`, never an operator.
"""

from __future__ import annotations

from app.documents.keys import escape_key
from app.errors import FieldError, FieldPath, InvalidInput
from app.intake.json_checks import is_unicode_text
from app.named_fields import NAMED_FIELDS as _TABLE

__all__ = ["MAX_PATH_DEPTH", "NAMED_FIELDS", "stored_path"]

NAMED_FIELDS = frozenset(field.name for field in _TABLE)
CLIENT_ROOTS = frozenset({"payload", "data", "raw"})
MAX_PATH_DEPTH = 16


def stored_path(text: str, where: FieldPath) -> str:
    """The stored spelling of the client path `text`; errors are located at `where`."""
    segments = text.split(".")
    root = segments[0]
    problem = None
    if root in NAMED_FIELDS:
        if len(segments) > 1:
            problem = f"{root} has no fields inside it"
    elif root not in CLIENT_ROOTS:
        problem = (
            f"{text!r} is not a stored field: start with payload., data. or raw., or name one "
            f"of {', '.join(sorted(NAMED_FIELDS))}"
        )
    elif len(segments) > MAX_PATH_DEPTH:
        problem = f"has more than {MAX_PATH_DEPTH} segments"
    elif not is_unicode_text(text):
        problem = "is not valid Unicode text"
    elif any(segment == "" for segment in segments):
        problem = f"{text!r} has an empty segment"
    elif any(segment.isdigit() for segment in segments):
        problem = "array positions are not supported: a path matches every element of an array"
    if problem is not None:
        raise InvalidInput([FieldError(where, problem)])
    return ".".join(escape_key(segment) for segment in segments)
