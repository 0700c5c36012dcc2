#!/usr/bin/env python3
"""Benchmarks, each figure beside a baseline measured in the same run and the servers' CPU.

    .venv/bin/python scripts/bench.py                    # a few minutes on 2 cores
    .venv/bin/python scripts/bench.py --quick            # seconds: a smoke check
    .venv/bin/python scripts/bench.py --update-readme    # also commit-ready table + JSON
    .venv/bin/python scripts/bench.py --scale [--sizes 10000,100000,1000000]

1. ingest: single `ingestLifecycleEvent` calls over HTTP at concurrency C vs the raw driver's
   `insert_one` of the same documents into a collection with the events collection's indexes;
   `ingestEvents` batches vs `insert_many`; each also beside an `_id`-only collection.
2. reads: a 100-event page through `events` over HTTP vs `find().sort().limit(100)` + JSON.
3. fan-out to each of `--fanout` subscriber counts of one subscription vs a bare websocket
   server sending prepared messages (scripts/bench_broadcast.py) to as many sockets.
4. distinct: `--distinct` subscriptions with different team filters, events at `--rate`.
5. idle + active: `--idle` subscribers no event matches beside `--active` ones fed at
   `--active-rate`: memory per idle subscriber, the active ones' latency.

Subscribers live in `--workers` processes (scripts/bench_load.py), the same ones for the
service and the bare server. Every figure records the CPU seconds of the service, of the
embedded database and of the bare server while it ran (from /proc), so a figure that moved
with the client's load, not the server's work, shows. With --scale, runs
scripts/bench_scale.py instead. Uses MONGODB_URI when set, else starts the embedded server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bench_http
import bench_live
import bench_proc
import bench_scale
import bench_table
import httpx
from bench_load import LoadClients
from pymongo import AsyncMongoClient, WriteConcern

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.documents.layout import to_document  # noqa: E402
from app.families.lifecycle.intake import lifecycle_event  # noqa: E402
from app.intake import IntakeLimits  # noqa: E402
from app.store.embedded import EmbeddedMongo  # noqa: E402
from app.store.indexes import ensure_indexes  # noqa: E402
from app.timestamps import utc_now  # noqa: E402

LIMITS = IntakeLimits(max_bytes=1 << 20, max_depth=32)
PAGE = "{ events(limit: 100) { nodes { ... on Event { id type action teamId timestamp raw } } } }"
BATCH_SIZE = 500
OPTIONS = "count concurrency reads fanout events distinct rate seconds idle active active_rate"
OPTIONS += " workers quick"


def body(n: int) -> dict[str, Any]:
    """A CTO.ai lifecycle body: what the driver baseline stores and the service is sent."""
    return {
        "event_name": "deployment",
        "event_action": "succeeded",
        "repo": f"repo-{n % 7}",
        "branch": "main",
        "commit": uuid.uuid4().hex,
        "team_id": f"team-{n % 3}",
    }


def graphql_input(cto: dict[str, Any]) -> dict[str, Any]:
    names = {"event_name": "eventName", "event_action": "eventAction", "team_id": "teamId"}
    return {names.get(k, k): v for k, v in cto.items()}


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


async def measured(
    meter: bench_proc.CpuMeter, work: Callable[[], Awaitable[float]], events: int
) -> dict[str, Any]:
    """Events per second of `work` (which returns its seconds) and the CPU it cost."""
    before = meter.read()
    seconds = await work()
    used = meter.since(before)
    return {"per_s": round(events / seconds, 1), "cpu": used}


def ingest_figure(
    ours: dict[str, Any], raw: dict[str, Any], id_only: dict[str, Any]
) -> dict[str, Any]:
    """Ours beside the driver storing the same documents in the same layout (the events
    collection's indexes), and, for reference, in a collection with no index but `_id`."""
    return {
        "ours_per_s": ours["per_s"],
        "raw_per_s": raw["per_s"],
        "ratio": round(ours["per_s"] / raw["per_s"], 3),
        "target_ratio": 0.5,
        "ours_cpu": ours["cpu"],
        "raw_cpu": raw["cpu"],
        "raw_id_only_per_s": id_only["per_s"],
        "ratio_to_id_only": round(ours["per_s"] / id_only["per_s"], 3),
    }


async def bench_ingest(
    http: httpx.AsyncClient,
    collections: tuple[Any, Any],
    meter: bench_proc.CpuMeter,
    count: int,
    concurrency: int,
) -> dict[str, Any]:
    raw = collections[0]

    async def baseline(n: int) -> None:
        event = lifecycle_event(body(n), utc_now(), LIMITS)
        await raw.insert_one(to_document(event, seq=10_000_000 + n, received_at=utc_now()))

    async def ours_batches() -> float:
        started = time.perf_counter()
        for _ in range(batches):
            await bench_live.ingest_batches(
                http, [graphql_input(body(n)) for n in range(BATCH_SIZE)]
            )
        return time.perf_counter() - started

    async def raw_batches() -> float:
        started = time.perf_counter()
        for b in range(batches):
            now = utc_now()
            events = [lifecycle_event(body(n), now, LIMITS) for n in range(BATCH_SIZE)]
            base = 20_000_000 + b * BATCH_SIZE
            documents = [
                to_document(e, seq=base + n, received_at=now) for n, e in enumerate(events)
            ]
            await raw.insert_many(documents)
        return time.perf_counter() - started

    batches = max(1, count // BATCH_SIZE) * 2
    url = str(http.base_url.join("/graphql"))
    bodies = [  # prepared before the clock starts: encoding them is the client's work
        json.dumps(
            {"query": bench_live.INGEST, "variables": {"input": graphql_input(body(n))}}
        ).encode()
        for n in range(count)
    ]
    ours_single = await measured(
        meter, lambda: bench_http.post_all(url, bodies, concurrency), count
    )
    raw_single = await measured(meter, lambda: concurrently(count, concurrency, baseline), count)
    ours_batch = await measured(meter, ours_batches, batches * BATCH_SIZE)
    raw_batch = await measured(meter, raw_batches, batches * BATCH_SIZE)
    raw = collections[1]  # the same again, into a collection indexed only by `_id`
    single = ingest_figure(
        ours_single,
        raw_single,
        await measured(meter, lambda: concurrently(count, concurrency, baseline), count),
    )
    batch = ingest_figure(
        ours_batch, raw_batch, await measured(meter, raw_batches, batches * BATCH_SIZE)
    )
    return {
        "single": single | {"concurrency": concurrency, "count": count},
        "batch": batch | {"batch_size": BATCH_SIZE, "batches": batches},
    }


async def bench_reads(
    http: httpx.AsyncClient, events: Any, meter: bench_proc.CpuMeter, rounds: int
) -> dict[str, Any]:
    times: dict[str, list[float]] = {"ours": [], "raw": []}
    url = str(http.base_url.join("/graphql"))
    connection, request = await bench_http.Connection.open(url), json.dumps({"query": PAGE})
    for _ in range(rounds):
        started = time.perf_counter()
        answer = await connection.post(bench_http.request_head(url), request.encode())
        times["ours"].append(time.perf_counter() - started)  # decoding it is the client's work
        assert len(json.loads(answer)["data"]["events"]["nodes"]) == 100
        started = time.perf_counter()
        found = await events.find({}).sort([("timestamp", -1), ("seq", -1)]).limit(100).to_list()
        json.dumps(found, default=str)
        times["raw"].append(time.perf_counter() - started)
    await connection.close()
    result: dict[str, Any] = {"rounds": rounds}
    for name, values in times.items():
        result[f"{name}_p50_ms"] = round(bench_live.percentile(values, 0.5) * 1000, 2)
        result[f"{name}_p99_ms"] = round(bench_live.percentile(values, 0.99) * 1000, 2)
    result["ratio_p50"] = round(result["ours_p50_ms"] / result["raw_p50_ms"], 3)
    result["ratio_p99"] = round(result["ours_p99_ms"] / result["raw_p99_ms"], 3)
    return result


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
    print(f"... {time.strftime('%H:%M:%S')} {step}", file=sys.stderr, flush=True)


async def measure(live: bench_live.Live, mongo: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Every figure, in the order of the table."""
    durable = WriteConcern(w="majority", j=True)
    raw = mongo.get_collection("raw_events", write_concern=durable)
    # The layout the service stores events in: the driver's baseline pays for it too.
    await ensure_indexes(raw)
    id_only = mongo.get_collection("raw_events_id_only", write_concern=durable)
    progress("ingest")
    results: dict[str, Any] = {
        "ingest": await bench_ingest(
            live.http, (raw, id_only), live.meter, args.count, args.concurrency
        )
    }
    results["settled_s"] = {"after ingest": await settled(mongo)}
    progress("reads")
    results["reads"] = await bench_reads(live.http, mongo["events"], live.meter, args.reads)
    results["fanout"] = []
    for subscribers in args.fanout:
        progress(f"fan-out to {subscribers}")
        results["fanout"].append(await bench_live.fanout(live, subscribers, args.events))
    results["settled_s"]["after fan-out"] = await settled(mongo)
    if args.distinct:
        progress(f"{args.distinct} distinct subscriptions at {args.rate}/s")
        results["distinct"] = await bench_live.distinct(
            live, args.distinct, args.rate, args.seconds
        )
        results["settled_s"]["after distinct"] = await settled(mongo)
    if args.idle or args.active:
        progress(f"{args.idle} idle + {args.active} active subscribers")
        results["idle"] = await bench_live.idle_active(
            live, args.idle, args.active, args.active_rate, args.seconds
        )
    return results


async def settled(mongo: Any, within: float = 300) -> float:
    """Seconds until the read models have absorbed every stored event: the database's work
    left over from one figure must not be measured as part of the next one's."""
    started = time.perf_counter()
    while time.perf_counter() - started < within:
        counter = await mongo["counters"].find_one({"_id": "events"})
        checkpoint = await mongo["read_models"].find_one({"_id": "checkpoint"})
        if counter is None or (checkpoint is not None and checkpoint["seq"] >= counter["seq"]):
            break
        await asyncio.sleep(0.1)
    return round(time.perf_counter() - started, 2)


def service_env(uri: str, database: str, port: int) -> dict[str, str]:
    return os.environ | {
        "MONGODB_URI": uri,
        "EVENTSTORE_DATABASE": database,
        "EVENTSTORE_PORT": str(port),
        "EVENTSTORE_LOG_LEVEL": "WARNING",
        "EVENTSTORE_MAX_REQUEST_BYTES": str(16 << 20),
        "EVENTSTORE_SUBSCRIBER_BUFFER": "100000",
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Starts the database, the service, the bare server and the workers; measures; stops them."""
    workdir = Path(tempfile.mkdtemp(prefix="eventstore-bench-"))
    embedded, uri = None, os.environ.get("MONGODB_URI")
    if uri is None:
        embedded = EmbeddedMongo(workdir / "mongo")
        uri = await embedded.start()
    database = f"bench_{uuid.uuid4().hex[:8]}"
    port, bare_port = bench_scale.free_port(), bench_scale.free_port()
    service = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", cwd=ROOT, env=service_env(uri, database, port)
    )
    bare = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "scripts" / "bench_broadcast.py"), str(bare_port)
    )
    clients = await LoadClients.start(args.workers)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
    pids = {"service": service.pid, "bare": bare.pid, "bench": os.getpid()}
    pids |= {f"client-{n}": process.pid for n, process in enumerate(clients.processes)}
    if embedded is not None:  # its pid file reads "<server pid> <parent pid>"
        pids["db"] = int((workdir / "mongo" / "secantusd.pid").read_text().split()[0])
    try:
        await wait_ready(f"http://127.0.0.1:{port}")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as http:
            live = bench_live.Live(
                http=http,
                clients=clients,
                meter=bench_proc.CpuMeter(pids),
                service_ws=f"ws://127.0.0.1:{port}/graphql",
                bare_url=f"http://127.0.0.1:{bare_port}",
                service_pid=service.pid,
                read_models_settled=lambda: settled(mongo[database]),
            )
            return await measure(live, mongo[database], args)
    finally:
        progress("stopping")
        await clients.stop()
        for process in (service, bare):  # first, or the service sees its database vanish
            process.terminate()
            await process.wait()
        if embedded is None:  # an embedded server's files go with its directory, faster
            await mongo.drop_database(database)
        await mongo.close()
        if embedded is not None:
            await embedded.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="single ingests")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--reads", type=int, default=200, help="page reads")
    parser.add_argument("--fanout", type=counts, default=[500, 5000], help="e.g. 500,5000")
    parser.add_argument("--subscribers", type=int, help="the same as --fanout N (one count)")
    parser.add_argument("--events", type=int, default=100, help="events fanned out")
    parser.add_argument("--distinct", type=int, default=2000, help="0 skips the figure")
    parser.add_argument("--rate", type=float, default=100, help="distinct: events/s")
    parser.add_argument("--seconds", type=float, default=20, help="length of paced figures")
    parser.add_argument("--idle", type=int, default=10_000)
    parser.add_argument("--active", type=int, default=100)
    parser.add_argument("--active-rate", type=float, default=20, help="events/s, each to all")
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2))
    parser.add_argument("--quick", action="store_true", help="everything small: a smoke check")
    parser.add_argument("--json", type=Path, help="default bench-results/bench.json")
    parser.add_argument(
        "--update-readme",
        action="store_true",
        help=f"copy the JSON to {bench_table.LATEST.relative_to(ROOT)} and redraw the docs' table",
    )
    parser.add_argument("--scale", action="store_true", help="the scale benchmark instead")
    bench_scale.add_arguments(parser)
    args = parser.parse_args()
    if args.subscribers is not None:
        args.fanout = [args.subscribers]
    if args.quick:
        args.count, args.reads, args.fanout, args.events = 100, 20, [50], 10
        args.distinct, args.seconds, args.idle, args.active = 50, 2, 200, 10
    args.json = args.json or ROOT / "bench-results" / "bench.json"
    return args


def counts(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def main() -> None:
    args = arguments()
    if args.scale:
        bench_scale.main(args)
        return
    options = {name: getattr(args, name) for name in OPTIONS.split()}
    meta: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": bench_proc.machine(),
        "database": "MONGODB_URI" if "MONGODB_URI" in os.environ else "embedded SecantusDB",
        "load_before": bench_proc.load_average(),
        "options": options,
    }
    started = time.perf_counter()
    results = {"meta": meta} | asyncio.run(run(args))
    meta |= {
        "seconds": round(time.perf_counter() - started),
        "load_after": bench_proc.load_average(),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(bench_table.render(results))
    print(f"\n({meta['seconds']} s; JSON in {args.json})")
    if args.update_readme:
        bench_table.publish(args.json)


if __name__ == "__main__":
    main()
