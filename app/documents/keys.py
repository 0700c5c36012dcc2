"""Reversible escaping of object keys MongoDB cannot store or query as-is.

A `.` splits a query path and a leading `$` reads as an operator, so client-sent keys are
escaped JSON-pointer style (`~` → `~0`, `.` → `~1`, `$` → `~2`, NUL → `~3`) on the way in and
restored on the way out: every key round-trips exactly.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["escape_key", "escape_keys", "unescape_key", "unescape_keys"]

_ESCAPE = {"~": "~0", ".": "~1", "$": "~2", "\x00": "~3"}
_UNESCAPE = {code: char for char, code in _ESCAPE.items()}
_NEEDS_ESCAPE = re.compile(r"[~.$\x00]")
_ESCAPED = re.compile(r"~[0-3]")


def escape_key(key: str) -> str:
    """The stored form of one key (also how a query path segment must be spelled)."""
    return _NEEDS_ESCAPE.sub(lambda match: _ESCAPE[match.group()], key)


def unescape_key(key: str) -> str:
    """The inverse of `escape_key`."""
    return _ESCAPED.sub(lambda match: _UNESCAPE[match.group()], key) if "~" in key else key


def escape_keys(value: Any) -> Any:
    """`value` with every object key escaped, at any depth."""
    if isinstance(value, dict):
        return {escape_key(key): escape_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [escape_keys(item) for item in value]
    return value


def unescape_keys(value: Any) -> Any:
    """The inverse of `escape_keys`."""
    if isinstance(value, dict):
        return {unescape_key(key): unescape_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unescape_keys(item) for item in value]
    return value
