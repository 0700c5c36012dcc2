"""When an event happened, from the forms delivery tools send."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = [
    "FLEXDEPLOY_FORMAT",
    "OutOfRange",
    "parse_event_time",
    "to_storage_precision",
    "utc_now",
]

# FlexDeploy writes `2023-10-18 05:45:44 -0500`.
FLEXDEPLOY_FORMAT = "%Y-%m-%d %H:%M:%S %z"


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


def utc_now() -> datetime:
    return to_storage_precision(datetime.now(UTC))


def parse_event_time(value: str) -> datetime:
    """Parse FlexDeploy's format or ISO-8601 (no zone means UTC).

    Raises ValueError with a message a client can act on.
    """
    text = value.strip()
    for parse in (_flexdeploy, datetime.fromisoformat):
        try:
            parsed = parse(text)
        except ValueError:
            continue
        return to_storage_precision(parsed)
    raise ValueError(
        f"{value!r} is not a timestamp: use ISO-8601 (2023-10-18T05:45:44-05:00) "
        "or FlexDeploy's form (2023-10-18 05:45:44 -0500)"
    )


def _flexdeploy(text: str) -> datetime:
    return datetime.strptime(text, FLEXDEPLOY_FORMAT)
