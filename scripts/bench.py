#!/usr/bin/env python3
"""Benchmarks, each figure beside a baseline measured in the same run on the same machine.

    .venv/bin/python scripts/bench.py [--subscribers 500] [--events 100] [--json bench.json]
    .venv/bin/python scripts/bench.py --scale [--sizes 10000,100000,1000000]

1. ingest: single `ingestLifecycleEvent` calls over HTTP at concurrency C vs the raw driver's
   `insert_one` of the same documents; `ingestEvents` batches vs `insert_many`.
2. reads: a 100-event page through `events` over HTTP vs `find().sort().limit(100)` + JSON.
3. fan-out: S websocket subscribers of one subscription, E events, vs a bare websocket server
   sending one prepared message per socket (scripts/bench_broadcast.py).
4. memory: resident memory of the service per idle subscriber.

With --scale, runs scripts/bench_scale.py instead: the reads over stores of growing size.

Uses MONGODB_URI when set, else starts the embedded server. Ratios are ours / baseline
(for rates, higher is better; for latencies, lower is better).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import bench_scale
import httpx
from pymongo import AsyncMongoClient, WriteConcern
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.documents.layout import to_document  # noqa: E402
from app.intake import IntakeLimits, lifecycle_event  # noqa: E402
from app.store.embedded import EmbeddedMongo  # noqa: E402
from app.timestamps import utc_now  # noqa: E402

LIMITS = IntakeLimits(max_bytes=1 << 20, max_depth=32)
INGEST = """mutation($input: LifecycleEventInput!) {
  ingestLifecycleEvent(input: $input) { created }
}"""
BATCH = """mutation($lifecycle: [LifecycleEventInput!]) {
  ingestEvents(lifecycle: $lifecycle) { count }
}"""
PAGE = "{ events(limit: 100) { nodes { ... on Event { id type action teamId timestamp raw } } } }"
SUBSCRIBE = """subscription($filter: EventFilter) {
  events(filter: $filter) { ... on Event { id type timestamp raw } }
}"""


def body(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "event_name": "deployment",
        "event_action": "succeeded",
        "repo": f"repo-{n % 7}",
        "branch": "main",
        "commit": uuid.uuid4().hex,
        "team_id": f"team-{n % 3}",
        **extra,
    }


def graphql_input(cto: dict[str, Any]) -> dict[str, Any]:
    names = {"event_name": "eventName", "event_action": "eventAction", "team_id": "teamId"}
    named = {
        names.get(k, k): v for k, v in cto.items() if k in (*names, "repo", "branch", "commit")
    }
    data = {k: v for k, v in cto.items() if k not in (*names, "repo", "branch", "commit")}
    return named | ({"data": data} if data else {})


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def concurrently(
    count: int, concurrency: int, job: Callable[[int], Awaitable[None]]
) -> float:
    """Runs job(0..count-1) with `concurrency` workers; returns the elapsed seconds."""
    numbers = iter(range(count))

    async def worker() -> None:
        for n in numbers:
            await job(n)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def bench_ingest(
    http: httpx.AsyncClient, raw: Any, count: int, concurrency: int
) -> dict[str, Any]:
    async def ours(n: int) -> None:
        answer = await http.post(
            "/graphql", json={"query": INGEST, "variables": {"input": graphql_input(body(n))}}
        )
        assert "errors" not in answer.json(), answer.text

    async def baseline(n: int) -> None:
        event = lifecycle_event(body(n), utc_now(), LIMITS)
        await raw.insert_one(to_document(event, seq=10_000_000 + n, received_at=utc_now()))

    ours_s = await concurrently(count, concurrency, ours)
    raw_s = await concurrently(count, concurrency, baseline)

    batches, size = 4, 500
    started = time.perf_counter()
    for b in range(batches):
        items = [graphql_input(body(b * size + n)) for n in range(size)]
        answer = await http.post(
            "/graphql", json={"query": BATCH, "variables": {"lifecycle": items}}
        )
        assert "errors" not in answer.json(), answer.text
    ours_batch_s = time.perf_counter() - started
    started = time.perf_counter()
    for b in range(batches):
        now = utc_now()
        documents = [
            to_document(
                lifecycle_event(body(n), now, LIMITS),
                seq=20_000_000 + b * size + n,
                received_at=now,
            )
            for n in range(size)
        ]
        await raw.insert_many(documents)
    raw_batch_s = time.perf_counter() - started
    single = {"ours_per_s": count / ours_s, "raw_per_s": count / raw_s}
    batch = {"ours_per_s": batches * size / ours_batch_s, "raw_per_s": batches * size / raw_batch_s}
    for figure in (single, batch):
        figure["ratio"] = figure["ours_per_s"] / figure["raw_per_s"]
    return {
        "single": single | {"concurrency": concurrency, "count": count},
        "batch": batch | {"batch_size": size},
    }


async def bench_reads(http: httpx.AsyncClient, events: Any, rounds: int) -> dict[str, Any]:
    ours: list[float] = []
    raw: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = await http.post("/graphql", json={"query": PAGE})
        assert len(answer.json()["data"]["events"]["nodes"]) == 100
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        documents = (
            await events.find({}).sort([("timestamp", -1), ("seq", -1)]).limit(100).to_list()
        )
        json.dumps(documents, default=str)
        raw.append(time.perf_counter() - started)
    result: dict[str, Any] = {}
    for name, values in (("ours", ours), ("raw", raw)):
        result[f"{name}_p50_ms"] = percentile(values, 0.5) * 1000
        result[f"{name}_p99_ms"] = percentile(values, 0.99) * 1000
    result["ratio_p50"] = result["ours_p50_ms"] / result["raw_p50_ms"]
    result["ratio_p99"] = result["ours_p99_ms"] / result["raw_p99_ms"]
    return result


async def open_subscribers(
    url: str, count: int, subscribe: Callable[[int], dict[str, Any]] | None
) -> list[ClientConnection]:
    """`count` websockets; with `subscribe`, GraphQL ones, each sending its subscription."""

    async def one(n: int) -> ClientConnection:
        if subscribe is None:
            return await connect(url, max_size=None)
        socket = await connect(
            url, subprotocols=[Subprotocol("graphql-transport-ws")], max_size=None
        )
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps(subscribe(n)))
        return socket

    sockets: list[ClientConnection] = []
    for start in range(0, count, 50):
        sockets += await asyncio.gather(*(one(n) for n in range(start, min(count, start + 50))))
    return sockets


async def receive_all(
    sockets: list[ClientConnection],
    expected: int,
    sent_of: Callable[[dict[str, Any]], float | None],
) -> tuple[float, list[float]]:
    """Waits for `expected` messages on every socket; returns the last arrival and latencies."""
    latencies: list[float] = []
    last = 0.0

    async def drain(socket: ClientConnection) -> None:
        nonlocal last
        got = 0
        while got < expected:
            message = json.loads(await asyncio.wait_for(socket.recv(), 120))
            if message.get("type") == "ping":  # the server counts on the answer
                await socket.send(json.dumps({"type": "pong"}))
                continue
            sent = sent_of(message)
            if sent is None:
                continue
            now = time.time()
            latencies.append(now - sent)
            last = max(last, now)
            got += 1

    await asyncio.gather(*(drain(socket) for socket in sockets))
    return last, latencies


def fanout_figures(
    subscribers: int, events: int, started: float, last: float, latencies: list[float]
) -> dict[str, Any]:
    return {
        "messages_per_s": subscribers * events / (last - started),
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


async def bench_fanout(
    http: httpx.AsyncClient, service_ws: str, bare_port: int, subscribers: int, events: int
) -> dict[str, Any]:
    subscription = {
        "id": "1",
        "type": "subscribe",
        "payload": {"query": SUBSCRIBE, "variables": {"filter": {"repo": {"eq": "fanout"}}}},
    }
    sockets = await open_subscribers(service_ws, subscribers, lambda n: subscription)

    def sent_of(message: dict[str, Any]) -> float | None:
        if message.get("type") != "next":
            return None
        sent = message["payload"]["data"]["events"]["raw"].get("sent")
        return float(sent) if sent is not None else None

    # Warm up until every subscriber is registered and receiving (they register in their time).
    warm = {"eventName": "warm-up", "eventAction": "x", "repo": "fanout"}
    waiting = asyncio.create_task(
        receive_all(sockets, 1, lambda m: 0.0 if m.get("type") == "next" else None)
    )
    while not waiting.done():
        await http.post("/graphql", json={"query": INGEST, "variables": {"input": warm}})
        await asyncio.wait([waiting], timeout=0.5)
    await asyncio.sleep(0.5)
    started = time.time()
    items = [graphql_input(body(n, repo="fanout", sent=time.time())) for n in range(events)]
    await http.post("/graphql", json={"query": BATCH, "variables": {"lifecycle": items}})
    last, latencies = await receive_all(sockets, events, sent_of)
    ours = fanout_figures(subscribers, events, started, last, latencies)
    for socket in sockets:
        await socket.close()

    bare_sockets = await open_subscribers(f"ws://127.0.0.1:{bare_port}/ws", subscribers, None)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{bare_port}") as bare:
        for _ in range(600):  # the server counts sockets as it accepts them
            if (await bare.get("/connected")).json()["sockets"] >= subscribers:
                break
            await asyncio.sleep(0.05)
        started = time.time()
        await bare.post("/broadcast", params={"count": events}, timeout=300)
    last, latencies = await receive_all(bare_sockets, events, lambda m: m["payload"]["sent"])
    baseline = fanout_figures(subscribers, events, started, last, latencies)
    for socket in bare_sockets:
        await socket.close()
    return {
        "subscribers": subscribers,
        "events": events,
        "ours": ours,
        "bare": baseline,
        "ratio": ours["messages_per_s"] / baseline["messages_per_s"],
    }


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def bench_memory(service_ws: str, pid: int, subscribers: int) -> dict[str, Any]:
    await asyncio.sleep(1)
    before = resident_kib(pid)

    def distinct(n: int) -> dict[str, Any]:
        variables = {"filter": {"repo": {"eq": f"idle-{n}"}}}
        return {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": SUBSCRIBE, "variables": variables},
        }

    sockets = await open_subscribers(service_ws, subscribers, distinct)
    await asyncio.sleep(2)
    after = resident_kib(pid)
    for socket in sockets:
        await socket.close()
    return {"subscribers": subscribers, "kib_per_subscriber": (after - before) / subscribers}


async def wait_ready(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as http:
        for _ in range(600):
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not become ready")


def progress(step: str) -> None:
    print(f"... {step}", file=sys.stderr, flush=True)


def table(results: dict[str, Any]) -> str:
    ingest, reads, fanout = results["ingest"], results["reads"], results["fanout"]
    rows = [
        ("figure", "ours", "baseline", "ratio"),
        (
            "ingest, single (events/s)",
            f"{ingest['single']['ours_per_s']:.0f}",
            f"{ingest['single']['raw_per_s']:.0f}",
            f"{ingest['single']['ratio']:.2f}",
        ),
        (
            "ingest, batches of 500 (events/s)",
            f"{ingest['batch']['ours_per_s']:.0f}",
            f"{ingest['batch']['raw_per_s']:.0f}",
            f"{ingest['batch']['ratio']:.2f}",
        ),
        (
            "read 100 events, p50 (ms)",
            f"{reads['ours_p50_ms']:.1f}",
            f"{reads['raw_p50_ms']:.1f}",
            f"{reads['ratio_p50']:.2f}",
        ),
        (
            "read 100 events, p99 (ms)",
            f"{reads['ours_p99_ms']:.1f}",
            f"{reads['raw_p99_ms']:.1f}",
            f"{reads['ratio_p99']:.2f}",
        ),
        (
            f"fan-out to {fanout['subscribers']} (msgs/s)",
            f"{fanout['ours']['messages_per_s']:.0f}",
            f"{fanout['bare']['messages_per_s']:.0f}",
            f"{fanout['ratio']:.2f}",
        ),
        (
            "fan-out latency p50 (ms)",
            f"{fanout['ours']['p50_ms']:.0f}",
            f"{fanout['bare']['p50_ms']:.0f}",
            "",
        ),
        (
            "fan-out latency p99 (ms)",
            f"{fanout['ours']['p99_ms']:.0f}",
            f"{fanout['bare']['p99_ms']:.0f}",
            "",
        ),
        (
            "memory per idle subscriber (KiB)",
            f"{results['memory']['kib_per_subscriber']:.1f}",
            "",
            "",
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |"
        for row in rows
    ]
    lines.insert(1, "| " + " | ".join("-" * width for width in widths) + " |")
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="eventstore-bench-"))
    embedded = None
    uri = os.environ.get("MONGODB_URI")
    if uri is None:
        embedded = EmbeddedMongo(workdir / "mongo")
        uri = await embedded.start()
    database = f"bench_{uuid.uuid4().hex[:8]}"
    port, bare_port = bench_scale.free_port(), bench_scale.free_port()
    env = os.environ | {
        "MONGODB_URI": uri,
        "EVENTSTORE_DATABASE": database,
        "EVENTSTORE_PORT": str(port),
        "EVENTSTORE_LOG_LEVEL": "WARNING",
        "EVENTSTORE_MAX_REQUEST_BYTES": str(16 << 20),
        "EVENTSTORE_SUBSCRIBER_BUFFER": "100000",
    }
    service = await asyncio.create_subprocess_exec(sys.executable, "-m", "app", cwd=ROOT, env=env)
    bare = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "scripts" / "bench_broadcast.py"), str(bare_port)
    )
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
    try:
        await wait_ready(f"http://127.0.0.1:{port}")
        durable = WriteConcern(w="majority", j=True)
        raw = client[database].get_collection("raw_events", write_concern=durable)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=300) as http:
            progress("ingest")
            results: dict[str, Any] = {
                "ingest": await bench_ingest(http, raw, args.count, args.concurrency)
            }
            progress("reads")
            results["reads"] = await bench_reads(http, client[database]["events"], args.reads)
            ws = f"ws://127.0.0.1:{port}/graphql"
            progress("fan-out")
            results["fanout"] = await bench_fanout(
                http, ws, bare_port, args.subscribers, args.events
            )
            progress("memory")
            results["memory"] = await bench_memory(ws, service.pid, args.subscribers)
        return results
    finally:
        await client.drop_database(database)
        await client.close()
        for process in (service, bare):
            process.terminate()
            await process.wait()
        if embedded is not None:
            await embedded.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="single ingests")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--reads", type=int, default=200, help="page reads")
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--events", type=int, default=100, help="events fanned out")
    parser.add_argument(
        "--json",
        type=Path,
        help="default bench-results/bench.json (with --scale, bench-results/scale-<time>.json)",
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="run the scale benchmark instead: reads over stores of growing size",
    )
    bench_scale.add_arguments(parser)
    args = parser.parse_args()
    if args.scale:
        bench_scale.main(args)
        return
    args.json = args.json or ROOT / "bench-results" / "bench.json"
    started = time.perf_counter()
    results = asyncio.run(run(args))
    results["seconds"] = time.perf_counter() - started
    print(table(results))
    print(f"\n({results['seconds']:.0f} s; JSON in {args.json})")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
