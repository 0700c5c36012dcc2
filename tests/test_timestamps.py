from datetime import UTC, datetime

import pytest

from app.timestamps import parse_event_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-10-18 05:45:44 -0500", datetime(2023, 10, 18, 10, 45, 44, tzinfo=UTC)),
        ("2023-10-18T05:45:44-05:00", datetime(2023, 10, 18, 10, 45, 44, tzinfo=UTC)),
        ("2023-10-18T10:45:44Z", datetime(2023, 10, 18, 10, 45, 44, tzinfo=UTC)),
        ("2023-10-18T10:45:44", datetime(2023, 10, 18, 10, 45, 44, tzinfo=UTC)),
        # Cut to the millisecond, as MongoDB keeps it.
        ("2023-10-18T10:45:44.123999Z", datetime(2023, 10, 18, 10, 45, 44, 123000, tzinfo=UTC)),
    ],
)
def test_accepted_forms(text: str, expected: datetime) -> None:
    assert parse_event_time(text) == expected


@pytest.mark.parametrize("text", ["2020-58-16 15:58:57 -0500", "yesterday", "", "1711390628000"])
def test_rejected_forms_say_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_event_time(text)
