import calendar
import re
from datetime import UTC, date, datetime

import pytest

from app.timestamps import TIMESTAMP_PATTERN, parse_event_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-10-18 05:45:44 -0500", datetime(2023, 10, 18, 10, 45, 44, tzinfo=UTC)),
        ("2023-10-18T05:45:44-05:00", datetime(2023, 10, 18, 10, 45, 44, tzinfo=UTC)),
        ("2023-10-18T10:45:44Z", datetime(2023, 10, 18, 10, 45, 44, tzinfo=UTC)),
        ("2023-10-18T10:45:44", datetime(2023, 10, 18, 10, 45, 44, tzinfo=UTC)),
        # Cut to the millisecond, as MongoDB keeps it.
        ("2023-10-18T10:45:44.123999Z", datetime(2023, 10, 18, 10, 45, 44, 123000, tzinfo=UTC)),
        ("2024-02-29", datetime(2024, 2, 29, tzinfo=UTC)),
        ("2000-02-29T12:00+0130", datetime(2000, 2, 29, 10, 30, tzinfo=UTC)),
        # The extremes of the years and offsets accepted stay within what can be stored.
        ("0002-01-01T00:00:00+23:59", datetime(1, 12, 31, 0, 1, tzinfo=UTC)),
        ("9998-12-31T23:59:59-23:59", datetime(9999, 1, 1, 23, 58, 59, tzinfo=UTC)),
    ],
)
def test_accepted_forms(text: str, expected: datetime) -> None:
    assert parse_event_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2020-58-16 15:58:57 -0500",
        "yesterday",
        "",
        "1711390628000",
        "2023-02-29",
        "1900-02-29",
        "2023-04-31T00:00:00Z",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "2023-10-18T24:00:00Z",
    ],
)
def test_rejected_forms_say_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_event_time(text)


def test_the_published_pattern_matches_real_days_of_the_accepted_years() -> None:
    # The document's pattern is the parser's first step: every date it matches must exist.
    pattern = re.compile(TIMESTAMP_PATTERN)
    for first, last in [(1, 3), (1899, 1901), (1999, 2001), (9997, 9999)]:
        for ordinal in range(date(first, 1, 1).toordinal(), date(last, 12, 31).toordinal() + 1):
            day = date.fromordinal(ordinal)
            assert bool(pattern.search(day.isoformat())) == (2 <= day.year <= 9998), day
    leap_days = [year for year in range(10000) if pattern.search(f"{year:04d}-02-29")]
    assert leap_days == [year for year in range(2, 9999) if calendar.isleap(year)]
