"""Limits on the JSON values clients send, so that what is accepted can always be stored."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from app.errors import FieldError, FieldPath

__all__ = ["check_json_size", "check_json_value", "is_unicode_text", "json_value_schema"]

_INT64 = range(-(2**63), 2**63)


def check_json_value(value: Any, path: FieldPath, *, max_depth: int) -> list[FieldError]:
    """Errors for values MongoDB cannot hold: too deep, integers past 64 bits, NaN/infinity;
    and numbers past the 64-bit integer range, which JSON Schema cannot tell from integers.

    Iterative, so a hostile nesting depth costs memory in proportion to its size only.
    """
    errors: list[FieldError] = []
    stack: list[tuple[Any, FieldPath, int]] = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, Mapping | list):
            if depth >= max_depth:
                errors.append(FieldError(where, f"nested deeper than {max_depth} levels"))
                continue
            children = item.items() if isinstance(item, Mapping) else enumerate(item)
            stack.extend((child, (*where, key), depth + 1) for key, child in children)
            if isinstance(item, Mapping):
                errors.extend(
                    FieldError((*where, key), "the key is not valid Unicode text")
                    for key in item
                    if not is_unicode_text(key)
                )
        elif isinstance(item, str):
            if not is_unicode_text(item):
                errors.append(FieldError(where, "is not valid Unicode text"))
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int) and item not in _INT64:
            errors.append(FieldError(where, "integer does not fit in 64 bits"))
        elif isinstance(item, float) and not math.isfinite(item):
            errors.append(FieldError(where, "must be a finite number"))
        elif isinstance(item, float) and not _INT64.start <= item < _INT64.stop:
            # One range for every number, so that a JSON Schema can state it: JSON Schema
            # cannot tell 1e300 from an integer literal of 301 digits, which is refused above.
            errors.append(FieldError(where, "number must lie within the 64-bit integer range"))
    return errors


def json_value_schema(self_ref: str) -> dict[str, Any]:
    """The JSON Schema of the values `check_json_value` accepts, nested through `self_ref`.

    Depth and size limits are settings, not shapes: they are stated in words by the document.
    """
    return {
        "description": "Any JSON value; numbers lie within the 64-bit integer range.",
        "anyOf": [
            {"type": "null"},
            {"type": "boolean"},
            {"type": "string"},
            {"type": "number", "minimum": _INT64.start, "maximum": _INT64.stop - 1},
            {"type": "array", "items": {"$ref": self_ref}},
            {"type": "object", "additionalProperties": {"$ref": self_ref}},
        ],
    }


def check_json_size(document: Mapping[str, Any], *, max_bytes: int) -> list[FieldError]:
    """An error naming the largest field when `document` is over `max_bytes` as JSON."""
    # The fields' values are smaller than the whole document (keys, braces and commas come
    # on top): a document within the limit as a whole is within it field by field, and
    # nearly every one is, for one encoding instead of one per field.
    if len(json.dumps(document, ensure_ascii=False).encode()) <= max_bytes:
        return []
    sizes = {
        key: len(json.dumps(value, ensure_ascii=False).encode()) for key, value in document.items()
    }
    total = sum(sizes.values())
    if total <= max_bytes:
        return []
    largest = max(sizes, key=lambda key: sizes[key])
    return [
        FieldError(
            (largest,),
            f"too large: the event is {total:,} bytes as JSON, the most accepted is {max_bytes:,}",
        )
    ]


def is_unicode_text(text: str) -> bool:
    """False for strings JSON can carry but UTF-8 cannot: lone surrogates (`"\\ud800"`)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
