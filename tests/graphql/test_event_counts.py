"""Counts over time, checked against the same counts made in plain Python."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from app.config import Settings
from tests.graphql.queries import INGEST_BATCH
from tests.utils.service import RunningService, running_service
from tests.utils.tokens import TEAM_A

COUNTS = """
query($filter: EventFilter, $groupBy: [String!]!, $bucket: TimeBucket) {
    eventCounts(filter: $filter, groupBy: $groupBy, bucket: $bucket) { group bucket count }
}
"""
START = datetime(2024, 3, 1, tzinfo=UTC)
KINDS = [
    ("build", "succeeded"),
    ("deployment", "succeeded"),
    ("deployment", "failed"),
    ("incident", "initiated"),
]


def history() -> list[dict[str, Any]]:
    events = []
    for n in range(60):
        name, action = KINDS[n % len(KINDS)]
        events.append(
            {
                "eventName": name,
                "eventAction": action,
                "repo": ["api", "web"][n % 2],
                "timestamp": (START + timedelta(hours=n * 4)).isoformat(),
                "data": {"environment": ["prod", "staging", "dev"][n % 3]},
            }
        )
    return events


async def counts(service: RunningService, **variables: Any) -> list[dict[str, Any]]:
    answer = await service.graphql(COUNTS, **variables)
    assert answer.errors == [], answer.errors
    rows: list[dict[str, Any]] = answer.data["eventCounts"]
    return rows


def day(moment: datetime) -> str:
    """The start of the period as the service writes a DateTime: UTC, `Z`, milliseconds."""
    return moment.replace(hour=0).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def test_daily_counts_per_type_with_empty_days_as_zero(service: RunningService) -> None:
    events = history()
    await service.graphql(INGEST_BATCH, lifecycle=events)
    first, last = START - timedelta(days=2), START + timedelta(days=14)

    rows = await counts(
        service,
        filter={"timestamp": {"gte": first.isoformat(), "lt": last.isoformat()}},
        groupBy=["type"],
        bucket="DAY",
    )

    expected = Counter(
        (event["eventName"], day(datetime.fromisoformat(event["timestamp"]))) for event in events
    )
    days = [day(first + timedelta(days=n)) for n in range(16)]
    for name in {"build", "deployment", "incident"}:
        for date in days:
            expected.setdefault((name, date), 0)
    got = {(row["group"]["type"], row["bucket"]): row["count"] for row in rows}
    assert got == dict(expected)
    assert len(rows) == 3 * 16


async def test_counts_by_several_fields_and_a_path(service: RunningService) -> None:
    events = history()
    await service.graphql(INGEST_BATCH, lifecycle=events)

    rows = await counts(
        service,
        filter={"type": {"eq": "deployment"}},
        groupBy=["action", "repo", "data.environment"],
    )

    expected = Counter(
        (event["eventAction"], event["repo"], event["data"]["environment"])
        for event in events
        if event["eventName"] == "deployment"
    )
    got = {
        (row["group"]["action"], row["group"]["repo"], row["group"]["data.environment"]): row[
            "count"
        ]
        for row in rows
    }
    assert got == dict(expected)
    assert {row["bucket"] for row in rows} == {None}


async def test_weeks_start_on_monday_and_months_on_the_first(service: RunningService) -> None:
    await service.graphql(INGEST_BATCH, lifecycle=history())

    weeks = await counts(service, groupBy=[], bucket="WEEK")
    months = await counts(service, groupBy=[], bucket="MONTH")

    # 2024-03-01 is a Friday: its week starts on Monday 2024-02-26.
    assert [row["bucket"][:10] for row in weeks] == ["2024-02-26", "2024-03-04"]
    assert sum(row["count"] for row in weeks) == 60
    assert [(row["bucket"][:10], row["count"]) for row in months] == [("2024-03-01", 60)]


async def test_a_range_without_events_counts_zero_per_period(service: RunningService) -> None:
    rows = await counts(
        service,
        filter={"timestamp": {"gte": "2023-01-01T00:00:00Z", "lte": "2023-01-03T00:00:00Z"}},
        groupBy=[],
        bucket="DAY",
    )

    assert [(row["bucket"][:10], row["count"]) for row in rows] == [
        ("2023-01-01", 0),
        ("2023-01-02", 0),
        ("2023-01-03", 0),
    ]


async def test_counts_keep_to_the_callers_team(guarded: RunningService) -> None:
    await guarded.graphql(INGEST_BATCH, token=TEAM_A, lifecycle=history()[:10])
    await guarded.graphql(INGEST_BATCH, token="token-b", lifecycle=history()[:25])

    rows = (await guarded.graphql(COUNTS, token=TEAM_A, groupBy=["teamId"])).data["eventCounts"]

    assert rows == [{"group": {"teamId": "team-a"}, "bucket": None, "count": 10}]


async def test_grouping_by_an_unknown_field_is_refused(service: RunningService) -> None:
    answer = await service.graphql(COUNTS, groupBy=["$where"])

    assert answer.error_codes == ["BAD_USER_INPUT"]
    assert "groupBy[0]" in answer.errors[0]["message"]


async def test_an_answer_too_big_to_hold_is_refused(service: RunningService) -> None:
    await service.graphql(INGEST_BATCH, lifecycle=history())
    century = {
        "timestamp": {"gte": "1950-01-01T00:00:00Z", "lt": "2050-01-01T00:00:00Z"},
    }

    hourly = await service.graphql(COUNTS, filter=century, groupBy=["type"], bucket="HOUR")
    monthly = await service.graphql(COUNTS, filter=century, groupBy=["type"], bucket="MONTH")

    assert hourly.error_codes == ["BAD_USER_INPUT"]
    assert "bucket: this range holds too many hours for its 3 groups" in hourly.errors[0]["message"]
    assert len(monthly.data["eventCounts"]) == 3 * 12 * 100


async def test_grouping_by_a_time_field_gives_its_iso_text(service: RunningService) -> None:
    await service.graphql(INGEST_BATCH, lifecycle=history()[:3])

    rows = await counts(service, groupBy=["timestamp"])

    assert [row["group"]["timestamp"] for row in rows] == sorted(
        (START + timedelta(hours=n * 4)).isoformat() for n in range(3)
    )


async def test_more_groups_than_allowed_are_refused(settings: Settings) -> None:
    async with running_service(settings.model_copy(update={"max_count_rows": 50})) as service:
        await service.graphql(INGEST_BATCH, lifecycle=history())

        answer = await service.graphql(COUNTS, groupBy=["timestamp"])

    assert answer.error_codes == ["BAD_USER_INPUT"]
    assert "groupBy: more than 50 groups" in answer.errors[0]["message"]


async def test_grouping_by_an_object_counts_each_distinct_object(service: RunningService) -> None:
    await service.graphql(INGEST_BATCH, lifecycle=history()[:6])

    rows = await counts(service, groupBy=["data"])

    assert sorted((row["group"]["data"]["environment"], row["count"]) for row in rows) == [
        ("dev", 2),
        ("prod", 2),
        ("staging", 2),
    ]
