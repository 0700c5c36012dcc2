#!/usr/bin/env python3
"""Scale benchmark: how reads grow as the store grows from thousands to a million events.

    .venv/bin/python scripts/bench.py --scale [--sizes 10000,100000,1000000] [--runs 5]
    .venv/bin/python scripts/bench_scale.py ...            (the same, run directly)

For each size: fill a fresh database through the driver with a year of generated events (the
mix a real store sees: CTO.ai lifecycle events of 20 teams and FlexDeploy messages, built by
the service's own intake so the documents have the real layout), build the read models with
`eventstore rebuild-read-models`, start the service on it and time the reads clients make
(pages, filters, counts, insights, REST) over HTTP; then drop the database. The table puts
one column per size beside the growth from the smallest size to the largest: a read that
grows with the store, rather than with its answer, shows there.

Uses MONGODB_URI when set, else starts the embedded server once for the run. The fill is
the server's cost (about 0.8 ms per event on the embedded server): the 1,000,000 size alone
takes about 13 minutes, and rebuilding its read models 15 more. With `--keep DIR` the
filled databases stay (the embedded server's files in DIR) and a later run with the same
sizes and seed measures the reads again at once, which is how to try a change to a read.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import heapq
import json
import os
import platform
import secrets
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

import httpx
from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.documents.layout import to_document  # noqa: E402
from app.families.flexdeploy.intake import flexdeploy_event  # noqa: E402
from app.families.lifecycle.intake import lifecycle_event  # noqa: E402
from app.intake import IntakeLimits  # noqa: E402
from app.store.embedded import EmbeddedMongo  # noqa: E402
from app.store.indexes import ensure_indexes  # noqa: E402

Document = dict[str, Any]

START = datetime(2025, 11, 24, tzinfo=UTC)  # a Monday
END = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday, 364 days later
TEAMS = [f"team-{n:02d}" for n in range(20)]
TEAM = "team-07"  # the team the filtered reads ask for
QUERY_TIMEOUT_SECONDS = 10
LIMITS = IntakeLimits(max_bytes=1 << 20, max_depth=32)
RESULTS = ROOT / "bench-results"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------
# The generated history


@dataclass
class _TeamStream:
    """One team's lifecycle events still to be told, in the order the team produces them."""

    repos: list[str]
    pending: deque[Document] = field(default_factory=deque)
    # (due at this many emitted events, tie-breaker, body): incidents and their resolutions
    # surface some time after the deployment that caused them, between other work.
    delayed: list[tuple[int, int, Document]] = field(default_factory=list)
    emitted: int = 0


class History:
    """A year of delivery events, `size` of them, the same for the same size and seed.

    Timestamps are spread evenly over [START, END) with jitter, in whole seconds and never
    decreasing, so `seq` (1..size) is both arrival order and time order. Each event goes to a
    random team; 70% are that team's next lifecycle event, 30% a FlexDeploy message.

    A team's lifecycle stream is a run of cycles: a few commits to one repo, each committed,
    built and tested, then one deployment (succeeded or failed) of the last commit, so lead
    time is measurable; now and then an incident names the deployed commit and is closed by a
    later `incident` or `recovery` `succeeded`. About 34 lifecycle events make a cycle, so
    deployments are ~2% of all events: at 1,000,000 events, each team deploys as often as ~4
    times per working day (spread over all seven days, like every other event).
    """

    LIFECYCLE_SHARE = 0.7
    BUILD_FAILS = 0.08
    TEST_FAILS = 0.05
    DEPLOYMENT_FAILS = 0.1
    INCIDENT_AFTER_DEPLOYMENT = 0.05
    INCIDENT_RESOLVED = 0.85
    BRANCHES = ("main", "main", "feature/search", "feature/billing", "fix/timeouts")
    # Pipeline stages dominate what FlexDeploy sends; the rest is the work around them.
    FLEXDEPLOY_MIX = (
        ("Pipeline Stage Completed", 50),
        ("Comment Added", 15),
        ("Task Created", 10),
        ("Task Approved", 8),
        ("Snapshot Completed", 7),
        ("Tag Assigned", 5),
        ("Work Item Created", 5),
    )
    ENVIRONMENTS = (("DEV", "Development", 50), ("QA", "QA", 30), ("PRODUCTION", "Production", 20))
    STAGE_FAILS = 0.12
    COMMENTS = (
        "Looks good to me",
        "Blocked until the Jira ticket is approved",
        "Rolled back after smoke tests, see Jira",
        "Please re-run the stage",
        "Approved for the release window",
    )

    def __init__(self, size: int, seed: int) -> None:
        self.size = size
        self.rng = Random(seed)
        self.step_seconds = (END - START).total_seconds() / size
        self.streams = {
            team: _TeamStream([f"{service}-{team[-2:]}" for service in ("api", "web", "jobs")])
            for team in TEAMS
        }
        self._ids = 100_000
        self._delayed_order = 0
        # What does not change per event is built once: ids, names, nested payload objects.
        self._team_index = {team: n for n, team in enumerate(TEAMS)}
        self._pipelines = {
            team: {"pipelineId": 10_000 + n, "pipelineName": f"{team} delivery"}
            for n, team in enumerate(TEAMS)
        }
        self._environments = {
            team: [
                {
                    "environmentId": 11_000 + 10 * n + k,
                    "environmentName": name,
                    "environmentCode": code,
                }
                for k, (code, name, _) in enumerate(self.ENVIRONMENTS)
            ]
            for n, team in enumerate(TEAMS)
        }
        self._environment_weights = list(_cumulative(weight for _, _, weight in self.ENVIRONMENTS))
        self._users = {team: [f"{team}-dev{k}" for k in range(5)] for team in TEAMS}
        builders: dict[str, Callable[[str, datetime, str], Document]] = {
            "Pipeline Stage Completed": self._pipeline_stage,
            "Comment Added": self._comment,
            "Task Created": self._task,
            "Task Approved": self._task,
            "Snapshot Completed": self._snapshot,
            "Tag Assigned": self._tag,
            "Work Item Created": self._work_item,
        }
        self._flexdeploy_types = [(name, builders[name]) for name, _ in self.FLEXDEPLOY_MIX]
        self._flexdeploy_weights = list(_cumulative(weight for _, weight in self.FLEXDEPLOY_MIX))

    def batches(self, size: int) -> Iterator[list[Document]]:
        batch: list[Document] = []
        for document in self.documents():
            batch.append(document)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch

    def documents(self) -> Iterator[Document]:
        """The documents in `seq` order, as the store would hold them."""
        rng = self.rng
        received = START
        for seq in range(1, self.size + 1):
            offset = int((seq - 1 + rng.random()) * self.step_seconds)
            when = START + timedelta(seconds=offset)
            # Arrival lags the event by up to two seconds, and never overtakes the one before.
            received = max(received, when + timedelta(milliseconds=rng.randrange(50, 2000)))
            team = TEAMS[rng.randrange(len(TEAMS))]
            if rng.random() < self.LIFECYCLE_SHARE:
                body = self._next_lifecycle(team) | {"timestamp": iso(when)}
                event = lifecycle_event(body, when, LIMITS)
            else:
                event = flexdeploy_event(self._flexdeploy(team, when), when, LIMITS)
                # FlexDeploy messages carry no team: the service stores them under the caller's.
                event = event.model_copy(update={"team_id": team})
            # A deterministic id that, like a real one, starts with its creation time.
            event_id = ObjectId(
                int(received.timestamp()).to_bytes(4, "big") + seq.to_bytes(8, "big")
            )
            yield to_document(event, seq=seq, received_at=received, event_id=event_id)

    # Lifecycle events --------------------------------------------------------------------------

    def _next_lifecycle(self, team: str) -> Document:
        stream = self.streams[team]
        stream.emitted += 1
        if stream.delayed and stream.delayed[0][0] <= stream.emitted:
            return heapq.heappop(stream.delayed)[2]
        if not stream.pending:
            self._plan_cycle(team, stream)
        return stream.pending.popleft()

    def _plan_cycle(self, team: str, stream: _TeamStream) -> None:
        """Queue one cycle: commits to one repo, their builds and tests, one deployment."""
        rng = self.rng
        repo = rng.choice(stream.repos)
        commits = rng.randint(3, 8)
        head = ""

        def body(name: str, action: str, commit: str, branch: str, **data: Any) -> Document:
            return {
                "event_name": name,
                "event_action": action,
                "team_id": team,
                "repo": repo,
                "branch": branch,
                "commit": commit,
                **data,
            }

        for n in range(commits):
            head = f"{rng.getrandbits(160):040x}"
            # The deployed commit is the one on main; earlier ones come from branches too.
            branch = "main" if n == commits - 1 else rng.choice(self.BRANCHES)
            queue = stream.pending
            queue.append(body("commit", "initiated", head, branch))
            queue.append(body("commit", "succeeded", head, branch))
            queue.append(body("build", "initiated", head, branch))
            if rng.random() < self.BUILD_FAILS:
                queue.append(body("build", "failed", head, branch, duration_seconds=60))
                continue
            queue.append(
                body("build", "succeeded", head, branch, duration_seconds=rng.randint(60, 900))
            )
            queue.append(body("test", "initiated", head, branch))
            failed = rng.random() < self.TEST_FAILS
            queue.append(
                body(
                    "test",
                    "failed" if failed else "succeeded",
                    head,
                    branch,
                    tests=rng.randint(200, 400),
                    failures=rng.randint(1, 5) if failed else 0,
                )
            )
        outcome = "failed" if rng.random() < self.DEPLOYMENT_FAILS else "succeeded"
        stream.pending.append(body("deployment", outcome, head, "main", environment="production"))
        if outcome == "succeeded" and rng.random() < self.INCIDENT_AFTER_DEPLOYMENT:
            # Counted in this team's lifecycle events, so "later" scales with the store's rate.
            opened = stream.emitted + len(stream.pending) + rng.randint(2, 20)
            self._delay(stream, opened, body("incident", "initiated", head, "main"))
            if rng.random() < self.INCIDENT_RESOLVED:
                closing = "recovery" if rng.random() < 0.5 else "incident"
                resolved = opened + rng.randint(3, 40)
                self._delay(stream, resolved, body(closing, "succeeded", head, "main"))

    def _delay(self, stream: _TeamStream, due: int, body: Document) -> None:
        self._delayed_order += 1
        heapq.heappush(stream.delayed, (due, self._delayed_order, body))

    # FlexDeploy messages -----------------------------------------------------------------------

    def _flexdeploy(self, team: str, when: datetime) -> Document:
        rng = self.rng
        name, build = rng.choices(self._flexdeploy_types, cum_weights=self._flexdeploy_weights)[0]
        # FlexDeploy sends its server's local time with the offset.
        local = (when - timedelta(hours=5)).strftime("%Y-%m-%d %H:%M:%S -0500")
        built = build(team, when, local)
        if name == "Task Approved":
            built["payload"]["taskStatus"] = "APPROVED"
        return {
            "eventType": name,
            "actor": built["actor"],
            "object": built["object"],
            "timestamp": local,
            "payload": built["payload"],
        }

    def _id(self) -> int:
        self._ids += 1
        return self._ids

    def _release(self, team: str, when: datetime) -> Document:
        # A release every two weeks per team.
        number = int((when - START).total_seconds()) // (14 * 86_400)
        return {
            "releaseId": 50_000 + 1000 * self._team_index[team] + number,
            "releaseName": f"{team} release {number + 1}",
        }

    def _environment(self, team: str) -> Document:
        environments = self._environments[team]
        return self.rng.choices(environments, cum_weights=self._environment_weights)[0]

    def _audited(self, user: str, local: str) -> Document:
        return {"createdBy": user, "createdOn": local, "updatedBy": user, "updatedOn": local}

    def _pipeline_stage(self, team: str, when: datetime, local: str) -> Document:
        rng = self.rng
        environment = self._environment(team)
        release = self._release(team, when)
        started = (when - timedelta(hours=5, seconds=rng.randint(20, 1200))).strftime(
            "%Y-%m-%d %H:%M:%S -0500"
        )
        status = "FAILED" if rng.random() < self.STAGE_FAILS else "SUCCESSFUL"
        snapshot = self._id()
        return {
            "actor": "buildmonitorworker",
            "object": release["releaseName"],
            "payload": {
                "pipelineExecutionId": self._id(),
                "pipelineStageExecution": {
                    "stageExecutionId": self._id(),
                    "environmentId": environment["environmentId"],
                    "executionStatus": status,
                    "startTime": started,
                    "endTime": local,
                    "activeStep": None,
                },
                "pipeline": self._pipelines[team],
                "environment": environment,
                "release": release,
                "snapshot": _completed_snapshot(release, snapshot),
            },
        }

    def _comment(self, team: str, when: datetime, local: str) -> Document:
        user = self.rng.choice(self._users[team])
        comment = self._id()
        return {
            "actor": user,
            "object": f"Comment - {comment}",
            "payload": self._audited(user, local)
            | {
                "commentId": comment,
                "oldCommentText": None,
                "commentText": self.rng.choice(self.COMMENTS),
                "objectId": self._id(),
                "objectType": "WORK_ITEM",
            },
        }

    def _task(self, team: str, when: datetime, local: str) -> Document:
        release = self._release(team, when)
        environment = self._environment(team)
        return {
            "actor": "completedsnapshotsmonitor",
            "object": release["releaseName"],
            "payload": self._audited("completedsnapshotsmonitor", local)
            | {
                "taskId": self._id(),
                "taskStatus": "PENDING",
                "taskType": "APPROVAL",
                "groupId": 10_900 + self._team_index[team],
                "environment": environment,
                "release": release,
                "pipelineExecution": {
                    "pipelineId": self._pipelines[team]["pipelineId"],
                    "pipelineExecutionId": self._id(),
                    "executionStatus": "RUNNING",
                },
                "project": None,
            },
        }

    def _snapshot(self, team: str, when: datetime, local: str) -> Document:
        release = self._release(team, when)
        snapshot = self._id()
        return {
            "actor": "completedsnapshotsmonitor",
            "object": release["releaseName"],
            "payload": self._audited("completedsnapshotsmonitor", local)
            | {"snapshot": _completed_snapshot(release, snapshot)},
        }

    def _tag(self, team: str, when: datetime, local: str) -> Document:
        user = self.rng.choice(self._users[team])
        tag = 64_000 + self.rng.randrange(20)
        return {
            "actor": user,
            "object": self._release(team, when)["releaseName"],
            "payload": self._audited(user, local)
            | {
                "tagAssignmentId": self._id(),
                "tagId": tag,
                "tag": {"tagId": tag, "tagStyle": "INFO", "tagKey": f"tag-{tag % 20}"},
                "objectId": self._id(),
                "objectType": "RELEASE",
            },
        }

    def _work_item(self, team: str, when: datetime, local: str) -> Document:
        user = self.rng.choice(self._users[team])
        item = self._id()
        return {
            "actor": user,
            "object": f"{team.upper()}-{item}",
            "payload": self._audited(user, local)
            | {
                "flxWorkItemId": item,
                "workItemNumber": f"{team.upper()}-{item}",
                "title": "Speed up the release pipeline",
                "type": {"name": "Story", "code": "STORY"},
                "status": {"id": 1, "name": "To Do"},
                "assignee": {"id": 1, "userName": user, "email": f"{user}@example.com"},
            },
        }


def _completed_snapshot(release: Document, snapshot: int) -> Document:
    return {
        "snapshotId": snapshot,
        "snapshotName": f"{release['releaseName']} #{snapshot}",
        "snapshotStatus": "COMPLETED",
        "description": None,
        "releaseId": release["releaseId"],
    }


def _cumulative(weights: Iterable[int]) -> Iterator[int]:
    total = 0
    for weight in weights:
        total += weight
        yield total


# ---------------------------------------------------------------------------------------------
# Filling, rebuilding, serving


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def fill(events: AsyncCollection[Document], size: int, seed: int, batch_size: int) -> float:
    """Insert the history of `size` events; returns the seconds it took.

    The indexes are made first, as in a store that grew by ingest: building them afterwards
    is slower on the embedded server than keeping them up as documents arrive. The next batch
    is generated in a thread while the server stores the last one.
    """
    started = time.perf_counter()
    await ensure_indexes(events)
    batches = History(size, seed).batches(batch_size)
    batch = await asyncio.to_thread(next, batches, None)
    done, reported = 0, started
    while batch is not None:
        storing = asyncio.create_task(events.insert_many(batch, ordered=False))
        upcoming = await asyncio.to_thread(next, batches, None)
        await storing
        done += len(batch)
        batch = upcoming
        now = time.perf_counter()
        if now - reported >= 10 or batch is None:
            reported = now
            per_event = (now - started) / done * 1000
            progress(
                f"fill {size}: {done}/{size} ({now - started:.0f} s, {per_event:.2f} ms/event)"
            )
    counters = events.database.get_collection("counters")
    await counters.update_one({"_id": "events"}, {"$max": {"seq": size}}, upsert=True)
    return time.perf_counter() - started


REBUILD_COMMAND = "rebuild-read-models"


@dataclass
class Rebuild:
    status: str  # "ok" or "failed"
    seconds: float
    returncode: int
    output_tail: list[str]


async def rebuild_read_models(env: dict[str, str]) -> Rebuild:
    """Run `eventstore rebuild-read-models` on the filled database, streaming what it prints."""
    script = Path(sys.executable).with_name("eventstore")
    # Without the installed script (a venv made another way), the same command via its module.
    command = [str(script)] if script.exists() else [sys.executable, "-m", "app"]
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command,
        REBUILD_COMMAND,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    tail: deque[str] = deque(maxlen=20)
    async for raw in process.stdout:
        line = raw.decode(errors="replace").rstrip()
        tail.append(line)
        progress(f"  rebuild | {line}")
    returncode = await process.wait()
    seconds = time.perf_counter() - started
    status = "ok" if returncode == 0 else "failed"
    if returncode != 0:
        progress(f"  rebuild | FAILED with exit status {returncode}; timing the reads anyway")
    return Rebuild(status, seconds, returncode, list(tail))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_service(env: dict[str, str], url: str) -> asyncio.subprocess.Process:
    """`python -m app` on the filled database, once it answers /readyz."""
    # Its log goes to stderr with ours: stdout is for the table.
    service = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", cwd=ROOT, env=env, stdout=sys.stderr.fileno()
    )
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url) as http:
        while time.perf_counter() - started < 300:
            if service.returncode is not None:
                raise RuntimeError(f"the service exited with status {service.returncode}")
            with contextlib.suppress(httpx.TransportError):
                if (await http.get("/readyz")).status_code == 200:
                    progress(f"service ready in {time.perf_counter() - started:.1f} s")
                    return service
            await asyncio.sleep(0.2)
    await stop(service)
    raise RuntimeError(f"{url} did not become ready in 300 s")


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


# ---------------------------------------------------------------------------------------------
# The reads


PAGE = """query($filter: EventFilter, $sort: [EventSort!], $limit: Int, $after: String) {
  events(filter: $filter, sort: $sort, limit: $limit, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { ... on Event { id type timestamp } }
  }
}"""
TOTAL = "query($filter: EventFilter) { events(filter: $filter) { totalCount } }"
FAILED_IN_PRODUCTION = """query($filter: EventFilter) {
  flexDeployEvents(filter: $filter) {
    totalCount
    nodes { ... on PipelineStageCompletedEvent { object timestamp } }
  }
}"""
COUNTS = """query($filter: EventFilter, $groupBy: [String!]!, $bucket: TimeBucket) {
  eventCounts(filter: $filter, groupBy: $groupBy, bucket: $bucket) { group bucket count }
}"""
METRICS = """query($from: DateTime!, $to: DateTime!, $teamId: String) {
  deliveryMetrics(from: $from, to: $to, teamId: $teamId) {
    deploymentFrequency { deployments perDay band }
    leadTime {
      durations { count meanSeconds medianSeconds }
      ignoredNonPositive deploymentsWithoutCommit commitsWithoutChangeEvent
    }
    changeFailureRate { rate deployments failedDeployments linkedIncidents unlinkedIncidents }
    timeToRestore { durations { count meanSeconds medianSeconds } unresolvedIncidents }
  }
}"""
# What the monitor's delivery health reads beside the metrics: the trend and the table.
TREND = """query($from: DateTime!, $to: DateTime!, $teamId: String) {
  deliveryTrend(from: $from, to: $to, teamId: $teamId, bucket: WEEK) {
    start metrics { deploymentFrequency { deployments } changeFailureRate { rate } }
  }
}"""
BREAKDOWN = """query($from: DateTime!, $to: DateTime!) {
  deliveryBreakdown(by: TEAM, from: $from, to: $to) {
    teamId metrics { deploymentFrequency { deployments } changeFailureRate { rate } }
  }
}"""


@dataclass(frozen=True)
class Read:
    """One request a client makes: a GraphQL query with variables, or a REST GET."""

    name: str
    query: str | None = None
    variables: Document = field(default_factory=dict)
    path: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    # Continues the first page: `after` is that page's endCursor, known only once it is read.
    next_page: bool = False


FIRST_PAGE = "events, first page"


def reads() -> list[Read]:
    week_ago, month_ago = iso(END - timedelta(days=7)), iso(END - timedelta(days=30))
    year = {"timestamp": {"gte": iso(START), "lt": iso(END)}}
    last_30_days = {"timestamp": {"gte": month_ago, "lt": iso(END)}}
    team = {"teamId": {"eq": TEAM}}
    deployments = {"type": {"eq": "deployment"}}
    failed_in_production = {
        "type": {"eq": "Pipeline Stage Completed"},
        "timestamp": {"gte": week_ago},
        "field": [
            {"path": "payload.pipelineStageExecution.executionStatus", "eq": "FAILED"},
            {"path": "payload.environment.environmentCode", "eq": "PRODUCTION"},
        ],
    }

    def total(name: str, where: Document | None) -> Read:
        return Read(name, TOTAL, {"filter": where} if where else {})

    return [
        Read(FIRST_PAGE, PAGE),
        Read(f"events, {TEAM}", PAGE, {"filter": team}),
        Read("events, type deployment", PAGE, {"filter": deployments}),
        Read("events, next page (after)", PAGE, next_page=True),
        Read(
            "failed production stages, week", FAILED_IN_PRODUCTION, {"filter": failed_in_production}
        ),
        Read(
            "events, last week, limit 1000",
            PAGE,
            {"filter": {"timestamp": {"gte": week_ago, "lt": iso(END)}}, "limit": 1000},
        ),
        Read("events sorted by repo", PAGE, {"sort": [{"field": "repo", "order": "ASC"}]}),
        total("totalCount, all", None),
        total(f"totalCount, {TEAM}", team),
        total("totalCount, source FLEXDEPLOY", {"source": {"eq": "FLEXDEPLOY"}}),
        total("totalCount, type deployment", deployments),
        total("totalCount, action failed", {"action": {"eq": "failed"}}),
        total("totalCount, last 30 days", last_30_days),
        Read(
            "eventCounts type x WEEK, year",
            COUNTS,
            {"filter": year, "groupBy": ["type"], "bucket": "WEEK"},
        ),
        Read(
            f"eventCounts {TEAM} action x DAY, 30 d",
            COUNTS,
            {"filter": team | last_30_days, "groupBy": ["action"], "bucket": "DAY"},
        ),
        Read(
            f"deliveryMetrics {TEAM}, 91 days",
            METRICS,
            {"from": iso(END - timedelta(days=91)), "to": iso(END), "teamId": TEAM},
        ),
        Read("deliveryMetrics all teams, year", METRICS, {"from": iso(START), "to": iso(END)}),
        Read(
            f"deliveryTrend {TEAM}, 91 days by week",
            TREND,
            {"from": iso(END - timedelta(days=91)), "to": iso(END), "teamId": TEAM},
        ),
        Read(
            "deliveryBreakdown by team, 30 days",
            BREAKDOWN,
            {"from": iso(END - timedelta(days=30)), "to": iso(END)},
        ),
        Read("REST GET /events", path="/events", params={"$limit": "50"}),
        Read(f"REST GET /events {TEAM}", path="/events", params={"team_id": TEAM, "$limit": "50"}),
    ]


@dataclass
class Answer:
    seconds: float
    error: str | None
    body: Any


async def ask(http: httpx.AsyncClient, read: Read, variables: Document) -> Answer:
    """One request, timed from sending it to having its JSON decoded, as a client has it."""
    started = time.perf_counter()
    try:
        if read.path is not None:
            response = await http.get(read.path, params=read.params)
        else:
            response = await http.post(
                "/graphql", json={"query": read.query, "variables": variables}
            )
        body = response.json()
    except httpx.TimeoutException:
        return Answer(time.perf_counter() - started, "HTTP_TIMEOUT", None)
    except (httpx.HTTPError, ValueError) as error:
        return Answer(time.perf_counter() - started, type(error).__name__, None)
    seconds = time.perf_counter() - started
    return Answer(seconds, _error_of(read, response.status_code, body), body)


def _error_of(read: Read, status: int, body: Any) -> str | None:
    code: str | None = None
    if isinstance(body, dict):
        errors = body.get("errors")
        if read.query is not None and isinstance(errors, list) and errors:
            first = errors[0] if isinstance(errors[0], dict) else {}
            code = str(first.get("extensions", {}).get("code") or first.get("message", "ERROR"))
        elif status >= 400:
            code = str(body.get("name") or body.get("className") or "")
    if status >= 400:
        return f"HTTP {status}" + (f" {code}" if code else "")
    return code


def summary(read: Read, body: Any) -> Document:
    """What came back, in a few numbers: to see that each size answered what it should."""
    if read.path is not None:
        return {"total": body.get("total"), "data": len(body.get("data", []))}
    result: Document = {}
    for name, value in (body.get("data") or {}).items():
        if isinstance(value, list):
            result[name] = {"items": len(value)}
        elif isinstance(value, dict) and "nodes" in value:
            result[name] = {"nodes": len(value["nodes"])} | (
                {"totalCount": value["totalCount"]} if "totalCount" in value else {}
            )
        else:
            result[name] = value
    return result


async def time_read(
    http: httpx.AsyncClient, read: Read, runs: int, after: str | None
) -> tuple[Document, Answer | None]:
    """One warm-up and `runs` timed requests; the median, or the error if any run failed.

    A read that fails twice in a row (the warm-up and the first timed run) is not repeated:
    each try of a read that times out costs the full query timeout.
    """
    variables = read.variables | ({"after": after} if read.next_page else {})
    if read.next_page and after is None:
        return {"error": "NO_CURSOR", "samples_ms": [], "median_ms": None}, None
    warm = await ask(http, read, variables)
    samples: list[Document] = []
    last: Answer | None = None
    previous_failed = warm.error is not None
    for _ in range(runs):
        last = await ask(http, read, variables)
        samples.append({"ms": last.seconds * 1000, "error": last.error})
        if last.error is not None and previous_failed:
            break
        previous_failed = last.error is not None
    errors = [sample["error"] for sample in samples if sample["error"] is not None]
    result: Document = {
        "warm_up_ms": warm.seconds * 1000,
        "warm_up_error": warm.error,
        "samples_ms": [sample["ms"] for sample in samples],
        "sample_errors": [sample["error"] for sample in samples],
        "error": errors[0] if errors else None,
        "median_ms": None if errors else statistics.median(s["ms"] for s in samples),
    }
    if last is not None and last.error is None:
        result["answer"] = summary(read, last.body)
    return result, last


async def time_reads(url: str, runs: int) -> dict[str, Document]:
    results: dict[str, Document] = {}
    after: str | None = None
    async with httpx.AsyncClient(base_url=url, timeout=4 * QUERY_TIMEOUT_SECONDS + 60) as http:
        for read in reads():
            result, last = await time_read(http, read, runs, after)
            if read.name == FIRST_PAGE and last is not None and last.error is None:
                after = last.body["data"]["events"]["pageInfo"]["endCursor"]
            results[read.name] = result
            shown = result["error"] or f"{result['median_ms']:.1f} ms"
            progress(f"  {read.name}: {shown}")
    return results


# ---------------------------------------------------------------------------------------------
# One size, the whole run, the report


FILLED_MARK = "bench-filled"


async def kept_fill(events: AsyncCollection[Document], size: int, seed: int) -> bool:
    """Whether a kept database already holds this size's whole history (and its read models)."""
    counters = events.database.get_collection("counters")
    mark = await counters.find_one({"_id": FILLED_MARK})
    return mark is not None and mark.get("size") == size and mark.get("seed") == seed


async def bench_size(
    client: AsyncMongoClient[Document], uri: str, size: int, args: argparse.Namespace
) -> Document:
    kept = args.keep is not None
    # A kept database is named by what it holds, so the next run finds it.
    suffix = f"seed{args.seed}" if kept else secrets.token_hex(4)
    database = f"scale_{size}_{suffix}"
    # The rebuild runs as an operator would run it: only the database is chosen for it.
    env = os.environ | {"MONGODB_URI": uri, "EVENTSTORE_DATABASE": database}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    service_env = env | {
        "EVENTSTORE_PORT": str(port),
        "EVENTSTORE_LOG_LEVEL": "WARNING",
        "EVENTSTORE_QUERY_TIMEOUT_SECONDS": str(QUERY_TIMEOUT_SECONDS),
    }
    events = client[database]["events"]
    fill_seconds: float | None = None
    rebuilt: Rebuild | None = None
    try:
        if kept and await kept_fill(events, size, args.seed):
            # The service brings read models of an older format up to date as it starts.
            progress(f"size {size}: reusing the filled database {database}")
        else:
            await client.drop_database(database)
            progress(f"size {size}: filling database {database}")
            fill_seconds = await fill(events, size, args.seed, args.batch_size)
            progress(f"size {size}: rebuilding the read models")
            rebuilt = await rebuild_read_models(env)
            if kept and rebuilt.status == "ok":
                await client[database]["counters"].replace_one(
                    {"_id": FILLED_MARK},
                    {"_id": FILLED_MARK, "size": size, "seed": args.seed},
                    upsert=True,
                )
        progress(f"size {size}: reads ({args.runs} timed runs each)")
        service = await start_service(service_env, url)
        try:
            timed = await time_reads(url, args.runs)
        finally:
            await stop(service)
    finally:
        if not kept:
            try:
                await client.drop_database(database)
            except PyMongoError as error:
                # The figures are measured by now: losing them to a failed clean-up helps no one.
                progress(f"could not drop {database}: {error}")
    return {
        "database": database,
        "reused": fill_seconds is None,
        "fill_seconds": fill_seconds,
        "fill_ms_per_1000_events": None if fill_seconds is None else fill_seconds / size * 1e6,
        "rebuild": None
        if rebuilt is None
        else {
            "status": rebuilt.status,
            "seconds": rebuilt.seconds,
            "returncode": rebuilt.returncode,
            "output_tail": rebuilt.output_tail,
        },
        "reads": timed,
    }


def figures(report: Document) -> None:
    """Adds the medians and growth ratios (largest size / smallest) to `report`."""
    done = [str(size) for size in report["sizes"] if str(size) in report["results"]]
    medians: dict[str, dict[str, float | None]] = {}
    for size in done:
        for name, result in report["results"][size]["reads"].items():
            medians.setdefault(name, {})[size] = result["median_ms"]
    report["medians_ms"] = medians
    report["ratios"] = {
        name: _ratio(by_size.get(done[0]), by_size.get(done[-1])) if len(done) > 1 else None
        for name, by_size in medians.items()
    }


def _ratio(small: float | None, large: float | None) -> float | None:
    return large / small if small and large is not None else None


def short(size: int) -> str:
    for unit, name in ((1_000_000, "M"), (1000, "k")):
        if size >= unit and size % unit == 0:
            return f"{size // unit}{name}"
    return str(size)


def table(report: Document) -> str:
    sizes = [size for size in report["sizes"] if str(size) in report["results"]]
    results = [report["results"][str(size)] for size in sizes]
    growth = f"{short(sizes[-1])} / {short(sizes[0])}" if len(sizes) > 1 else "growth"
    rows = [("read (median ms)", *(short(size) for size in sizes), growth)]

    def ms(value: float | None) -> str:
        if value is None:
            return ""
        return f"{value:.1f}" if value < 100 else f"{value:.0f}"

    def ratio(value: float | None) -> str:
        return f"{value:.1f}x" if value is not None else ""

    for name in report["medians_ms"]:
        cells = [
            result["reads"][name]["error"] or ms(result["reads"][name]["median_ms"])
            for result in results
        ]
        rows.append((name, *cells, ratio(report["ratios"][name])))
    rows.append(("", *("" for _ in sizes), ""))
    fills = [result["fill_seconds"] for result in results]
    if all(seconds is not None for seconds in fills):
        rows.append(("fill (s)", *(f"{s:.1f}" for s in fills), ratio(_ratio(fills[0], fills[-1]))))
        rows.append(
            (
                "fill (ms per 1000 events)",
                *(f"{result['fill_ms_per_1000_events']:.0f}" for result in results),
                "",
            )
        )
    rebuilds = [result["rebuild"] for result in results]

    def rebuild_cell(rebuild: Document | None) -> str:
        if rebuild is None:
            return "reused"
        return f"{rebuild['seconds']:.1f}" if rebuild["status"] == "ok" else rebuild["status"]

    rebuilt = all(rebuild is not None and rebuild["status"] == "ok" for rebuild in rebuilds)
    rows.append(
        (
            "rebuild read models (s)",
            *(rebuild_cell(rebuild) for rebuild in rebuilds),
            ratio(_ratio(rebuilds[0]["seconds"], rebuilds[-1]["seconds"])) if rebuilt else "",
        )
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "| "
        + " | ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        )
        + " |"
        for row in rows
    ]
    lines.insert(1, "| " + " | ".join("-" * width for width in widths) + " |")
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> Document:
    """The whole benchmark; the report is written to `args.json` after each size."""
    report: Document = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "sizes": args.sizes,
        "runs": args.runs,
        "seed": args.seed,
        "batch_size": args.batch_size,
        "query_timeout_seconds": QUERY_TIMEOUT_SECONDS,
        "database": "MONGODB_URI" if "MONGODB_URI" in os.environ else "embedded SecantusDB",
        "results": {},
    }
    workdir: Path | None = None
    embedded: EmbeddedMongo | None = None
    uri = os.environ.get("MONGODB_URI")
    if uri is None:
        workdir = args.keep or Path(tempfile.mkdtemp(prefix="eventstore-scale-"))
        embedded = EmbeddedMongo(workdir / "mongo")
        uri = await embedded.start()
    # The client sits idle through a rebuild and the reads, and the embedded server closes
    # connections idle for 5 minutes: the pool must not hand out one it closed.
    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True, maxIdleTimeMS=60_000)
    started = time.perf_counter()
    try:
        for size in args.sizes:
            report["results"][str(size)] = await bench_size(client, uri, size, args)
            report["seconds"] = time.perf_counter() - started
            figures(report)
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(report, indent=2))
    finally:
        await client.close()
        if embedded is not None:
            await embedded.stop()
        if workdir is not None and args.keep is None:
            # A million events take gigabytes on disk: nothing here is kept.
            shutil.rmtree(workdir, ignore_errors=True)
    return report


def sizes(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"sizes are whole numbers: {error}") from None
    if not values or any(value < 100 for value in values):
        raise argparse.ArgumentTypeError("give one or more sizes, each at least 100")
    return sorted(values)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the scale benchmark, for this script's parser and for bench.py's."""
    group = parser.add_argument_group("scale benchmark (bench.py --scale)")
    group.add_argument(
        "--sizes",
        type=sizes,
        default=[10_000, 100_000, 1_000_000],
        help="store sizes, comma-separated (default 10000,100000,1000000)",
    )
    group.add_argument("--runs", type=int, default=5, help="timed runs per read (default 5)")
    group.add_argument("--seed", type=int, default=7, help="of the generated history")
    group.add_argument("--batch-size", type=int, default=5000, help="documents per insert_many")
    group.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep the filled databases (the embedded server's files in DIR) and reuse them "
        "on the next run with the same sizes and seed: reads measured again without refilling",
    )


def default_json() -> Path:
    return RESULTS / f"scale-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"


def main(args: argparse.Namespace | None = None) -> None:
    """Run with `args` from bench.py's parser, or parse this script's command line."""
    if args is None:
        parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
        add_arguments(parser)
        parser.add_argument("--json", type=Path, help="default bench-results/scale-<time>.json")
        args = parser.parse_args()
    if args.json is None:
        args.json = default_json()
    report = asyncio.run(run(args))
    print(table(report))
    print(f"\n({report['seconds']:.0f} s on {report['cores']} cores; JSON in {args.json})")


if __name__ == "__main__":
    main()
