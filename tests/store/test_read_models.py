"""Reads answered from read models and time windows give exactly the answers the events give.

Each check puts the service's answer beside one worked out from the stored events themselves:
MongoDB queries written here, or the same GraphQL read with a condition the read models cannot
answer (a path they do not keep), which sends it to the events.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.config import Settings
from tests.graphql.queries import INGEST_BATCH, INGEST_LIFECYCLE
from tests.utils.depth import tries
from tests.utils.read_models import until_absorbed
from tests.utils.service import RunningService, running_service

ROOT = Path(__file__).parents[2]
START = datetime(2025, 11, 24, tzinfo=UTC)
TEAMS = ("team-a", "team-b", "team-c")
KINDS = [
    ("commit", "initiated"),
    ("build", "succeeded"),
    ("build", "failed"),
    ("deployment", "succeeded"),
    ("deployment", "failed"),
    ("incident", "initiated"),
    ("incident", "succeeded"),
    ("recovery", "succeeded"),
]
# Only the events can answer a condition on this path: the read models do not keep it.
FROM_EVENTS = {"path": "raw.neverSent", "exists": False}

PAGE = """
query($filter: EventFilter, $sort: [EventSort!], $after: String) {
  events(filter: $filter, sort: $sort, limit: 9, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { ... on Event { id } }
  }
}"""
# As a dashboard asks for a total: no page, only the count.
TOTAL = "query($filter: EventFilter) { events(filter: $filter) { totalCount } }"
COUNTS = """
query($filter: EventFilter, $groupBy: [String!]!, $bucket: TimeBucket) {
  eventCounts(filter: $filter, groupBy: $groupBy, bucket: $bucket) { group bucket count }
}"""
METRICS = """
query($from: DateTime!, $to: DateTime!, $teamId: String, $filter: EventFilter) {
  deliveryMetrics(from: $from, to: $to, teamId: $teamId, filter: $filter) {
    deploymentFrequency { deployments perDay band }
    leadTime { durations { count meanSeconds medianSeconds }
               ignoredNonPositive deploymentsWithoutCommit commitsWithoutChangeEvent }
    changeFailureRate { rate deployments failedDeployments linkedIncidents unlinkedIncidents }
    timeToRestore { durations { count meanSeconds medianSeconds } unresolvedIncidents }
  }
}"""


def history(count: int, seed: int) -> list[dict[str, Any]]:
    """Lifecycle events over a year, with shared instants (ties) and commits that recur."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    for _ in range(count):
        name, action = rng.choice(KINDS)
        moment = START + timedelta(minutes=rng.randrange(0, 365 * 24 * 60, 7))
        if events and rng.random() < 0.2:
            moment = datetime.fromisoformat(events[-1]["timestamp"])  # a tie
        events.append(
            {
                "eventName": name,
                "eventAction": action,
                "teamId": rng.choice(TEAMS),
                "repo": rng.choice(("api", "web")),
                "commit": f"c{rng.randrange(count // 4)}",
                "timestamp": moment.isoformat(),
            }
        )
    return events


async def load(service: RunningService, events: list[dict[str, Any]]) -> None:
    for start in range(0, len(events), 250):
        answer = await service.graphql(INGEST_BATCH, lifecycle=events[start : start + 250])
        assert not answer.errors


async def every_page(service: RunningService, **arguments: Any) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        answer = await service.graphql(PAGE, after=after, **arguments)
        assert not answer.errors, answer.errors
        page = answer.data["events"]
        ids += [node["id"] for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]


async def stored_ids(service: RunningService, query: dict[str, Any], sort: Any) -> list[str]:
    events = service.mongo[service.settings.database]["events"]
    return [str(document["_id"]) async for document in events.find(query).sort(sort)]


async def test_paging_by_cursor_visits_every_matching_event_once_in_order(
    service: RunningService,
) -> None:
    events = history(400, seed=1)
    await load(service, events)
    await until_absorbed(service)
    newest = [("timestamp", -1), ("seq", -1)]
    tied = datetime.fromisoformat(
        Counter(event["timestamp"] for event in events).most_common(1)[0][0]
    )
    cases: list[tuple[dict[str, Any], dict[str, Any], Any]] = [
        ({}, {}, newest),
        ({"filter": {"teamId": {"eq": "team-b"}}}, {"teamId": "team-b"}, newest),
        (
            {"filter": {"or": [{"type": {"eq": "build"}}, {"action": {"eq": "failed"}}]}},
            {"$or": [{"type": "build"}, {"action": "failed"}]},
            newest,
        ),
        (
            {"filter": {"timestamp": {"gte": "2026-03-01T00:00Z", "lt": "2026-04-01T00:00Z"}}},
            {"timestamp": {"$gte": datetime(2026, 3, 1), "$lt": datetime(2026, 4, 1)}},
            newest,
        ),
        ({"sort": [{"field": "timestamp", "order": "ASC"}]}, {}, [("timestamp", 1), ("seq", 1)]),
        (
            {"filter": {"timestamp": {"eq": tied.isoformat()}}},
            {"timestamp": tied.replace(tzinfo=None)},
            newest,
        ),
        (
            {"sort": [{"field": "timestamp"}, {"field": "repo", "order": "ASC"}]},
            {},
            [("timestamp", -1), ("repo", 1), ("seq", 1)],
        ),
    ]
    for arguments, query, sort in cases:
        paged = await every_page(service, **arguments)
        expected = await stored_ids(service, query, sort)
        assert paged == expected, arguments
        assert expected, arguments
        assert len(set(paged)) == len(paged)


async def test_events_arriving_while_paging_do_not_disturb_the_pages(
    service: RunningService,
) -> None:
    await load(service, history(120, seed=2))
    await until_absorbed(service)
    expected = await stored_ids(service, {}, [("timestamp", -1), ("seq", -1)])
    first = (await service.graphql(PAGE)).data["events"]
    # Newer events land between pages; the cursor keeps its place, before all of them.
    for n in range(5):
        event = {"eventName": "build", "eventAction": "succeeded", "teamId": f"late-{n}"}
        assert not (await service.graphql(INGEST_LIFECYCLE, input=event)).errors
    ids = [node["id"] for node in first["nodes"]]
    after = first["pageInfo"]["endCursor"]
    while after is not None:
        page = (await service.graphql(PAGE, after=after)).data["events"]
        ids += [node["id"] for node in page["nodes"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    assert ids == expected


async def answers(service: RunningService, *, from_events: bool) -> dict[str, Any]:
    """Counts and metrics as a dashboard reads them; `from_events` sends each to the events."""

    def narrowed(conditions: dict[str, Any]) -> dict[str, Any]:
        return conditions | {"field": [FROM_EVENTS]} if from_events else conditions

    year = {"gte": START.isoformat(), "lt": (START + timedelta(days=365)).isoformat()}
    filters: dict[str, dict[str, Any]] = {
        "all": {},
        "team": {"teamId": {"eq": "team-a"}},
        "type": {"type": {"in": ["deployment", "incident"]}},
        "action": {"action": {"ne": "failed"}},
        "time": {"timestamp": {"gte": "2026-02-10T13:17:00Z", "lte": "2026-06-03T08:00:00Z"}},
        "not": {"not": {"teamId": {"eq": "team-c"}}, "timestamp": year},
    }
    found: dict[str, Any] = {}
    for name, conditions in filters.items():
        total = await service.graphql(TOTAL, filter=narrowed(conditions))
        found[f"total {name}"] = total.data["events"]["totalCount"]
        for group_by, bucket in ((["type", "teamId"], "WEEK"), (["action"], "DAY"), ([], None)):
            counts = await service.graphql(
                COUNTS, filter=narrowed(conditions), groupBy=group_by, bucket=bucket
            )
            assert not counts.errors, counts.errors
            found[f"counts {name} {group_by} {bucket}"] = sorted(
                (str(row["group"]), str(row["bucket"]), row["count"])
                for row in counts.data["eventCounts"]
            )
    for team in (None, "team-b"):
        span = {"from": "2026-01-05T10:00:00Z", "to": "2026-07-01T00:00:00Z"}
        metrics = await service.graphql(METRICS, teamId=team, filter=narrowed({}) or None, **span)
        assert not metrics.errors, metrics.errors
        found[f"metrics {team}"] = metrics.data["deliveryMetrics"]
    return found


async def test_counts_and_metrics_equal_the_events_after_retries_and_a_failed_batch(
    service: RunningService,
) -> None:
    events = history(900, seed=3)
    await load(service, events[:600])
    # Retries with an idempotency key store (and count) once.
    for attempt in range(3):
        answer = await service.graphql(INGEST_LIFECYCLE, input=events[600], key="retried")
        assert answer.data["ingestLifecycleEvent"]["created"] is (attempt == 0)
    # A batch that fails in the database burns its sequence numbers and stores nothing.
    counters = service.mongo[service.settings.database]["counters"]
    stored = (await counters.find_one({"_id": "events"}) or {})["seq"]
    await counters.update_one({"_id": "events"}, {"$set": {"seq": stored - 3}})
    failed = await service.graphql(INGEST_BATCH, lifecycle=events[601:611])
    assert failed.error_codes == ["INTERNAL_SERVER_ERROR"]
    await load(service, events[611:])

    # Read at once (much of it not absorbed yet), then once the models hold everything.
    early = await answers(service, from_events=False)
    await until_absorbed(service)
    absorbed = await answers(service, from_events=False)
    truth = await answers(service, from_events=True)
    assert truth["total all"] == await service.stored_count() == 900 - 10
    forged = await service.graphql('{ events(after: "not-a-cursor") { totalCount } }')
    assert forged.error_codes == ["BAD_USER_INPUT"]
    assert early == truth
    assert absorbed == truth


async def test_two_processes_ingesting_at_once_count_each_event_once(settings: Settings) -> None:
    events = history(tries(quick=300, full=600), seed=4)
    async with running_service(settings) as one, running_service(settings) as two:

        async def ingest(service: RunningService, mine: list[dict[str, Any]]) -> None:
            singles = len(mine) // 3  # one at a time, then the rest in batches
            for event in mine[:singles]:
                assert not (await service.graphql(INGEST_LIFECYCLE, input=event)).errors
            await load(service, mine[singles:])

        await asyncio.gather(ingest(one, events[::2]), ingest(two, events[1::2]))
        await until_absorbed(one)
        for service in (one, two):
            assert await answers(service, from_events=False) == await answers(
                service, from_events=True
            )
        assert (await answers(one, from_events=False))["total all"] == len(events)


async def test_rebuilding_the_read_models_gives_the_same_answers_and_shows_progress(
    service: RunningService,
) -> None:
    count = tries(quick=350, full=700)
    await load(service, history(count, seed=5))
    await until_absorbed(service)
    built_while_ingesting = await answers(service, from_events=False)
    environment = os.environ | {
        "MONGODB_URI": str(service.settings.mongodb_uri),
        "EVENTSTORE_DATABASE": service.settings.database,
    }
    rebuild = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        "rebuild-read-models",
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await rebuild.communicate()
    assert rebuild.returncode == 0, output.decode()
    lines = output.decode().splitlines()
    assert any(f"{count}/{count} events (100%)" in line for line in lines), lines
    assert lines[-1].startswith("read models rebuilt in")
    assert await answers(service, from_events=False) == built_while_ingesting
