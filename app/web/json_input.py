"""Reading the JSON clients send, for every edge (REST bodies, GraphQL bodies, variables and
websocket messages): whatever the text, the answer is a value or a refusal that says why,
never an internal error.

Python's decoder recurses per nesting level and converts integers of any length, and keeps
the last of two equal keys without a word. Here nesting is measured before decoding, an
integer literal too long for 64 bits becomes one that the value checks refuse by its field
(`app.intake.json_checks`), and a repeated key is refused: a body that says two things must not be
stored as one of them.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MAX_NESTING", "JsonRefused", "decode", "integer_literal"]

# Far deeper than any event accepted (`EVENTSTORE_MAX_EVENT_DEPTH`, 32 by default, plus the
# request around it): deeper text is refused before decoding. Event depth limits are then
# checked on the decoded value, where the field can be named.
MAX_NESTING = 256
# 64-bit integers have at most 19 digits and a sign.
_LONGEST_INT64 = 20
_OUT_OF_RANGE = 2**64
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


class JsonRefused(json.JSONDecodeError):
    """Text that is JSON, or nearly, but is not accepted; `reason` says why for a client.

    A JSONDecodeError, so code that handles malformed JSON handles this too.
    """

    def __init__(self, reason: str, document: str = "", position: int = 0) -> None:
        super().__init__(reason, document, position)
        self.reason = reason


def decode(text: str | bytes) -> Any:
    """The JSON value of `text`; raises JsonRefused (or JSONDecodeError for malformed text)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    _check_nesting(raw)
    try:
        decoded = raw.decode("utf-8") if isinstance(text, bytes) else text
    except UnicodeDecodeError:
        raise JsonRefused("the body is not UTF-8 text") from None
    return json.loads(decoded, parse_int=integer_literal, object_pairs_hook=_object)


def _check_nesting(raw: bytes) -> None:
    depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b"", raw)):
        depth += 1 if bracket in (b"[", b"{") else -1
        if depth > MAX_NESTING:
            raise JsonRefused(f"nested deeper than {MAX_NESTING} levels")


def integer_literal(literal: str) -> int:
    """The value of an integer literal (JSON, or a GraphQL document's)."""
    if len(literal) <= _LONGEST_INT64:
        return int(literal)
    # Converting thousands of digits costs time and Python refuses past 4,300: a value that
    # is certainly out of range stands in for it, and the field's check names it.
    return -_OUT_OF_RANGE if literal.startswith("-") else _OUT_OF_RANGE


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            # Escaped: the key may be a lone surrogate, which no response could carry as is.
            shown = json.dumps(key)
            raise JsonRefused(f"the key {shown} appears more than once in one object")
        seen.add(key)
    raise AssertionError("unreachable: fewer keys than pairs means one repeats")
