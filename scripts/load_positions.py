#!/usr/bin/env python3
"""Positions under heavy load (issue 28): do live delivery and cursors stay gap-free?

    .venv/bin/python scripts/load_positions.py                     # 3 minutes, one process
    .venv/bin/python scripts/load_positions.py --workers 2         # two processes, Redis
    .venv/bin/python scripts/load_positions.py --kill-database 30  # kill -9 it every 30 s
    .venv/bin/python scripts/load_positions.py --kill-service 20   # 20 kill -9 cycles
    .venv/bin/python scripts/load_positions.py --freeze-database 40  # 40 s stalls (SIGSTOP)

A real service (`python -m app`, its embedded database) takes batches of `--batch-size` events
from `--batch-clients` clients and single events from `--single-clients` clients, each sent
with an idempotency key and sent again until acknowledged, as the README tells clients to. Two
subscribers watch over websockets (graphql-transport-ws): one stays connected (resuming from
its last cursor only if its connection drops), one leaves and resumes with its last cursor
every `--resume-every` seconds. Faults, if asked for, land while all of that runs.

At the end the clients stop, the subscribers are given time to catch up, each event's position
is read from MongoDB itself, and the service is stopped with SIGTERM. Reported, per subscriber:
events delivered below a position it already held (must be 0), stored events it missed and
events it received twice; then the longest request, requests refused with a code, how long the
stop took and the errors the service logged. Exit status 1 if any of those is wrong. JSON in
`--json` (default bench-results/positions-<time>.json).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Subprotocol

ROOT = Path(__file__).resolve().parent.parent
BATCH = """mutation($events: [LifecycleEventInput!], $key: String) {
  ingestEvents(lifecycle: $events, idempotencyKey: $key) { count } }"""
SINGLE = """mutation($event: LifecycleEventInput!, $key: String) {
  ingestLifecycleEvent(input: $event, idempotencyKey: $key) { created } }"""
WATCH = """subscription($after: String) { events(after: $after) { ... on Event { id cursor } } }"""
EMBEDDED_URI = re.compile(rb"Using the embedded MongoDB \(SecantusDB\) at (mongodb://\S+)")
# What a log must not hold after a run: an error, a traceback, an ASGI failure; except the
# error that says the database was killed, when the run killed it.
LOGGED_ERRORS = re.compile(r" ERROR |Traceback|Exception in ASGI application")
KILLED_DATABASE = "The embedded MongoDB exited with code -9"
# A stall (--freeze-database) comes this long after the last one ended.
FREEZE_EVERY = 45.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def processes_running(*words: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                if all(word in command for word in words):
                    found.append(int(entry.name))
    return found


class Service:
    """`python -m app` on its embedded database, started, killed and stopped as an operator
    would (a supervisor starts it again at once after a crash)."""

    def __init__(self, workdir: Path, workers: int, redis_url: str | None) -> None:
        self.data = workdir / "data"
        self.log = workdir / "service.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.environment = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
        self.environment |= {
            "EVENTSTORE_PORT": str(self.port),
            "EVENTSTORE_DATA_DIR": str(self.data),
            "EVENTSTORE_WORKERS": str(workers),
        }
        if redis_url is not None:
            self.environment["BROADCAST_URL"] = redis_url
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "app", env=self.environment, stdout=log, stderr=log, cwd=ROOT
            )
        async with httpx.AsyncClient(base_url=self.url) as http:
            for _ in range(1200):
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/readyz")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError(f"the service never became ready: see {self.log}")

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    def kill_database(self) -> int:
        killed = processes_running("secantusd", str(self.data))
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        return len(killed)

    async def freeze_database(self, seconds: float) -> int:
        """The database alive and connected but silent (SIGSTOP) for `seconds`: a stall."""
        frozen = processes_running("secantusd", str(self.data))
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(seconds)
        finally:
            for pid in frozen:
                os.kill(pid, signal.SIGCONT)
        return len(frozen)

    async def stop(self) -> float:
        """SIGTERM, as Ctrl-C or a supervisor's stop: how long until it exited."""
        assert self.process is not None
        started = time.monotonic()
        self.process.terminate()
        await asyncio.wait_for(self.process.wait(), 60)
        return time.monotonic() - started

    def mongodb_uri(self) -> str:
        found = EMBEDDED_URI.findall(self.log.read_bytes())
        if not found:
            raise RuntimeError("the service's log does not say where its database is")
        return str(found[-1].decode())


@dataclass
class Requests:
    longest: float = 0.0
    attempts: int = 0
    slowest: list[tuple[float, str, str]] = field(default_factory=list)
    """The ten slowest attempts: seconds, when (since the start), what."""
    refused: dict[str, int] = field(default_factory=dict)
    acknowledged: int = 0
    give_up: bool = False
    """Set once the service is stopped on purpose: clients stop sending again."""

    def took(self, seconds: float, what: str) -> None:
        self.attempts += 1
        self.longest = max(self.longest, seconds)
        self.slowest.append((round(seconds, 2), time.strftime("%H:%M:%S"), what))
        self.slowest = sorted(self.slowest, reverse=True)[:10]


async def send_until_acknowledged(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], requests: Requests
) -> bool:
    """One request, sent again with the same key until the service acknowledges it (True),
    or until told to give up (False)."""
    while not requests.give_up:
        started = time.monotonic()
        try:
            answer = await http.post("/graphql", json={"query": query, "variables": variables})
            requests.took(time.monotonic() - started, str(variables.get("key")))
            body = answer.json()
            if answer.status_code == 200 and not body.get("errors"):
                return True
            codes = [e.get("extensions", {}).get("code", "?") for e in body.get("errors", [])]
            code = codes[0] if codes else f"HTTP {answer.status_code}"
        except (httpx.TransportError, ValueError) as error:
            requests.took(time.monotonic() - started, f"{variables.get('key')}: {error!r}")
            code = type(error).__name__
        requests.refused[code] = requests.refused.get(code, 0) + 1
        await asyncio.sleep(0.2)
    return False


def event(client: str, n: int) -> dict[str, Any]:
    return {"eventName": "build", "eventAction": "succeeded", "teamId": client, "data": {"n": n}}


async def batch_client(url: str, name: str, size: int, until: float, requests: Requests) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        batch = 0
        while time.monotonic() < until and not requests.give_up:
            events = [event(name, batch * size + n) for n in range(size)]
            variables = {"events": events, "key": f"{name}-{batch}"}
            if await send_until_acknowledged(http, BATCH, variables, requests):
                requests.acknowledged += size
            batch += 1


async def single_client(url: str, name: str, until: float, requests: Requests) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        n = 0
        while time.monotonic() < until and not requests.give_up:
            variables = {"event": event(name, n), "key": f"{name}-{n}"}
            if await send_until_acknowledged(http, SINGLE, variables, requests):
                requests.acknowledged += 1
            n += 1


@dataclass
class Watcher:
    """A subscriber: the ids it received, in order, and how often it (re)subscribed."""

    name: str
    resume_every: float | None
    received: list[str] = field(default_factory=list)
    cursor: str | None = None
    subscribed: int = 0
    drops: list[str] = field(default_factory=list)

    async def watch(self, url: str, stop: asyncio.Event, start_cursor: str) -> None:
        self.cursor = start_cursor
        ws_url = url.replace("http://", "ws://") + "/graphql"
        while not stop.is_set():
            try:
                await self._once(ws_url, stop)
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError) as dropped:
                self.drops.append(repr(dropped))
                await asyncio.sleep(0.2)

    async def _once(self, ws_url: str, stop: asyncio.Event) -> None:
        subprotocols = [Subprotocol("graphql-transport-ws")]
        async with connect(
            ws_url, subprotocols=subprotocols, open_timeout=10, close_timeout=1
        ) as socket:
            await socket.send(json.dumps({"type": "connection_init"}))
            while json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] != "connection_ack":
                pass
            subscribe = {"query": WATCH, "variables": {"after": self.cursor}}
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
            self.subscribed += 1
            loop = asyncio.get_running_loop()
            leave_at = loop.time() + (self.resume_every or float("inf"))
            while not stop.is_set() and loop.time() < leave_at:
                with contextlib.suppress(TimeoutError):
                    message = json.loads(await asyncio.wait_for(socket.recv(), 0.1))
                    if message["type"] == "ping":
                        await socket.send(json.dumps({"type": "pong"}))
                    elif message["type"] == "next":
                        payload = message["payload"]
                        if payload.get("errors"):
                            self.drops.append(json.dumps(payload["errors"])[:200])
                            return
                        node = payload["data"]["events"]
                        self.received.append(node["id"])
                        self.cursor = node["cursor"]
                    elif message["type"] in ("error", "complete"):
                        self.drops.append(json.dumps(message)[:200])
                        return

    def report(self, positions: dict[str, int]) -> dict[str, Any]:
        held, below, seen, repeated = 0, 0, set(), 0
        for event_id in self.received:
            if event_id in seen:
                repeated += 1
                continue
            seen.add(event_id)
            position = positions.get(event_id, 0)
            if position < held:
                below += 1
            held = max(held, position)
        return {
            "received": len(self.received),
            "below_a_held_position": below,
            "missed": len(set(positions) - seen),
            "repeated": repeated,
            "subscriptions": self.subscribed,
            "drops": len(self.drops),
            "first_drops": self.drops[:3],
        }


async def positions_of(uri: str, database: str) -> dict[str, int]:
    """Every stored event's position, read from MongoDB itself."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        found = client[database]["events"].find({}, {"seq": 1})
        return {str(document["_id"]): int(document["seq"]) async for document in found}
    finally:
        await client.close()


async def faults(service: Service, args: argparse.Namespace, until: float) -> dict[str, int]:
    done = {"database_kills": 0, "database_freezes": 0, "service_kills": 0}
    if args.kill_service:
        pause = args.minutes * 60 / (args.kill_service + 1)
        for _ in range(args.kill_service):
            await asyncio.sleep(pause)
            await service.kill()
            await service.start()  # at once, as a supervisor would
            done["service_kills"] += 1
    elif args.kill_database:
        while time.monotonic() + args.kill_database < until:
            await asyncio.sleep(args.kill_database)
            done["database_kills"] += service.kill_database()
    elif args.freeze_database:
        while time.monotonic() + FREEZE_EVERY + args.freeze_database < until:
            await asyncio.sleep(FREEZE_EVERY)
            done["database_freezes"] += await service.freeze_database(args.freeze_database)
    return done


async def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="eventstore-positions-"))
    redis: asyncio.subprocess.Process | None = None
    redis_url = None
    if args.workers > 1:
        executable = shutil.which("redis-server")
        if executable is None:
            raise SystemExit("--workers needs Debian's redis-server")
        redis_port = free_port()
        redis = await asyncio.create_subprocess_exec(
            executable, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        await asyncio.sleep(0.5)
    service = Service(workdir, args.workers, redis_url)
    try:
        await service.start()
        async with httpx.AsyncClient(base_url=service.url) as http:
            answer = await http.post("/graphql", json={"query": "{ arrivalsCursor }"})
            start_cursor = answer.json()["data"]["arrivalsCursor"]
        stop_watching = asyncio.Event()
        watchers = [Watcher("connected", None), Watcher("resuming", args.resume_every)]
        watching = [
            asyncio.create_task(w.watch(service.url, stop_watching, start_cursor)) for w in watchers
        ]
        requests = Requests()
        started = time.monotonic()
        until = started + args.minutes * 60
        clients = [
            *(
                batch_client(service.url, f"batch-{n}", args.batch_size, until, requests)
                for n in range(args.batch_clients)
            ),
            *(
                single_client(service.url, f"single-{n}", until, requests)
                for n in range(args.single_clients)
            ),
        ]
        sending = asyncio.gather(*clients)
        done_faults = await faults(service, args, until)
        await sending
        sent_for = time.monotonic() - started
        positions = await positions_of(service.mongodb_uri(), "eventstore")
        # Time to catch up: until both have everything stored, or a minute has passed.
        for _ in range(120):
            if all(len(set(w.received)) >= len(positions) for w in watchers):
                break
            await asyncio.sleep(0.5)
        stop_watching.set()
        await asyncio.gather(*watching)
        stop_seconds = await stop_under_load(service, args)
    finally:
        if service.process is not None and service.process.returncode is None:
            service.process.kill()
        if redis is not None:
            redis.kill()
            await redis.wait()
    log = service.log.read_text(errors="replace")
    errors = [
        line
        for line in log.splitlines()
        if LOGGED_ERRORS.search(line) and not (args.kill_database and KILLED_DATABASE in line)
    ]
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": vars(args) | {"json": str(args.json)},
        "sent_for_seconds": round(sent_for, 1),
        "stored": len(positions),
        "acknowledged": requests.acknowledged,
        "requests": requests.attempts,
        "longest_request_seconds": round(requests.longest, 2),
        "slowest_requests": requests.slowest,
        "refused": requests.refused,
        "faults": done_faults,
        "subscribers": {w.name: w.report(positions) for w in watchers},
        "stop_seconds": round(stop_seconds, 2),
        "logged_errors": errors[:20],
        "logged_error_count": len(errors),
        "log": str(service.log),
    }


async def stop_under_load(service: Service, args: argparse.Namespace) -> float:
    """The service stopped (SIGTERM) while every client still sends: how long it took."""
    late = Requests()
    clients = [
        *(
            batch_client(service.url, f"late-batch-{n}", args.batch_size, float("inf"), late)
            for n in range(args.batch_clients)
        ),
        *(
            single_client(service.url, f"late-single-{n}", float("inf"), late)
            for n in range(args.single_clients)
        ),
    ]
    sending = asyncio.gather(*clients)
    await asyncio.sleep(3)
    try:
        return await service.stop()
    finally:
        late.give_up = True
        await sending


def verdict(result: dict[str, Any], bound: float) -> list[str]:
    """What is wrong with a run, in words; empty when nothing is."""
    wrong = []
    for name, seen in result["subscribers"].items():
        for what in ("below_a_held_position", "missed", "repeated"):
            if seen[what]:
                wrong.append(f"{name}: {seen[what]} {what.replace('_', ' ')}")
    if result["stored"] != result["acknowledged"]:
        wrong.append(f"{result['acknowledged']} acknowledged, {result['stored']} stored")
    if result["longest_request_seconds"] > bound:
        wrong.append(f"a request took {result['longest_request_seconds']} s (bound {bound} s)")
    if result["stop_seconds"] > 10:
        wrong.append(f"stopping took {result['stop_seconds']} s")
    if result["logged_error_count"]:
        wrong.append(f"{result['logged_error_count']} errors logged")
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--batch-clients", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--single-clients", type=int, default=3)
    parser.add_argument("--resume-every", type=float, default=0.5)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--kill-database", type=float, default=0, metavar="SECONDS")
    parser.add_argument("--kill-service", type=int, default=0, metavar="CYCLES")
    parser.add_argument(
        "--freeze-database",
        type=float,
        default=0,
        metavar="SECONDS",
        help=f"stop the database (SIGSTOP) for SECONDS every {FREEZE_EVERY:g} s",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    args.json = args.json or ROOT / "bench-results" / f"positions-{stamp}.json"
    result = asyncio.run(run(args))
    # The documented bound on any request (docs/operations.md): twice the query timeout plus
    # the MongoDB timeout, and a second for the refusal's own way back.
    bound = 2 * 10 + 5 + 1
    result["wrong"] = verdict(result, bound)
    args.json.parent.mkdir(exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "settings"}, indent=2))
    return 1 if result["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
