"""When an event happened, from the forms delivery tools send.

One grammar, `TIMESTAMP_PATTERN`, is both what the parser accepts and what `/openapi.json`
publishes: the parser applies the pattern first and reads its groups, so the two cannot
drift. It is ISO-8601's extended form (`2023-10-18T05:45:44.123-05:00`, a date alone, no zone
meaning UTC) and FlexDeploy's `2023-10-18 05:45:44 -0500`. Every date it matches is a real day
(29 February only in leap years), and years run from 2 to 9998 so that no offset (at most
23:59) can move a time out of the years 1 to 9999 that a stored time may have: a rule JSON
Schema can state, where "in range once moved to UTC" is not one.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone

__all__ = [
    "TIMESTAMP_PATTERN",
    "OutOfRange",
    "parse_event_time",
    "parse_time_bound",
    "to_storage_precision",
    "utc_now",
]

_YEAR = (
    "(?:000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
)
# Divisible by 4 and not by 100, or by 400 (year 0 is out of range anyway).
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY = (
    "(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    "|(?:0[13-9]|1[0-2])-(?:29|30)"
    "|(?:0[13578]|1[02])-31)"
)
_HOUR, _MINUTE = "([01][0-9]|2[0-3])", "([0-5][0-9])"
_ZONE = "([Zz]|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)"
# A bound of a range asked for (a GraphQL filter or insight range) may name any year a stored
# time can have, "before 9999-12-31" included; it is still refused if its offset moves it
# out of those years. (`/openapi.json` states TIMESTAMP_PATTERN for the REST ones.)
_ANY_YEAR = "(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"


def _pattern(year: str) -> str:
    # Portable regex syntax (ECMA-262 and Python alike): plain groups, [0-9] rather than \d.
    # Groups: 1 date, 2 hour, 3 minute, 4 second, 5 fraction, 6 zone.
    return (
        rf"^\s*({year}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
        rf"(?:[Tt ]{_HOUR}:{_MINUTE}(?::{_MINUTE}(?:\.([0-9]{{1,9}}))?)? ?{_ZONE}?)?\s*$"
    )


TIMESTAMP_PATTERN = _pattern(_YEAR)
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)
_TIME_BOUND = re.compile(_pattern(_ANY_YEAR))


def to_storage_precision(moment: datetime) -> datetime:
    """UTC, cut to milliseconds: what MongoDB keeps, so live and stored copies compare equal.

    Raises OutOfRange for a time that leaves the years 1 to 9999 once moved to UTC.
    """
    try:
        moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:
        raise OutOfRange(
            f"{moment.isoformat()} is outside the years 1 to 9999 once moved to UTC"
        ) from None
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class OutOfRange(ValueError):
    """A time no stored event can have."""


def format_utc(moment: datetime) -> str:
    """RFC 3339 in UTC with `Z` and milliseconds, always: stored times are milliseconds, and a
    time without a zone (as MongoDB hands them back) is UTC."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now() -> datetime:
    return to_storage_precision(datetime.now(UTC))


def parse_event_time(value: str) -> datetime:
    """Parse a time of `TIMESTAMP_PATTERN` (no zone means UTC), cut as stored.

    Raises ValueError with a message a client can act on.
    """
    return _parsed(value, _TIMESTAMP, "in the years 2 to 9998")


def parse_time_bound(value: str) -> datetime:
    """A bound of a time range a client asks for: the forms of `parse_event_time`, in any
    year a stored time may have (OutOfRange if its offset moves it out of them)."""
    return _parsed(value, _TIME_BOUND, "in the years 1 to 9999")


def _parsed(value: str, grammar: re.Pattern[str], years: str) -> datetime:
    # `search`, as JSON Schema applies a pattern: its `$` also matches before a final newline.
    match = grammar.search(value)
    if match is None:
        raise ValueError(
            f"{value!r} is not a timestamp: use ISO-8601 (2023-10-18T05:45:44-05:00) "
            f"or FlexDeploy's form (2023-10-18 05:45:44 -0500), {years}"
        )
    day, hour, minute, second, fraction, zone = match.groups()
    clock = time(
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        int((fraction or "0")[:6].ljust(6, "0")),
        tzinfo=_offset(zone),
    )
    return to_storage_precision(datetime.combine(date.fromisoformat(day), clock))


def _offset(zone: str | None) -> timezone:
    if zone is None or zone.upper() == "Z":
        return UTC
    digits = zone[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:] or 0)
    return timezone(timedelta(minutes=-minutes if zone[0] == "-" else minutes))
