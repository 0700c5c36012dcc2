"""The text formats the standards this service speaks are written in: RFC 3339 times and
RFC 3986 URIs. CloudEvents' attributes and CDEvents' schema formats are both checked here, so
the two never disagree on what a time or a URI is.
"""

from __future__ import annotations

import re
from datetime import datetime

__all__ = ["is_absolute_uri", "is_rfc3339", "is_uri_reference"]

_RFC3339 = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)"
    r"(?:\.[0-9]+)?([Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
# RFC 3986's characters: unreserved, reserved, and percent-encoded octets.
_URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def is_rfc3339(value: str) -> bool:
    """An RFC 3339 date-time on a real day (a leap second, `:60`, allowed)."""
    match = _RFC3339.fullmatch(value)
    if match is None:
        return False
    day, hour, minute, second, zone = match.groups()
    # Python's datetime cannot hold a leap second; the day is what is checked here.
    offset = "+00:00" if zone in ("Z", "z") else zone
    try:
        datetime.fromisoformat(f"{day}T{hour}:{minute}:{min(second, '59')}{offset}")
    except ValueError:
        return False
    return True


def is_uri_reference(value: str) -> bool:
    """Only RFC 3986's characters, every `%` starting an escaped octet (not a full parse)."""
    return _URI_REFERENCE.fullmatch(value) is not None


def is_absolute_uri(value: str) -> bool:
    """A URI-reference that starts with a scheme."""
    return _SCHEME.match(value) is not None and is_uri_reference(value)
